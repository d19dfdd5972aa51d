import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { createFileStore } from '../../engine/store/file-store.js';
import { artifactKey } from '../../engine/store/keys.js';
import { createRegistry } from '../../engine/registry/registry.js';
import { readAuditTrail } from '../../engine/audit/read.js';
import {
  decideUpdate,
  maintenanceStatusQuery,
  retrainWorkflowId,
  rollbackWorkflowId,
  type RollbackModelResult,
  type EvaluateModelResult,
  type RetrainModelResult,
} from '../../workflows/definitions.js';
import type { DecisionInput, MaintenanceStage, MaintenanceStatus } from '../../domain/maintenance.js';
import { evaluateModel } from '../../workflows/index.js';
import { createUpkeepWorker } from '../../workers/worker.js';
import { APPROVER, createDemoWorkspace, fitDemoModel, OWNER, type DemoWorkspace } from '../helpers/demo-workspace.js';
import { testTemporal, uniqueModelId, uniqueTaskQueue } from '../helpers/temporal.js';
import { waitFor as waitUntil } from '../helpers/wait.js';
import { FAST_HEARTBEAT_EVERY_MS, fastFailoverBundle, startWorkerProcess, type WorkerProcess } from '../helpers/worker-processes.js';

const WINDOW_END = '2026-11-20T06:00:00.000Z';
const NEXT_WINDOW_END = '2026-11-21T06:00:00.000Z';
const PROJECT_DIR = fileURLToPath(new URL('../..', import.meta.url));

/** Probes here may meet a workflow that is not there yet: errors mean "not yet". */
const waitFor = <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> =>
  waitUntil(what, probe, { timeoutMs: 90_000, intervalMs: 250, ignoreErrors: true });

const statusOf = (h: WorkflowHandle): Promise<MaintenanceStatus> => h.query(maintenanceStatusQuery);
/** Waits for the workflow to reach `stage`; on a timeout, says where it is and what is failing. */
async function atStage(h: WorkflowHandle, stage: MaintenanceStage): Promise<MaintenanceStatus> {
  try {
    return await waitFor(`stage ${stage}`, async () => {
      const s = await statusOf(h);
      return s.stage === stage && (s.gate || !stage.startsWith('awaiting')) ? s : undefined;
    });
  } catch (err) {
    const d = await h.describe();
    const raw = (d.raw.pendingActivities ?? []).map((a) => `${a.activityType?.name} attempt ${a.attempt}: ${a.lastFailure?.message ?? ''}`);
    const history = await h.fetchHistory();
    const taskFailure = history.events?.filter((e) => e.workflowTaskFailedEventAttributes).pop()?.workflowTaskFailedEventAttributes?.failure?.message;
    throw new Error(
      `${(err as Error).message}; workflow ${d.status.name}, stage ${(await statusOf(h).catch(() => undefined))?.stage}; pending: ${raw.join('; ') || 'none'}${taskFailure ? `; workflow task failing: ${taskFailure}` : ''}`,
    );
  }
}
const decide = (h: WorkflowHandle, input: DecisionInput) => h.executeUpdate(decideUpdate, { args: [input] });

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof WorkflowUpdateFailedError, `expected a refused update, got ${String(err)}`);
    return err.cause?.message ?? err.message;
  }
  assert.fail('the update was accepted');
}

describe('maintenance: retraining with approval, champion vs challenger, promotion and model cards', function () {
  this.timeout(180_000);
  let ws: DemoWorkspace | undefined;
  let lines: string[] = [];
  const children: ChildProcess[] = [];
  const doomedWorkers: WorkerProcess[] = [];
  afterEach(async () => {
    for (const c of children.splice(0)) c.kill('SIGKILL');
    await Promise.all(doomedWorkers.splice(0).map((w) => w.kill()));
    ws?.remove();
    lines = [];
  });

  /** `fastFailover`: the bundle with short heartbeat timeouts, and the worker's beats they need (worker-processes.ts). */
  async function withWorker<T>(taskQueue: string, fn: () => Promise<T>, o: { fastFailover?: boolean } = {}): Promise<T> {
    const t = await testTemporal();
    const { worker, engine } = await createUpkeepWorker({
      connection: t.connection,
      namespace: 'default',
      taskQueue,
      configPath: ws!.configPath,
      workflowBundle: o.fastFailover ? await fastFailoverBundle() : t.bundle,
      ...(o.fastFailover ? { heartbeatEvery: FAST_HEARTBEAT_EVERY_MS } : {}),
      scratchDir: ws!.dir,
      log: (line) => lines.push(line),
    });
    try {
      return await worker.runUntil(fn);
    } finally {
      await engine.close();
    }
  }

  const evaluate = async (modelId: string, taskQueue: string, windowEnd: string): Promise<EvaluateModelResult> => {
    const t = await testTemporal();
    return t.client.workflow.execute(evaluateModel, {
      taskQueue,
      workflowId: `evaluate-${modelId}-${windowEnd}-${Date.now()}`,
      args: [{ modelId, windowEnd }],
    });
  };
  const retrainHandle = async (modelId: string): Promise<WorkflowHandle> => (await testTemporal()).client.workflow.getHandle(retrainWorkflowId(modelId));
  const cardOf = (modelId: string): string => readFileSync(path.join(ws!.storeDir, 'cards', `${modelId}.md`), 'utf8');

  it('takes a degraded model through approve → train → compare → approve → promote, and the next evaluation uses the new champion', async function () {
    const modelId = uniqueModelId('loop');
    const taskQueue = uniqueTaskQueue('loop');
    ws = createDemoWorkspace({ modelId, end: new Date(NEXT_WINDOW_END), days: 12, drifted: true });
    await withWorker(taskQueue, async () => {
      const first = await evaluate(modelId, taskQueue, WINDOW_END);
      assert.equal(first.verdict.status, 'degraded');
      assert.equal(first.retrain, 'started');
      const handle = await retrainHandle(modelId);
      let status = await atStage(handle, 'awaiting-retrain-approval');
      assert.equal(status.gate!.gate, 'retrain');
      assert.deepEqual(status.gate!.approvers, [OWNER, APPROVER]);
      assert.equal(status.evidence[0]!.verdict!.status, 'degraded');

      // A second degraded window attaches its evidence to the pending request.
      const second = await evaluate(modelId, taskQueue, NEXT_WINDOW_END);
      assert.equal(second.retrain, 'attached');
      status = await waitFor('the second evidence', async () => ((await statusOf(handle)).evidence.length === 2 ? statusOf(handle) : undefined));
      assert.equal(status.evidence[1]!.windowEnd, NEXT_WINDOW_END);

      await decide(handle, { gate: 'retrain', decision: 'approve', approver: OWNER });
      status = await atStage(handle, 'awaiting-promotion-approval');
      const comparison = status.comparison!;
      assert.equal(comparison.recommended, true, comparison.reason);
      assert.ok(comparison.challenger.value! > comparison.champion.value! + 0.05, comparison.reason);
      // The holdout is the two days before the latest evidence's window end.
      assert.equal(comparison.holdout.firstDay, '2026-11-19');
      assert.equal(comparison.holdout.lastDay, '2026-11-20');
      assert.ok(comparison.rows.some((r) => r.metric === 'roc_auc' && r.better === 'challenger'));

      await decide(handle, { gate: 'promote', decision: 'approve', approver: APPROVER, comment: 'holdout AUC is clearly better' });
      const result: RetrainModelResult = await handle.result();
      assert.equal(result.outcome, 'promoted');
      assert.equal(result.evidence, 2);
      assert.deepEqual(
        result.decisions.map((d) => [d.gate, d.approver]),
        [
          ['retrain', OWNER],
          ['promote', APPROVER],
        ],
      );
      const candidate = result.candidate!;

      const after = await evaluate(modelId, taskQueue, NEXT_WINDOW_END);
      assert.equal(after.artifactSha256, candidate.sha256);
      // Judged against the new champion's own reference and baseline: no longer degraded (a
      // borderline drift warning from sampling noise is possible on 1,200 rows).
      assert.ok(['healthy', 'warning'].includes(after.verdict.status), after.verdict.reasons.join('; '));
      assert.ok(
        after.verdict.reasons.some((r) => /roc_auc .* is at or above the minimum/.test(r)) || after.verdict.status === 'healthy',
        after.verdict.reasons.join('; '),
      );
      assert.equal(after.retrain, undefined);

      const registry = createRegistry(createFileStore(ws!.storeDir));
      const champion = (await registry.champion(modelId))!.pointer;
      assert.equal(champion.version, candidate.version);
      assert.equal(champion.change, 'promotion');
      assert.deepEqual(
        champion.approvals.map((d) => d.approver),
        [OWNER, APPROVER],
      );
      const versions = await registry.versions(modelId);
      assert.deepEqual(versions.map((v) => v.source).sort(), ['config', 'retrain']);
      const trained = versions.find((v) => v.source === 'retrain')!;
      assert.equal(trained.training!.firstDay, '2026-11-13');
      assert.equal(trained.training!.lastDay, '2026-11-18');

      const card = cardOf(modelId);
      assert.match(card, new RegExp(`# Model card: ${modelId}`));
      assert.match(card, new RegExp(candidate.version));
      assert.match(card, /holdout AUC is clearly better/);
      const log = await readAuditTrail(createFileStore(ws!.storeDir), modelId, { evaluations: true });
      const kinds = log.map((e) => e.kind);
      for (const k of ['evaluation', 'retrain-requested', 'approval-requested', 'decision', 'trained', 'compared', 'promoted'] as const)
        assert.ok(kinds.includes(k), `log has ${k}: ${kinds.join(', ')}`);
      assert.ok(kinds.indexOf('trained') < kinds.indexOf('promoted'));
    });
    assert.ok(
      lines.some((l) => l.includes('approval-requested') && l.includes(OWNER)),
      lines.join('\n'),
    );
    assert.ok(
      lines.some((l) => l.includes('promoted')),
      lines.join('\n'),
    );
  });

  it('refuses an unlisted approver and a rejection without a comment, closes a rejected retrain without training, and does not ask again within the cooldown', async function () {
    const modelId = uniqueModelId('reject');
    const taskQueue = uniqueTaskQueue('reject');
    ws = createDemoWorkspace({ modelId, end: new Date(NEXT_WINDOW_END), days: 12, drifted: true });
    await withWorker(taskQueue, async () => {
      assert.equal((await evaluate(modelId, taskQueue, WINDOW_END)).retrain, 'started');
      const handle = await retrainHandle(modelId);
      await atStage(handle, 'awaiting-retrain-approval');
      assert.match(
        await refusal(decide(handle, { gate: 'retrain', decision: 'approve', approver: 'mallory@example.com' })),
        /mallory@example\.com" is not an approver/,
      );
      assert.match(await refusal(decide(handle, { gate: 'retrain', decision: 'reject', approver: OWNER })), /a rejection needs a comment/);
      assert.match(await refusal(decide(handle, { gate: 'promote', decision: 'approve', approver: OWNER })), /the open request is "retrain", not "promote"/);
      const gate = await decide(handle, { gate: 'retrain', decision: 'reject', approver: OWNER, comment: 'upstream pricing bug, fix the feed first' });
      assert.equal(gate.state, 'rejected');
      const result: RetrainModelResult = await handle.result();
      assert.equal(result.outcome, 'retrain-rejected');
      assert.equal(result.candidate, undefined);
      const versions = await createRegistry(createFileStore(ws!.storeDir)).versions(modelId);
      assert.deepEqual(
        versions.map((v) => v.source),
        ['config'],
      );
      assert.match(cardOf(modelId), /upstream pricing bug, fix the feed first/);
      // The next degraded window does not ask again within the cooldown.
      const again = await evaluate(modelId, taskQueue, NEXT_WINDOW_END);
      assert.equal(again.verdict.status, 'degraded');
      assert.equal(again.retrain, undefined);
    });
  });

  it('does not recommend a candidate that is worse than the champion, and promotes nothing', async function () {
    const modelId = uniqueModelId('worse');
    const taskQueue = uniqueTaskQueue('worse');
    // A command trainer that hands back a model fitted to shuffled labels.
    // Asked for by hand, so the holdout is the two days before now.
    ws = createDemoWorkspace({
      modelId,
      end: new Date(),
      days: 12,
      drifted: false,
      model: {
        retrain: {
          on: 'degraded',
          training_days: 6,
          holdout_days: 2,
          trainer: { type: 'command', command: [process.execPath, 'copy-model.mjs', 'noise.onnx', '{output}'], timeout: '1m' },
        },
      },
    });
    const files = readdirSync(ws.dataDir).map((f) => path.join(ws!.dataDir, f));
    writeFileSync(path.join(ws.dir, 'noise.onnx'), await fitDemoModel(modelId, files, true));
    writeFileSync(
      path.join(ws.dir, 'copy-model.mjs'),
      "import { copyFileSync } from 'node:fs';\nconsole.log('copying', process.argv[2]);\ncopyFileSync(process.argv[2], process.argv[3]);\n",
    );
    const t = await testTemporal();
    await withWorker(taskQueue, async () => {
      const handle = await t.client.workflow.signalWithStart('retrainModel', {
        taskQueue,
        workflowId: retrainWorkflowId(modelId),
        args: [{ modelId }],
        signal: 'attachEvidence',
        signalArgs: [{ source: 'manual', at: new Date().toISOString(), reason: 'quarterly refresh', requestedBy: OWNER }],
      });
      await atStage(handle, 'awaiting-retrain-approval');
      await decide(handle, { gate: 'retrain', decision: 'approve', approver: OWNER });
      const result: RetrainModelResult = await handle.result();
      assert.equal(result.outcome, 'not-recommended');
      assert.equal(result.comparison!.recommended, false);
      assert.ok(result.comparison!.challenger.value! < result.comparison!.champion.value!, result.comparison!.reason);
      assert.match(result.comparison!.reason, /not recommended/);
      assert.equal(await createRegistry(createFileStore(ws!.storeDir)).champion(modelId), undefined);
      const log = readFileSync(
        fileURLToPath(new URL((await createRegistry(createFileStore(ws!.storeDir)).versions(modelId)).find((v) => v.source === 'retrain')!.logUri!)),
        'utf8',
      );
      assert.match(log, /copying noise\.onnx/);
    });
  });

  it('reports a degraded model without retrain.trainer and never retrains it; a request started anyway ends no-trainer before any gate', async function () {
    const modelId = uniqueModelId('notrainer');
    const taskQueue = uniqueTaskQueue('notrainer');
    ws = createDemoWorkspace({
      modelId,
      end: new Date(NEXT_WINDOW_END),
      days: 12,
      drifted: true,
      model: { retrain: { on: 'degraded', training_days: 6, holdout_days: 2 } },
    });
    const t = await testTemporal();
    await withWorker(taskQueue, async () => {
      const first = await evaluate(modelId, taskQueue, WINDOW_END);
      assert.equal(first.verdict.status, 'degraded');
      assert.equal(first.retrain, undefined, 'no retrain request without a trainer');
      // Started directly (the CLI refuses before this), the workflow refuses too: nothing is asked or trained.
      const handle = await t.client.workflow.signalWithStart('retrainModel', {
        taskQueue,
        workflowId: retrainWorkflowId(modelId),
        args: [{ modelId }],
        signal: 'attachEvidence',
        signalArgs: [{ source: 'manual', at: new Date().toISOString(), reason: 'try anyway', requestedBy: OWNER }],
      });
      const result: RetrainModelResult = await handle.result();
      assert.equal(result.outcome, 'no-trainer');
      assert.deepEqual(result.decisions, []);
      assert.deepEqual((await statusOf(handle)).gates, []);
      assert.deepEqual(
        (await createRegistry(createFileStore(ws!.storeDir)).versions(modelId)).map((v) => v.source),
        ['config'],
      );
      const log = await readAuditTrail(createFileStore(ws!.storeDir), modelId, { evaluations: true });
      assert.ok(
        log.some((e) => e.kind === 'evaluation' && /^no retrain requested: model \S+ has no retrain\.trainer/.test(e.summary)),
        log.map((e) => e.summary).join('\n'),
      );
      assert.ok(
        log.some((e) => e.kind === 'failure' && /cannot retrain: model \S+ has no retrain\.trainer .*add a retrain: section with a trainer/.test(e.summary)),
        log.map((e) => e.summary).join('\n'),
      );
    });
    assert.ok(
      lines.some((l) => l.includes(`${modelId} is degraded (not retrained: it has no retrain.trainer)`)),
      `the degraded notification says it is not retrained: ${lines.join('\n')}`,
    );
  });

  it('marks a better candidate trained on fewer days than asked and still failing the threshold as not recommended, shows it, and promotes it only with a comment', async function () {
    const modelId = uniqueModelId('concerns');
    const taskQueue = uniqueTaskQueue('concerns');
    // 12 days of data, 20 asked for training; roc_auc must reach 0.99, which no candidate does.
    ws = createDemoWorkspace({
      modelId,
      end: new Date(NEXT_WINDOW_END),
      days: 12,
      drifted: true,
      model: {
        thresholds: { metric: 'roc_auc', min: 0.99, max_drop: 0.05 },
        retrain: { on: 'degraded', trainer: { type: 'builtin' }, training_days: 20, holdout_days: 2 },
      },
    });
    await withWorker(taskQueue, async () => {
      assert.equal((await evaluate(modelId, taskQueue, WINDOW_END)).retrain, 'started');
      const handle = await retrainHandle(modelId);
      let status = await atStage(handle, 'awaiting-retrain-approval');
      assert.deepEqual(status.plan, { trainer: 'builtin logistic regression', trainingDays: 20, holdoutDays: 2, minCoverage: 0.8 });
      await decide(handle, { gate: 'retrain', decision: 'approve', approver: OWNER });
      status = await atStage(handle, 'awaiting-promotion-approval');
      const c = status.comparison!;
      assert.equal(c.better, true, c.reason);
      assert.equal(c.recommended, false, c.reason);
      const k = c.candidate!;
      assert.equal(k.trainer, 'builtin logistic regression');
      assert.equal(k.modelType, 'logistic regression (builtin trainer)');
      assert.equal(k.championModelType, 'linear classifier (LinearClassifier, by skl2onnx)');
      assert.equal(k.training.daysAsked, 20);
      assert.ok(k.training.daysWithData < 16, `${k.training.daysWithData} days with data`);
      assert.equal(k.training.missingDays.length, 20 - k.training.daysWithData);
      assert.match(c.stillFails!, /^roc_auc 0\.\d+ is below the minimum 0\.99$/);
      assert.equal(c.concerns!.length, 2, c.concerns!.join('; '));
      assert.match(
        status.gate!.commentRequired!,
        new RegExp(`^candidate ${k.version} is not recommended: it still fails the model's threshold: roc_auc .*; it trained on \\d+ of the 20 days asked`),
      );

      // approvals list shows the trainer, model type, window, rows, coverage and both intervals.
      const printed: string[] = [];
      const original = console.log;
      console.log = (...a: unknown[]) => void printed.push(a.join(' '));
      try {
        const { approvalsList } = await import('../../cli/commands/maintenance-actions.js');
        await approvalsList(
          {
            withClient: async (fn) => fn((await testTemporal()).client),
            taskQueue,
            defaultRequester: OWNER,
            configPath: () => ws!.configPath,
            keyDir: ws!.dir,
          },
          { model: modelId },
        );
      } finally {
        console.log = original;
      }
      const text = printed.join('\n');
      assert.match(
        text,
        new RegExp(
          `candidate:   ${k.version}: logistic regression \\(builtin trainer\\), trainer builtin logistic regression \\(the champion is a linear classifier`,
        ),
      );
      assert.match(text, /training:    trained on \d+ of the 20 days asked \(\d{4}-\d\d-\d\d\.\.\d{4}-\d\d-\d\d, \d+%; no data on \d+ days: .*\), \d+ rows/);
      assert.match(text, /comparison:  roc_auc on the holdout .*: champion \S+ 0\.\d+ \[0\.\d+, 0\.\d+\] vs challenger \S+ 0\.\d+ \[0\.\d+, 0\.\d+\]/);
      assert.match(text, /verdict:     NOT recommended: it still fails the model's threshold/);
      assert.match(text, /comment:     approving needs --comment, because candidate/);

      assert.match(
        await refusal(decide(handle, { gate: 'promote', decision: 'approve', approver: APPROVER })),
        /approving this promote request needs a comment saying why, because candidate \S+ is not recommended: it still fails the model's threshold/,
      );
      await decide(handle, { gate: 'promote', decision: 'approve', approver: APPROVER, comment: 'better than the failing champion; more data next month' });
      const result: RetrainModelResult = await handle.result();
      assert.equal(result.outcome, 'promoted');
      const log = await readAuditTrail(createFileStore(ws!.storeDir), modelId);
      const promoted = log.find((e) => e.kind === 'promoted')!;
      assert.match(
        promoted.summary,
        /, although not recommended: it still fails the model's threshold: roc_auc .* is below the minimum 0\.99; it trained on \d+ of the 20 days asked/,
      );
      assert.match(log.find((e) => e.kind === 'trained')!.summary, /trained on \d+ of the 20 days asked/);
    });
  });

  it('finishes with exactly one new version when the worker is killed during training and another takes over', async function () {
    const modelId = uniqueModelId('kill');
    const taskQueue = uniqueTaskQueue('kill');
    ws = createDemoWorkspace({
      modelId,
      end: new Date(NEXT_WINDOW_END),
      days: 12,
      drifted: true,
      model: {
        retrain: {
          on: 'degraded',
          training_days: 6,
          holdout_days: 2,
          trainer: { type: 'command', command: [process.execPath, 'slow-trainer.mjs', '{output}'], timeout: '2m' },
        },
      },
    });
    const files = readdirSync(ws.dataDir)
      .sort()
      .slice(0, 6)
      .map((f) => path.join(ws!.dataDir, f));
    writeFileSync(path.join(ws.dir, 'good.onnx'), await fitDemoModel(modelId, files));
    // Each start is recorded; the first run waits long enough to be killed with its worker.
    writeFileSync(
      path.join(ws.dir, 'slow-trainer.mjs'),
      "import { appendFileSync, copyFileSync } from 'node:fs';\nappendFileSync('starts.txt', `${process.pid}\\n`);\nsetTimeout(() => copyFileSync('good.onnx', process.argv[2]), 3000);\n",
    );
    const t = await testTemporal();
    // With short heartbeat timeouts, the server notices the killed worker in seconds, not after
    // training's heartbeat timeout of 30 s (worker-processes.ts).
    const doomed = await startWorkerProcess({ address: t.address, taskQueue, configPath: ws.configPath, scratchDir: ws.dir, fastFailover: true });
    doomedWorkers.push(doomed);
    await doomed.ready;
    await t.client.workflow.execute(evaluateModel, { taskQueue, workflowId: `evaluate-${modelId}`, args: [{ modelId, windowEnd: WINDOW_END }] });
    const handle = await retrainHandle(modelId);
    await atStage(handle, 'awaiting-retrain-approval');
    await decide(handle, { gate: 'retrain', decision: 'approve', approver: OWNER });
    const starts = path.join(ws.dir, 'starts.txt');
    await waitFor('training to start', async () => (existsSync(starts) ? true : undefined));
    await doomed.kill();

    await withWorker(
      taskQueue,
      async () => {
        const status = await atStage(handle, 'awaiting-promotion-approval');
        assert.equal(status.comparison!.recommended, true, status.comparison!.reason);
        await decide(handle, { gate: 'promote', decision: 'approve', approver: OWNER });
        const result: RetrainModelResult = await handle.result();
        assert.equal(result.outcome, 'promoted');
      },
      { fastFailover: true },
    );
    assert.equal(readFileSync(starts, 'utf8').trim().split('\n').length, 2, 'the training ran again on the new worker');
    const versions = await createRegistry(createFileStore(ws.storeDir)).versions(modelId);
    assert.equal(versions.filter((v) => v.source === 'retrain').length, 1);
    assert.equal(readdirSync(path.join(ws.storeDir, 'registry', modelId, 'jobs')).filter((f) => f.endsWith('.json')).length, 1);
  });

  it('rolls back through the approval gate from the CLI, and refuses an emergency rollback by someone who is not an approver', async function () {
    const modelId = uniqueModelId('rollback');
    const taskQueue = uniqueTaskQueue('rollback');
    ws = createDemoWorkspace({ modelId, end: new Date(NEXT_WINDOW_END), days: 12, drifted: true });
    const t = await testTemporal();
    // A promoted version, as a retrain would have left it.
    const store = createFileStore(ws.storeDir);
    const registry = createRegistry(store);
    const files = readdirSync(ws.dataDir)
      .sort()
      .map((f) => path.join(ws!.dataDir, f));
    const bytes = await fitDemoModel(modelId, files);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const put = await store.put(artifactKey(modelId, sha256), bytes);
    const configSha = createHash('sha256')
      .update(readFileSync(path.join(ws.dir, 'models', 'churn.onnx')))
      .digest('hex');
    await registry.register({
      modelId,
      version: configSha.slice(0, 12),
      sha256: configSha,
      artifactUri: 'file:///unused',
      bytes: 1,
      createdAt: '2026-11-01T00:00:00.000Z',
      source: 'config',
    });
    await registry.register({
      modelId,
      version: sha256.slice(0, 12),
      sha256,
      artifactUri: put.uri,
      bytes: bytes.byteLength,
      createdAt: '2026-11-19T00:00:00.000Z',
      source: 'retrain',
    });
    await registry.swapChampion(
      { modelId, version: sha256.slice(0, 12), sha256, since: '2026-11-19T00:00:00.000Z', change: 'promotion', approvals: [] },
      null,
      configSha.slice(0, 12),
    );

    // Asynchronous: the worker in this process must keep answering while the CLI runs.
    const cli = (...args: string[]) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ['bin/upkeep.mjs', ...args], {
          cwd: PROJECT_DIR,
          env: { ...process.env, TEMPORAL_ADDRESS: t.address, UPKEEP_TASK_QUEUE: taskQueue },
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        child.on('exit', (status) => resolve({ status, stdout, stderr }));
      });
    await withWorker(taskQueue, async () => {
      const refused = await cli('rollback', modelId, '--as', 'mallory@example.com', '--emergency', '--reason', 'bad predictions', '--config', ws!.configPath);
      assert.equal(refused.status, 2, refused.stdout + refused.stderr);
      assert.match(refused.stderr, /mallory@example\.com is not an approver/);

      const asked = await cli('rollback', modelId, '--as', APPROVER, '--reason', 'complaints since the promotion', '--config', ws!.configPath);
      assert.equal(asked.status, 0, asked.stdout + asked.stderr);
      const handle = t.client.workflow.getHandle(rollbackWorkflowId(modelId));
      await atStage(handle, 'awaiting-rollback-approval');
      const listed = await cli('approvals', 'list', '--model', modelId);
      assert.equal(listed.status, 0, listed.stderr);
      assert.match(listed.stdout, /rollback/);
      const approved = await cli('approve', modelId, '--as', OWNER, '--comment', 'confirmed with support');
      assert.equal(approved.status, 0, approved.stdout + approved.stderr);
      const result: RollbackModelResult = await handle.result();
      assert.equal(result.outcome, 'rolled-back');
      assert.equal(result.from, sha256.slice(0, 12));
      assert.equal(result.to, configSha.slice(0, 12));
      const pointer = (await registry.champion(modelId))!.pointer;
      assert.equal(pointer.change, 'rollback');
      assert.equal(pointer.version, configSha.slice(0, 12));
      assert.equal(pointer.approvals[0]!.approver, OWNER);
      const versions = await cli('versions', modelId, '--config', ws!.configPath);
      assert.match(versions.stdout, new RegExp(`\\* *${configSha.slice(0, 12)}`));
      const card = await cli('card', modelId, '--config', ws!.configPath);
      assert.match(card.stdout, /rolled back from/);
      assert.match(card.stdout, /confirmed with support/);
    });
  });
});
