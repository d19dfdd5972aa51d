/**
 * A periodic review end to end on a real Temporal dev server (docs/governance.md#periodic-reviews):
 * the review schedule's run finds the model unreviewed for 120 days, the request appears among the
 * requests `upkeep approvals list` and the web inbox show, the owner attests with a signed decision
 * answering both questions (through the same client code as `upkeep approve`), and the review is in
 * the verified audit chain and on the model card. A sweep started by hand is refused.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { appendEntry, readChain, verifyChain } from '../../engine/audit/chain.js';
import { loadConfig } from '../../engine/config/load.js';
import { createFileStore } from '../../engine/store/file-store.js';
import { newKeyPair, newNonce, signDecision } from '../../domain/signature.js';
import { runningRequests } from '../../cli/client/requests.js';
import { submitDecision, type DecisionSigner } from '../../cli/client/decisions.js';
import { reviewScheduleId, reviewWorkflowId } from '../../workflows/definitions.js';
import type { ReviewModelResult } from '../../workflows/review.js';
import { findSystemSchedule, systemScheduleOptions } from '../../workers/schedules.js';
import { createUpkeepWorker } from '../../workers/worker.js';
import { APPROVER, createDemoWorkspace, OWNER, type DemoWorkspace } from '../helpers/demo-workspace.js';
import { testTemporal, uniqueModelId, uniqueTaskQueue } from '../helpers/temporal.js';
import { waitFor } from '../helpers/wait.js';

const QUESTIONS = ['Still used to target retention offers?', 'Are the offers still sent by email?'];

describe('a periodic review is requested, attested with a signed decision, and recorded (real dev server)', function () {
  this.timeout(180_000);
  let ws: DemoWorkspace | undefined;
  afterEach(() => ws?.remove());

  it('asks the owner when the review is due, takes the signed attestation through the approvals client, and records it in the chain and on the card', async function () {
    const t = await testTemporal();
    const modelId = uniqueModelId('review');
    const taskQueue = uniqueTaskQueue('review');
    const owner = newKeyPair();
    ws = createDemoWorkspace({
      modelId,
      end: new Date(),
      days: 1,
      drifted: false,
      model: {
        approvers: [{ id: OWNER, public_key: owner.publicKey }, APPROVER],
        intended_use: 'retention offers',
        review: { every: '90d', questions: QUESTIONS },
      },
    });
    const store = createFileStore(ws.storeDir);
    const ago = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString();
    // The model's trail began 120 days ago: its first review (every 90d) is 30 days overdue.
    await appendEntry(store, { id: 'seed-1', modelId, at: ago(120), kind: 'schedule', summary: 'schedule created' });
    await appendEntry(store, { id: 'seed-2', modelId, at: ago(60), kind: 'evaluation', summary: 'evaluated', details: { verdict: 'healthy', reasons: [] } });
    await appendEntry(store, {
      id: 'seed-3',
      modelId,
      at: ago(30),
      kind: 'evaluation',
      summary: 'evaluated',
      details: { verdict: 'degraded', reasons: ['drift in tenure_months (ks 0.31)'] },
    });
    await appendEntry(store, { id: 'seed-4', modelId, at: ago(30), kind: 'incident-opened', summary: 'incident opened' });

    const config = await loadConfig(ws.configPath);
    const { worker, engine } = await createUpkeepWorker({
      connection: t.connection,
      client: t.client,
      namespace: 'default',
      taskQueue,
      configPath: ws.configPath,
      workflowBundle: t.bundle,
      scratchDir: ws.dir,
      log: () => {},
    });
    const schedule = await t.client.schedule.create(systemScheduleOptions(findSystemSchedule('reviews')!, config, taskQueue));
    const sign: DecisionSigner = (act, where) =>
      signDecision(act, { ...where, signer: act.approver, at: new Date().toISOString(), nonce: newNonce((n) => randomBytes(n)) }, owner.secretKey);
    let result: ReviewModelResult | undefined;
    let byHand = '';
    const answer = '1. yes: retention offers, as stated\n2. by email, and SMS since May';
    try {
      await worker.runUntil(async () => {
        // A sweep started by hand, even naming the schedule, is refused before it asks anyone.
        const forged = t.client.workflow.execute('reviewSweep', {
          taskQueue,
          workflowId: `${reviewScheduleId(taskQueue)}-by-hand`,
          args: [],
        });
        await assert.rejects(forged, (err: unknown) => {
          assert.ok(err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure, String(err));
          byHand = err.cause.message;
          return err.cause.type === 'Unauthenticated';
        });
        await schedule.trigger();
        // The request is where people decide: the approvals list (and the web inbox) show it.
        const listed = await waitFor(
          'the review request in the approvals list',
          async () => (await runningRequests(t.client, { models: new Set([modelId]), taskQueue })).found.find((r) => r.status.gate?.gate === 'review'),
          { timeoutMs: 60_000, intervalMs: 250 },
        );
        assert.equal(listed.status.kind, 'review');
        assert.equal(listed.workflowId, reviewWorkflowId(modelId));
        assert.deepEqual(listed.status.gate!.questions, QUESTIONS);
        assert.equal(listed.status.gate!.signaturesRequired, true);
        assert.match(listed.status.evidence[0]!.reason, /unreviewed for 120 days/);
        const r = await submitDecision(
          t.client,
          modelId,
          { decision: 'approve', approver: OWNER, gate: 'review', comment: answer, evidence: listed.status.gate!.evidence!.sha256 },
          sign,
        );
        assert.equal(r.signed, true);
        assert.equal(r.gate.state, 'approved');
        result = (await t.client.workflow.getHandle(reviewWorkflowId(modelId)).result()) as ReviewModelResult;
      });
    } finally {
      await schedule.delete();
      await engine.close();
    }
    assert.match(byHand, /^reviewSweep runs only when its schedule \S+ starts it \(.*\); this run was started by hand: refused/);
    assert.deepEqual(result, { modelId, outcome: 'fit', by: OWNER });

    const chain = await verifyChain(store, modelId);
    assert.deepEqual(chain.problems, []);
    const entries = (await readChain(store, modelId)).map((c) => c.entry);
    const kinds = entries.map((e) => e.kind).filter((k) => k !== 'notified');
    assert.deepEqual(kinds.slice(4), ['review-requested', 'approval-requested', 'decision', 'reviewed']);
    const requested = entries.find((e) => e.kind === 'review-requested')!;
    assert.equal(requested.details?.unreviewedDays, 120);
    const summary = requested.details?.summary as { evaluations: Record<string, number>; drift: number; incidentsOpened: number };
    assert.deepEqual(summary.evaluations, { healthy: 1, degraded: 1 });
    assert.equal(summary.drift, 1);
    assert.equal(summary.incidentsOpened, 1);
    // The evidence is passed by reference: the stored file is the one the signature covers.
    const evidence = requested.details?.evidence as { uri: string; sha256: string };
    const stored = JSON.parse(readFileSync(new URL(evidence.uri), 'utf8')) as { cited: { id: string }[]; chain: { ok: boolean } };
    assert.deepEqual(
      stored.cited.map((c) => c.id),
      ['seed-1', 'seed-2', 'seed-3', 'seed-4'],
    );
    assert.equal(stored.chain.ok, true);
    const reviewed = entries.find((e) => e.kind === 'reviewed')!;
    assert.equal(reviewed.actor, OWNER);
    assert.equal(reviewed.details?.signer, OWNER);
    assert.equal((reviewed.details?.proof as { evidence: string }).evidence, evidence.sha256);
    assert.deepEqual(reviewed.details?.answers, [
      { question: QUESTIONS[0], answer: 'yes: retention offers, as stated' },
      { question: QUESTIONS[1], answer: 'by email, and SMS since May' },
    ]);

    const card = readFileSync(path.join(ws.storeDir, 'cards', `${modelId}.md`), 'utf8');
    assert.match(card, /## Periodic reviews/);
    assert.match(card, /attested still fit for its stated use \(signed by churn-owner@example\.com\)/);
    assert.match(card, /Are the offers still sent by email\? — by email, and SMS since May/);
    assert.match(card, /reviewed \d{4}-\d\d-\d\d; next review due/);
  });
});
