/**
 * What the maintenance commands that talk to Temporal do, in a terminal: retrain, approvals,
 * approve / reject, rollback (through the client layer, cli/client/). This is the printing side:
 * cli/client/ returns values and throws, these functions print them. Loaded when one of the
 * commands runs; they and their options are declared in maintenance.ts. versions / card / keys
 * verify read the store alone (store-actions.ts), without loading Temporal's client.
 */
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { UpkeepError } from '../../engine/errors.js';
import { describeCoverage, describeEvidence, stakeholders, type GateStatus, type MaintenanceStatus } from '../../domain/maintenance.js';
import { terminalSafe } from '../../domain/escape.js';
import type { RefusedDecision } from '../../engine/audit/access.js';
import { runningRequests } from '../client/requests.js';
import { submitDecision } from '../client/decisions.js';
import { manualEvidence, requestRetrain } from '../client/retrain.js';
import { configAndModel, type MaintenanceContext } from './maintenance-context.js';

export type { MaintenanceContext } from './maintenance-context.js';

/** How long `upkeep rollback` (without --wait) watches for the approval gate to open. */
const GATE_WATCH_MS = 10_000;

const fmt = (v: number | null | undefined): string => (typeof v === 'number' ? v.toFixed(4) : '—');

function ago(iso: string): string {
  const ms = Date.now() - Date.parse(iso);
  if (!Number.isFinite(ms)) return '';
  const abs = Math.abs(ms);
  const text =
    abs < 90_000
      ? `${Math.round(abs / 1000)}s`
      : abs < 5_400_000
        ? `${Math.round(abs / 60_000)}m`
        : abs < 172_800_000
          ? `${Math.round(abs / 3_600_000)}h`
          : `${Math.round(abs / 86_400_000)}d`;
  return ms >= 0 ? `${text} ago` : `in ${text}`;
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
  if (s.champion)
    body.push(`champion:    ${s.champion}${s.candidate ? `, candidate ${s.candidate.version}` : ''}${s.target ? `, rollback to ${s.target}` : ''}`);
  if (s.handover)
    body.push(
      `handover:    from ${s.handover.from ?? 'nobody known'} to ${s.handover.to.join(' or ')}, asked by ${s.handover.requestedBy}${s.handover.left ? ` (${s.handover.left} left the directory)` : ''}: ${s.handover.reason}`,
      `             the owner stays accountable until it is accepted with a signed decision`,
    );
  if (s.gate) body.push(...gateLines(s.gate));
  else body.push('gate:        none open (no decision needed at this stage)');
  if (s.kind === 'retrain' || s.evidence.length > 0)
    body.push(`evidence:    ${s.evidence.length}${s.evidence[0] ? `, first: ${describeEvidence(s.evidence[0])}` : ''}`);
  if (s.plan && s.gate?.gate === 'retrain')
    body.push(
      `trainer:     ${s.plan.trainer}, asked to train on ${s.plan.trainingDays} days before a ${s.plan.holdoutDays}-day holdout (recommended only with data on ${Math.round(s.plan.minCoverage * 100)}% of them)`,
    );
  const c = s.comparison;
  if (c && s.gate?.gate === 'promote') {
    const k = c.candidate;
    if (k) {
      body.push(`candidate:   ${k.version}: ${k.modelType}, trainer ${k.trainer}${k.championModelType ? ` (the champion is a ${k.championModelType})` : ''}`);
      body.push(`training:    ${describeCoverage(k.training)}`);
    }
    const ci = (v: { low: number | null; high: number | null }): string =>
      v.low !== null && v.high !== null ? ` [${fmt(v.low)}, ${fmt(v.high)}]` : ' (no interval)';
    body.push(
      `comparison:  ${c.metric} on the holdout ${c.holdout.firstDay}..${c.holdout.lastDay} (${c.holdout.rows} rows): champion ${c.champion.version} ${fmt(c.champion.value)}${ci(c.champion)} vs challenger ${c.challenger.version} ${fmt(c.challenger.value)}${ci(c.challenger)}`,
    );
    body.push(`verdict:     ${c.recommended ? 'recommended' : 'NOT recommended'}${c.concerns?.length ? `: ${c.concerns.join('; ')}` : ''}`);
    body.push(`             ${c.reason}`);
  }
  // A periodic review: the questions an attestation answers, one numbered line each of its comment.
  for (const [i, q] of (s.gate?.questions ?? []).entries()) body.push(`${i === 0 ? 'questions:   ' : '             '}${i + 1}. ${q}`);
  if (s.gate?.evidence)
    body.push(
      `evidence:    sha256 ${s.gate.evidence.sha256} (${s.gate.evidence.uri}); a signature covers it and candidate ${s.gate.candidate ?? '—'} (pin it with --evidence)`,
    );
  if (s.gate?.commentRequired) body.push(`comment:     approving needs --comment, because ${s.gate.commentRequired}`);
  if (s.gate) body.push(decideHint(s.modelId, s.gate.gate, Boolean(s.gate.commentRequired)));
  return [...lines, ...body.map((l) => `  ${l}`)].join('\n');
}

export async function retrain(ctx: MaintenanceContext, model: string, o: { reason: string; as?: string; config?: string }): Promise<void> {
  const { spec } = await configAndModel(ctx, o.config, model);
  const evidence = manualEvidence(spec, path.basename(ctx.configPath(o.config)), {
    reason: o.reason,
    requestedBy: o.as ?? ctx.defaultRequester,
    at: new Date(),
  });
  const { workflowId, attached } = await ctx.withClient((client) => requestRetrain(client, spec.id, evidence, ctx.taskQueue));
  if (attached) {
    console.log(`retrain of ${spec.id} requested: attached to the pending request, workflow ${workflowId}`);
    console.log(`see its state with: upkeep approvals list --model ${spec.id}`);
  } else {
    console.log(`retrain of ${spec.id} requested: workflow ${workflowId}`);
    console.log(`it waits for approval by ${stakeholders(spec).join(', ')}; ${decideHint(spec.id)}`);
  }
}

export async function approvalsList(ctx: MaintenanceContext, o: { model?: string; json?: boolean }): Promise<void> {
  const { found, failed } = await ctx.withClient((client: Client) => runningRequests(client, o.model ? { models: new Set([o.model]) } : {}));
  if (o.json)
    console.log(
      JSON.stringify(
        found.map((f) => f.status),
        null,
        2,
      ),
    );
  else if (found.length > 0) console.log(found.map((f) => statusText(f.status, f.workflowId)).join('\n\n'));
  else if (failed.length === 0) console.log(`No requests are waiting${o.model ? ` for ${o.model}` : ''}.`);
  // The requests whose status could not be read (listed by id): exit code 2.
  if (failed.length > 0) throw new UpkeepError('InvalidRequest', failed.join('\n'));
}

/**
 * A decision the workflow refused is recorded in the model's audit chain (the validator cannot
 * write it); when the store cannot be reached, the refusal is still reported, with a warning.
 */
async function recordCliRefusal(ctx: MaintenanceContext, r: Omit<RefusedDecision, 'via' | 'at'>): Promise<void> {
  try {
    const { config } = await configAndModel(ctx, undefined, r.modelId);
    const [{ openStore }, { recordRefusal }] = await Promise.all([import('../../engine/store/open.js'), import('../../engine/audit/access.js')]);
    await recordRefusal(openStore(config), { ...r, via: 'cli', at: new Date() });
  } catch (err) {
    console.error(`upkeep: warning: the refusal could not be recorded in the audit chain of ${r.modelId}: ${(err as Error).message}`);
  }
}

/** Under a risk tier that needs several approvals, what an approval that left the request open says; undefined otherwise. */
export function approvalsPending(gate: GateStatus): string | undefined {
  if (!gate.rule || gate.state !== 'waiting' || !gate.approvals?.length) return undefined;
  const more = gate.rule.approvalsRequired - gate.approvals.length;
  return `approval ${gate.approvals.length} of ${gate.rule.approvalsRequired} (${gate.rule.tier} tier): the request stays open until ${more} more ${more === 1 ? 'approves' : 'approve'}`;
}

export async function decide(
  ctx: MaintenanceContext,
  decision: 'approve' | 'reject',
  model: string,
  o: { as: string; comment?: string; gate?: string; evidence?: string },
): Promise<void> {
  // Signed with --as's key when there is one; a request that needs a signature gets none without it.
  // The keys (and their curve library) load only here, not for the commands that only read.
  const { signAs } = await import('../keys.js');
  const { gate, workflowId, signed, evidence, candidate } = await ctx.withClient((client) =>
    submitDecision(
      client,
      model,
      { decision, approver: o.as, comment: o.comment, gate: o.gate, evidence: o.evidence },
      (act, where, required) => signAs(ctx.keyDir, o.as, act, where, required),
      (r) => recordCliRefusal(ctx, r),
    ),
  );
  const verb = decision === 'approve' ? 'approved' : 'rejected';
  console.log(
    `${verb} ${gate.gate} of ${model} as ${o.as}${signed ? ' (signed)' : ''}${evidence ? ` on candidate ${candidate} and the evidence sha256 ${evidence.sha256}` : ''}`,
  );
  console.log(`gate ${gate.gate}: ${gate.state}${gate.closedAt ? ` at ${gate.closedAt}` : ''} (workflow ${workflowId})`);
  const pending = approvalsPending(gate);
  if (pending) console.log(pending);
}

export async function rollback(
  ctx: MaintenanceContext,
  model: string,
  o: { as: string; to?: string; reason?: string; emergency?: boolean; wait?: boolean; config?: string },
): Promise<void> {
  const { config, spec } = await configAndModel(ctx, o.config, model);
  const [{ openStore }, { signAs }, { decidedBy, prepareRollback, startRollback }] = await Promise.all([
    import('../../engine/store/open.js'),
    import('../keys.js'),
    import('../client/rollback.js'),
  ]);
  const prepared = await prepareRollback(spec, openStore(config), o, (act, where, required) => signAs(ctx.keyDir, o.as, act, where, required));
  const { workflowId, approvers } = prepared;
  await ctx.withClient(async (client) => {
    const request = await startRollback(client, ctx.taskQueue, prepared);
    const report = async (): Promise<void> => {
      const r = await request.outcome();
      const by = decidedBy(r);
      console.log(`rolled back ${spec.id} from ${r.from} to ${r.to}${o.emergency ? ` (emergency, by ${o.as})` : by ? ` (approved by ${by})` : ''}`);
    };
    if (o.emergency || o.wait) {
      if (!o.emergency)
        console.log(
          `rollback of ${spec.id} requested (workflow ${workflowId}); waiting for the decision of ${approvers.join(', ')} (Ctrl-C stops waiting, the request stays)`,
        );
      await report();
      return;
    }
    // Watch briefly for the gate to open, so that a request that cannot go ahead is reported now.
    const watched = await request.watchGate(GATE_WATCH_MS);
    if (watched.state === 'closed') return report();
    if (watched.state === 'waiting') {
      const { status } = watched;
      console.log(`rollback of ${spec.id} requested (workflow ${workflowId}): from ${status.champion ?? 'the champion'} to ${o.to ?? 'the previous champion'}`);
      console.log(`it waits for approval by ${status.gate!.approvers.join(', ')} until ${status.gate!.expiresAt}; ${decideHint(spec.id, 'rollback')}`);
      return;
    }
    console.log(`rollback of ${spec.id} requested (workflow ${workflowId}); it will wait for approval by ${approvers.join(', ')}`);
    console.log(`see it with upkeep approvals list --model ${spec.id}; ${decideHint(spec.id, 'rollback')}`);
  });
}
