import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { parseConfig } from '../../engine/config/load.js';
import { readChain } from '../../engine/audit/chain.js';
import { recordFleetConfig, type ConfigWitness } from '../../engine/audit/config-entries.js';
import { lastRecordedPlan, readPlan } from '../../engine/audit/plan-entries.js';
import { verifyTrail } from '../../engine/audit/verify-trail.js';
import { createFileStore } from '../../engine/store/file-store.js';
import type { ArtifactStore } from '../../engine/store/store.js';
import { monitoringPlan, planBytes, planLines } from '../../domain/monitoring-plan.js';
import { APPROVER, demoModel, ONCALL, OWNER } from '../helpers/demo-workspace.js';

const CLI = fileURLToPath(new URL('../../bin/upkeep.mjs', import.meta.url));
const by: ConfigWitness = { user: 'alice', host: 'build-1', command: 'schedules sync' };

describe('the monitoring plan, generated from the config', function () {
  this.timeout(60_000);
  let dir: string;
  let store: ArtifactStore;
  const doc = (overrides: Record<string, unknown> = {}, top: Record<string, unknown> = {}) => ({
    version: 1,
    store: 'store',
    notify: { channels: { team: { type: 'slack', webhook_file: 'slack.url' } }, routes: [{ channels: ['team'], on: ['degraded', 'failing'] }] },
    watchdog: { platform: ['ml-platform@example.com'] },
    models: [demoModel('churn', overrides)],
    ...top,
  });
  const config = (overrides: Record<string, unknown> = {}) => parseConfig(stringify(doc(overrides)), { name: 'upkeep.yaml', baseDir: dir });
  const plans = async () => (await readChain(store, 'churn')).filter((c) => c.entry.kind === 'plan-changed').map((c) => c.entry);

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-plan-'));
    store = createFileStore(path.join(dir, 'store'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('states what is watched, the thresholds, the cadence, the owner, approvers, escalation, alerts and the watchdog', () => {
    const c = config();
    const plan = monitoringPlan(c.models[0]!, c);
    assert.deepEqual(plan.people, { owner: OWNER, approvers: [APPROVER], escalation: [ONCALL], platform: ['ml-platform@example.com'] });
    assert.deepEqual(plan.watched.thresholds, { min: 0.72, max: null, maxDrop: 0.05, baseline: 0.796 });
    assert.deepEqual(plan.cadence, { every: null, cron: '0 6 * * *', timezone: 'UTC', paused: false });
    assert.deepEqual(plan.alerts.routes, [{ channels: ['team'], on: ['degraded', 'failing'] }]);
    const text = planLines(plan).join('\n');
    assert.match(text, /^Watched: roc_auc at least 0\.72, no more than 0\.05 below the baseline 0\.796 on a 3-day window of at least 500 labelled rows$/m);
    assert.match(text, /^Approvals: .* reminded every 1h, escalated after 2h, expired undecided after 1d$/m);
    assert.match(text, /^Alerts: team on degraded, failing; the worker log always$/m);
    // The same config gives the same bytes.
    assert.equal(planBytes(monitoringPlan(config().models[0]!, config())), planBytes(plan));
  });

  it('is stored content-addressed and recorded once per change in a trail that verifies; its history is in the trail', async () => {
    await recordFleetConfig(store, config(), { by });
    await recordFleetConfig(store, config(), { by });
    assert.equal((await plans()).length, 1, 'the same config twice is one plan-changed entry');
    const first = await lastRecordedPlan(store, 'churn');
    assert.ok(first);
    assert.equal((await readPlan(store, 'churn', first))?.watched.thresholds.min, 0.72);
    await recordFleetConfig(store, config({ thresholds: { metric: 'roc_auc', min: 0.75, max_drop: 0.05 } }), { by });
    const entries = await plans();
    assert.equal(entries.length, 2);
    assert.deepEqual(entries[1]!.details?.changed, ['watched']);
    assert.equal(entries[1]!.details?.previous, first);
    const second = await lastRecordedPlan(store, 'churn');
    assert.notEqual(second, first);
    assert.equal((await readPlan(store, 'churn', second!))?.watched.thresholds.min, 0.75);
    const v = await verifyTrail(store, 'churn');
    assert.deepEqual(v.problems, []);
    // A config without the notify and watchdog sections (a bare list of models) records no plan.
    await recordFleetConfig(store, { models: config({ owner: 'someone-else@example.com' }).models }, { by });
    assert.equal((await plans()).length, 2);
  });

  it('upkeep plan prints it, says whether the trail holds it, and shows its history', async () => {
    writeFileSync(path.join(dir, 'upkeep.yaml'), stringify(doc()), { mode: 0o644 });
    const plan = () =>
      spawnSync(process.execPath, [CLI, 'plan', 'churn', '--config', path.join(dir, 'upkeep.yaml')], {
        encoding: 'utf8',
        env: { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:1', HOME: '/nonexistent' },
        timeout: 30_000,
      });
    const before = plan();
    assert.equal(before.status, 0, before.stderr);
    assert.match(before.stdout, /^Monitoring plan of churn: [0-9a-f]{12}$/m);
    assert.match(before.stdout, /^ {2}Owner \(accountable\): churn-owner@example\.com; approvers: ml-lead@example\.com/m);
    assert.match(before.stdout, /NOT yet recorded/);
    await recordFleetConfig(store, config(), { by });
    const after = plan();
    assert.match(after.stdout, /^In force since \S+ \(audit chain entry \d+; stored at file:\/\//m);
    assert.match(after.stdout, /^History \(from the audit trail\):\n {2}\S+ {2}[0-9a-f]{12} {2}first plan {2}\(by alice@build-1\)$/m);
    const unknown = spawnSync(process.execPath, [CLI, 'plan', 'nope', '--config', path.join(dir, 'upkeep.yaml')], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(unknown.status, 2);
    assert.doesNotMatch(unknown.stderr, /\n\s+at /);
  });
});
