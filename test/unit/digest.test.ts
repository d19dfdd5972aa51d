import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { parseConfig } from '../../engine/config/load.js';
import { appendEntry } from '../../engine/audit/chain.js';
import { buildDigests } from '../../engine/audit/digest.js';
import { channelsFor } from '../../engine/notify/route.js';
import { createFileStore } from '../../engine/store/file-store.js';
import { demoModel } from '../helpers/demo-workspace.js';

describe('the maintenance digest: who gets which models, from the trail', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-digest-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const config = (governance: unknown) =>
    parseConfig(
      stringify({
        version: 1,
        store: 'store',
        governance,
        models: [demoModel('churn'), demoModel('fraud', { owner: 'fraud-owner@example.com' }), demoModel('ltv')],
      }),
      { name: 'upkeep.yaml', baseDir: dir },
    );

  it('builds the fleet digest and one per owner over the period just ended; none when not configured', async () => {
    const store = createFileStore(path.join(dir, 'store'));
    const at = new Date('2026-03-09T00:00:00Z');
    await appendEntry(store, { id: 'a', modelId: 'fraud', at: '2026-03-05T00:00:00.000Z', kind: 'evaluation', summary: 'x', details: { verdict: 'healthy' } });
    await appendEntry(store, { id: 'b', modelId: 'fraud', at: '2026-02-05T00:00:00.000Z', kind: 'evaluation', summary: 'x', details: { verdict: 'failing' } });
    const digests = await buildDigests(store, config({ digest: { to: ['platform@example.com'] } }), at);
    assert.deepEqual(
      digests.map((d) => [d.to, d.models, d.modelId]),
      [
        [['platform@example.com'], ['churn', 'fraud', 'ltv'], 'churn'],
        [['churn-owner@example.com'], ['churn', 'ltv'], 'churn'],
        [['fraud-owner@example.com'], ['fraud'], 'fraud'],
      ],
    );
    assert.deepEqual(digests[0]!.period, { since: '2026-03-02T00:00:00.000Z', until: '2026-03-09T00:00:00.000Z' });
    assert.equal(digests[2]!.figures.evaluations, 1);
    assert.equal(digests[2]!.figures.healthyAtEnd, 1);
    assert.match(digests[0]!.title, /^Maintenance digest 2026-03-02 → 2026-03-09 \(the fleet\): 1 of 3 healthy, 1 evaluations, 0 decisions$/);
    assert.deepEqual(await buildDigests(store, config(undefined), at), []);
    assert.equal((await buildDigests(store, config({ digest: { every: '1d', owners: false } }), at)).length, 0);
  });

  it('refuses a bad period naming the field', () => {
    assert.throws(() => config({ digest: { every: 'weekly' } }), /governance\.digest\.every.*expected a duration such as 7d/);
  });

  it('goes only to channels whose route names digest', () => {
    const routes = [{ channels: ['pager'] }, { channels: ['chat'], on: ['digest' as const, 'degraded' as const] }];
    assert.deepEqual(channelsFor({ routes }, 'digest'), ['chat']);
    assert.deepEqual(channelsFor({ routes }, 'degraded'), ['pager', 'chat']);
  });
});
