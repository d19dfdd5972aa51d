import assert from 'node:assert/strict';
import { parseConfig } from '../../engine/config/load.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { channelLines, routeLines } from '../../cli/commands/check.js';
import { modelYaml } from '../helpers/config-text.js';

describe('upkeep check lists each model’s routes', function () {
  it('prints the routes, channel types, digests and quiet hours that apply to each model', function () {
    const config = parseConfig(
      `notify:
  channels:
    pager: { type: pagerduty, routing_key_file: pd-key }
    chat: { type: slack, webhook_file: slack-url }
  routes:
    - { channels: [pager], on: [degraded, failing, recovered] }
    - { channels: [chat] }
  quiet_hours: { from: "22:00", to: "07:00", timezone: Europe/Berlin, except: [pager] }
  digest: { every: 1h }
models:${modelYaml({ id: 'churn' })}${modelYaml({ id: 'fraud', extra: '    notify: { routes: [] }\n' })}`,
      { name: 'upkeep.yaml', baseDir: '/srv/upkeep' },
    );
    assert.deepEqual(routeLines(config, config.models[0]!), [
      '     churn route: pager (pagerduty) ← degraded, failing, recovered',
      '     churn route: chat (slack, digest every 1h) ← every event',
      '     churn quiet 22:00–07:00 Europe/Berlin, except pager (top-level)',
    ]);
    assert.deepEqual(routeLines(config, config.models[1]!), ["     fraud routes: none (the webhook and the worker's log only)"]);
    assert.deepEqual(routeLines({ notify: { ...config.notify, channels: {} } }, config.models[0]!), []);
  });
});

describe('upkeep check checks each declared channel without sending', function () {
  it('says ok, or what keeps a channel from delivering, naming the channel and the field', async function () {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-check-channels-'));
    try {
      writeFileSync(path.join(dir, 'slack-url'), 'https://hooks.slack.com/services/T000/B000/XXXX\n', { mode: 0o600 });
      const config = parseConfig(
        `notify:\n  channels:\n    chat: { type: slack, webhook_file: slack-url }\n    pager: { type: pagerduty, routing_key_file: missing-key }\nmodels:${modelYaml()}`,
        { name: 'upkeep.yaml', baseDir: dir },
      );
      const r = await channelLines(config, dir);
      assert.equal(r.bad, 1);
      assert.equal(r.lines[0], 'ok channel chat (slack)');
      assert.match(r.lines[1]!, /^FAIL channel pager: routing_key_file .*missing-key/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
