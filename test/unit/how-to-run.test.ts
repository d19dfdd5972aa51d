import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { parseConfig } from '../../engine/config/load.js';
import { nextSteps } from '../../cli/next-steps.js';
import { howToRun, otherTerminal, quote, workerHint } from '../../workers/how-to-run.js';
import { demoModel } from '../helpers/demo-workspace.js';

describe('the commands upkeep tells a person to run', () => {
  it('says npm start only inside the clone; an installed copy is told npx upkeep start', () => {
    const clone = howToRun({ cwd: '/home/ana/upkeep/examples', projectDir: '/home/ana/upkeep', env: {} });
    assert.deepEqual([clone.upkeep, clone.start, clone.npmRun('demo-feed')], ['npx upkeep', 'npm start', 'npm run demo-feed']);
    const local = howToRun({ cwd: '/home/ana/shop', projectDir: '/home/ana/shop/node_modules/upkeep', env: {} });
    assert.deepEqual([local.upkeep, local.start], ['npx upkeep', 'npx upkeep start']);
    assert.equal(workerHint(local), '`npx upkeep start` or `npx upkeep worker`');
    const global = howToRun({ cwd: '/home/ana/shop', projectDir: '/usr/lib/node_modules/upkeep', env: {} });
    assert.deepEqual([global.upkeep, global.start], ['upkeep', 'upkeep start']);
    assert.equal(
      howToRun({ cwd: '/home/ana/shop', projectDir: '/usr/lib/node_modules/upkeep', env: { npm_command: 'exec' } }).start,
      'npx upkeep start',
      'run through npx',
    );
    assert.equal(howToRun({ cwd: '/tmp/x', projectDir: '/root/.npm/_npx/8891/node_modules/upkeep', env: {} }).upkeep, 'npx upkeep');
    const elsewhere = howToRun({ cwd: '/home/ana/shop', projectDir: '/home/ana/upkeep', env: {} });
    assert.deepEqual(
      [elsewhere.start, elsewhere.npmRun('demo-feed')],
      ['npx upkeep start', 'npm --prefix /home/ana/upkeep run demo-feed'],
      'the clone, used from another folder',
    );
  });

  it('gives another terminal the settings it needs to reach the same server: a non-default UPKEEP_DEV_PORT, never a secret', () => {
    assert.deepEqual(otherTerminal({ env: {}, devPort: 7233 }), { prefix: '', secrets: [] });
    assert.equal(otherTerminal({ env: { UPKEEP_DEV_PORT: '7299' }, devPort: 7299 }).prefix, 'UPKEEP_DEV_PORT=7299 ');
    // a cluster's address wins over the dev port, as in clientTarget
    assert.equal(
      otherTerminal({ env: { TEMPORAL_ADDRESS: 'temporal.example.com:7233', TEMPORAL_NAMESPACE: 'ml' }, devPort: 7299 }).prefix,
      'TEMPORAL_ADDRESS=temporal.example.com:7233 TEMPORAL_NAMESPACE=ml ',
    );
    const keyed = otherTerminal({ env: { UPKEEP_PAYLOAD_KEYS: 'k1:c2VjcmV0', UPKEEP_TASK_QUEUE: 'ml team', UPKEEP_KEY_DIR: '/keys' }, devPort: 7233 });
    assert.equal(keyed.prefix, `UPKEEP_TASK_QUEUE='ml team' UPKEEP_KEY_DIR=/keys `);
    assert.deepEqual(keyed.secrets, ['UPKEEP_PAYLOAD_KEYS']);
    assert.equal(quote(`it's`), `'it'\\''s'`);
  });

  describe("upkeep start's next steps", () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-next-steps-'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('carry a non-default UPKEEP_DEV_PORT in every upkeep command, and the command an installed copy runs', async () => {
      const config = parseConfig(stringify({ version: 1, store: 'store', models: [demoModel('churn')] }), { name: 'upkeep.yaml', baseDir: dir });
      const text = await nextSteps({
        config,
        configPath: path.join(dir, 'upkeep.yaml'),
        isExample: false,
        settings: { env: { UPKEEP_DEV_PORT: '7299' }, devPort: 7299, stateDir: path.join(dir, '.upkeep') },
        target: { namespace: 'default', uiUrl: 'http://127.0.0.1:8299' },
        taskQueues: ['upkeep'],
        run: howToRun({ cwd: dir, projectDir: path.join(dir, 'node_modules', 'upkeep'), env: {} }),
      });
      const commands = text.split('\n').filter((l) => /upkeep (status|schedules|approvals|serve|check|evaluate|who-was-watching|profile)/.test(l));
      assert.ok(commands.length >= 8, text);
      for (const c of commands) assert.match(c, /^ {2}UPKEEP_DEV_PORT=7299 npx upkeep /, c);
      assert.ok(!text.includes('npm '), 'no npm script in an installed copy');
    });

    it('suggest a backfill that spans scheduled runs of the model (three intervals back, not the last hour)', async () => {
      const model = { ...demoModel('churn'), schedule: { every: '1d' } };
      const config = parseConfig(stringify({ version: 1, store: 'store', models: [model] }), { name: 'upkeep.yaml', baseDir: dir });
      const text = await nextSteps({
        config,
        configPath: path.join(dir, 'upkeep.yaml'),
        isExample: false,
        settings: { env: {}, devPort: 7233, stateDir: path.join(dir, '.upkeep') },
        target: { namespace: 'default', uiUrl: 'http://127.0.0.1:8233' },
        taskQueues: ['upkeep'],
        run: howToRun({ cwd: dir, projectDir: path.join(dir, 'node_modules', 'upkeep'), env: {} }),
      });
      const m = /schedules backfill churn .*--from (\S+) --to (\S+)/.exec(text);
      assert.ok(m, text);
      const spanMs = Date.parse(m[2]!) - Date.parse(m[1]!);
      assert.equal(spanMs, 3 * 86_400_000, text);
    });
  });
});
