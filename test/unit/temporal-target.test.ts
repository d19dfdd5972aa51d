import assert from 'node:assert/strict';
import { externalTarget } from '../../workers/temporal.js';
import { scheduleFingerprint, scheduleOptions } from '../../workers/schedules.js';
import { specFor } from '../helpers/fixtures.js';

describe('choosing the Temporal target', function () {
  it('uses the embedded dev server when no cluster is configured', function () {
    assert.equal(externalTarget({ HOME: '/nonexistent' }), undefined);
  });

  it('points at a real cluster with TEMPORAL_ADDRESS, namespace and API key (TLS on)', function () {
    const t = externalTarget({
      HOME: '/nonexistent',
      TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233',
      TEMPORAL_NAMESPACE: 'ns.acct',
      TEMPORAL_API_KEY: 'secret',
    })!;
    assert.equal(t.kind, 'external');
    assert.equal(t.namespace, 'ns.acct');
    assert.equal(t.connectionOptions.address, 'ns.acct.tmprl.cloud:7233');
    assert.equal(t.connectionOptions.apiKey, 'secret');
    assert.ok(t.connectionOptions.tls);
  });

  it('refuses cluster settings without an address instead of silently starting a local server', function () {
    assert.throws(() => externalTarget({ HOME: '/nonexistent', TEMPORAL_NAMESPACE: 'prod' }), /TEMPORAL_ADDRESS is not/);
  });
});

describe('a model schedule', function () {
  const spec = specFor({
    task: 'binary',
    id: 'churn',
    label: { column: 'y', positive: 1 },
    schedule: { cron: '0 6 * * *', timezone: 'Europe/Berlin', jitter: '5m' },
  });

  it('starts evaluateModel for the model with overlap SKIP, a one-day catch-up and the model id as search attribute', function () {
    const o = scheduleOptions(spec, 'q');
    assert.equal(o.scheduleId, 'upkeep-evaluate-churn');
    assert.deepEqual(o.spec, { cronExpressions: ['0 6 * * *'], timezone: 'Europe/Berlin', jitter: '5m' });
    assert.equal(o.action.workflowType, 'evaluateModel');
    assert.deepEqual(o.action.args, [{ modelId: 'churn' }]);
    assert.equal(o.action.taskQueue, 'q');
    assert.equal(o.policies?.catchupWindow, '1d');
    assert.equal(String(o.policies?.overlap), 'SKIP');
  });

  it('changes its fingerprint when the timing changes, and only then', function () {
    const same = specFor({
      task: 'binary',
      id: 'churn',
      label: { column: 'y', positive: 1 },
      thresholds: { metric: 'roc_auc', min: 0.9 },
      schedule: { cron: '0 6 * * *', timezone: 'Europe/Berlin', jitter: '5m' },
    });
    const moved = specFor({
      task: 'binary',
      id: 'churn',
      label: { column: 'y', positive: 1 },
      schedule: { cron: '0 7 * * *', timezone: 'Europe/Berlin', jitter: '5m' },
    });
    assert.equal(scheduleFingerprint(same), scheduleFingerprint(spec));
    assert.notEqual(scheduleFingerprint(moved), scheduleFingerprint(spec));
  });
});
