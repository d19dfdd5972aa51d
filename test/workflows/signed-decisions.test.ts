import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WorkflowFailedError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { appendEntry } from '../../engine/audit/chain.js';
import { readAuditTrail } from '../../engine/audit/read.js';
import { createRegistry } from '../../engine/registry/registry.js';
import { createFileStore } from '../../engine/store/file-store.js';
import { artifactKey, championHistoryKey, evidenceKey } from '../../engine/store/keys.js';
import {
  attachEvidenceSignal,
  decideUpdate,
  maintenanceStatusQuery,
  retrainWorkflowId,
  rollbackWorkflowId,
  type RetrainModelResult,
  type RollbackModelResult,
} from '../../workflows/definitions.js';
import type { DecisionInput, MaintenanceStatus } from '../../domain/maintenance.js';
import { newKeyPair, signDecision, storedDecisionProblem, type DecisionKeys } from '../../domain/signature.js';
import { createSigningKey, signAs, verifyDecisionsCommand } from '../../cli/keys.js';
import { submitDecision } from '../../cli/client/decisions.js';
import { findModel, loadConfig } from '../../engine/config/load.js';
import { createUpkeepWorker } from '../../workers/worker.js';
import { APPROVER, createDemoWorkspace, demoModel, fitDemoModel, OWNER, type DemoWorkspace } from '../helpers/demo-workspace.js';
import { refreshOpenGates } from '../../cli/client/approvers.js';
import { stringify } from 'yaml';
import { testTemporal, uniqueModelId, uniqueTaskQueue } from '../helpers/temporal.js';
import { waitFor as waitUntil } from '../helpers/wait.js';

const PROJECT_DIR = fileURLToPath(new URL('../..', import.meta.url));
const waitFor = <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> =>
  waitUntil(what, probe, { timeoutMs: 90_000, intervalMs: 250, ignoreErrors: true });

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof WorkflowUpdateFailedError, `expected a refused update, got ${String(err)}`);
    return err.cause?.message ?? err.message;
  }
  assert.fail('the update was accepted');
}

describe('signed decisions through a worker: unsigned and forged refused, signed accepted', function () {
  this.timeout(180_000);
  let ws: DemoWorkspace | undefined;
  let keyDir: string | undefined;
  const lines: string[] = [];
  afterEach(() => {
    ws?.remove();
    if (keyDir) rmSync(keyDir, { recursive: true, force: true });
    lines.length = 0;
  });

  async function withWorker<T>(taskQueue: string, fn: () => Promise<T>): Promise<T> {
    const t = await testTemporal();
    const { worker, engine } = await createUpkeepWorker({
      connection: t.connection,
      namespace: 'default',
      taskQueue,
      configPath: ws!.configPath,
      workflowBundle: t.bundle,
      scratchDir: ws!.dir,
      log: (l) => lines.push(l),
    });
    try {
      return await worker.runUntil(fn);
    } finally {
      await engine.close();
    }
  }

  it('drops a null attachEvidence signal without failing the workflow task, and verifies every decision on a model with keys', async function () {
    const modelId = uniqueModelId('signed');
    const taskQueue = uniqueTaskQueue('signed');
    const owner = newKeyPair();
    const mallory = newKeyPair();
    ws = createDemoWorkspace({
      modelId,
      end: new Date(),
      days: 12,
      drifted: true,
      model: { approvers: [{ id: OWNER, public_key: owner.publicKey }, APPROVER] },
    });
    const t = await testTemporal();
    await withWorker(taskQueue, async () => {
      // A null payload (once failed the task on every retry), then a real request.
      const handle: WorkflowHandle = await t.client.workflow.signalWithStart('retrainModel', {
        taskQueue,
        workflowId: retrainWorkflowId(modelId),
        args: [{ modelId }],
        signal: attachEvidenceSignal,
        signalArgs: [null as never],
      });
      await handle.signal(attachEvidenceSignal, { source: 'manual', at: new Date().toISOString(), reason: 'quarterly refresh', requestedBy: OWNER });
      const status = await waitFor('the retrain gate', async () => {
        const s: MaintenanceStatus = await handle.query(maintenanceStatusQuery);
        return s.gate ? s : undefined;
      });
      assert.equal(status.evidence.length, 1);
      assert.equal(status.gate!.signaturesRequired, true);
      const events = (await handle.fetchHistory()).events ?? [];
      assert.equal(events.filter((e) => e.workflowTaskFailedEventAttributes).length, 0, 'no workflow task failed');

      const decide = (input: DecisionInput) => handle.executeUpdate(decideUpdate, { args: [input] });
      const act = { gate: 'retrain' as const, decision: 'reject' as const, approver: OWNER, comment: 'fix the feed first' };
      const where = { model: modelId, workflow: handle.workflowId, request: status.gate!.openedAt, signer: OWNER, at: new Date().toISOString() };
      assert.match(await refusal(decide(act)), /decisions on this model must be signed, and this one is not/);
      assert.match(
        await refusal(decide({ ...act, proof: signDecision(act, { ...where, nonce: 'forged-0123456789abcdef' }, mallory.secretKey) })),
        /does not match this decision/,
      );
      assert.match(await refusal(decide({ ...act, comment: { x: 1 } as never })), /comment must be a string, not object/);
      const earlier = signDecision(act, { ...where, request: '2026-01-01T00:00:00.000Z', nonce: 'earlier-0123456789abcdef' }, owner.secretKey);
      assert.match(await refusal(decide({ ...act, proof: earlier })), /signature is for another retrain request/);

      const proof = signDecision(act, { ...where, nonce: 'accepted-0123456789abcdef' }, owner.secretKey);
      const gate = await decide({ ...act, proof });
      assert.equal(gate.state, 'rejected');
      assert.deepEqual(gate.decision!.proof, proof);
      const result: RetrainModelResult = await handle.result();
      assert.equal(result.outcome, 'retrain-rejected');

      // Kept with the decision in the result (history) and the audit trail; it verifies again later.
      const keys: DecisionKeys = { people: { [OWNER]: owner.publicKey }, authenticators: {} };
      assert.equal(storedDecisionProblem(modelId, result.decisions[0]!, keys), undefined);
      assert.match(storedDecisionProblem(modelId, { ...result.decisions[0]!, decision: 'approve' }, keys)!, /does not match/);
      const log = await readAuditTrail(createFileStore(ws!.storeDir), modelId);
      const entry = log.find((e) => e.kind === 'decision')!;
      assert.match(entry.summary, /signed by churn-owner@example\.com/);
      assert.deepEqual((entry.details as { proof: unknown }).proof, proof);
    });
  });

  it("signs a promotion over the candidate and the evidence shown, which is stored content-addressed and cited by the request's audit entry; an old-format or other-evidence signature is refused", async function () {
    const modelId = uniqueModelId('evidence');
    const taskQueue = uniqueTaskQueue('evidence');
    keyDir = mkdtempSync(path.join(tmpdir(), 'upkeep-keydir-'));
    const ownerKey = createSigningKey(keyDir, OWNER).key;
    ws = createDemoWorkspace({
      modelId,
      end: new Date(),
      days: 12,
      drifted: true,
      model: { approvers: [{ id: OWNER, public_key: ownerKey.publicKey }, APPROVER] },
    });
    const t = await testTemporal();
    const store = createFileStore(ws.storeDir);
    const cliSign = (o: Parameters<typeof submitDecision>[2]) =>
      submitDecision(t.client, modelId, o, (act, where, required) => signAs(keyDir!, OWNER, act, where, required));
    await withWorker(taskQueue, async () => {
      const handle: WorkflowHandle = await t.client.workflow.signalWithStart('retrainModel', {
        taskQueue,
        workflowId: retrainWorkflowId(modelId),
        args: [{ modelId }],
        signal: attachEvidenceSignal,
        signalArgs: [{ source: 'manual', at: new Date().toISOString(), reason: 'quarterly refresh', requestedBy: OWNER }],
      });
      await waitFor('the retrain gate', async () => ((await handle.query(maintenanceStatusQuery)).gate ? true : undefined));
      await cliSign({ decision: 'approve', approver: OWNER, gate: 'retrain' });
      const status = await waitFor('the promote gate', async () => {
        const s: MaintenanceStatus = await handle.query(maintenanceStatusQuery);
        return s.gate?.gate === 'promote' ? s : undefined;
      });
      const gate = status.gate!;
      const candidate = status.candidate!.version;
      assert.equal(gate.candidate, candidate);
      // The evidence is in the store under its own sha256, and holds the comparison shown.
      const stored = readFileSync(path.join(ws!.storeDir, evidenceKey(modelId, gate.evidence!.sha256)));
      assert.equal(createHash('sha256').update(stored).digest('hex'), gate.evidence!.sha256);
      const doc = JSON.parse(stored.toString('utf8')) as { candidate: string; comparison: unknown };
      assert.equal(doc.candidate, candidate);
      assert.deepEqual(doc.comparison, status.comparison);
      // The gate shows in the query before its entry is recorded (an activity after it): wait for the entry.
      const asked = await waitFor("the promote request's entry", async () =>
        (await readAuditTrail(store, modelId)).find((e) => e.kind === 'approval-requested' && (e.details as { gate?: string }).gate === 'promote'),
      );
      assert.deepEqual((asked.details as { evidence: unknown }).evidence, gate.evidence);

      const act = { gate: 'promote' as const, decision: 'approve' as const, approver: OWNER };
      const where = { model: modelId, workflow: handle.workflowId, request: gate.openedAt, signer: OWNER, at: new Date().toISOString() };
      const decideRaw = (input: DecisionInput) => handle.executeUpdate(decideUpdate, { args: [input] });
      assert.match(
        await refusal(decideRaw({ ...act, proof: signDecision(act, { ...where, nonce: 'format1-0123456789abcdef' }, ownerKey.secretKey) })),
        /old format \(upkeep-decision-1\)/,
      );
      assert.match(
        await refusal(
          decideRaw({
            ...act,
            proof: signDecision(act, { ...where, nonce: 'othertab-0123456789abcdef', candidate, evidence: 'c'.repeat(64) }, ownerKey.secretKey),
          }),
        ),
        /covers other evidence/,
      );
      await assert.rejects(
        cliSign({ decision: 'approve', approver: OWNER, gate: 'promote', evidence: 'c'.repeat(64) }),
        /shows other evidence now \(sha256 [0-9a-f]{64}\) than the one given/,
      );
      const decided = await cliSign({ decision: 'approve', approver: OWNER, gate: 'promote', evidence: gate.evidence!.sha256 });
      assert.equal(decided.gate.state, 'approved');
      const result: RetrainModelResult = await handle.result();
      assert.equal(result.outcome, 'promoted');
      const proof = result.decisions[1]!.proof!;
      assert.equal(proof.candidate, candidate);
      assert.equal(proof.evidence, gate.evidence!.sha256);

      // verify-decision re-checks the signature, that it names the promoted version, and the evidence's hash.
      const spec = findModel(await loadConfig(ws!.configPath), modelId, 'upkeep.yaml');
      assert.equal(await verifyDecisionsCommand(spec, store), 0);
      writeFileSync(
        path.join(ws!.storeDir, evidenceKey(modelId, gate.evidence!.sha256)),
        stored.toString('utf8').replace('"recommended": true', '"recommended": false'),
      );
      const printed: string[] = [];
      const original = console.log;
      console.log = (...a: unknown[]) => void printed.push(a.join(' '));
      try {
        // Three problems: the trail's two entries citing the evidence (request and decision) and the decision itself.
        assert.equal(await verifyDecisionsCommand(spec, store), 3);
      } finally {
        console.log = original;
      }
      assert.match(
        printed.join('\n'),
        /NOT VERIFIED .*promote approve by churn-owner@example\.com.*the evidence the decision was signed over \(sha256 [0-9a-f]{64}\) was altered in the store/,
      );
      assert.match(printed.join('\n'), /NOT VERIFIED +the audit trail of .* does not verify \(2 problems/);
    });
  });

  it('lets a key added to the config after a request opened decide it once schedules sync pushes the change; the Update itself carries no keys', async function () {
    const modelId = uniqueModelId('newkey');
    const taskQueue = uniqueTaskQueue('newkey');
    keyDir = mkdtempSync(path.join(tmpdir(), 'upkeep-keydir-'));
    const ownerKey = createSigningKey(keyDir, OWNER).key;
    const mallory = newKeyPair();
    ws = createDemoWorkspace({
      modelId,
      end: new Date(),
      days: 12,
      drifted: true,
      model: { approvers: [{ id: OWNER, public_key: ownerKey.publicKey }, APPROVER] },
    });
    const t = await testTemporal();
    const approve = (as: string) =>
      submitDecision(t.client, modelId, { decision: 'approve', approver: as, gate: 'retrain' }, (act, where, required) =>
        signAs(keyDir!, as, act, where, required),
      );
    await withWorker(taskQueue, async () => {
      const handle: WorkflowHandle = await t.client.workflow.signalWithStart('retrainModel', {
        taskQueue,
        workflowId: retrainWorkflowId(modelId),
        args: [{ modelId }],
        signal: attachEvidenceSignal,
        signalArgs: [{ source: 'manual', at: new Date().toISOString(), reason: 'quarterly refresh', requestedBy: OWNER }],
      });
      await waitFor('the retrain gate', async () => ((await handle.query(maintenanceStatusQuery)).gate ? true : undefined));
      // The approver makes a key after the request opened: the open gate has the keys it opened with.
      const approverKey = createSigningKey(keyDir!, APPROVER).key;
      await assert.rejects(approve(APPROVER), /no public key is configured for "ml-lead@example\.com"/);
      // Anyone with namespace access may send the Update, but what it carries is ignored: the gate
      // reads the worker's config, which does not list the key yet.
      const raw = await handle.executeUpdate('refreshApprovers', {
        args: [{ people: { [APPROVER]: approverKey.publicKey, 'mallory@example.com': mallory.publicKey } }],
      });
      assert.deepEqual((raw as MaintenanceStatus['gates'][number]).approvers, [OWNER, APPROVER]);
      await assert.rejects(approve(APPROVER), /no public key is configured for "ml-lead@example\.com"/);

      writeFileSync(
        ws!.configPath,
        stringify({
          version: 1,
          store: 'store',
          models: [
            demoModel(modelId, {
              approvers: [
                { id: OWNER, public_key: ownerKey.publicKey },
                { id: APPROVER, public_key: approverKey.publicKey },
              ],
            }),
          ],
        }),
      );
      // The push schedules sync, upkeep worker and npm start make.
      const pushed = await refreshOpenGates(t.client, { models: [modelId], taskQueue });
      assert.deepEqual(
        pushed.refreshed.map((r) => r.workflowId),
        [retrainWorkflowId(modelId)],
      );
      assert.deepEqual(pushed.failed, []);
      const decided = await approve(APPROVER);
      assert.equal(decided.gate.state, 'approved');
      assert.equal(decided.gate.decision!.proof!.signer, APPROVER);
      const refreshed = await waitFor('the refresh in the audit trail', async () => {
        const found = (await readAuditTrail(createFileStore(ws!.storeDir), modelId)).filter((e) => e.kind === 'approvers-refreshed');
        return found.length ? found : undefined;
      });
      assert.equal(refreshed.length, 1, 'one entry: only the read that changed something is recorded');
      assert.match(
        refreshed[0]!.summary,
        /the retrain request read its approvers and keys again from the config: keys changed for ml-lead@example\.com \(added\)$/,
      );
      await handle.terminate('done with the test');
    });
  });

  it('does not hang schedules sync when no worker runs: the push gives up after one unanswered request and says the next worker start asks', async function () {
    const t = await testTemporal();
    const taskQueue = uniqueTaskQueue('noworker');
    const models = [uniqueModelId('noworker-a'), uniqueModelId('noworker-b')];
    const handles = await Promise.all(
      models.map((modelId) => t.client.workflow.start('retrainModel', { taskQueue, workflowId: retrainWorkflowId(modelId), args: [{ modelId }] })),
    );
    try {
      // Listed by visibility, which may lag the start a little.
      await waitFor('both requests listed', async () =>
        (await t.client.workflow.count(`TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'`)).count === 2 ? true : undefined,
      );
      const started = Date.now();
      const r = await refreshOpenGates(t.client, { models, taskQueue, concurrency: 1, timeoutMs: 1000 });
      assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
      assert.deepEqual(r.refreshed, []);
      assert.equal(r.failed.length, 2);
      assert.match(r.failed[0]!, /: no worker answered within 1s \(the next worker start asks it\)$/);
      assert.match(r.failed[1]!, /: not asked, no worker answered/);
    } finally {
      await Promise.all(handles.map((h) => h.terminate('test done')));
    }
  });

  it('signs rollbacks and approvals from the CLI, refuses an unsigned emergency at the workflow and a missing key at the CLI, and verify-decision re-checks them', async function () {
    const modelId = uniqueModelId('signed-rb');
    const taskQueue = uniqueTaskQueue('signed-rb');
    keyDir = mkdtempSync(path.join(tmpdir(), 'upkeep-keydir-'));
    const ownerKey = createSigningKey(keyDir, OWNER).key;
    const approverKey = createSigningKey(keyDir, APPROVER).key;
    ws = createDemoWorkspace({
      modelId,
      end: new Date(),
      days: 12,
      drifted: false,
      model: {
        approvers: [
          { id: OWNER, public_key: ownerKey.publicKey },
          { id: APPROVER, public_key: approverKey.publicKey },
        ],
      },
    });
    const t = await testTemporal();
    // A promoted version, so there is something to roll back.
    const store = createFileStore(ws.storeDir);
    const registry = createRegistry(store);
    const bytes = await fitDemoModel(
      modelId,
      readdirSync(ws.dataDir)
        .sort()
        .map((f) => path.join(ws!.dataDir, f)),
    );
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
    // As a retrain run promotes: the registry's change and its entry in the audit trail (verify-decision compares them).
    const seed = { workflowId: retrainWorkflowId(modelId), runId: 'seed' };
    await registry.swapChampion(
      { modelId, version: sha256.slice(0, 12), sha256, since: '2026-11-19T00:00:00.000Z', change: 'promotion', workflow: seed, approvals: [] },
      null,
      configSha.slice(0, 12),
    );
    await appendEntry(store, {
      id: 'seed-0001',
      modelId,
      at: '2026-11-19T00:00:00.000Z',
      kind: 'promoted',
      summary: 'promoted',
      ...seed,
      details: { from: configSha.slice(0, 12), to: sha256.slice(0, 12) },
    });

    const cli = (env: Record<string, string>, ...args: string[]) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ['bin/upkeep.mjs', ...args], {
          cwd: PROJECT_DIR,
          env: { ...process.env, TEMPORAL_ADDRESS: t.address, UPKEEP_TASK_QUEUE: taskQueue, UPKEEP_KEY_DIR: keyDir!, ...env },
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        child.on('exit', (status) => resolve({ status, stdout, stderr }));
      });
    await withWorker(taskQueue, async () => {
      // No key for --as: refused before anything starts, naming the file looked for.
      const nokey = await cli(
        { UPKEEP_KEY_DIR: path.join(keyDir!, 'empty') },
        'rollback',
        modelId,
        '--as',
        APPROVER,
        '--emergency',
        '--reason',
        'bad',
        '--config',
        ws!.configPath,
      );
      assert.equal(nokey.status, 2, nokey.stdout + nokey.stderr);
      assert.match(
        nokey.stderr,
        /decisions must be signed, and there is no signing key for ml-lead@example\.com at .*empty\/keys\/ml-lead@example\.com\.key\.json/,
      );

      // An unsigned emergency started straight on Temporal: the workflow refuses it, not retryable.
      const raw = await t.client.workflow.start('rollbackModel', {
        taskQueue,
        workflowId: `${rollbackWorkflowId(modelId)}`,
        args: [{ modelId, reason: 'trust me', requestedBy: OWNER, emergency: true }],
      });
      const failure = await raw.result().then(
        () => undefined,
        (err: unknown) => err,
      );
      assert.ok(failure instanceof WorkflowFailedError, String(failure));
      assert.match(String((failure.cause as Error | undefined)?.message), /decisions on this model must be signed, and this one is not/);
      assert.equal((await registry.champion(modelId))!.pointer.version, sha256.slice(0, 12), 'nothing rolled back');

      const asked = await cli({}, 'rollback', modelId, '--as', APPROVER, '--reason', 'complaints since the promotion', '--config', ws!.configPath);
      assert.equal(asked.status, 0, asked.stdout + asked.stderr);
      const handle = t.client.workflow.getHandle(rollbackWorkflowId(modelId));
      await waitFor('the rollback gate', async () => ((await handle.query(maintenanceStatusQuery)).gate ? true : undefined));
      assert.match(
        await refusal(handle.executeUpdate(decideUpdate, { args: [{ gate: 'rollback', decision: 'approve', approver: OWNER }] })),
        /decisions on this model must be signed/,
      );
      const approved = await cli({}, 'approve', modelId, '--as', OWNER, '--comment', 'confirmed with support');
      assert.equal(approved.status, 0, approved.stdout + approved.stderr);
      assert.match(approved.stdout, /as churn-owner@example\.com \(signed\)/);
      const result: RollbackModelResult = await handle.result();
      assert.equal(result.outcome, 'rolled-back');
      assert.equal(result.decisions[0]!.proof!.signer, OWNER);

      // A signed emergency rollback back to the promoted version: no gate, signature kept.
      const emergency = await cli(
        {},
        'rollback',
        modelId,
        '--as',
        APPROVER,
        '--emergency',
        '--to',
        sha256.slice(0, 12),
        '--reason',
        'the restored version is worse',
        '--config',
        ws!.configPath,
      );
      assert.equal(emergency.status, 0, emergency.stdout + emergency.stderr);
      assert.match(emergency.stdout, /rolled back .* \(emergency, by ml-lead@example\.com\)/);
      assert.equal((await registry.champion(modelId))!.pointer.emergency!.proof!.signer, APPROVER);

      const verified = await cli({}, 'verify-decision', modelId, '--config', ws!.configPath);
      assert.equal(verified.status, 0, verified.stdout + verified.stderr);
      assert.match(
        verified.stdout,
        /^verified {2}generation 2 \(rollback to [0-9a-f]{12}\): rollback approve by churn-owner@example\.com, signed by churn-owner@example\.com/m,
      );
      assert.match(
        verified.stdout,
        /^verified {2}generation 3 \(rollback to [0-9a-f]{12}\): rollback-request emergency by ml-lead@example\.com, signed by ml-lead@example\.com/m,
      );

      // The stored approval's comment altered after the fact: verify-decision says so and exits 1.
      const file = path.join(ws!.storeDir, championHistoryKey(modelId, 2));
      writeFileSync(file, readFileSync(file, 'utf8').replace('confirmed with support', 'confirmed with nobody'));
      const altered = await cli({}, 'verify-decision', modelId, '--config', ws!.configPath);
      assert.equal(altered.status, 1, altered.stdout + altered.stderr);
      assert.match(altered.stdout, /^NOT VERIFIED {2}generation 2 .*does not match this decision/m);
      assert.match(altered.stdout, /^verified {2}generation 3 /m);
    });
  });
});
