/**
 * The client layer (cli/client/) that the CLI and the web inbox share: one lookup per decision
 * (counted on a fake Temporal client), and nothing printed (the callers print or render).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { stringify } from 'yaml';
import { parseConfig } from '../../engine/config/load.js';
import { isUpkeepError } from '../../engine/errors.js';
import { createFileStore } from '../../engine/store/file-store.js';
import type { GateStatus, MaintenanceStatus } from '../../domain/maintenance.js';
import { newKeyPair } from '../../domain/signature.js';
import { openRequests, runningRequests } from '../../cli/client/requests.js';
import { findDecisionRequest, sendDecision, submitDecision } from '../../cli/client/decisions.js';
import { manualEvidence, requestRetrain } from '../../cli/client/retrain.js';
import { prepareRollback, startRollback } from '../../cli/client/rollback.js';
import { refreshOpenGates } from '../../cli/client/approvers.js';
import { createWebApp } from '../../cli/web/server.js';
import { addUser, tokenAuthenticator } from '../../cli/web/users.js';
import { demoModel, OWNER } from '../helpers/demo-workspace.js';

const OPENED = '2026-11-30T08:00:00.000Z';
const TASK_QUEUE = 'upkeep';

interface Calls {
  list: number;
  describe: number;
  query: number;
  update: number;
  signalWithStart: number;
  start: number;
}

/**
 * A Temporal client over `running` (workflow id → its status, or null: running without a gate),
 * counting every call that reaches the server. `refuse` makes the decide Update fail as the
 * validator's refusal does.
 */
function countingClient(running: Record<string, MaintenanceStatus | null>, o: { refuse?: string } = {}) {
  const calls: Calls = { list: 0, describe: 0, query: 0, update: 0, signalWithStart: 0, start: 0 };
  const handle = (workflowId: string) => ({
    workflowId,
    describe: async () => {
      calls.describe++;
      if (!(workflowId in running)) throw new WorkflowNotFoundError('not found', workflowId, undefined);
      return {
        status: { name: 'RUNNING' },
        runId: `run-${workflowId}`,
        taskQueue: TASK_QUEUE,
        type: workflowId.includes('rollback') ? 'rollbackModel' : 'retrainModel',
      };
    },
    query: async () => {
      calls.query++;
      const status = running[workflowId];
      if (status === undefined) throw new WorkflowNotFoundError('not found', workflowId, undefined);
      return status ?? { modelId: 'churn', kind: 'retrain', stage: 'training', since: OPENED, evidence: [], gates: [] };
    },
    executeUpdate: async (_u: unknown, a?: { args: [{ gate: string; decision: string; approver: string }] }) => {
      calls.update++;
      const { gate } = running[workflowId]!;
      if (!a) return gate; // refreshApprovers carries nothing
      if (o.refuse) throw new WorkflowUpdateFailedError('Workflow Update failed', ApplicationFailure.nonRetryable(o.refuse, 'InvalidDecision'));
      return { ...gate!, state: a.args[0].decision === 'approve' ? 'approved' : 'rejected', decision: { ...a.args[0], at: '2026-11-30T09:00:00.000Z' } };
    },
    result: async () => ({ modelId: 'churn', outcome: 'rolled-back', from: 'aaa', to: 'bbb', decisions: [] }),
  });
  const client = {
    withDeadline: async (_d: number, f: () => Promise<unknown>) => f(),
    workflow: {
      list: async function* () {
        calls.list++;
        for (const id of Object.keys(running)) yield { type: id.includes('rollback') ? 'rollbackModel' : 'retrainModel', workflowId: id, runId: `run-${id}` };
      },
      getHandle: (id: string) => handle(id),
      signalWithStart: async () => {
        calls.signalWithStart++;
        return { signaledRunId: 'run-new' };
      },
      start: async (_t: string, s: { workflowId: string }) => {
        calls.start++;
        return handle(s.workflowId);
      },
    },
    schedule: { getHandle: () => ({ describe: async () => Promise.reject(new Error('no schedule')) }) },
  } as unknown as Client;
  return { client, calls };
}

const gateOf = (gate: GateStatus['gate'], over: Partial<GateStatus> = {}): GateStatus => ({
  gate,
  state: 'waiting',
  openedAt: OPENED,
  expiresAt: '2026-12-01T08:00:00.000Z',
  approvers: [OWNER],
  notified: [],
  reminders: 0,
  escalated: false,
  ...over,
});
const STAGES = {
  retrain: 'awaiting-retrain-approval',
  promote: 'awaiting-promotion-approval',
  rollback: 'awaiting-rollback-approval',
  handover: 'awaiting-handover-acceptance',
  review: 'awaiting-review',
} as const;
const statusOf = (gate: GateStatus, kind: MaintenanceStatus['kind'] = 'retrain'): MaintenanceStatus =>
  ({ modelId: 'churn', kind, stage: STAGES[gate.gate], since: OPENED, evidence: [], gates: [gate], gate }) as MaintenanceStatus;
const unsigned = () => undefined;

describe('client layer: one lookup per decision', function () {
  it('the web inbox finds the request once and sends the decision to what it found: one describe, one query, one Update, no list', async function () {
    const dir = mkdtempSync(path.join(tmpdir(), 'upkeep-client-web-'));
    try {
      const server = newKeyPair();
      const config = parseConfig(
        stringify({ version: 1, store: 'store', authenticators: [{ id: 'upkeep-web@test', public_key: server.publicKey }], models: [demoModel('churn')] }),
        { name: 'upkeep.yaml', baseDir: dir },
      );
      const { client, calls } = countingClient({
        'upkeep-retrain-churn': statusOf(gateOf('promote')),
        'upkeep-rollback-churn': statusOf(gateOf('rollback'), 'rollback'),
      });
      const file = path.join(dir, 'users.json');
      const token = addUser(file, OWNER);
      const { app } = createWebApp({
        config,
        store: createFileStore(path.join(dir, 'store')),
        client,
        taskQueue: TASK_QUEUE,
        authenticator: tokenAuthenticator(file),
        signer: { id: 'upkeep-web@test', secretKey: server.secretKey },
        sessions: { idleMs: 60_000, maxMs: 3_600_000 },
      });
      const headers = (cookie: string) => ({ 'content-type': 'application/x-www-form-urlencoded', cookie, origin: 'http://localhost' });
      const page = await app.request('/login');
      const loginCsrf = /name="csrf" value="([^"]*)"/.exec(await page.text())![1]!;
      const signedIn = await app.request('/login', {
        method: 'POST',
        body: new URLSearchParams({ csrf: loginCsrf, token, next: '/' }).toString(),
        headers: headers(
          page.headers
            .getSetCookie()
            .map((c) => c.split(';')[0])
            .join('; '),
        ),
      });
      const cookie = signedIn.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ');
      const csrf = /name="csrf" value="([^"]*)"/.exec(await (await app.request('/inbox', { headers: { cookie } })).text())![1]!;
      Object.assign(calls, { list: 0, describe: 0, query: 0, update: 0 }); // the inbox page listed them; the decision counts from here
      const res = await app.request('/inbox/churn/decide', {
        method: 'POST',
        body: new URLSearchParams({ csrf, decision: 'approve', gate: 'promote', opened: OPENED, evidence: '' }).toString(),
        headers: headers(cookie),
      });
      assert.equal(res.status, 303, await res.text());
      assert.deepEqual({ list: calls.list, describe: calls.describe, query: calls.query, update: calls.update }, { list: 0, describe: 1, query: 1, update: 1 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the CLI names a gate: one describe and one query; no gate named: each workflow that can hold one is looked at once', async function () {
    const both = { 'upkeep-retrain-churn': statusOf(gateOf('retrain')), 'upkeep-rollback-churn': statusOf(gateOf('rollback'), 'rollback') };
    const named = countingClient(both);
    const r = await submitDecision(named.client, 'churn', { decision: 'approve', approver: OWNER, gate: 'rollback' }, unsigned);
    assert.equal(r.gate.state, 'approved');
    assert.equal(r.workflowId, 'upkeep-rollback-churn');
    assert.deepEqual(named.calls, { list: 0, describe: 1, query: 1, update: 1, signalWithStart: 0, start: 0 });

    const only = countingClient({ 'upkeep-retrain-churn': statusOf(gateOf('retrain')) });
    assert.equal((await submitDecision(only.client, 'churn', { decision: 'reject', approver: OWNER, comment: 'no' }, unsigned)).gate.state, 'rejected');
    assert.deepEqual(
      only.calls,
      { list: 0, describe: 4, query: 1, update: 1, signalWithStart: 0, start: 0 },
      'the rollback, handover and review ids described (none runs), the retrain request queried once',
    );

    const ambiguous = countingClient(both);
    await assert.rejects(
      submitDecision(ambiguous.client, 'churn', { decision: 'approve', approver: OWNER }, unsigned),
      (e: unknown) =>
        isUpkeepError(e, 'InvalidRequest') && e.message === 'several requests for churn wait for a decision (retrain, rollback): say which with --gate',
    );
    assert.equal(ambiguous.calls.update, 0);
  });

  it('keeps the messages of a decision with no request to decide, naming the ones open', async function () {
    const { client } = countingClient({ 'upkeep-rollback-churn': statusOf(gateOf('rollback'), 'rollback'), 'upkeep-retrain-churn': null });
    await assert.rejects(
      findDecisionRequest(client, 'churn', 'promote'),
      (e: unknown) => isUpkeepError(e) && e.message === 'no promote request for churn is waiting for a decision (open: rollback)',
    );
    await assert.rejects(
      findDecisionRequest(countingClient({}).client, 'churn', undefined),
      (e: unknown) => isUpkeepError(e) && e.message === 'no request for churn is waiting for a decision (see upkeep approvals list)',
    );
    assert.deepEqual(await openRequests(client, 'churn', { gate: 'bogus' }), [], 'no gate of that name: nothing asked');
    assert.deepEqual(
      await openRequests(client, 'churn', { gate: 'rollback', taskQueue: 'another-queue' }),
      [],
      "a request on another task queue is not this inbox's",
    );
  });
});

describe('client layer: returns values and throws, never prints', function () {
  it('prints nothing while it lists, decides (accepted and refused), asks for a retrain and a rollback, and refreshes approvers', async function () {
    const dir = mkdtempSync(path.join(tmpdir(), 'upkeep-client-quiet-'));
    const printed: string[] = [];
    const saved = {
      log: console.log,
      info: console.info,
      warn: console.warn,
      error: console.error,
      debug: console.debug,
      out: process.stdout.write,
      err: process.stderr.write,
    };
    const catcher =
      (name: string) =>
      (...args: unknown[]) => {
        printed.push(`${name}: ${args.map(String).join(' ')}`);
        return true;
      };
    try {
      const config = parseConfig(stringify({ version: 1, store: 'store', models: [demoModel('churn')] }), { name: 'upkeep.yaml', baseDir: dir });
      const spec = config.models[0]!;
      const store = createFileStore(path.join(dir, 'store'));
      Object.assign(console, {
        log: catcher('console.log'),
        info: catcher('console.info'),
        warn: catcher('console.warn'),
        error: catcher('console.error'),
        debug: catcher('console.debug'),
      });
      process.stdout.write = catcher('stdout') as typeof process.stdout.write;
      process.stderr.write = catcher('stderr') as typeof process.stderr.write;

      const { client } = countingClient({ 'upkeep-retrain-churn': statusOf(gateOf('retrain')) });
      const listed = await runningRequests(client, { models: new Set(['churn']), taskQueue: TASK_QUEUE });
      const open = await openRequests(client, 'churn', { gate: 'retrain', taskQueue: TASK_QUEUE });
      const decided = await sendDecision(open[0]!, 'churn', { decision: 'approve', approver: OWNER }, unsigned);
      const refused: string[] = [];
      const why = 'model churn: mallory is not an approver';
      const refusing = countingClient({ 'upkeep-retrain-churn': statusOf(gateOf('retrain')) }, { refuse: why }).client;
      const refusal = await submitDecision(
        refusing,
        'churn',
        { decision: 'approve', approver: 'mallory' },
        unsigned,
        async (r) => void refused.push(r.why),
      ).then(
        () => undefined,
        (e: unknown) => e,
      );
      const evidence = manualEvidence(spec, 'upkeep.yaml', { reason: 'labels changed', requestedBy: OWNER, at: new Date('2026-11-30T10:00:00.000Z') });
      const noTrainer = (() => {
        try {
          return manualEvidence({ ...spec, retrain: { ...spec.retrain, trainer: undefined } }, 'upkeep.yaml', {
            reason: 'x',
            requestedBy: OWNER,
            at: new Date(),
          });
        } catch (e) {
          return e;
        }
      })();
      const retrain = await requestRetrain(client, 'churn', evidence, TASK_QUEUE);
      const rollback = await startRollback(
        countingClient({ 'upkeep-rollback-churn': statusOf(gateOf('rollback'), 'rollback') }).client,
        TASK_QUEUE,
        await prepareRollback(spec, store, { as: OWNER, to: 'bbb', reason: 'worse since the promotion' }, unsigned),
      );
      const outcome = await rollback.outcome();
      const watched = await rollback.watchGate(0);
      const refresh = await refreshOpenGates(client, { models: ['churn'], taskQueue: TASK_QUEUE });

      // Restored before asserting, so that a failure prints.
      Object.assign(console, { log: saved.log, info: saved.info, warn: saved.warn, error: saved.error, debug: saved.debug });
      process.stdout.write = saved.out;
      process.stderr.write = saved.err;
      assert.deepEqual(printed, [], 'the client layer printed');
      // And it returned what the callers print.
      assert.equal(listed.found.length, 1);
      assert.equal(decided.gate.state, 'approved');
      assert.ok(isUpkeepError(refusal, 'InvalidRequest') && refusal.message === why);
      assert.deepEqual(refused, [why], 'the refusal was handed to the caller to record');
      assert.ok(isUpkeepError(noTrainer, 'NoTrainer'));
      assert.deepEqual(retrain, { workflowId: 'upkeep-retrain-churn', attached: false });
      assert.equal(outcome.outcome, 'rolled-back');
      assert.equal(watched.state, 'waiting');
      assert.deepEqual([refresh.refreshed.map((r) => r.workflowId), refresh.failed], [['upkeep-retrain-churn'], []]);
    } finally {
      Object.assign(console, { log: saved.log, info: saved.info, warn: saved.warn, error: saved.error, debug: saved.debug });
      process.stdout.write = saved.out;
      process.stderr.write = saved.err;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
