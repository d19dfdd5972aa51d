/**
 * Handover through a real worker on the dev server, as the CLI asks for it (cli/client/handover.ts):
 * the request is staged and started, a forged acceptance is refused, the new owner accepts signed,
 * and who-was-watching answers the owner before, while pending and after, from the verified trail;
 * the staged reference cannot open a second request. A departure opens a request to the platform.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { parse, stringify } from 'yaml';
import { requestHandover, openDepartureHandovers } from '../../cli/client/handover.js';
import { ownerCheckLines } from '../../cli/commands/handover.js';
import { submitDecision, type DecisionSigner } from '../../cli/client/decisions.js';
import { openRequests } from '../../cli/client/requests.js';
import { recordFleetConfig } from '../../engine/audit/config-entries.js';
import { readCitedSpecs } from '../../engine/audit/owners.js';
import { verifyTrail } from '../../engine/audit/verify-trail.js';
import { renderWhoWasWatching, whoWasWatching } from '../../engine/audit/watching.js';
import { findModel, loadConfig } from '../../engine/config/load.js';
import { UpkeepError } from '../../engine/errors.js';
import { createFileStore } from '../../engine/store/file-store.js';
import { cardKey, stagedHandoverKey } from '../../engine/store/keys.js';
import { newKeyPair, newNonce, signDecision } from '../../domain/signature.js';
import { handoverWorkflowId, watchdogScheduleId, type HandoverModelResult } from '../../workflows/definitions.js';
import { watchdog } from '../../workflows/index.js';
import type { WatchdogResult } from '../../workflows/watchdog.js';
import { createUpkeepWorker } from '../../workers/worker.js';
import { createDemoWorkspace, OWNER, type DemoWorkspace } from '../helpers/demo-workspace.js';
import { testTemporal, uniqueModelId, uniqueTaskQueue } from '../helpers/temporal.js';
import { waitFor as waitUntil } from '../helpers/wait.js';

const BOB = 'bob@example.com';
const PLATFORM = 'ml-platform@example.com';
const waitFor = <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> =>
  waitUntil(what, probe, { timeoutMs: 90_000, intervalMs: 250, ignoreErrors: true });

/** Signs as `upkeep approve --as <approver>` does, with `secretKey` (a forger passes another key). */
const signerWith =
  (secretKey: string, signer?: string): DecisionSigner =>
  (act, where) =>
    signDecision(act, { ...where, signer: signer ?? act.approver, at: new Date().toISOString(), nonce: newNonce((n) => randomBytes(n)) }, secretKey);

async function refused(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof UpkeepError, `expected a refusal, got ${String(err)}`);
    return err.message;
  }
  assert.fail('the decision was accepted');
}

describe('handover through a worker: requested, a forged acceptance refused, accepted signed, who-was-watching before and after', function () {
  this.timeout(180_000);
  let ws: DemoWorkspace | undefined;
  afterEach(() => ws?.remove());
  const owner = newKeyPair();
  const bob = newKeyPair();
  const platform = newKeyPair();
  const mallory = newKeyPair();

  /** A workspace whose keys file lists the owner, Bob and the platform contact; the config recorded as `schedules sync` records it. */
  async function workspace(modelId: string) {
    ws = createDemoWorkspace({ modelId, end: new Date(), days: 3, drifted: false, config: { keys_file: 'keys.yaml', watchdog: { platform: [PLATFORM] } } });
    writeFileSync(
      path.join(ws.dir, 'keys.yaml'),
      stringify({
        people: [
          { id: OWNER, public_key: owner.publicKey },
          { id: BOB, public_key: bob.publicKey },
          { id: PLATFORM, public_key: platform.publicKey },
        ],
      }),
      { mode: 0o644 },
    );
    const config = await loadConfig(ws.configPath);
    const store = createFileStore(ws.storeDir);
    await recordFleetConfig(store, config, { by: { user: 'test', host: 'test', command: 'schedules sync' }, configName: 'upkeep.yaml' });
    return { config, store, spec: findModel(config, modelId) };
  }

  async function withWorker<T>(taskQueue: string, fn: (client: Client) => Promise<T>): Promise<T> {
    const t = await testTemporal();
    const { worker, engine } = await createUpkeepWorker({
      connection: t.connection,
      namespace: 'default',
      taskQueue,
      configPath: ws!.configPath,
      workflowBundle: t.bundle,
      scratchDir: ws!.dir,
      log: () => {},
    });
    try {
      return await worker.runUntil(() => fn(t.client));
    } finally {
      await engine.close();
    }
  }

  it('keeps the owner accountable until the new owner accepts, signed; the trail answers the owner at each instant', async function () {
    const modelId = uniqueModelId('handover');
    const taskQueue = uniqueTaskQueue('handover');
    const { store, spec } = await workspace(modelId);
    const before = new Date();
    await new Promise((r) => setTimeout(r, 20));
    let during: Date | undefined;
    const result = await withWorker(taskQueue, async (client) => {
      const asked = await requestHandover(client, taskQueue, store, spec, { to: BOB, as: OWNER, reason: 'moving to the fraud team' });
      assert.deepEqual(asked, { workflowId: handoverWorkflowId(modelId), from: OWNER });
      // A second request while this one waits is refused, naming it.
      assert.match(await refused(requestHandover(client, taskQueue, store, spec, { to: BOB, as: OWNER })), /a handover of .* is already waiting/);
      const [open] = await waitFor('the handover gate', async () => {
        const r = await openRequests(client, modelId, { gate: 'handover', taskQueue });
        return r.length ? r : undefined;
      });
      assert.deepEqual([open!.status.kind, open!.gate.approvers, open!.gate.signaturesRequired, open!.status.handover?.from], ['handover', [BOB], true, OWNER]);
      during = new Date();
      await new Promise((r) => setTimeout(r, 20));
      const accept = { decision: 'approve' as const, approver: BOB, gate: 'handover', comment: 'mine from today' };
      // Forged: Bob's name with Mallory's key; the owner accepting for Bob; Mallory signing as herself.
      assert.match(
        await refused(submitDecision(client, modelId, accept, signerWith(mallory.secretKey))),
        /the signature of "bob@example\.com" does not match this decision/,
      );
      assert.match(
        await refused(submitDecision(client, modelId, { ...accept, approver: OWNER }, signerWith(owner.secretKey))),
        /is not an approver of this model \(approvers: bob@example\.com\)/,
      );
      assert.match(
        await refused(submitDecision(client, modelId, accept, signerWith(mallory.secretKey, 'mallory@example.com'))),
        /"mallory@example\.com" is not a configured authenticator/,
      );
      const decided = await submitDecision(client, modelId, accept, signerWith(bob.secretKey));
      assert.deepEqual([decided.gate.state, decided.signed], ['approved', true]);
      const r: HandoverModelResult = await client.workflow.getHandle(handoverWorkflowId(modelId)).result();

      // The staged reference opens no second request: started by hand again with it, the run is refused before it records anything.
      const [staged] = (await store.list(`handovers/${modelId}/staged`)).map((k) => path.basename(k, '.json'));
      assert.ok(await store.tryGet(stagedHandoverKey(modelId, staged!)));
      const replay = await client.workflow.start('handoverModel', { taskQueue, workflowId: handoverWorkflowId(modelId), args: [{ modelId, sha256: staged }] });
      const failure = await replay.result().then(
        () => 'completed',
        (err: unknown) => (err instanceof WorkflowFailedError ? `${err.cause?.name}: ${err.cause?.message}` : String(err)),
      );
      // Refused either as claimed already or, the acceptance being in the trail by then, as Bob's already.
      assert.match(failure, /was opened already, by run|bob@example\.com owns it already/, `the staged reference opens no second request: ${failure}`);
      return r;
    });
    assert.deepEqual([result.outcome, result.from, result.to], ['accepted', OWNER, BOB]);
    const after = new Date();

    // The trail verifies, the handover decision's signature included, and answers each instant.
    const v = await verifyTrail(store, modelId);
    assert.deepEqual(v.problems, []);
    const specs = await readCitedSpecs(store, modelId, v.entries);
    const at = (t: Date) => whoWasWatching(modelId, v.entries, t, specs);
    assert.deepEqual([at(before).owner.owner, at(before).owner.pending], [OWNER, undefined]);
    assert.deepEqual([at(during!).owner.owner, at(during!).owner.how, at(during!).owner.pending?.to], [OWNER, 'config', [BOB]]);
    assert.deepEqual(
      [at(after).owner.owner, at(after).owner.how, at(after).owner.handover?.signer, at(after).owner.configOwner],
      [BOB, 'handover', BOB, OWNER],
    );
    assert.match(
      renderWhoWasWatching(at(after)),
      new RegExp(`^owner: +${BOB.replace('.', '\\.')} \\(accepted the handover from ${OWNER.replace(/\./g, '\\.')} at `, 'm'),
    );
    assert.equal(
      v.entries.filter((c) => c.entry.kind === 'handover-requested' || c.entry.kind === 'handover-accepted').length,
      2,
      'the replayed reference recorded nothing',
    );
    // The card, regenerated when the request closed, names Bob and says the config lags.
    const card = new TextDecoder().decode(await store.get(cardKey(modelId, 'md')));
    assert.match(
      card,
      /^- \*\*Owner:\*\* bob@example\.com \(from the audit trail: bob@example\.com accepted the handover at .*set owner: bob@example\.com\)$/m,
    );
    // upkeep check fails until the config names Bob.
    const check = await ownerCheckLines(store, spec);
    assert.equal(check.ok, false);
    assert.match(
      check.lines[0]!,
      new RegExp(
        `^FAIL ${modelId}: bob@example\\.com accepted the handover at .* but the config still says owner: churn-owner@example\\.com: set owner: bob@example\\.com$`,
      ),
    );
  });

  it('a departure opens a request to the platform contacts, whom one of them accepts signed', async function () {
    const modelId = uniqueModelId('departure');
    const taskQueue = uniqueTaskQueue('departure');
    const { store, config } = await workspace(modelId);
    const result = await withWorker(taskQueue, async (client) => {
      const opened = await openDepartureHandovers(client, taskQueue, store, config, OWNER, 'upkeep users remove, run by test');
      assert.deepEqual(opened, [{ modelId, workflowId: handoverWorkflowId(modelId) }]);
      // Someone who owns nothing opens nothing.
      assert.deepEqual(await openDepartureHandovers(client, taskQueue, store, config, BOB, 'test'), []);
      const [open] = await waitFor('the handover gate', async () => {
        const r = await openRequests(client, modelId, { gate: 'handover', taskQueue });
        return r.length ? r : undefined;
      });
      assert.deepEqual([open!.gate.approvers, open!.status.handover?.source, open!.status.handover?.left], [[PLATFORM], 'departure', OWNER]);
      await submitDecision(client, modelId, { decision: 'approve', approver: PLATFORM, gate: 'handover' }, signerWith(platform.secretKey));
      return (await client.workflow.getHandle(handoverWorkflowId(modelId)).result()) as HandoverModelResult;
    });
    assert.deepEqual([result.outcome, result.to], ['accepted', PLATFORM]);
    const v = await verifyTrail(store, modelId);
    assert.deepEqual(v.problems, []);
    assert.equal(whoWasWatching(modelId, v.entries, new Date(), await readCitedSpecs(store, modelId, v.entries)).owner.owner, PLATFORM);
  });

  it('the watchdog that finds the owner missing from the directory opens the handover to the platform contacts, once', async function () {
    const modelId = uniqueModelId('left');
    const taskQueue = uniqueTaskQueue('left');
    await workspace(modelId);
    // The directory knows Bob only: the owner (and the demo's approver) left.
    writeFileSync(path.join(ws!.dir, 'people.yaml'), stringify({ people: [BOB] }));
    const raw = parse(readFileSync(ws!.configPath, 'utf8')) as Record<string, unknown>;
    writeFileSync(ws!.configPath, stringify({ ...raw, watchdog: { platform: [PLATFORM], directory: 'people.yaml' } }));
    await withWorker(taskQueue, async (client) => {
      const run = (n: number): Promise<WatchdogResult> =>
        client.workflow.execute(watchdog, { taskQueue, workflowId: `${watchdogScheduleId(taskQueue)}-test-${n}`, args: [] });
      const first = await run(1);
      assert.ok(
        first.opened.some((k) => k.startsWith(`${modelId}/unknown-person-`)),
        first.opened.join(', '),
      );
      const [open] = await waitFor('the handover gate', async () => {
        const r = await openRequests(client, modelId, { gate: 'handover', taskQueue });
        return r.length ? r : undefined;
      });
      assert.deepEqual(
        [open!.gate.approvers, open!.status.handover?.source, open!.status.handover?.left, open!.status.handover?.from],
        [[PLATFORM], 'departure', OWNER, OWNER],
      );
      const runId = (await open!.handle.describe()).runId;
      // The finding stays open: the next run opens no second request.
      const second = await run(2);
      assert.deepEqual(second.opened, []);
      assert.equal((await client.workflow.getHandle(handoverWorkflowId(modelId)).describe()).runId, runId);
      await client.workflow.getHandle(handoverWorkflowId(modelId)).terminate('test over');
    });
  });
});
