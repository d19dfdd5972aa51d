/**
 * retrainModel: one maintenance request per model (workflow id upkeep-retrain-<model>). Asks the
 * owner, trains a candidate on an immutable training snapshot, compares champion and challenger on
 * a fresh holdout the candidate never saw, asks again, and promotes by compare-and-swap. Every
 * step is in the maintenance log; the model card is regenerated at the end.
 */
import { ActivityFailure, ApplicationFailure, condition, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { EVALUATION, STEP } from './activity-options.js';
import { createApprovals, type GateEvent } from './approval.js';
import {
  attachEvidenceSignal,
  UpkeepModelId,
  maintenanceStatusQuery,
  type Comparison,
  type Decision,
  type GateStatus,
  type MaintenanceStage,
  type MaintenanceStatus,
  type ModelVersionRef,
  type ResolvedModel,
  type RetrainEvidence,
  type RetrainModelInput,
  type RetrainModelResult,
  type RetrainOutcome,
} from './definitions.js';
import { createJournal, type Journal } from './maintenance.js';
import { compareOnHoldout } from './policy.js';

const { resolveModel, resolveVersion, snapshotWindow, setChampion } = proxyActivities<Activities>(STEP);

const { evaluateSnapshot } = proxyActivities<Activities>(EVALUATION);

// Training may take long; it heartbeats every few seconds, so a dead worker is noticed within 30 s
// and the attempt moves to another worker (the job record keeps it to one version).
const { trainCandidate } = proxyActivities<Activities>({
  startToCloseTimeout: '24 hours',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '10s', maximumInterval: '5 minutes', maximumAttempts: 3, nonRetryableErrorTypes: ['TrainingFailed', 'InsufficientData', 'SchemaMismatch', 'InvalidConfig'] },
});

export const stakeholders = (spec: ResolvedModel['spec']): string[] => [...new Set([spec.owner, ...spec.approvers])];

function describeEvidence(e: RetrainEvidence): string {
  if (e.source === 'manual') return `requested by ${e.requestedBy ?? 'someone'}: ${e.reason}`;
  return `${e.verdict?.status ?? 'evaluation'} window ending ${e.windowEnd ?? e.at}: ${e.reason}`;
}

/** Turns the gate's events into log entries and notifications. */
export function gateEvents(journal: Journal, modelId: string, describe: () => string) {
  return (e: GateEvent): void => {
    const g = e.gate;
    const what = `${g.gate} ${modelId}`;
    switch (e.kind) {
      case 'approval-requested':
        journal.record('approval-requested', `asked ${e.to.join(', ')}: ${what}?`, { details: { gate: g.gate, expiresAt: g.expiresAt } });
        journal.notify('approval-requested', e.to, `Approval needed: ${what}?`, `${describe()}\nDecide with: upkeep approve ${modelId} --as <you>  or  upkeep reject ${modelId} --as <you> --comment "…"\nExpires ${g.expiresAt}.`);
        break;
      case 'reminder':
        journal.record('reminder', `reminder ${g.reminders} sent to ${e.to.join(', ')} (${what} waiting since ${g.openedAt})`);
        journal.notify('reminder', e.to, `Reminder: ${what}? still waits for a decision`, `Waiting since ${g.openedAt}; expires ${g.expiresAt}.\n${describe()}`);
        break;
      case 'escalation':
        journal.record('escalation', `escalated to ${e.to.join(', ')} (${what} undecided since ${g.openedAt})`);
        journal.notify('escalation', e.to, `Escalation: ${what}? undecided since ${g.openedAt}`, `Nobody has decided yet; the request expires ${g.expiresAt}.\n${describe()}`);
        break;
      case 'expired':
        journal.record('expired', `${what} expired undecided after ${g.reminders} reminders${g.escalated ? ' and an escalation' : ''}`);
        journal.notify('expired', e.to, `Expired: ${what}? was not decided`, `The request opened ${g.openedAt} closed without a decision; nothing was changed.`);
        break;
      case 'decision': {
        const d = g.decision!;
        journal.record('decision', `${d.approver} ${d.decision === 'approve' ? 'approved' : 'rejected'} ${what}`, { actor: d.approver, ...(d.comment ? { comment: d.comment } : {}), details: { gate: g.gate } });
        journal.notify('decision', e.to, `${d.approver} ${d.decision === 'approve' ? 'approved' : 'rejected'} ${what}`, d.comment ?? '');
        break;
      }
    }
  };
}

const failureType = (err: unknown): string | undefined => (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause.type ?? undefined : undefined);

function comparisonText(c: Comparison): string {
  const f = (v: number | null): string => (v === null ? '—' : v.toFixed(4));
  const lines = c.rows.map((r) => `${r.metric}: champion ${f(r.champion)}, challenger ${f(r.challenger)}${r.better && r.better !== 'same' ? ` (${r.better} better)` : ''}`);
  return [`Holdout ${c.holdout.firstDay}..${c.holdout.lastDay}, ${c.holdout.rows} rows.`, c.reason, ...lines].join('\n');
}

export async function retrainModel(input: RetrainModelInput): Promise<RetrainModelResult> {
  const { modelId } = input;
  const info = workflowInfo();
  upsertSearchAttributes([{ key: UpkeepModelId, value: modelId }]);
  const journal = createJournal(modelId);
  const evidence: RetrainEvidence[] = input.evidence ? [input.evidence] : [];
  const status: MaintenanceStatus = { modelId, kind: 'retrain', stage: 'awaiting-retrain-approval', since: journal.now(), evidence, gates: [] };
  const stage = (s: MaintenanceStage): void => {
    status.stage = s;
    status.since = journal.now();
  };
  const describe = (): string => `Evidence (${evidence.length}):\n${evidence.map((e) => `- ${describeEvidence(e)}`).join('\n')}${status.comparison ? `\n${comparisonText(status.comparison)}` : ''}`;
  const approvals = createApprovals(modelId, gateEvents(journal, modelId, describe));

  setHandler(attachEvidenceSignal, (e: RetrainEvidence) => {
    evidence.push(e);
    if (evidence.length > 1) journal.record('evidence-attached', `evidence attached to the pending request: ${describeEvidence(e)}`, { details: { ...(e.workflowId ? { workflowId: e.workflowId } : {}), ...(e.reportUri ? { reportUri: e.reportUri } : {}) } });
  });
  setHandler(maintenanceStatusQuery, (): MaintenanceStatus => ({ ...status, gates: approvals.gates, ...(approvals.open ? { gate: approvals.open } : {}) }));

  // Started by `upkeep retrain` (signal-with-start), the first evidence arrives as a signal.
  await condition(() => evidence.length > 0);
  journal.record('retrain-requested', `retrain requested: ${describeEvidence(evidence[0]!)}`, { ...(evidence[0]!.requestedBy ? { actor: evidence[0]!.requestedBy } : {}) });

  const champion = await resolveModel({ modelId });
  const spec = champion.spec;
  status.champion = champion.version;
  const decisions: Decision[] = [];
  const people = stakeholders(spec);
  const gate = async (name: 'retrain' | 'promote'): Promise<GateStatus> => {
    stage(name === 'retrain' ? 'awaiting-retrain-approval' : 'awaiting-promotion-approval');
    const g = await approvals.request({ gate: name, approvers: people, notify: people, escalation: spec.approval.escalation, timing: spec.approval });
    if (g.decision) decisions.push(g.decision);
    return g;
  };
  const finish = async (outcome: RetrainOutcome, candidate?: ModelVersionRef): Promise<RetrainModelResult> => {
    status.outcome = outcome;
    stage('done');
    await journal.close(`retrain request ${outcome}`);
    return { modelId, outcome, evidence: evidence.length, champion: status.champion ?? champion.version ?? '', decisions, ...(candidate ? { candidate } : {}), ...(status.comparison ? { comparison: status.comparison } : {}) };
  };

  const asked = await gate('retrain');
  if (asked.state !== 'approved') return finish(asked.state === 'expired' ? 'retrain-expired' : 'retrain-rejected');

  // The holdout is the most recent days; training ends where it begins, so it never sees them.
  stage('snapshotting');
  const windowEnd = evidence[0]!.windowEnd ?? journal.now();
  const holdout = await snapshotWindow({ model: champion, windowEnd, days: spec.retrain.holdout_days });
  const training = await snapshotWindow({ model: champion, windowEnd, days: spec.retrain.training_days, skipDays: spec.retrain.holdout_days });
  const short = [
    ...(training.rows < spec.min_rows ? [`the training window ${training.firstDay}..${training.lastDay} has ${training.rows} rows`] : []),
    ...(holdout.rows < spec.min_rows ? [`the holdout ${holdout.firstDay}..${holdout.lastDay} has ${holdout.rows} rows`] : []),
  ];
  if (short.length > 0) {
    const message = `${short.join(' and ')}; at least min_rows = ${spec.min_rows} are needed (missing days: ${[...training.missing, ...holdout.missing].map((m) => m.date).join(', ') || 'none'})`;
    journal.record('failure', `cannot retrain: ${message}`);
    journal.notify('failure', people, `Retraining ${modelId} cannot start: not enough data`, message);
    return finish('insufficient-data');
  }

  stage('training');
  let trained;
  try {
    trained = await trainCandidate({ model: champion, training, workflow: { workflowId: info.workflowId, runId: info.runId }, approvals: decisions, at: journal.now() });
  } catch (err) {
    const message = err instanceof ActivityFailure && err.cause ? err.cause.message : String(err);
    journal.record('failure', `training failed: ${message}`);
    journal.notify('failure', people, `Retraining ${modelId} failed`, message);
    await journal.close('training failed');
    throw err;
  }
  const candidate: ModelVersionRef = { version: trained.version, sha256: trained.sha256, artifactUri: trained.artifactUri, bytes: trained.bytes };
  status.candidate = candidate;
  journal.record('trained', `trained candidate ${trained.version} on ${training.firstDay}..${training.lastDay} (${trained.rows} rows) with the ${spec.retrain.trainer.type} trainer`, {
    details: { version: trained.version, sha256: trained.sha256, training: { uri: training.uri, sha256: training.sha256 }, ...(trained.logUri ? { log: trained.logUri } : {}) },
  });

  stage('comparing');
  const challenger = await resolveVersion({ modelId, version: trained.version });
  const championOnHoldout = await evaluateSnapshot({ model: champion, snapshot: holdout });
  const challengerOnHoldout = await evaluateSnapshot({ model: challenger, snapshot: holdout });
  const comparison = compareOnHoldout({
    metric: spec.thresholds.metric,
    minImprovement: spec.retrain.min_improvement,
    holdout: { uri: holdout.uri, sha256: holdout.sha256, rows: holdout.rows, firstDay: holdout.firstDay, lastDay: holdout.lastDay },
    champion: { version: champion.version ?? champion.artifactSha256.slice(0, 12), summary: championOnHoldout },
    challenger: { version: trained.version, summary: challengerOnHoldout },
  });
  status.comparison = comparison;
  journal.record('compared', comparison.reason, { details: { holdout: comparison.holdout, champion: comparison.champion.value, challenger: comparison.challenger.value } });
  if (!comparison.recommended) {
    journal.notify('not-recommended', people, `Candidate ${trained.version} for ${modelId} is not better than the champion`, comparisonText(comparison));
    return finish('not-recommended', candidate);
  }

  const promote = await gate('promote');
  if (promote.state !== 'approved') return finish(promote.state === 'expired' ? 'promotion-expired' : 'promotion-rejected', candidate);

  stage('promoting');
  const baseline: Record<string, number> = {};
  for (const [k, v] of Object.entries(comparison.challenger.metrics)) if (typeof v === 'number') baseline[k] = v;
  try {
    await setChampion({
      modelId,
      version: trained.version,
      expected: champion.version ?? '',
      change: 'promotion',
      at: journal.now(),
      workflow: { workflowId: info.workflowId, runId: info.runId },
      approvals: decisions,
      reason: comparison.reason,
      baseline,
    });
  } catch (err) {
    if (failureType(err) !== 'ChampionChanged') throw err;
    const message = (err as ActivityFailure).cause!.message;
    journal.record('failure', `promotion refused: ${message}`);
    journal.notify('failure', people, `Promotion of ${trained.version} for ${modelId} refused`, message);
    return finish('champion-changed', candidate);
  }
  status.champion = trained.version;
  journal.record('promoted', `promoted ${trained.version} (was ${champion.version})`, { actor: promote.decision!.approver, details: { from: champion.version, to: trained.version } });
  journal.notify('promoted', [...people, ...spec.approval.escalation], `${modelId}: ${trained.version} is the new champion`, `${comparison.reason}\nApproved by ${decisions.map((d) => d.approver).join(', ')}.`);
  return finish('promoted', candidate);
}
