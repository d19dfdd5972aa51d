/**
 * Records workflow histories for the replay tests (test/histories/*.json): evaluateModel in its
 * three outcomes, with its window in evaluation shards and against a rolling reference, a degraded evaluation that takes the demo model through retrainModel to a
 * promotion, a signed rollback (rollbackModel), a handover accepted signed (handoverModel), a watchdog run with findings, and late labels (a
 * run that evaluates a matured window again, and that child run), a model healthy again after
 * degraded that routes `recovered` to a channel, and that channel's outbox with a digest, and a
 * high-tier model's promotion approved by two independent validators, and a periodic review
 * attested (reviewModel). Run it after a
 * deliberate change to the workflow's commands, together with a patch marker or versioned
 * workflow where running executions must survive the change:
 *   npx tsx test/record-histories.ts [name…]     (only the named histories, e.g. rollback-model-signed)
 */
import { createTestWorker } from './helpers/upkeep-worker.js';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveTemporalCli } from '../workers/dev-server.js';
import { readSettings } from '../workers/settings.js';
import { evaluateModel, watchdog } from '../workflows/index.js';
import { testTemporal, mochaHooks } from './helpers/temporal.js';
import { createWorkspace } from './helpers/workspace.js';
import { APPROVER, createDemoWorkspace, demoModel, fitDemoModel, OWNER } from './helpers/demo-workspace.js';
import { stringify } from 'yaml';
import type { ChannelSender } from '../engine/notify/channels/types.js';
import { channelOutboxId } from '../domain/channel-outbox.js';
import {
  decideUpdate,
  handoverWorkflowId,
  maintenanceStatusQuery,
  maturedWorkflowId,
  retrainWorkflowId,
  reviewWorkflowId,
  rollbackWorkflowId,
} from '../workflows/definitions.js';
import { prepareHandover } from '../cli/client/handover.js';
import { findModel, loadConfig } from '../engine/config/load.js';
import { appendEntry } from '../engine/audit/chain.js';
import { createRegistry } from '../engine/registry/registry.js';
import { createFileStore } from '../engine/store/file-store.js';
import { artifactKey, auditEntryKey } from '../engine/store/keys.js';
import { rollbackAct, rollbackRequestId } from '../domain/signature.js';
import { createSigningKey, signAs } from '../cli/keys.js';
import { PROJECT_DIR } from '../workers/paths.js';

const cases = [
  { name: 'evaluate-model-healthy', days: ['2026-06-01', '2026-06-02', '2026-06-03'], data: 'data/binary.csv', windowEnd: '2026-06-04T06:00:00Z' },
  { name: 'evaluate-model-insufficient-data', days: [], data: 'data/binary.csv', windowEnd: '2026-06-04T06:00:00Z' },
  { name: 'evaluate-model-failing', days: ['2026-06-03'], data: 'data/binary_wrong_type.csv', windowEnd: '2026-06-04T06:00:00Z' },
  // 1,000 rows a day over shard_rows 1,000: three evaluation shards and a merge.
  {
    name: 'evaluate-model-sharded',
    days: ['2026-06-01', '2026-06-02', '2026-06-03'],
    data: 'data/binary.csv',
    windowEnd: '2026-06-04T06:00:00Z',
    model: { evaluation: { shard_rows: 1000 } },
  },
  // A rolling reference: the 7 days before the 3-day window, snapshotted beside it (patch rolling-reference).
  {
    name: 'evaluate-model-rolling-reference',
    days: ['2026-05-25', '2026-05-26', '2026-05-27', '2026-05-28', '2026-05-29', '2026-05-30', '2026-05-31', '2026-06-01', '2026-06-02', '2026-06-03'],
    data: 'data/binary.csv',
    windowEnd: '2026-06-04T06:00:00Z',
    model: { reference: { rolling: '7d' } },
  },
];

const only = process.argv.slice(2);
const wanted = (...names: string[]): boolean => only.length === 0 || names.some((n) => only.includes(n));

const cli = resolveTemporalCli({ settings: readSettings(process.env) });
if (!cli) throw new Error('recording histories needs the Temporal CLI');
const t = await testTemporal();

/** The CLI writes the standard JSON history format that the SDK's replayer reads. */
function save(name: string, workflowId: string): void {
  const json = execFileSync(cli!, ['workflow', 'show', '--workflow-id', workflowId, '--address', t.address, '--output', 'json'], { encoding: 'utf8' });
  const file = path.join(PROJECT_DIR, 'test', 'histories', `${name}.json`);
  writeFileSync(file, json.endsWith('\n') ? json : `${json}\n`);
  console.log(`recorded ${path.relative(PROJECT_DIR, file)} (${(JSON.parse(json) as { events: unknown[] }).events.length} events)`);
}
for (const c of cases.filter((c) => wanted(c.name))) {
  const modelId = `replay-${c.name.replace('evaluate-model-', '')}`;
  const ws = createWorkspace(modelId, c.model ?? {});
  for (const d of c.days) ws.addDay(d, c.data);
  const taskQueue = `record-${modelId}-${Date.now()}`;
  const workflowId = `${modelId}-${Date.now()}`;
  const { worker, engine } = await createTestWorker(t, taskQueue, ws.configPath, { log: () => {} });
  await worker.runUntil(t.client.workflow.execute(evaluateModel, { taskQueue, workflowId, args: [{ modelId, windowEnd: c.windowEnd }] }));
  await engine.close();
  save(c.name, workflowId);
  ws.remove();
}

// The maintenance loop: degraded → retrain approved → candidate → promotion approved.
if (wanted('evaluate-model-degraded', 'retrain-model-promoted')) {
  const modelId = 'replay-retrain';
  const ws = createDemoWorkspace({ modelId, end: new Date('2026-06-05T06:00:00Z'), days: 12, drifted: true });
  const taskQueue = `record-${modelId}-${Date.now()}`;
  const evaluateId = `${modelId}-evaluate-${Date.now()}`;
  const { worker, engine } = await createTestWorker(t, taskQueue, ws.configPath, { log: () => {} });
  await worker.runUntil(async () => {
    await t.client.workflow.execute(evaluateModel, { taskQueue, workflowId: evaluateId, args: [{ modelId, windowEnd: '2026-06-04T06:00:00Z' }] });
    const handle = t.client.workflow.getHandle(retrainWorkflowId(modelId));
    for (const gate of ['retrain', 'promote'] as const) {
      for (;;) {
        const s = await handle.query(maintenanceStatusQuery);
        if (s.gate?.gate === gate) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      await handle.executeUpdate(decideUpdate, { args: [{ gate, decision: 'approve', approver: OWNER }] });
    }
    await handle.result();
  });
  await engine.close();
  save('evaluate-model-degraded', evaluateId);
  save('retrain-model-promoted', retrainWorkflowId(modelId));
  ws.remove();
}
// A high-tier model (patch risk-tier): its promotion approved by two independent validators, one at a time.
if (wanted('retrain-model-promoted-high-tier')) {
  const modelId = 'replay-tier';
  const validators = ['model-risk@example.com', 'second-line@example.com'];
  const ws = createDemoWorkspace({
    modelId,
    end: new Date('2026-06-05T06:00:00Z'),
    days: 12,
    drifted: true,
    model: { risk_tier: 'high', approvers: [APPROVER, ...validators] },
  });
  const taskQueue = `record-${modelId}-${Date.now()}`;
  const { worker, engine } = await createTestWorker(t, taskQueue, ws.configPath, { log: () => {} });
  await worker.runUntil(async () => {
    await t.client.workflow.execute(evaluateModel, {
      taskQueue,
      workflowId: `${modelId}-evaluate-${Date.now()}`,
      args: [{ modelId, windowEnd: '2026-06-04T06:00:00Z' }],
    });
    const handle = t.client.workflow.getHandle(retrainWorkflowId(modelId));
    for (const [gate, approvers] of [
      ['retrain', [OWNER]],
      ['promote', validators],
    ] as const) {
      for (;;) {
        const s = await handle.query(maintenanceStatusQuery);
        if (s.gate?.gate === gate) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      for (const approver of approvers) await handle.executeUpdate(decideUpdate, { args: [{ gate, decision: 'approve', approver, comment: 'reviewed' }] });
    }
    await handle.result();
  });
  await engine.close();
  save('retrain-model-promoted-high-tier', retrainWorkflowId(modelId));
  ws.remove();
}
// A signed rollback request, approved with a signature through the rollback gate.
if (wanted('rollback-model-signed')) {
  const modelId = 'replay-rollback';
  const keyDir = mkdtempSync(path.join(tmpdir(), 'upkeep-record-keys-'));
  const owner = createSigningKey(keyDir, OWNER).key;
  const approver = createSigningKey(keyDir, APPROVER).key;
  const ws = createDemoWorkspace({
    modelId,
    end: new Date(),
    days: 12,
    drifted: false,
    model: {
      approvers: [
        { id: OWNER, public_key: owner.publicKey },
        { id: APPROVER, public_key: approver.publicKey },
      ],
    },
  });
  const store = createFileStore(ws.storeDir);
  const registry = createRegistry(store);
  const bytes = await fitDemoModel(
    modelId,
    readdirSync(ws.dataDir)
      .sort()
      .map((f) => path.join(ws.dataDir, f)),
  );
  const sha = createHash('sha256').update(bytes).digest('hex');
  const configSha = createHash('sha256')
    .update(readFileSync(path.join(ws.dir, 'models', 'churn.onnx')))
    .digest('hex');
  const put = await store.put(artifactKey(modelId, sha), bytes);
  await registry.register({
    modelId,
    version: configSha.slice(0, 12),
    sha256: configSha,
    artifactUri: 'file:///unused',
    bytes: 1,
    createdAt: '2026-06-01T00:00:00.000Z',
    source: 'config',
  });
  await registry.register({
    modelId,
    version: sha.slice(0, 12),
    sha256: sha,
    artifactUri: put.uri,
    bytes: bytes.byteLength,
    createdAt: '2026-06-02T00:00:00.000Z',
    source: 'retrain',
  });
  await registry.swapChampion(
    { modelId, version: sha.slice(0, 12), sha256: sha, since: '2026-06-02T00:00:00.000Z', change: 'promotion', approvals: [] },
    null,
    configSha.slice(0, 12),
  );
  const taskQueue = `record-${modelId}-${Date.now()}`;
  const workflowId = rollbackWorkflowId(modelId);
  const request = { requestedBy: APPROVER, reason: 'complaints since the promotion' };
  const proof = signAs(
    keyDir,
    APPROVER,
    rollbackAct(request),
    { model: modelId, workflow: workflowId, request: rollbackRequestId(sha.slice(0, 12), configSha.slice(0, 12), 1) },
    true,
  )!;
  const { worker, engine } = await createTestWorker(t, taskQueue, ws.configPath, { log: () => {} });
  await worker.runUntil(async () => {
    const handle = await t.client.workflow.start('rollbackModel', { taskQueue, workflowId, args: [{ modelId, ...request, emergency: false, proof }] });
    let openedAt: string | undefined;
    while (!openedAt) {
      openedAt = (await handle.query(maintenanceStatusQuery)).gate?.openedAt;
      if (!openedAt) await new Promise((r) => setTimeout(r, 200));
    }
    const act = { gate: 'rollback' as const, decision: 'approve' as const, approver: OWNER, comment: 'confirmed with support' };
    const signed = signAs(keyDir, OWNER, act, { model: modelId, workflow: workflowId, request: openedAt }, true)!;
    await handle.executeUpdate(decideUpdate, { args: [{ ...act, proof: signed }] });
    await handle.result();
  });
  await engine.close();
  save('rollback-model-signed', workflowId);
  ws.remove();
  rmSync(keyDir, { recursive: true, force: true });
}
// A handover staged as `upkeep handover` stages it, accepted by the new owner with a signature.
if (wanted('handover-model-accepted')) {
  const modelId = 'replay-handover';
  const bob = 'bob@example.com';
  const keyDir = mkdtempSync(path.join(tmpdir(), 'upkeep-record-keys-'));
  const key = createSigningKey(keyDir, bob).key;
  const ws = createDemoWorkspace({ modelId, end: new Date(), days: 3, drifted: false, config: { keys_file: 'keys.yaml' } });
  writeFileSync(path.join(ws.dir, 'keys.yaml'), stringify({ people: [{ id: bob, public_key: key.publicKey }] }));
  const config = await loadConfig(ws.configPath);
  const { ref } = await prepareHandover(createFileStore(ws.storeDir), findModel(config, modelId), { to: bob, as: OWNER, reason: 'moving to the fraud team' });
  const taskQueue = `record-${modelId}-${Date.now()}`;
  const workflowId = handoverWorkflowId(modelId);
  const { worker, engine } = await createTestWorker(t, taskQueue, ws.configPath, { log: () => {} });
  await worker.runUntil(async () => {
    const handle = await t.client.workflow.start('handoverModel', { taskQueue, workflowId, args: [ref] });
    let openedAt: string | undefined;
    while (!openedAt) {
      openedAt = (await handle.query(maintenanceStatusQuery)).gate?.openedAt;
      if (!openedAt) await new Promise((r) => setTimeout(r, 200));
    }
    const act = { gate: 'handover' as const, decision: 'approve' as const, approver: bob, comment: 'mine from today' };
    const signed = signAs(keyDir, bob, act, { model: modelId, workflow: workflowId, request: openedAt }, true)!;
    await handle.executeUpdate(decideUpdate, { args: [{ ...act, proof: signed }] });
    await handle.result();
  });
  await engine.close();
  save('handover-model-accepted', workflowId);
  ws.remove();
  rmSync(keyDir, { recursive: true, force: true });
}
// The watchdog finding a stale model and an unknown approver: it tells, logs and regenerates the card.
if (wanted('watchdog-findings')) {
  const modelId = 'replay-watchdog';
  const ws = createWorkspace(modelId, { approvers: ['left@example.com'] });
  writeFileSync(path.join(ws.dir, 'people.yaml'), 'people: [model-owners@example.com]\n');
  writeFileSync(ws.configPath, `${readFileSync(ws.configPath, 'utf8')}watchdog: { directory: people.yaml }\n`);
  const at = new Date(Date.now() - 10 * 86_400_000).toISOString();
  const old = { id: 'old-evaluation', modelId, at, kind: 'evaluation' as const, summary: 'evaluated', details: { verdict: 'healthy' } };
  await createFileStore(ws.storeDir).put(auditEntryKey(old), JSON.stringify(old));
  const taskQueue = `record-${modelId}-${Date.now()}`;
  const workflowId = `${modelId}-${Date.now()}`;
  const { worker, engine } = await createTestWorker(t, taskQueue, ws.configPath, { client: t.client, log: () => {} });
  await worker.runUntil(t.client.workflow.execute(watchdog, { taskQueue, workflowId, args: [] }));
  await engine.close();
  save('watchdog-findings', workflowId);
  ws.remove();
}
// Late labels: a day evaluated with its labels empty, then the run 30 days on that evaluates it
// again (a child evaluateModel with `matured`): the parent's history and the child's.
if (wanted('evaluate-model-late-labels', 'evaluate-model-matured')) {
  const modelId = 'replay-late';
  const ws = createWorkspace(modelId, { label: { column: 'y', positive: 1, delay: '30d' }, data: { uri: 'data/{date}.csv', window: { days: 1 } } });
  const labelled = readFileSync(path.join(PROJECT_DIR, 'test', 'fixtures', 'data', 'binary.csv'), 'utf8');
  const day = path.join(ws.dataDir, '2026-06-01.csv');
  writeFileSync(day, labelled.replace(/,[^,\n]*$/gm, ',').replace(/^x1,x2,x3,x4,$/m, 'x1,x2,x3,x4,y'));
  const taskQueue = `record-${modelId}-${Date.now()}`;
  const workflowId = `${modelId}-${Date.now()}`;
  const { worker, engine } = await createTestWorker(t, taskQueue, ws.configPath, { log: () => {} });
  await worker.runUntil(async () => {
    await t.client.workflow.execute(evaluateModel, { taskQueue, workflowId: `${workflowId}-first`, args: [{ modelId, windowEnd: '2026-06-02T06:00:00Z' }] });
    writeFileSync(day, labelled);
    await t.client.workflow.execute(evaluateModel, { taskQueue, workflowId, args: [{ modelId, windowEnd: '2026-07-02T06:00:00Z' }] });
  });
  await engine.close();
  save('evaluate-model-late-labels', workflowId);
  save('evaluate-model-matured', maturedWorkflowId(modelId, '2026-06-02T06:00:00.000Z'));
  ws.remove();
}
// Routes (docs/channels.md): degraded, then healthy again with `recovered` routed (patches
// notify-routes, verdict-events); the digested channel's outbox sends the first event at once and
// the rest of its 3-second period as one digest.
if (wanted('evaluate-model-recovered', 'channel-outbox-digest')) {
  const modelId = 'replay-routes';
  const notify = {
    channels: { pager: { type: 'pagerduty', routing_key_file: 'pd-key' }, team: { type: 'slack', webhook_file: 'slack-url' } },
    routes: [{ channels: ['pager'], on: ['degraded', 'failing', 'recovered'] }, { channels: ['team'] }],
    digest: { every: '3s', channels: ['team'] },
  };
  const model = { retrain: { on: 'never' } };
  const ws = createDemoWorkspace({
    modelId,
    end: new Date('2026-06-05T06:00:00Z'),
    days: 5,
    drifted: false,
    model: { ...model, thresholds: { metric: 'roc_auc', min: 0.9 } },
    config: { notify },
  });
  const send: ChannelSender = async (name, spec) => ({ channel: name, type: spec.type, status: 202 });
  const taskQueue = `record-${modelId}-${Date.now()}`;
  const workflowId = `${modelId}-${Date.now()}`;
  const { worker, engine } = await createTestWorker(t, taskQueue, ws.configPath, { log: () => {}, channelSender: send });
  await worker.runUntil(async () => {
    await t.client.workflow.execute(evaluateModel, { taskQueue, workflowId: `${workflowId}-degraded`, args: [{ modelId, windowEnd: '2026-06-04T06:00:00Z' }] });
    writeFileSync(ws.configPath, stringify({ version: 1, store: 'store', notify, models: [demoModel(modelId, model)] }));
    await t.client.workflow.execute(evaluateModel, { taskQueue, workflowId, args: [{ modelId, windowEnd: '2026-06-05T06:00:00Z' }] });
    await t.client.workflow.getHandle(channelOutboxId(modelId, 'team')).result();
    await t.client.workflow.getHandle(channelOutboxId(modelId, 'pager')).result();
  });
  await engine.close();
  save('evaluate-model-recovered', workflowId);
  save('channel-outbox-digest', channelOutboxId(modelId, 'team'));
  ws.remove();
}
// A periodic review (docs/governance.md#periodic-reviews): due (the trail began 120 days ago), asked, attested with answers.
if (wanted('review-model-attested')) {
  const modelId = 'replay-review';
  const ws = createDemoWorkspace({
    modelId,
    end: new Date('2026-06-05T06:00:00Z'),
    days: 1,
    drifted: false,
    model: { review: { every: '90d', questions: ['Still used for retention offers?'] } },
  });
  const store = createFileStore(ws.storeDir);
  await appendEntry(store, { id: 'born', modelId, at: new Date(Date.now() - 120 * 86_400_000).toISOString(), kind: 'schedule', summary: 'schedule created' });
  const taskQueue = `record-${modelId}-${Date.now()}`;
  const { worker, engine } = await createTestWorker(t, taskQueue, ws.configPath, { log: () => {} });
  await worker.runUntil(async () => {
    const handle = await t.client.workflow.start('reviewModel', { taskQueue, workflowId: reviewWorkflowId(modelId), args: [{ modelId }] });
    for (;;) {
      const s = await handle.query(maintenanceStatusQuery).catch(() => undefined);
      if (s?.gate?.gate === 'review') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await handle.executeUpdate(decideUpdate, { args: [{ gate: 'review', decision: 'approve', approver: OWNER, comment: '1. yes' }] });
    await handle.result();
  });
  await engine.close();
  save('review-model-attested', reviewWorkflowId(modelId));
  ws.remove();
}
await mochaHooks.afterAll();
