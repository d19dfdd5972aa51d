/**
 * The metrics as a platform team scrapes them: a real Prometheus (Debian's package,
 * scripts/prometheus-server.ts) scrapes the real `upkeep worker` (its /metrics and Temporal's
 * worker metrics beside it) and `upkeep serve`'s /metrics with the bearer token, after a real
 * evaluation of a drifted model (degraded, a retrain waiting for approval). Every query of the
 * Grafana dashboard and every alert rule must return series, the rules load and pass promtool,
 * and the degraded model's alert is raised.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { newKeyPair } from '../../domain/signature.js';
import { loadConfig } from '../../engine/config/load.js';
import { openStore } from '../../engine/store/open.js';
import { PROJECT_DIR } from '../../workers/paths.js';
import { freePort } from '../../workers/dev-server.js';
import { maintenanceStatusQuery, retrainWorkflowId } from '../../workflows/definitions.js';
import { evaluateModel } from '../../workflows/index.js';
import { startWebServer, type RunningWebServer } from '../../cli/commands/serve.js';
import { readMetricsToken, upkeepRegistry } from '../../cli/metrics/endpoint.js';
import { latestReports } from '../../cli/web/data.js';
import { checkRules, startPrometheus, testPrometheus, type RunningPrometheus } from '../../scripts/prometheus-server.js';
import { createDemoWorkspace, type DemoWorkspace } from '../helpers/demo-workspace.js';
import { testTemporal, uniqueModelId, uniqueTaskQueue } from '../helpers/temporal.js';
import { waitFor } from '../helpers/wait.js';

const DASHBOARD = path.join(PROJECT_DIR, 'deploy', 'grafana', 'upkeep.json');
const RULES = path.join(PROJECT_DIR, 'deploy', 'prometheus', 'upkeep-rules.yml');
const WINDOW_END = '2026-11-21T06:00:00.000Z';

interface Dashboard {
  panels: { title: string; type: string; targets?: { expr: string }[] }[];
  templating: { list: { name: string; type: string; query?: { query: string } }[] };
}
interface RuleFile {
  groups: { name: string; rules: { alert: string; expr: string }[] }[];
}

/** A dashboard query as Grafana sends it: its variables replaced. */
const asGrafana = (expr: string, model: string): string => expr.replaceAll('$__rate_interval', '1m').replaceAll('$model', model);

/**
 * A rule's expression with `bool` on its final comparison: the series it compares, whether the
 * alert would fire or not (an alert on a healthy model selects nothing, but its series must exist).
 */
function compared(expr: string): string {
  const m = /^(.*\S)\s+(==|!=|>=|<=|>|<)\s+(.+)$/s.exec(expr);
  assert.ok(m, `the rule ${expr} ends with a comparison`);
  return `${m[1]} ${m[2]} bool ${m[3]}`;
}

describe('metrics scraped by a real Prometheus: the dashboard and the alert rules', function () {
  this.timeout(300_000);
  let ws: DemoWorkspace | undefined;
  let worker: ChildProcess | undefined;
  let web: RunningWebServer | undefined;
  let prometheus: RunningPrometheus | undefined;
  let workerOutput = '';

  after(async () => {
    await prometheus?.stop();
    await web?.close();
    if (worker && worker.exitCode === null) {
      const gone = new Promise((resolve) => worker!.once('exit', resolve));
      worker.kill('SIGTERM');
      await gone;
    }
    ws?.remove();
  });

  it('promtool accepts the alert rules', function () {
    const found = testPrometheus();
    if (!found.bin) {
      console.log(`    skipped: ${found.missing}`);
      this.skip();
    }
    const r = checkRules(found.bin, [RULES]);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /SUCCESS: \d+ rules found/);
  });

  it('scrapes the worker, its Temporal metrics and upkeep serve after an evaluation; every dashboard and rule query returns series', async function () {
    const found = testPrometheus();
    if (!found.bin) {
      console.log(`    skipped: ${found.missing}`);
      this.skip();
    }
    const t = await testTemporal();
    const modelId = uniqueModelId('prom');
    const taskQueue = uniqueTaskQueue('prom');
    const [port, temporalPort] = [await freePort(), await freePort()];
    ws = createDemoWorkspace({
      modelId,
      end: new Date(WINDOW_END),
      days: 12,
      drifted: true,
      config: { metrics: { host: '127.0.0.1', port, temporal_port: temporalPort, token_file: 'metrics-token', refresh: '1s' } },
    });
    const tokenFile = path.join(ws.dir, 'metrics-token');
    writeFileSync(tokenFile, `${newKeyPair().secretKey}\n`, { mode: 0o600 });

    // The real `upkeep worker`: its metrics server and Temporal's runtime telemetry come from the config.
    worker = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'worker', '--config', ws.configPath], {
      cwd: PROJECT_DIR,
      env: { ...process.env, TEMPORAL_ADDRESS: t.address, UPKEEP_TASK_QUEUE: taskQueue, UPKEEP_STATE_DIR: ws.dir, UPKEEP_LOG_LEVEL: 'ERROR' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    worker.stdout!.on('data', (c: Buffer) => (workerOutput += c.toString()));
    worker.stderr!.on('data', (c: Buffer) => (workerOutput += c.toString()));
    await waitFor(
      'the worker polling',
      () => (/worker polling/.test(workerOutput) ? true : worker!.exitCode !== null ? assert.fail(workerOutput) : undefined),
      {
        timeoutMs: 120_000,
        intervalMs: 250,
      },
    );
    assert.match(workerOutput, new RegExp(`metrics at http://127\\.0\\.0\\.1:${port}/metrics`));
    // A second worker with the same config on this host: the ports are taken, and it says which setting to change.
    const second = spawnSync(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'worker', '--config', ws.configPath], {
      cwd: PROJECT_DIR,
      env: { ...process.env, TEMPORAL_ADDRESS: t.address, UPKEEP_TASK_QUEUE: taskQueue, UPKEEP_STATE_DIR: ws.dir },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(second.status, 2, second.stderr);
    assert.equal(
      second.stderr.trim(),
      `upkeep: metrics: Temporal's worker metrics cannot listen on 127.0.0.1:${temporalPort} (Failed to start prometheus metrics exporter: Address already in use (os error 98)): set metrics.temporal_port, or UPKEEP_METRICS_PORT for this process`,
    );

    // A drifted window: degraded, and a retrain request waiting for its first approval.
    const result = await t.client.workflow.execute(evaluateModel, {
      taskQueue,
      workflowId: `prom-eval-${modelId}`,
      args: [{ modelId, windowEnd: WINDOW_END }],
    });
    assert.equal(result.verdict.status, 'degraded');
    const retrain = t.client.workflow.getHandle(retrainWorkflowId(modelId));
    await waitFor('the retrain gate', async () => ((await retrain.query(maintenanceStatusQuery).catch(() => undefined))?.gate ? true : undefined), {
      timeoutMs: 90_000,
      intervalMs: 250,
    });

    // `upkeep serve`'s /metrics, with the token of the config's token_file.
    const config = await loadConfig(ws.configPath);
    const store = openStore(config);
    const token = readMetricsToken(config, ws.configPath)!;
    web = await startWebServer({
      config,
      store,
      client: t.client,
      taskQueue,
      authenticator: { name: 'none', authenticate: async () => undefined, isActive: async () => false },
      signer: { id: 'upkeep-web@test', secretKey: newKeyPair().secretKey },
      sessions: { idleMs: 60_000, maxMs: 60_000 },
      host: '127.0.0.1',
      port: 0,
      metrics: { token, registry: upkeepRegistry({ config: async () => config, refresh: '1s', store, client: t.client, taskQueue }) },
    });
    assert.equal((await fetch(`${web.url}/metrics`)).status, 401, 'no token, no metrics');

    prometheus = await startPrometheus(found.bin, {
      targets: [
        { job: 'upkeep-worker', target: `127.0.0.1:${port}`, tokenFile },
        { job: 'upkeep-temporal', target: `127.0.0.1:${temporalPort}` },
        { job: 'upkeep-serve', target: new URL(web.url).host, tokenFile },
      ],
      ruleFiles: [RULES],
    });
    const p = prometheus;
    await waitFor(
      'every target up, with the evaluation and a pending approval scraped',
      async () => {
        const up = await p.query('up == 1');
        const evaluated = await p.query(`upkeep_evaluation_rows_total{model="${modelId}"}`);
        const waiting = await p.query(`upkeep_model_pending_approvals{model="${modelId}"} > 0`);
        const temporal = await p.query('temporal_worker_task_slots_available');
        return up.length === 3 && evaluated.length > 0 && waiting.length === 2 && temporal.length > 0 ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    ).catch(async (err: unknown) => {
      const targets = await p.api<{ activeTargets: { scrapeUrl: string; health: string; lastError: string }[] }>('targets');
      throw new Error(`${(err as Error).message}: ${JSON.stringify(targets.activeTargets)}\n${p.output()}\n${workerOutput}`);
    });
    // Rates need two samples with the evaluation in them, a few scrapes apart.
    await new Promise((resolve) => setTimeout(resolve, 3_000));

    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
    const exprs = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr })));
    assert.ok(exprs.length >= 20, `${exprs.length} queries`);
    const empty: string[] = [];
    for (const { panel, expr } of exprs) {
      const rows = await p.query(asGrafana(expr, modelId));
      if (rows.length === 0) empty.push(`${panel}: ${expr}`);
    }
    assert.deepEqual(empty, [], 'dashboard queries without series');
    // The model variable lists the model.
    const variable = dashboard.templating.list.find((v) => v.name === 'model')!;
    const metric = /^label_values\((\w+), model\)$/.exec(variable.query!.query)![1]!;
    assert.ok((await p.api<string[]>('label/model/values', { 'match[]': metric })).includes(modelId));

    const ruleFile = parse(readFileSync(RULES, 'utf8')) as RuleFile;
    const rules = ruleFile.groups.flatMap((g) => g.rules);
    const silent: string[] = [];
    for (const rule of rules) if ((await p.query(compared(rule.expr))).length === 0) silent.push(`${rule.alert}: ${rule.expr}`);
    assert.deepEqual(silent, [], 'alert rules whose series do not exist');
    // Prometheus loaded and evaluated every rule, and the degraded model's alert fires.
    const loaded = await p.api<{ groups: { rules: { name: string; health: string; lastError?: string }[] }[] }>('rules');
    const health = loaded.groups.flatMap((g) => g.rules).map((r) => `${r.name} ${r.health}${r.lastError ? ` ${r.lastError}` : ''}`);
    assert.equal(health.length, rules.length);
    assert.deepEqual(
      health.filter((h) => !h.endsWith(' ok')),
      [],
    );
    const alerts = await waitFor(
      'the degraded alert',
      async () => {
        const a = await p.api<{ alerts: { labels: Record<string, string>; state: string }[] }>('alerts');
        return a.alerts.some((x) => x.labels.alertname === 'UpkeepModelDegraded' && x.labels.model === modelId) ? a.alerts : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 500 },
    );
    const mine = alerts.filter((a) => a.labels.model === modelId).map((a) => `${a.labels.alertname} ${a.state}`);
    assert.ok(mine.includes('UpkeepModelDegraded firing'), mine.join(', '));
    // The figures are the stored report's.
    const reports = await latestReports(store, modelId, 1);
    const report = reports[0]!;
    const value = async (expr: string): Promise<number> => Number((await p.query(expr))[0]?.value[1]);
    const drifted = report.drift?.alarm?.columns.length ?? report.drift?.drifted_columns.length ?? 0;
    assert.equal(await value(`max(upkeep_model_drifted_columns{model="${modelId}"})`), drifted);
    assert.equal(mine.includes('UpkeepDriftAlarm firing'), drifted > 0, mine.join(', '));
    assert.equal(await value(`max(upkeep_model_rows{model="${modelId}"})`), report.rows);
    const auc = report.metrics.roc_auc!;
    assert.ok(Math.abs((await value(`max(upkeep_model_metric{model="${modelId}", metric="roc_auc", basis="realized"})`)) - auc) < 1e-12);
    assert.equal(await value(`sum(upkeep_evaluations_total{model="${modelId}", outcome="ok"})`), 1);
    assert.ok(!mine.some((a) => a.startsWith('UpkeepEvaluationFailing')), mine.join(', '));
  });
});
