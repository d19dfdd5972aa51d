import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { parseConfig } from '../../engine/config/load.js';
import { createFileStore } from '../../engine/store/file-store.js';
import type { ArtifactStore } from '../../engine/store/store.js';
import { registerModelMetrics } from '../../cli/metrics/models.js';
import { bearerMatches, metricsPorts, processRegistry, readMetricsToken, startMetricsServer, temporalTelemetry } from '../../cli/metrics/endpoint.js';
import { PROJECT_DIR } from '../../workers/paths.js';
import { serveMetrics } from '../../cli/commands/serve.js';
import { parse as parseYaml } from 'yaml';
import { evaluationMetrics } from '../../cli/metrics/evaluation.js';
import { instrumentActivities } from '../../workers/metrics.js';
import type { UpkeepConfig } from '../../domain/config.js';

const model = (id: string) => ({
  id,
  owner: 'owner@example.com',
  task: 'binary',
  artifact: 'models/m.onnx',
  inputs: [{ name: 'input', columns: ['x1'] }],
  label: { column: 'y', positive: 1 },
  data: { uri: 'data/{date}.csv', window: { days: 1 } },
  schedule: { every: '1h' },
  thresholds: { metric: 'roc_auc', min: 0.8 },
});

/** The value of one series in the exposition text, or undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const inner = /\{(.*)\}/.exec(line)?.[1] ?? '';
    const have = inner ? inner.split(',') : [];
    if (want.every((w) => have.includes(w)) && have.length === want.length) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

async function putReport(store: ArtifactStore, id: string, end: string, verdict: string, extra: Record<string, unknown> = {}): Promise<void> {
  const report = {
    modelId: id,
    verdict: { status: verdict, reasons: [] },
    window: { firstDay: end.slice(0, 10), lastDay: end.slice(0, 10), end, timezone: 'UTC' },
    model: { sha256: 'a'.repeat(64) },
    rows: 500,
    metrics: { roc_auc: 0.71, accuracy: 0.8, 'not-a-metric': 3 },
    estimated: { roc_auc: { value: 0.74, lower: 0.7, upper: 0.78, method: 'cbpe' } },
    drift: { columns: {}, dataset_drift: true, share_drifted: 0.5, drift_share: 0.5, drifted_columns: ['x1', 'x2'], alarm: { columns: ['x1'] } },
    ...extra,
  };
  await store.put(`reports/${id}/${end.replace(/[:]/g, '')}.json`, JSON.stringify(report));
}

async function putLook(store: ArtifactStore, id: string, at: string, verdict: string): Promise<void> {
  const entry = { kind: 'evaluation', modelId: id, at, id: at.replace(/\D/g, ''), details: { verdict } };
  await store.put(`audit/${id}/evaluations/${at.replace(/\D/g, '')}_x.json`, JSON.stringify(entry));
}

describe('Prometheus metrics', function () {
  let dir: string;
  let store: ArtifactStore;
  let config: UpkeepConfig;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-prom-'));
    store = createFileStore(path.join(dir, 'store'));
    config = parseConfig(JSON.stringify({ store: 'store', models: [model('churn'), model('fraud')] }), { name: 'upkeep.yaml', baseDir: dir });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("reads each model's latest report, last look and findings from the store, with catalogue metrics only, and ages that grow between refreshes", async function () {
    await putReport(store, 'churn', '2026-12-01T06:00:00.000Z', 'degraded');
    await putLook(store, 'churn', '2026-12-01T06:05:00.000Z', 'degraded');
    await store.put('watchdog/latest.json', JSON.stringify({ at: '2026-12-01T07:00:00Z', workflowId: 'w', findings: [{ modelId: 'fraud', kind: 'stale' }] }));
    let now = Date.parse('2026-12-01T07:05:00.000Z');
    const registry = new Registry();
    registerModelMetrics({ registry, config: async () => config, store, taskQueue: 'upkeep', refreshMs: 60_000, now: () => now });
    const text = await registry.metrics();
    assert.equal(sample(text, 'upkeep_models'), 2);
    assert.equal(sample(text, 'upkeep_model_metric', { model: 'churn', metric: 'roc_auc', basis: 'realized' }), 0.71);
    assert.equal(sample(text, 'upkeep_model_metric', { model: 'churn', metric: 'roc_auc', basis: 'estimated' }), 0.74);
    assert.equal(sample(text, 'upkeep_model_metric', { model: 'churn', metric: 'accuracy', basis: 'realized' }), 0.8);
    assert.ok(!text.includes('not-a-metric'), 'a key that is not in the metric catalogue never becomes a label');
    assert.equal(sample(text, 'upkeep_model_verdict', { model: 'churn', verdict: 'degraded' }), 1);
    assert.equal(sample(text, 'upkeep_model_verdict', { model: 'churn', verdict: 'healthy' }), 0);
    assert.equal(sample(text, 'upkeep_model_verdict', { model: 'fraud', verdict: 'healthy' }), 0, 'never evaluated: every verdict 0');
    assert.equal(sample(text, 'upkeep_model_drifted_columns', { model: 'churn' }), 1, 'the columns that raise the alarm after the correction');
    assert.equal(sample(text, 'upkeep_model_seconds_since_last_look', { model: 'churn' }), 3600);
    assert.equal(sample(text, 'upkeep_model_seconds_since_last_look', { model: 'fraud' }), undefined);
    assert.equal(sample(text, 'upkeep_model_schedule_interval_seconds', { model: 'churn' }), 3600);
    assert.equal(sample(text, 'upkeep_model_watchdog_findings', { model: 'fraud', kind: 'stale' }), 1);
    assert.equal(sample(text, 'upkeep_model_watchdog_findings', { model: 'churn', kind: 'stale' }), 0);
    assert.equal(sample(text, 'upkeep_model_pending_approvals', { model: 'churn' }), undefined, 'no Temporal: unknown, not 0');
    assert.equal(sample(text, 'upkeep_temporal_reachable'), 0);

    // Within the refresh period a newer report is not read yet, but the age grows.
    await putReport(store, 'churn', '2026-12-02T06:00:00.000Z', 'healthy', { metrics: { roc_auc: 0.9 } });
    await putLook(store, 'churn', '2026-12-02T06:05:00.000Z', 'healthy');
    now += 30_000;
    const cached = await registry.metrics();
    assert.equal(sample(cached, 'upkeep_model_verdict', { model: 'churn', verdict: 'degraded' }), 1);
    assert.equal(sample(cached, 'upkeep_model_seconds_since_last_look', { model: 'churn' }), 3630);
    now = Date.parse('2026-12-02T06:10:00.000Z');
    const fresh = await registry.metrics();
    assert.equal(sample(fresh, 'upkeep_model_verdict', { model: 'churn', verdict: 'healthy' }), 1);
    assert.equal(sample(fresh, 'upkeep_model_metric', { model: 'churn', metric: 'roc_auc', basis: 'realized' }), 0.9);
    assert.equal(sample(fresh, 'upkeep_model_seconds_since_last_look', { model: 'churn' }), 300);

    // A process started afresh (a restarted worker) reports the same from the store.
    const again = new Registry();
    registerModelMetrics({ registry: again, config: async () => config, store, taskQueue: 'upkeep', refreshMs: 60_000, now: () => now });
    const restarted = await again.metrics();
    for (const [name, labels] of [
      ['upkeep_model_verdict', { model: 'churn', verdict: 'healthy' }],
      ['upkeep_model_metric', { model: 'churn', metric: 'roc_auc', basis: 'realized' }],
      ['upkeep_model_seconds_since_last_look', { model: 'churn' }],
    ] as const)
      assert.equal(sample(restarted, name, labels), sample(fresh, name, labels), name);
  });

  it("keeps a model's last known figures when the store fails a refresh, and counts the failed reads", async function () {
    await putReport(store, 'churn', '2026-12-01T06:00:00.000Z', 'degraded');
    let now = Date.parse('2026-12-01T07:05:00.000Z');
    let broken = false;
    const flaky: ArtifactStore = {
      ...store,
      list: (p) => (broken ? Promise.reject(new Error('connection reset')) : store.list(p)),
      get: (k) => (broken ? Promise.reject(new Error('connection reset')) : store.get(k)),
      tryGet: (k) => (broken ? Promise.reject(new Error('connection reset')) : store.tryGet(k)),
    };
    const registry = new Registry();
    registerModelMetrics({ registry, config: async () => config, store: flaky, taskQueue: 'upkeep', refreshMs: 1_000, now: () => now });
    assert.equal(sample(await registry.metrics(), 'upkeep_model_read_errors', { model: 'churn' }), 0);
    broken = true;
    now += 5_000;
    const text = await registry.metrics();
    assert.equal(sample(text, 'upkeep_model_verdict', { model: 'churn', verdict: 'degraded' }), 1);
    assert.ok(sample(text, 'upkeep_model_read_errors', { model: 'churn' })! >= 2);
  });

  it('answers from the last good config when an edit breaks it, saying so', async function () {
    let good = true;
    const registry = new Registry();
    let now = 0;
    const read = async (): Promise<UpkeepConfig> => {
      if (!good) throw new Error('upkeep.yaml: models.0.thresholds: give at least one of min, max or max_drop');
      return config;
    };
    registerModelMetrics({ registry, config: read, store, taskQueue: 'upkeep', refreshMs: 1_000, now: () => now });
    assert.equal(sample(await registry.metrics(), 'upkeep_config_readable'), 1);
    good = false;
    now += 5_000;
    const text = await registry.metrics();
    assert.equal(sample(text, 'upkeep_config_readable'), 0);
    assert.equal(sample(text, 'upkeep_models'), 2);
  });

  it('shares one refresh between concurrent scrapes', async function () {
    let lists = 0;
    const counting: ArtifactStore = { ...store, list: (p) => (lists++, store.list(p)) };
    const registry = new Registry();
    registerModelMetrics({ registry, config: async () => config, store: counting, taskQueue: 'upkeep', refreshMs: 60_000 });
    await Promise.all([registry.metrics(), registry.metrics(), registry.metrics()]);
    // Per model, once: the reports' and the audit evaluations' listings, and lastLookedAt's own on a first refresh.
    assert.equal(lists, 2 * 3);
  });

  it('times the evaluation steps with their rows per model, counts failed attempts, and leaves other activities alone', async function () {
    const registry = new Registry();
    let t = 0;
    const activities = instrumentActivities(
      {
        evaluateSnapshot: async (_: { model: { modelId: string } }) => ((t += 2000), { rowsRead: 10_000, rows: 9_000 }),
        evaluateShard: async (_: { model: { modelId: string } }) => {
          t += 500;
          throw new Error('disk gone');
        },
        other: async () => 'untouched',
      },
      evaluationMetrics(registry),
      () => t,
    );
    await activities.evaluateSnapshot({ model: { modelId: 'churn' } });
    await assert.rejects(activities.evaluateShard({ model: { modelId: 'churn' } }), /disk gone/);
    assert.equal(await activities.other(), 'untouched');
    const text = await registry.metrics();
    assert.equal(sample(text, 'upkeep_evaluation_duration_seconds_sum', { model: 'churn', step: 'window' }), 2);
    assert.equal(sample(text, 'upkeep_evaluation_rows_total', { model: 'churn', step: 'window' }), 10_000);
    assert.equal(sample(text, 'upkeep_evaluation_rows_per_second_sum', { model: 'churn', step: 'window' }), 5_000);
    assert.equal(sample(text, 'upkeep_evaluations_total', { model: 'churn', step: 'shard', outcome: 'error' }), 1);
    assert.equal(sample(text, 'upkeep_evaluation_duration_seconds_sum', { model: 'churn', step: 'shard' }), 0.5);
  });

  it('reads the token file only when its owner alone may read it, and the endpoint answers only with it', async function () {
    const file = path.join(dir, 'metrics-token');
    writeFileSync(file, 'a-long-enough-scrape-token\n', { mode: 0o644 });
    chmodSync(file, 0o644);
    const withToken = { metrics: { host: '127.0.0.1', port: 9464, token_file: 'metrics-token', refresh: '15s' } };
    assert.throws(
      () => readMetricsToken(withToken, path.join(dir, 'upkeep.yaml')),
      /upkeep\.yaml: metrics\.token_file .*metrics-token may be read by others than its owner: chmod 600 it/,
    );
    chmodSync(file, 0o600);
    const token = readMetricsToken(withToken, path.join(dir, 'upkeep.yaml'))!;
    assert.equal(token, 'a-long-enough-scrape-token');
    assert.equal(bearerMatches(`Bearer ${token}`, token), true);
    assert.equal(bearerMatches(`Bearer ${token}x`, token), false);
    assert.equal(bearerMatches(undefined, token), false);

    const registry = new Registry();
    const server = await startMetricsServer({ host: '127.0.0.1', port: 0, registry, token });
    try {
      assert.equal((await fetch(server.url)).status, 401);
      assert.equal((await fetch(server.url, { headers: { authorization: 'Bearer nope' } })).status, 401);
      assert.equal((await fetch(server.url, { headers: { authorization: `Bearer ${token}` } })).status, 200);
      assert.equal((await fetch(server.url.replace('/metrics', '/other'))).status, 404);
    } finally {
      await server.close();
    }
  });

  it('upkeep serve answers /metrics only with a token file: without one the route is off, saying so', async function () {
    const configPath = path.join(dir, 'upkeep.yaml');
    const lines: string[] = [];
    const o = { store, taskQueue: 'upkeep', log: (l: string) => lines.push(l) };
    assert.equal(await serveMetrics(config, configPath, o), undefined);
    const open = parseConfig(JSON.stringify({ store: 'store', metrics: { port: 9464 }, models: [model('churn')] }), { name: 'upkeep.yaml', baseDir: dir });
    assert.equal(await serveMetrics(open, configPath, o), undefined);
    assert.deepEqual(lines, ['metrics: /metrics is off in upkeep serve until metrics.token_file is set in upkeep.yaml (docs/observability.md)']);
    writeFileSync(path.join(dir, 'metrics-token'), 'a-long-enough-scrape-token', { mode: 0o600 });
    const guarded = parseConfig(JSON.stringify({ store: 'store', metrics: { port: 9464, token_file: 'metrics-token' }, models: [model('churn')] }), {
      name: 'upkeep.yaml',
      baseDir: dir,
    });
    const m = await serveMetrics(guarded, configPath, o);
    assert.equal(m?.token, 'a-long-enough-scrape-token');
    assert.equal(sample(await m!.registry.metrics(), 'upkeep_models'), 1);
  });

  it('refuses a metrics block without a port, or with a port out of range, naming the field', function () {
    const text = (metrics: unknown) => JSON.stringify({ store: 'store', metrics, models: [model('churn')] });
    assert.throws(() => parseConfig(text({ host: '127.0.0.1' }), { name: 'upkeep.yaml', baseDir: dir }), /upkeep\.yaml.*metrics\.port/s);
    assert.throws(() => parseConfig(text({ port: 70000 }), { name: 'upkeep.yaml', baseDir: dir }), /upkeep\.yaml.*metrics\.port/s);
    assert.throws(() => parseConfig(text({ port: 9464, token: 'inline' }), { name: 'upkeep.yaml', baseDir: dir }), /upkeep\.yaml.*metrics.*token/s);
    const ok = parseConfig(text({ port: 9464 }), { name: 'upkeep.yaml', baseDir: dir });
    assert.deepEqual(ok.metrics, { host: '127.0.0.1', port: 9464, refresh: '15s' });
  });

  it('the dashboard and the alert rules name only metrics upkeep exports (without a Prometheus: test/e2e/prometheus.test.ts runs them)', async function () {
    const registry = processRegistry();
    registerModelMetrics({ registry, config: async () => config, store, taskQueue: 'upkeep', refreshMs: 60_000 });
    evaluationMetrics(registry);
    const exported = new Set((await registry.getMetricsAsJSON()).map((m) => m.name));
    const dashboard = JSON.parse(readFileSync(path.join(PROJECT_DIR, 'deploy', 'grafana', 'upkeep.json'), 'utf8')) as {
      panels: { id: number; targets?: { expr: string }[] }[];
      templating: { list: { query?: string | { query: string } }[] };
    };
    const rules = parseYaml(readFileSync(path.join(PROJECT_DIR, 'deploy', 'prometheus', 'upkeep-rules.yml'), 'utf8')) as {
      groups: { rules: { expr: string }[] }[];
    };
    const exprs = [
      ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
      ...dashboard.templating.list.flatMap((v) => (typeof v.query === 'object' ? [v.query.query] : [])),
      ...rules.groups.flatMap((g) => g.rules.map((r) => r.expr)),
    ];
    const named = new Set(
      exprs.flatMap((e) => [...e.matchAll(/\b((?:upkeep|process|nodejs)_[a-z_]+)/g)].map((m) => m[1]!.replace(/_(bucket|sum|count)$/, ''))),
    );
    assert.ok(named.size >= 15, [...named].join(', '));
    assert.deepEqual(
      [...named].filter((n) => !exported.has(n)),
      [],
    );
    const ids = dashboard.panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
  });

  it("puts Temporal's metrics on the next port, or UPKEEP_METRICS_PORT's next, and none without a metrics block", function () {
    const m = { host: '127.0.0.1', port: 9464, refresh: '15s' };
    assert.deepEqual(metricsPorts(m, {}), { port: 9464, temporalPort: 9465 });
    assert.deepEqual(metricsPorts({ ...m, temporal_port: 9500 }, {}), { port: 9464, temporalPort: 9500 });
    assert.deepEqual(metricsPorts(m, { UPKEEP_METRICS_PORT: '9470' }), { port: 9470, temporalPort: 9471 });
    assert.throws(() => metricsPorts(m, { UPKEEP_METRICS_PORT: 'x' }), /UPKEEP_METRICS_PORT=x is not a port number/);
    assert.equal((temporalTelemetry({ metrics: m }, {}).metrics as { prometheus: { bindAddress: string } }).prometheus.bindAddress, '127.0.0.1:9465');
    assert.deepEqual(temporalTelemetry({}, {}), {});
  });
});
