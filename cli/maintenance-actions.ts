/**
 * What the maintenance commands do: retrain, approvals, approve / reject, rollback (through
 * Temporal), and versions / card (read from the store, no Temporal needed). Loaded when one of
 * them runs; the commands and their options are declared in maintenance-cli.ts.
 */
import { resolveLimits } from '../domain/limits.js';
import path from 'node:path';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  ApplicationFailure,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import type { ModelSpec, UpkeepConfig } from '../domain/config.js';
import { UpkeepError } from '../engine/errors.js';
import type { ModelVersion } from '../engine/registry/types.js';
import {
  attachEvidenceSignal,
  decideUpdate,
  maintenanceStatusQuery,
  retrainWorkflowId,
  rollbackWorkflowId,
  type RollbackModelResult,
} from '../workflows/definitions.js';
import { describeCoverage, describeEvidence, noTrainerMessage, stakeholders, type GateStatus, type MaintenanceStatus, type RetrainEvidence } from '../domain/maintenance.js';
import { cardKey } from '../engine/store/keys.js';
import { keysApply, proofProblem, rollbackAct, rollbackRequestId, type DecisionProof, type SignedAct } from '../domain/signature.js';
import { evidenceProblem, rollbackInputProblem } from '../domain/inputs.js';
import { terminalSafe } from '../domain/escape.js';
import { signAs } from './keys.js';
import { recordRefusal, type RefusedDecision } from '../engine/audit/access.js';
import { mapLimit } from '../engine/util.js';
import { workerHint } from '../workers/how-to-run.js';
import type { retrainModel } from '../workflows/retrain-model.js';
import type { rollbackModel } from '../workflows/rollback-model.js';

/** How long a status query may wait for a worker to answer. */
const QUERY_TIMEOUT_MS = 10_000;
/** How long `upkeep rollback` (without --wait) watches for the approval gate to open. */
const GATE_WATCH_MS = 10_000;

const MAINTENANCE_TYPES = { retrainModel: retrainWorkflowId(''), rollbackModel: rollbackWorkflowId('') } as const;

async function configAndModel(ctx: MaintenanceContext, configFile: string | undefined, modelId: string): Promise<{ config: UpkeepConfig; spec: ModelSpec }> {
  const configPath = ctx.configPath(configFile);
  // Loaded here: the commands that only talk to Temporal do not pay for the config's parser.
  const { findModel, loadConfig, warnUnauthenticated } = await import('../engine/config/load.js');
  const config = await loadConfig(configPath);
  warnUnauthenticated(config, path.basename(configPath));
  return { config, spec: findModel(config, modelId, path.basename(configPath)) };
}

const fmt = (v: number | null | undefined): string => (typeof v === 'number' ? v.toFixed(4) : '—');

function ago(iso: string): string {
  const ms = Date.now() - Date.parse(iso);
  if (!Number.isFinite(ms)) return '';
  const abs = Math.abs(ms);
  const text = abs < 90_000 ? `${Math.round(abs / 1000)}s` : abs < 5_400_000 ? `${Math.round(abs / 60_000)}m` : abs < 172_800_000 ? `${Math.round(abs / 3_600_000)}h` : `${Math.round(abs / 86_400_000)}d`;
  return ms >= 0 ? `${text} ago` : `in ${text}`;
}

/** The message a person should see: the innermost ApplicationFailure's, else the innermost error's. */
function failureMessage(err: unknown): string {
  let app: string | undefined;
  let last = err instanceof Error ? err.message : String(err);
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    last = e.message;
    if (e instanceof ApplicationFailure) app = e.message;
  }
  return app ?? last;
}

/** No worker answered a status query in time (the other queries would wait as long). */
class NoWorkerError extends UpkeepError {}

/** The maintenance status of a run, with a clear error when no worker answers in time. */
async function queryStatus(client: Client, handle: WorkflowHandle): Promise<MaintenanceStatus> {
  const deadline = Date.now() + QUERY_TIMEOUT_MS;
  try {
    return await client.withDeadline(deadline, () => handle.query(maintenanceStatusQuery));
  } catch (err) {
    if (Date.now() >= deadline - 250) {
      throw new NoWorkerError('InvalidRequest', `no worker answered the status query of ${handle.workflowId} within ${QUERY_TIMEOUT_MS / 1000}s: is a worker running (${workerHint()})?`);
    }
    // The server knows at once when nothing has polled the task queue lately (FAILED_PRECONDITION).
    if (/no poller seen for task queue/i.test(failureMessage(err))) {
      throw new NoWorkerError('InvalidRequest', `no worker answered the status query of ${handle.workflowId}: none has polled its task queue lately; is a worker running (${workerHint()})?`);
    }
    throw err;
  }
}

/** The running run of a workflow id, or undefined when there is none. */
async function running(client: Client, workflowId: string): Promise<{ handle: WorkflowHandle; runId: string } | undefined> {
  try {
    const d = await client.workflow.getHandle(workflowId).describe();
    return d.status.name === 'RUNNING' ? { handle: client.workflow.getHandle(workflowId, d.runId), runId: d.runId } : undefined;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

type OpenRequest = { handle: WorkflowHandle; status: MaintenanceStatus; gate: GateStatus };

/** The model's requests that wait for a decision (a retrain request and a rollback may both). */
async function openRequests(client: Client, modelId: string): Promise<OpenRequest[]> {
  const out: OpenRequest[] = [];
  for (const workflowId of [retrainWorkflowId(modelId), rollbackWorkflowId(modelId)]) {
    const run = await running(client, workflowId);
    if (!run) continue;
    const status = await queryStatus(client, run.handle);
    if (status.gate) out.push({ handle: run.handle, status, gate: status.gate });
  }
  return out;
}

/** The request this decision is for: the one named by --gate, or the only one open. */
function chooseRequest(modelId: string, open: OpenRequest[], gate: string | undefined): OpenRequest {
  const names = open.map((r) => r.gate.gate).join(', ');
  if (gate) {
    const match = open.find((r) => r.gate.gate === gate);
    if (!match) throw new UpkeepError('InvalidRequest', `no ${gate} request for ${modelId} is waiting for a decision${open.length ? ` (open: ${names})` : ''}`);
    return match;
  }
  if (open.length === 0) throw new UpkeepError('InvalidRequest', `no request for ${modelId} is waiting for a decision (see upkeep approvals list)`);
  if (open.length > 1) throw new UpkeepError('InvalidRequest', `several requests for ${modelId} wait for a decision (${names}): say which with --gate`);
  return open[0]!;
}

/** The commands that decide a gate; an approval that needs a comment (a candidate not recommended) shows it. */
export const decideHint = (modelId: string, gate?: string, commentRequired?: boolean): string => {
  const g = gate ? ` --gate ${gate}` : '';
  return `decide with: upkeep approve ${modelId}${g} --as <you>${commentRequired ? ' --comment "why, although not recommended"' : ''}  or  upkeep reject ${modelId}${g} --as <you> --comment "…"`;
};

function gateLines(g: GateStatus): string[] {
  const last = g.notified.at(-1);
  return [
    `gate:        ${g.gate} (${g.state}), waiting since ${g.openedAt} (${ago(g.openedAt)}), expires ${g.expiresAt} (${ago(g.expiresAt)})`,
    `approvers:   ${g.approvers.join(', ')}${g.signaturesRequired ? ' (decisions must be signed)' : ''}`,
    `reminders:   ${g.reminders}, escalated: ${g.escalated ? 'yes' : 'no'}${last ? `, last notified: ${last.kind} to ${last.to.join(', ')} at ${last.at}` : ''}`,
  ];
}

/**
 * A request's state for `approvals list` (a terminal). Its strings come from the request's input
 * and signals, which anyone with namespace access can send (a reason, a requester): each on one
 * line without control characters.
 */
export function statusText(status: MaintenanceStatus, workflowId: string): string {
  const s = terminalSafe(status);
  workflowId = terminalSafe(workflowId);
  const lines = [`${s.modelId}  ${s.kind}  ${s.stage} since ${s.since}  (workflow ${workflowId})`];
  const body: string[] = [];
  if (s.champion) body.push(`champion:    ${s.champion}${s.candidate ? `, candidate ${s.candidate.version}` : ''}${s.target ? `, rollback to ${s.target}` : ''}`);
  if (s.gate) body.push(...gateLines(s.gate));
  else body.push('gate:        none open (no decision needed at this stage)');
  if (s.kind === 'retrain' || s.evidence.length > 0) body.push(`evidence:    ${s.evidence.length}${s.evidence[0] ? `, first: ${describeEvidence(s.evidence[0])}` : ''}`);
  if (s.plan && s.gate?.gate === 'retrain') body.push(`trainer:     ${s.plan.trainer}, asked to train on ${s.plan.trainingDays} days before a ${s.plan.holdoutDays}-day holdout (recommended only with data on ${Math.round(s.plan.minCoverage * 100)}% of them)`);
  const c = s.comparison;
  if (c && s.gate?.gate === 'promote') {
    const k = c.candidate;
    if (k) {
      body.push(`candidate:   ${k.version}: ${k.modelType}, trainer ${k.trainer}${k.championModelType ? ` (the champion is a ${k.championModelType})` : ''}`);
      body.push(`training:    ${describeCoverage(k.training)}`);
    }
    const ci = (v: { low: number | null; high: number | null }): string => (v.low !== null && v.high !== null ? ` [${fmt(v.low)}, ${fmt(v.high)}]` : ' (no interval)');
    body.push(`comparison:  ${c.metric} on the holdout ${c.holdout.firstDay}..${c.holdout.lastDay} (${c.holdout.rows} rows): champion ${c.champion.version} ${fmt(c.champion.value)}${ci(c.champion)} vs challenger ${c.challenger.version} ${fmt(c.challenger.value)}${ci(c.challenger)}`);
    body.push(`verdict:     ${c.recommended ? 'recommended' : 'NOT recommended'}${c.concerns?.length ? `: ${c.concerns.join('; ')}` : ''}`);
    body.push(`             ${c.reason}`);
  }
  if (s.gate?.evidence) body.push(`evidence:    sha256 ${s.gate.evidence.sha256} (${s.gate.evidence.uri}); a signature covers it and candidate ${s.gate.candidate ?? '—'} (pin it with --evidence)`);
  if (s.gate?.commentRequired) body.push(`comment:     approving needs --comment, because ${s.gate.commentRequired}`);
  if (s.gate) body.push(decideHint(s.modelId, s.gate.gate, Boolean(s.gate.commentRequired)));
  return [...lines, ...body.map((l) => `  ${l}`)].join('\n');
}

export interface MaintenanceContext {
  /** Connects to Temporal (with the CLI's target and error messages), runs `fn`, closes. */
  withClient: <T>(fn: (client: Client) => Promise<T>) => Promise<T>;
  /** Where new maintenance workflows are started (the workers' task queue). */
  taskQueue: string;
  /** Who asks for a retrain when --as is not given (the login name). */
  defaultRequester: string;
  /** The config file for a command's --config (or its absence). */
  configPath(flag?: string): string;
  /** Where the person's signing keys are (cli/keys.ts). */
  keyDir: string;
}

export async function retrain(ctx: MaintenanceContext, model: string, o: { reason: string; as?: string; config?: string }): Promise<void> {
  const { spec } = await configAndModel(ctx, o.config, model);
  // Before anything starts: without a trainer there is nothing to retrain with.
  if (!spec.retrain.trainer) throw new UpkeepError('NoTrainer', `retrain ${spec.id}: ${noTrainerMessage(spec.id, path.basename(ctx.configPath(o.config)))}`);
  const workflowId = retrainWorkflowId(spec.id);
  const evidence: RetrainEvidence = { source: 'manual', at: new Date().toISOString(), reason: o.reason, requestedBy: o.as ?? ctx.defaultRequester };
  // The workflow drops malformed evidence; say so here instead of sending it.
  const bad = evidenceProblem(evidence);
  if (bad) throw new UpkeepError('InvalidRequest', `retrain ${spec.id}: ${bad.replace(/^reason\b/, '--reason').replace(/^requestedBy\b/, '--as')}`);
  await ctx.withClient(async (client) => {
    // A request is pending when a run of the id is running; signal-with-start signals that run.
    const pending = await running(client, workflowId);
    const handle = await client.workflow.signalWithStart<typeof retrainModel, [RetrainEvidence]>('retrainModel', {
      workflowId,
      taskQueue: ctx.taskQueue,
      args: [{ modelId: spec.id }],
      signal: attachEvidenceSignal,
      signalArgs: [evidence],
    });
    if (pending && pending.runId === handle.signaledRunId) {
      console.log(`retrain of ${spec.id} requested: attached to the pending request, workflow ${workflowId}`);
      console.log(`see its state with: upkeep approvals list --model ${spec.id}`);
    } else {
      console.log(`retrain of ${spec.id} requested: workflow ${workflowId}`);
      console.log(`it waits for approval by ${stakeholders(spec).join(', ')}; ${decideHint(spec.id)}`);
    }
  });
}

/** A running maintenance request and the status its workflow answered. */
export interface RunningRequest {
  workflowId: string;
  runId: string;
  status: MaintenanceStatus;
}

/** A running request whose status could not be read, and why. */
export interface UnansweredRequest {
  workflowId: string;
  modelId: string;
  message: string;
}

/**
 * The running retrain and rollback requests (of `models` only, when given), each with its status
 * query's answer, at most `concurrency` queries at a time; those that did not answer are in
 * `unanswered`, and in `failed` as one line each (`<workflow id>: status unavailable: <why>`).
 */
export async function runningRequests(
  client: Client,
  o: { models?: ReadonlySet<string>; taskQueue?: string; concurrency?: number } = {},
): Promise<{ found: RunningRequest[]; failed: string[]; unanswered: UnansweredRequest[] }> {
  const listed: { workflowId: string; runId: string; modelId: string }[] = [];
  const queue = o.taskQueue ? ` AND TaskQueue = '${o.taskQueue.replace(/'/g, "\\'")}'` : '';
  const query = `WorkflowType IN ('retrainModel','rollbackModel') AND ExecutionStatus = 'Running'${queue}`;
  for await (const w of client.workflow.list({ query })) {
    const prefix = MAINTENANCE_TYPES[w.type as keyof typeof MAINTENANCE_TYPES];
    if (!prefix || !w.workflowId.startsWith(prefix)) continue;
    const modelId = w.workflowId.slice(prefix.length);
    if (o.models && !o.models.has(modelId)) continue;
    listed.push({ workflowId: w.workflowId, runId: w.runId, modelId });
  }
  const found: RunningRequest[] = [];
  const unanswered: UnansweredRequest[] = [];
  // Once a query found no worker, the rest are not asked: each would wait as long for nothing.
  let noWorker = false;
  await mapLimit(listed, o.concurrency ?? 16, async (w) => {
    const { workflowId, runId, modelId } = w;
    if (noWorker) {
      unanswered.push({ workflowId, modelId, message: 'not asked, no worker answered the status queries' });
      return;
    }
    try {
      found.push({ workflowId, runId, status: await queryStatus(client, client.workflow.getHandle(workflowId, runId)) });
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return; // closed since it was listed
      if (err instanceof NoWorkerError) noWorker = true;
      unanswered.push({ workflowId, modelId, message: failureMessage(err) });
    }
  });
  found.sort((a, b) => a.status.modelId.localeCompare(b.status.modelId) || a.status.kind.localeCompare(b.status.kind));
  unanswered.sort((a, b) => a.workflowId.localeCompare(b.workflowId));
  return { found, failed: unanswered.map((f) => `${f.workflowId}: status unavailable: ${f.message}`), unanswered };
}

export async function approvalsList(ctx: MaintenanceContext, o: { model?: string; json?: boolean }): Promise<void> {
  await ctx.withClient(async (client) => {
    const { found, failed } = await runningRequests(client, o.model ? { models: new Set([o.model]) } : {});
    if (o.json) console.log(JSON.stringify(found.map((f) => f.status), null, 2));
    else if (found.length > 0) console.log(found.map((f) => statusText(f.status, f.workflowId)).join('\n\n'));
    else if (failed.length === 0) console.log(`No requests are waiting${o.model ? ` for ${o.model}` : ''}.`);
    // The requests whose status could not be read (listed by id): exit code 2.
    if (failed.length > 0) throw new UpkeepError('InvalidRequest', failed.join('\n'));
  });
}

/** Who signs a decision: given the act and where it applies, a proof, or undefined (unsigned). */
export type DecisionSigner = (act: SignedAct, where: Omit<DecisionProof, 'signer' | 'at' | 'nonce' | 'signature'>, required: boolean) => DecisionProof | undefined;

/**
 * Sends a decision on the model's open request (the one of `gate`, or the only one) through the
 * workflow's Update; the validator's refusal comes back as a clear UpkeepError.
 */
export async function submitDecision(
  client: Client,
  model: string,
  o: { decision: 'approve' | 'reject'; approver: string; comment?: string | undefined; gate?: string | undefined; evidence?: string | undefined },
  sign: DecisionSigner,
  /** Told of a refusal by the workflow's validator before it is thrown (to record it: engine/audit/access.ts). */
  onRefused?: (r: Omit<RefusedDecision, 'via' | 'at'>) => Promise<void>,
): Promise<{ gate: GateStatus; workflowId: string; signed: boolean; evidence?: { uri: string; sha256: string } | undefined; candidate?: string | undefined }> {
  const open = chooseRequest(model, await openRequests(client, model), o.gate);
  const shown = open.gate.evidence;
  // The evidence the person looked at (approvals list, the inbox page) must be the request's now.
  if (o.evidence !== undefined && o.evidence !== (shown?.sha256 ?? '')) {
    throw new UpkeepError('InvalidRequest', `the ${open.gate.gate} request of ${model} shows other evidence now (sha256 ${shown?.sha256 ?? 'none'}) than the one given (${o.evidence || 'none'}): look at it again (upkeep approvals list --model ${model})`);
  }
  const act = { gate: open.gate.gate, decision: o.decision, approver: o.approver, ...(o.comment ? { comment: o.comment } : {}) };
  // Format 2 (docs/signed-decisions.md) wherever the gate stored its evidence: the signature covers
  // the candidate and the evidence's sha256.
  const where = { model, workflow: open.handle.workflowId, request: open.gate.openedAt, ...(shown ? { candidate: open.gate.candidate ?? '', evidence: shown.sha256 } : {}) };
  const proof = sign(act, where, open.gate.signaturesRequired === true);
  try {
    const gate = await open.handle.executeUpdate(decideUpdate, { args: [{ ...act, ...(proof ? { proof } : {}) }] });
    return { gate, workflowId: open.handle.workflowId, signed: proof !== undefined, ...(shown ? { evidence: shown, candidate: open.gate.candidate } : {}) };
  } catch (err) {
    // The validator's refusal (not an approver, no comment, already decided, …) comes back as the cause.
    if (err instanceof WorkflowUpdateFailedError) {
      const why = failureMessage(err);
      await onRefused?.({ modelId: model, workflowId: open.handle.workflowId, gate: open.gate.gate, request: open.gate.openedAt, decision: o.decision, claimedBy: o.approver, signer: proof?.signer, nonce: proof?.nonce, why, comment: o.comment });
      throw new UpkeepError('InvalidRequest', why);
    }
    if (err instanceof WorkflowNotFoundError) throw new UpkeepError('InvalidRequest', `the ${open.gate.gate} request of ${model} closed before the decision arrived (see upkeep card ${model})`);
    if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) throw new UpkeepError('InvalidRequest', `the decision on ${model} was not confirmed in time: is a worker running? Check with upkeep approvals list --model ${model}`);
    throw err;
  }
}

/**
 * A decision the workflow refused is recorded in the model's audit chain (the validator cannot
 * write it); when the store cannot be reached, the refusal is still reported, with a warning.
 */
async function recordCliRefusal(ctx: MaintenanceContext, r: Omit<RefusedDecision, 'via' | 'at'>): Promise<void> {
  try {
    const { config } = await configAndModel(ctx, undefined, r.modelId);
    const { openStore } = await import('../engine/store/open.js');
    await recordRefusal(openStore(config), { ...r, via: 'cli', at: new Date() });
  } catch (err) {
    console.error(`upkeep: warning: the refusal could not be recorded in the audit chain of ${r.modelId}: ${(err as Error).message}`);
  }
}

export async function decide(ctx: MaintenanceContext, decision: 'approve' | 'reject', model: string, o: { as: string; comment?: string; gate?: string; evidence?: string }): Promise<void> {
  await ctx.withClient(async (client) => {
    // Signed with --as's key when there is one; a request that needs a signature gets none without it.
    const { gate, workflowId, signed, evidence, candidate } = await submitDecision(client, model, { decision, approver: o.as, comment: o.comment, gate: o.gate, evidence: o.evidence }, (act, where, required) => signAs(ctx.keyDir, o.as, act, where, required), (r) => recordCliRefusal(ctx, r));
    const verb = decision === 'approve' ? 'approved' : 'rejected';
    console.log(`${verb} ${gate.gate} of ${model} as ${o.as}${signed ? ' (signed)' : ''}${evidence ? ` on candidate ${candidate} and the evidence sha256 ${evidence.sha256}` : ''}`);
    console.log(`gate ${gate.gate}: ${gate.state}${gate.closedAt ? ` at ${gate.closedAt}` : ''} (workflow ${workflowId})`);
  });
}

export async function rollback(ctx: MaintenanceContext, model: string, o: { as: string; to?: string; reason?: string; emergency?: boolean; wait?: boolean; config?: string }): Promise<void> {
  const { config, spec } = await configAndModel(ctx, o.config, model);
  const allowed = stakeholders(spec);
  if (o.emergency && !allowed.includes(o.as)) {
    throw new UpkeepError('InvalidRequest', `model ${spec.id}: ${o.as} is not an approver of this model (approvers: ${allowed.join(', ')}); an emergency rollback needs one`);
  }
  const workflowId = rollbackWorkflowId(spec.id);
  const reason = o.reason ?? 'rollback requested from the CLI';
  // The signature names the champion it rolls back, its generation and the target, so it cannot be
  // used again once the champion has changed, even if it comes back; the workflow checks the same,
  // and so does this command before starting.
  const { createRegistry } = await import('../engine/registry/registry.js');
  const { openStore } = await import('../engine/store/open.js');
  const pointer = (await createRegistry(openStore(config)).champion(spec.id))?.pointer;
  const request = rollbackRequestId(pointer?.version ?? '', o.to ?? pointer?.previous ?? '', pointer?.generation);
  const act = rollbackAct({ requestedBy: o.as, reason, emergency: !!o.emergency });
  const proof = signAs(ctx.keyDir, o.as, act, { model: spec.id, workflow: workflowId, request }, keysApply(spec.keys, allowed));
  const shape = rollbackInputProblem({ modelId: spec.id, ...(o.to ? { to: o.to } : {}), reason, requestedBy: o.as });
  if (shape) throw new UpkeepError('InvalidRequest', `rollback ${spec.id}: ${shape.replace(/^reason\b/, '--reason').replace(/^requestedBy\b/, '--as').replace(/^to\b/, '--to')}`);
  const problem = proofProblem(act, proof, { model: spec.id, workflow: workflowId, request, now: Date.now(), keys: spec.keys, deciders: allowed });
  if (problem) throw new UpkeepError('InvalidRequest', problem);
  await ctx.withClient(async (client) => {
    let handle: WorkflowHandle<typeof rollbackModel>;
    try {
      handle = await client.workflow.start<typeof rollbackModel>('rollbackModel', {
        workflowId,
        taskQueue: ctx.taskQueue,
        args: [{ modelId: spec.id, ...(o.to ? { to: o.to } : {}), reason, requestedBy: o.as, emergency: !!o.emergency, ...(proof ? { proof } : {}) }],
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        throw new UpkeepError('InvalidRequest', `a rollback of ${spec.id} is already running (workflow ${workflowId}): see upkeep approvals list --model ${spec.id}`);
      }
      throw err;
    }
    const report = async (): Promise<void> => {
      let r: RollbackModelResult;
      try {
        r = await handle.result();
      } catch (err) {
        if (err instanceof WorkflowFailedError) throw new UpkeepError('InvalidRequest', `rollback of ${spec.id} failed: ${failureMessage(err)}`);
        throw err;
      }
      const by = r.decisions.map((d) => `${d.approver}${d.comment ? ` (${d.comment})` : ''}`).join(', ');
      if (r.outcome === 'rolled-back') console.log(`rolled back ${spec.id} from ${r.from} to ${r.to}${o.emergency ? ` (emergency, by ${o.as})` : by ? ` (approved by ${by})` : ''}`);
      else if (r.outcome === 'rejected') throw new UpkeepError('InvalidRequest', `rollback of ${spec.id} from ${r.from} to ${r.to} was rejected by ${by || 'an approver'}`);
      else if (r.outcome === 'expired') throw new UpkeepError('InvalidRequest', `rollback of ${spec.id} from ${r.from} to ${r.to} expired without a decision; nothing was changed`);
      else throw new UpkeepError('ChampionChanged', `rollback of ${spec.id} refused: the champion changed while the request waited (it was ${r.from}); nothing was changed`);
    };

    if (o.emergency || o.wait) {
      if (!o.emergency) console.log(`rollback of ${spec.id} requested (workflow ${workflowId}); waiting for the decision of ${allowed.join(', ')} (Ctrl-C stops waiting, the request stays)`);
      await report();
      return;
    }

    // Watch briefly for the gate to open, so that a request that cannot go ahead is reported now.
    const until = Date.now() + GATE_WATCH_MS;
    for (;;) {
      const d = await handle.describe();
      if (d.status.name !== 'RUNNING') {
        await report();
        return;
      }
      const status = await queryStatus(client, handle).catch(() => undefined);
      if (status?.gate) {
        console.log(`rollback of ${spec.id} requested (workflow ${workflowId}): from ${status.champion ?? 'the champion'} to ${o.to ?? 'the previous champion'}`);
        console.log(`it waits for approval by ${status.gate.approvers.join(', ')} until ${status.gate.expiresAt}; ${decideHint(spec.id, 'rollback')}`);
        return;
      }
      if (Date.now() >= until) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    console.log(`rollback of ${spec.id} requested (workflow ${workflowId}); it will wait for approval by ${allowed.join(', ')}`);
    console.log(`see it with upkeep approvals list --model ${spec.id}; ${decideHint(spec.id, 'rollback')}`);
  });
}

export async function verifyDecisions(ctx: MaintenanceContext, model: string, o: { config?: string }): Promise<void> {
  const { config, spec } = await configAndModel(ctx, o.config, model);
  const { verifyDecisionsCommand } = await import('./keys.js');
  const { openStore } = await import('../engine/store/open.js');
  if ((await verifyDecisionsCommand(spec, openStore(config))) > 0) process.exitCode = 1;
}

export async function versions(ctx: MaintenanceContext, model: string, o: { config?: string }): Promise<void> {
  const { config, spec } = await configAndModel(ctx, o.config, model);
  const [{ createRegistry, versionId }, { sha256Hex }, { openStore }, { createDataSource }] = await Promise.all([
    import('../engine/registry/registry.js'),
    import('../engine/util.js'),
    import('../engine/store/open.js'),
    import('../engine/data/sources.js'),
  ]);
  const registry = createRegistry(openStore(config));
  const versions = await registry.versions(spec.id);
  const champion = (await registry.champion(spec.id))?.pointer;
  const bytes = await createDataSource(config.s3).read(spec.artifact, { maxBytes: resolveLimits(spec.limits).max_model_bytes, limitName: 'limits.max_model_bytes' }).catch(() => undefined);
  const configVersion = bytes ? versionId(sha256Hex(bytes)) : undefined;
  const running = champion?.version ?? configVersion;

  const row = (v: ModelVersion): string[] => [
    v.version === running ? '*' : '',
    v.version,
    v.createdAt,
    v.source === 'config' && v.version === configVersion ? 'config (current artifact)' : v.source,
    v.training ? `${v.training.firstDay}..${v.training.lastDay} (${v.training.rows} rows)` : '',
    v.trainer ? (v.trainer.type === 'command' && v.trainer.command ? `command: ${v.trainer.command.join(' ')}` : v.trainer.type) : '',
  ];
  const rows = [['', 'version', 'created', 'source', 'training window', 'trainer'], ...versions.map(row)];
  if (configVersion && !versions.some((v) => v.version === configVersion)) {
    rows.push([configVersion === running ? '*' : '', configVersion, '', 'config (not registered yet)', '', '']);
  }
  if (rows.length === 1) {
    console.log(`no versions of ${spec.id} yet, and its artifact ${spec.artifact} does not exist`);
    return;
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
  console.log('');
  if (champion) {
    console.log(`* champion ${champion.version} since ${champion.since} (${champion.change}, generation ${champion.generation}${champion.previous ? `, previous ${champion.previous}` : ''}${champion.emergency ? `, emergency by ${champion.emergency.by}` : ''})`);
  } else if (configVersion) {
    console.log(`* ${configVersion} (config artifact): no version has been promoted, the config's artifact is the one running${versions.some((v) => v.version === configVersion) ? '' : ' (it is registered at its first evaluation)'}`);
  } else {
    console.log(`no champion: no version has been promoted and the config's artifact ${spec.artifact} does not exist`);
  }
}

export async function card(ctx: MaintenanceContext, model: string, o: { json?: boolean; config?: string }): Promise<void> {
  const { config, spec } = await configAndModel(ctx, o.config, model);
  const { openStore } = await import('../engine/store/open.js');
  const bytes = await openStore(config).tryGet(cardKey(spec.id, o.json ? 'json' : 'md'));
  if (!bytes) throw new UpkeepError('UnknownModel', `no model card for ${spec.id} yet: it is written after the first evaluation`);
  const text = new TextDecoder().decode(bytes);
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}
