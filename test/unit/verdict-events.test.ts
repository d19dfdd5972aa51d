import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { appendEntry } from '../../engine/audit/chain.js';
import { verdictEvents } from '../../engine/audit/routing.js';
import { parseConfig } from '../../engine/config/load.js';
import { createFileStore } from '../../engine/store/file-store.js';
import type { ArtifactStore } from '../../engine/store/store.js';
import { modelYaml } from '../helpers/config-text.js';

describe('warning and recovered events (engine/audit/routing.ts verdictEvents)', function () {
  let dir: string;
  let store: ArtifactStore;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-verdict-events-'));
    store = createFileStore(path.join(dir, 'store'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const config = (on: string) =>
    parseConfig(
      `notify:\n  channels:\n    pager: { type: pagerduty, routing_key_file: k }\n  routes: [{ channels: [pager], on: ${on} }]\nmodels:${modelYaml()}`,
      {
        name: 'upkeep.yaml',
        baseDir: dir,
      },
    );
  const evaluated = (day: number, verdict: string) =>
    appendEntry(store, {
      id: `run-${day}`,
      modelId: 'churn',
      at: `2026-03-${String(day).padStart(2, '0')}T06:01:00.000Z`,
      kind: 'evaluation',
      summary: verdict,
      workflowId: `w-${day}`,
      details: { verdict, windowEnd: `2026-03-${String(day).padStart(2, '0')}T06:00:00Z` },
    });
  const ask = (c: ReturnType<typeof config>, verdict: string, day: number) =>
    verdictEvents(store, c, { modelId: 'churn', verdict, windowEnd: `2026-03-${String(day).padStart(2, '0')}T06:00:00Z`, workflowId: `w-${day}` });

  it('is recovered when the latest earlier verdict, warnings and insufficient data skipped, was degraded or failing', async function () {
    const c = config('[degraded, failing, recovered, warning]');
    await evaluated(1, 'healthy');
    await evaluated(2, 'failing');
    await evaluated(3, 'warning');
    await evaluated(4, 'insufficient-data');
    // Its own entry (recorded already by the same run) is not the earlier verdict.
    await evaluated(5, 'healthy');
    assert.deepEqual(await ask(c, 'healthy', 5), { recovered: { previous: 'failing', windowEnd: '2026-03-02T06:00:00Z' } });
    assert.deepEqual(await ask(c, 'healthy', 6), {});
    assert.deepEqual(await ask(c, 'warning', 6), { warning: true });
  });

  it('sends neither where no route asks for it', async function () {
    await evaluated(1, 'degraded');
    const c = config('[degraded]');
    assert.deepEqual(await ask(c, 'healthy', 2), {});
    assert.deepEqual(await ask(c, 'warning', 2), {});
  });
});
