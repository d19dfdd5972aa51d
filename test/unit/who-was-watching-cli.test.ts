import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import { appendEntry } from '../../engine/audit/chain.js';
import { createFileStore } from '../../engine/store/file-store.js';
import { demoModel } from '../helpers/demo-workspace.js';

const CLI = fileURLToPath(new URL('../../bin/upkeep.mjs', import.meta.url));

describe('upkeep who-was-watching without --at', function () {
  this.timeout(30_000);
  let dir: string;
  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-who-cli-'));
    writeFileSync(path.join(dir, 'upkeep.yaml'), stringify({ version: 1, store: 'store', models: [demoModel('churn')] }), { mode: 0o644 });
    const store = createFileStore(pathToFileURL(path.join(dir, 'store')).href);
    await appendEntry(store, {
      id: 'schedule-1',
      modelId: 'churn',
      at: new Date(Date.now() - 60_000).toISOString(),
      kind: 'schedule',
      actor: 'platform',
      summary: 'schedule created',
      details: { change: 'create', paused: false },
    });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const who = (...args: string[]) =>
    spawnSync(process.execPath, [CLI, 'who-was-watching', 'churn', ...args, '--config', path.join(dir, 'upkeep.yaml')], {
      encoding: 'utf8',
      env: { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:1', HOME: '/nonexistent' },
      timeout: 30_000,
    });

  it('answers for now, as it does with --at now (before: "required option --at" and "now" refused)', function () {
    const before = Date.now();
    for (const args of [[], ['--at', 'now']]) {
      const r = who(...args);
      assert.doesNotMatch(r.stderr, /required option|is invalid/, r.stderr);
      const m = /^churn at (\S+) \(from the audit chain in the store\)/m.exec(r.stdout);
      assert.ok(m, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.ok(Date.parse(m[1]!) >= before - 1000 && Date.parse(m[1]!) <= Date.now(), m[1]);
    }
  });
});
