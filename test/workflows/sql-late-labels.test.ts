/**
 * A model whose window is a query, end to end on a real dev server, the real activities and the
 * test's PostgreSQL (docs/sql-sources.md, docs/late-labels.md#labels-in-another-table): the
 * predictions are logged in one table and their outcomes land in a second one later. Before the
 * outcomes arrive the window is estimated; on the next run they are joined by key and the same
 * window is realized. With a declared delay, the run after the delay evaluates the first window
 * again. The password (given as data.password_file) appears in no history, report, snapshot,
 * audit entry or notification.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ScheduleOverlapPolicy, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { readChain } from '../../engine/audit/chain.js';
import { verifyTrail } from '../../engine/audit/verify-trail.js';
import { loadConfig } from '../../engine/config/load.js';
import { createFileStore } from '../../engine/store/file-store.js';
import { evaluateScheduleId, type EvaluateModelResult } from '../../workflows/definitions.js';
import { evaluateModel } from '../../workflows/index.js';
import { syncSchedules } from '../../workers/schedules.js';
import { fixture } from '../helpers/fixtures.js';
import { usePostgres } from '../helpers/postgres.js';
import { testTemporal, uniqueModelId, uniqueTaskQueue } from '../helpers/temporal.js';
import { createTestWorker } from '../helpers/upkeep-worker.js';
import { waitFor } from '../helpers/wait.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';

const CLI = fileURLToPath(new URL('../../bin/upkeep.mjs', import.meta.url));

/** The binary fixture's rows: x1..x4 and y. */
function fixtureRows(): number[][] {
  const [, ...rows] = readFileSync(fixture('data/binary.csv'), 'utf8').trimEnd().split('\n');
  return rows.map((r) => r.split(',').map(Number));
}

/** Every file under a folder, read as text (the store: reports, snapshots, the trail, the notification outbox). */
function filesUnder(dir: string): { file: string; text: string }[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => path.join(dir, name))
    .filter((file) => statSync(file).isFile())
    .map((file) => ({ file, text: readFileSync(file).toString('latin1') }));
}

describe('a window read by a query, with labels landing in a second table, on a dev server and PostgreSQL', function () {
  this.timeout(240_000);
  const db = usePostgres();
  let ws: Workspace | undefined;
  afterEach(() => ws?.remove());

  /** Logs the fixture's 1,000 predictions as served at `servedAt` (keys `<prefix>-<n>`); their outcomes are not known yet. */
  async function logPredictions(table: string, prefix: string, servedAt: Date): Promise<number[][]> {
    await db().query(`create table ${table} (request_id text primary key, served_at timestamptz, x1 float8, x2 float8, x3 float8, x4 float8)`);
    await db().query(`create table ${table}_outcomes (request_id text primary key, churned int, known_at timestamptz)`);
    const rows = fixtureRows();
    for (let at = 0; at < rows.length; at += 200) {
      const chunk = rows.slice(at, at + 200);
      const params = chunk.flatMap((r, k) => [`${prefix}-${at + k}`, new Date(servedAt.getTime() + (at + k) * 1000), r[0], r[1], r[2], r[3]]);
      const tuples = chunk.map((_, k) => `(${Array.from({ length: 6 }, (__, c) => `$${k * 6 + c + 1}`).join(', ')})`);
      await db().query(`insert into ${table} (request_id, served_at, x1, x2, x3, x4) values ${tuples.join(', ')}`, params);
    }
    return rows;
  }

  /** The outcomes arrive: one row per prediction, known a minute ago. */
  async function outcomesArrive(table: string, prefix: string, rows: number[][]): Promise<void> {
    for (let at = 0; at < rows.length; at += 500) {
      const chunk = rows.slice(at, at + 500);
      const params = chunk.flatMap((r, k) => [`${prefix}-${at + k}`, r[4]]);
      const tuples = chunk.map((_, k) => `($${k * 2 + 1}, $${k * 2 + 2}, now() - interval '1 minute')`);
      await db().query(`insert into ${table}_outcomes (request_id, churned, known_at) values ${tuples.join(', ')}`, params);
    }
  }

  function sqlModel(table: string, passwordFile: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      label: { column: 'churned', positive: 1 },
      data: {
        uri: db().uri,
        password_file: passwordFile,
        query: `select request_id, x1, x2, x3, x4 from ${table} where served_at >= {start} and served_at < {end} order by served_at`,
        key: 'request_id',
        labels: {
          query: `select o.request_id, o.churned, o.known_at from ${table}_outcomes o join ${table} p using (request_id) where p.served_at >= {start} and p.served_at < {end}`,
          known_at: 'known_at',
        },
        window: { days: 1 },
      },
      ...extra,
    };
  }

  /** The model's reference profile, from its test split (the fixture's rows), as a user makes it: `upkeep profile`. */
  function profileReference(): void {
    const csv = readFileSync(fixture('data/binary.csv'), 'utf8').replace(/^x1,x2,x3,x4,y$/m, 'x1,x2,x3,x4,churned');
    writeFileSync(path.join(ws!.dir, 'reference.csv'), csv);
    const modelId = /id: (\S+)/.exec(readFileSync(ws!.configPath, 'utf8'))![1]!;
    const r = spawnSync(process.execPath, [CLI, 'profile', '--config', ws!.configPath, '--model', modelId, '--data', path.join(ws!.dir, 'reference.csv')], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
  }

  function assertNoPassword(where: string, text: string): void {
    assert.ok(!text.includes(db().password), `the password appears in ${where}`);
  }

  it('a scheduled run estimates the window before its outcomes arrive and the next run realizes it, the password nowhere', async function () {
    const t = await testTemporal();
    const modelId = uniqueModelId('sqlsched');
    const taskQueue = uniqueTaskQueue('sqlsched');
    const now = new Date();
    const yesterday = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - 1, 8));
    ws = createWorkspace(modelId, sqlModel('served', 'pg-password'));
    writeFileSync(path.join(ws.dir, 'pg-password'), `${db().password}\n`, { mode: 0o600 });
    profileReference();
    const rows = await logPredictions('served', 'req', yesterday);
    const config = await loadConfig(ws.configPath);
    assert.equal(config.models[0]!.data.password_file, path.join(ws.dir, 'pg-password'));
    const handle = t.client.schedule.getHandle(evaluateScheduleId(modelId));
    const { worker, engine } = await createTestWorker(t, taskQueue, ws.configPath);
    const started = async (n: number) => {
      await handle.trigger(ScheduleOverlapPolicy.ALLOW_ALL);
      const action = await waitFor(`triggered run ${n}`, async () => {
        const actions = (await handle.describe()).info.recentActions;
        return actions.length >= n ? actions[n - 1] : undefined;
      });
      return t.client.workflow.getHandle(action.action.workflow.workflowId, action.action.workflow.firstExecutionRunId);
    };
    const triggered = async (n: number): Promise<{ result: EvaluateModelResult; workflowId: string }> => {
      const wf = await started(n);
      return { result: await wf.result(), workflowId: wf.workflowId };
    };
    const [first, second, third] = await worker
      .runUntil(async () => {
        await syncSchedules(t.client, config, { taskQueue });
        try {
          const first = await triggered(1);
          await outcomesArrive('served', 'req', rows);
          const second = await triggered(2);
          // A column the query reads is renamed under it.
          await db().query('alter table served rename column x3 to x3_renamed');
          const wf = await started(3);
          const third = {
            failure: await wf.result().then(
              () => assert.fail('expected the run to fail'),
              (e: unknown) => e,
            ),
            workflowId: wf.workflowId,
          };
          return [first, second, third] as const;
        } finally {
          await handle.delete();
        }
      })
      .finally(() => engine.close());

    // Before the outcomes: every row scored, none labelled, the verdict on the estimate.
    assert.equal(first.result.snapshot.rows, 1000);
    assert.equal(first.result.rows, 0, 'no labelled row yet');
    assert.equal(first.result.verdict.basis, 'estimated');
    // The next run: the same day's rows, now joined with their outcomes, judged on them.
    assert.equal(second.result.firstDay, first.result.firstDay);
    assert.equal(second.result.rows, 1000);
    assert.equal(second.result.verdict.basis ?? 'realized', 'realized');
    assert.equal(second.result.verdict.status, 'healthy', second.result.verdict.reasons.join('; '));
    assert.ok(Math.abs(second.result.metrics.roc_auc! - 0.8096813883170355) < 1e-12, `roc_auc ${second.result.metrics.roc_auc}`);
    assert.notEqual(second.result.snapshot.sha256, first.result.snapshot.sha256, 'the labels changed what was read');

    // What the snapshot recorded: the query, the day's bounds, the server, the rows' hash; no secret.
    const manifest = JSON.parse(readFileSync(new URL(second.result.snapshot.uri), 'utf8'));
    const day = manifest.files[0];
    assert.match(day.query, /^select request_id, x1, x2, x3, x4 from served where served_at >= \{start\}/);
    assert.equal(day.sourceUri, db().uri);
    assert.match(day.server, /^PostgreSQL \d+/);
    assert.match(day.rowsSha256, /^[0-9a-f]{64}$/);
    assert.deepEqual(day.params, [`${yesterday.toISOString().slice(0, 10)}T00:00:00.000Z`, new Date(yesterday.getTime() + 16 * 3600_000).toISOString()]);

    // The column renamed under the query: the snapshot fails at once (not retried), naming model, server and column.
    assert.ok(third.failure instanceof WorkflowFailedError);
    const cause = third.failure.cause?.cause;
    assert.ok(cause instanceof ApplicationFailure);
    assert.equal(cause.type, 'InvalidConfig');
    assert.equal(cause.nonRetryable, true);
    assert.equal(cause.message, `model ${modelId}: ${db().uri}: column "x3" does not exist`);
    const store = createFileStore(ws.storeDir);

    // The password: not in any run's history, nor anywhere in the store (reports, snapshots, the trail, the notification).
    for (const { workflowId } of [first, second, third]) {
      const history = await t.client.workflow.getHandle(workflowId).fetchHistory();
      assertNoPassword(`the history of ${workflowId}`, JSON.stringify(history));
    }
    for (const { file, text } of filesUnder(ws.storeDir)) assertNoPassword(file, text);
    assert.deepEqual((await verifyTrail(store, modelId)).problems, []);
  });

  it('with a declared delay, the run after it evaluates the first window again, realized from the outcomes table', async function () {
    const t = await testTemporal();
    const modelId = uniqueModelId('sqllate');
    const taskQueue = uniqueTaskQueue('sqllate');
    ws = createWorkspace(modelId, sqlModel('late', 'pg-password', { label: { column: 'churned', positive: 1, delay: '30d' } }));
    writeFileSync(path.join(ws.dir, 'pg-password'), db().password, { mode: 0o600 });
    profileReference();
    const rows = await logPredictions('late', 'late', new Date('2026-10-01T00:00:00Z'));
    const run = (windowEnd: string): Promise<EvaluateModelResult> =>
      t.client.workflow.execute(evaluateModel, { taskQueue, workflowId: `${modelId}-${windowEnd}`, args: [{ modelId, windowEnd }] });
    const { worker, engine } = await createTestWorker(t, taskQueue, ws.configPath);
    const [first, before, after] = await worker
      .runUntil(async () => {
        const first = await run('2026-10-02T06:00:00.000Z');
        await outcomesArrive('late', 'late', rows);
        const before = await run('2026-10-31T06:00:00.000Z');
        const after = await run('2026-11-01T06:00:00.000Z');
        return [first, before, after] as const;
      })
      .finally(() => engine.close());
    assert.equal(first.rows, 0);
    assert.equal(first.verdict.basis, 'estimated');
    assert.equal(before.matured, undefined, '29 days on: not due');
    assert.deepEqual(after.matured, ['2026-10-02T06:00:00.000Z']);

    const store = createFileStore(ws.storeDir);
    const entries = (await readChain(store, modelId)).map((c) => c.entry).filter((e) => e.kind === 'evaluation' && e.details?.verdict);
    const again = entries.filter((e) => e.details!.matured);
    assert.equal(again.length, 1);
    assert.deepEqual(again[0]!.details!.labels, { labelled: 1000, unlabelled: 0, delay: '30d' });
    assert.equal(again[0]!.details!.verdict, 'healthy');
    assert.deepEqual((await verifyTrail(store, modelId)).problems, []);
    for (const { file, text } of filesUnder(ws.storeDir)) assertNoPassword(file, text);
  });
});
