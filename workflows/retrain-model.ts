/**
 * retrainModel: one maintenance request per model (workflow id upkeep-retrain-<model>). Asks the
 * owner, trains a candidate on an immutable training snapshot, compares champion and challenger on
 * a fresh holdout the candidate never saw, asks again, and promotes by compare-and-swap. Every
 * step is in the audit trail; the model card is regenerated at the end.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { EVALUATION, STEP, TRAINING } from './activity-options.js';
import { createApprovals, type ApproverRefresh, type GateEvent } from './approval.js';
import type { ApprovalRule } from '../domain/governance.js';
import {
  attachEvidenceSignal,
  retrainWorkflowId,
  trainingTaskQueue,
  UpkeepModelId,
  maintenanceStatusQuery,
  type RetrainModelInput,
  type RetrainModelResult,
} from './definitions.js';
import {
  describeCoverage,
  describeEvidence,
  describeTrainer,
  noTrainerMessage,
  stakeholders,
  trainingCoverage,
  type CandidateInfo,
  type Comparison,
  type Decision,
  type GateStatus,
  type MaintenanceStage,
  type MaintenanceStatus,
  type ModelVersionRef,
  type RetrainEvidence,
  type RetrainOutcome,
} from '../domain/maintenance.js';
import type { ResolvedModel } from '../domain/evaluation.js';
import { evidenceProblem, MODEL_ID_PATTERN } from '../domain/inputs.js';
import { createTrailWriter, type TrailWriter } from './trail-writer.js';
import { approvalRule, describeRule } from '../domain/governance.js';
import { compareOnHoldout } from './policy.js';
import { signatureKind } from '../domain/signature.js';

const { resolveModel, resolveVersion, snapshotWindow, setChampion, recordRetrainOutcome, storeEvidence } = proxyActivities<Activities>(STEP);

const { evaluateSnapshot, snapshotWindow: snapshotTraining } = proxyActivities<Activities>(EVALUATION);

/** Evidence kept in memory and in the status query: the first and the latest ones. */
const MAX_EVIDENCE = 20;

// Training may take long; it heartbeats every few seconds, so a dead worker is noticed within 30 s
// and the attempt moves to another worker (the job record keeps it to one version).
const { trainCandidate } = proxyActivities<Activities>(TRAINING);

/** Turns the gate's events into audit entries and notifications. */
export function gateEvents(trail: TrailWriter, modelId: string, describe: () => string) {
  return (e: GateEvent): void => {
    const g = e.gate;
    const what = `${g.gate} ${modelId}`;
    switch (e.kind) {
      case 'approval-requested':
        // The keys in force: what a signature on this request is checked against, then and later (audit verify).
        trail.record('approval-requested', `asked ${e.to.join(', ')}: ${what}?${g.candidate ? ` (candidate ${g.candidate})` : ''}`, {
          details: {
            gate: g.gate,
            openedAt: g.openedAt,
            expiresAt: g.expiresAt,
            approvers: g.approvers,
            to: e.to,
            ...(g.evidence ? { candidate: g.candidate, evidence: g.evidence } : {}),
            ...(g.commentRequired ? { commentRequired: g.commentRequired } : {}),
            ...(e.keys ? { keys: e.keys } : {}),
            // The tier's rule in force: who may approve and how many must (docs/signed-decisions.md#risk-tiers).
            ...(g.rule ? { tier: g.rule.tier, rule: g.rule, ruleText: describeRule(g.rule) } : {}),
          },
        });
        trail.notify(
          'approval-requested',
          e.to,
          `Approval needed: ${what}?`,
          `${describe()}${g.rule ? `\nRisk tier: ${describeRule(g.rule)}.` : ''}${g.evidence ? `\nEvidence sha256 ${g.evidence.sha256} (signatures cover it)` : ''}\nDecide with: upkeep approve ${modelId} --gate ${g.gate} --as <you>  or  upkeep reject ${modelId} --gate ${g.gate} --as <you> --comment "…"\nExpires ${g.expiresAt}.`,
        );
        break;
      case 'reminder':
        trail.record('reminder', `reminder ${g.reminders} sent to ${e.to.join(', ')} (${what} waiting since ${g.openedAt})`, {
          details: { gate: g.gate, openedAt: g.openedAt, to: e.to },
        });
        trail.notify('reminder', e.to, `Reminder: ${what}? still waits for a decision`, `Waiting since ${g.openedAt}; expires ${g.expiresAt}.\n${describe()}`);
        break;
      case 'escalation':
        trail.record('escalation', `escalated to ${e.to.join(', ')} (${what} undecided since ${g.openedAt})`, {
          details: { gate: g.gate, openedAt: g.openedAt, to: e.to },
        });
        trail.notify(
          'escalation',
          e.to,
          `Escalation: ${what}? undecided since ${g.openedAt}`,
          `Nobody has decided yet; the request expires ${g.expiresAt}.\n${describe()}`,
        );
        break;
      case 'expired':
        trail.record('expired', `${what} expired undecided after ${g.reminders} reminders${g.escalated ? ' and an escalation' : ''}`, {
          details: { gate: g.gate, openedAt: g.openedAt, to: e.to },
        });
        trail.notify('expired', e.to, `Expired: ${what}? was not decided`, `The request opened ${g.openedAt} closed without a decision; nothing was changed.`);
        break;
      case 'decision': {
        const d = e.decision ?? g.decision!;
        const signed = d.proof ? { signer: d.proof.signer, signatureKind: signatureKind(d.proof, d.approver), proof: d.proof } : {};
        // Under a tier that needs several approvals: which one this is, and how many are needed.
        // Approvers of one request are different people (the rule refuses a second approval by the same one).
        const count = e.decision ? (g.approvals ?? []).findIndex((a) => a.approver === d.approver) + 1 : (g.approvals?.length ?? 0) + 1;
        const approvals = g.rule && d.decision === 'approve' ? { count, required: g.rule.approvalsRequired } : undefined;
        const counted =
          approvals && approvals.required > 1
            ? ` (approval ${approvals.count} of ${approvals.required}${approvals.count < approvals.required ? ': the request stays open' : ''})`
            : '';
        trail.record(
          'decision',
          `${d.approver} ${d.decision === 'approve' ? 'approved' : 'rejected'} ${what}${d.proof ? ` (signed by ${d.proof.signer})` : ''}${counted}`,
          {
            actor: d.approver,
            ...(d.comment ? { comment: d.comment } : {}),
            details: {
              gate: g.gate,
              openedAt: g.openedAt,
              decision: d.decision,
              at: d.at,
              ...signed,
              ...(g.evidence ? { candidate: g.candidate, evidence: g.evidence } : {}),
              ...(approvals ? { approvals } : {}),
            },
          },
        );
        trail.notify('decision', e.to, `${d.approver} ${d.decision === 'approve' ? 'approved' : 'rejected'} ${what}${counted}`, d.comment ?? '');
        break;
      }
    }
  };
}

/**
 * How an open gate reads who may decide again (the `refreshApprovers` Update): the worker's config
 * through `resolveModel`, never the caller's word; a change is logged to the audit trail.
 */
export function approverRefresh(trail: TrailWriter, modelId: string, resolve: (input: { modelId: string }) => Promise<ResolvedModel>): ApproverRefresh {
  return {
    load: async () => {
      const s = (await resolve({ modelId })).spec;
      return { approvers: stakeholders(s), ...(s.keys ? { keys: s.keys } : {}) };
    },
    onChange: (g, change) =>
      trail.record('approvers-refreshed', `the ${g.gate} request read its approvers and keys again from the config: ${change}`, {
        details: { gate: g.gate, openedAt: g.openedAt, approvers: g.approvers, signaturesRequired: g.signaturesRequired === true },
      }),
  };
}

const failureType = (err: unknown): string | undefined =>
  err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? (err.cause.type ?? undefined) : undefined;

/** The comparison as the people asked read it: candidate, coverage, verdict, intervals, table. */
export function comparisonText(c: Comparison): string {
  const f = (v: number | null): string => (v === null ? '—' : v.toFixed(4));
  const interval = (s: Comparison['champion']): string => (s.low !== null && s.high !== null ? ` [${f(s.low)}, ${f(s.high)}]` : '');
  const lines = c.rows.map(
    (r) =>
      `${r.metric}: champion ${f(r.champion)}${r.metric === c.metric ? interval(c.champion) : ''}, challenger ${f(r.challenger)}${r.metric === c.metric ? interval(c.challenger) : ''}${r.better && r.better !== 'same' ? ` (${r.better} better)` : ''}`,
  );
  const k = c.candidate;
  const candidate = k
    ? [
        `Candidate ${k.version}: ${k.modelType}, trainer ${k.trainer}${k.championModelType ? `; the champion is a ${k.championModelType}` : ''}.`,
        `Training: ${describeCoverage(k.training)}.`,
      ]
    : [];
  const verdict = c.recommended
    ? 'RECOMMENDED'
    : c.better && c.concerns?.length
      ? `NOT RECOMMENDED (approving needs a comment): ${c.concerns.join('; ')}`
      : 'NOT RECOMMENDED';
  return [...candidate, `Holdout ${c.holdout.firstDay}..${c.holdout.lastDay}, ${c.holdout.rows} rows.`, verdict, c.reason, ...lines].join('\n');
}

export async function retrainModel(input: RetrainModelInput): Promise<RetrainModelResult> {
  const { modelId } = input;
  const info = workflowInfo();
  // One request per model runs under the model's own id; under another id (started by hand) it
  // would squat nothing and could not be found by the evaluations that attach evidence to it.
  if (info.workflowId !== retrainWorkflowId(modelId)) {
    throw ApplicationFailure.create({
      type: 'InvalidRequest',
      nonRetryable: true,
      message: `retrainModel for model ${JSON.stringify(modelId)} runs as workflow ${retrainWorkflowId(String(modelId))}, not ${info.workflowId}`,
    });
  }
  // Nothing is recorded for a name that is not a model id: `churn/chain` would write inside churn's chain.
  if (typeof modelId !== 'string' || !MODEL_ID_PATTERN.test(modelId)) {
    throw ApplicationFailure.create({
      type: 'InvalidRequest',
      nonRetryable: true,
      message: `retrainModel: ${JSON.stringify(modelId)?.slice(0, 100)} is not a model id`,
    });
  }
  upsertSearchAttributes([{ key: UpkeepModelId, value: modelId }]);
  const trail = createTrailWriter(modelId);
  // The first evidence and the latest ones are kept (a model that stays degraded adds one per
  // scheduled evaluation); `evidenceCount` counts them all. Malformed evidence is logged and dropped.
  const acceptable = (e: unknown, from: string): e is RetrainEvidence => {
    const problem = evidenceProblem(e, Date.now());
    if (problem) log.warn(`${modelId}: ${from} dropped: ${problem}`);
    return !problem;
  };
  const evidence: RetrainEvidence[] = input.evidence && acceptable(input.evidence, 'the first evidence') ? [input.evidence] : [];
  let evidenceCount = evidence.length;
  let latestWindowEnd = evidence[0]?.windowEnd;
  const status: MaintenanceStatus = { modelId, kind: 'retrain', stage: 'awaiting-retrain-approval', since: trail.now(), evidence, gates: [] };
  const stage = (s: MaintenanceStage): void => {
    status.stage = s;
    status.since = trail.now();
  };
  const plan = (): string =>
    status.plan && !status.comparison
      ? `Approving trains with the ${status.plan.trainer} trainer on the ${status.plan.trainingDays} days before a ${status.plan.holdoutDays}-day holdout.\n`
      : '';
  const describe = (): string =>
    `${plan()}Evidence (${evidenceCount}${evidenceCount > evidence.length ? `, the first and the latest ${evidence.length - 1} shown` : ''}):\n${evidence.map((e) => `- ${describeEvidence(e)}`).join('\n')}${status.comparison ? `\n${comparisonText(status.comparison)}` : ''}`;
  const approvals = createApprovals(modelId, info.workflowId, gateEvents(trail, modelId, describe), approverRefresh(trail, modelId, resolveModel));

  setHandler(attachEvidenceSignal, (e: RetrainEvidence) => {
    if (!acceptable(e, 'an attachEvidence signal')) return;
    evidenceCount++;
    evidence.push(e);
    if (evidence.length > MAX_EVIDENCE) evidence.splice(1, 1);
    // As times, not strings: the latest window end chooses the retrain's windows.
    if (e.windowEnd && (!latestWindowEnd || Date.parse(e.windowEnd) > Date.parse(latestWindowEnd))) latestWindowEnd = e.windowEnd;
    status.evidenceCount = evidenceCount;
    // Evaluations are in the log already; a person's request is worth its own line.
    if (evidenceCount > 1 && e.source === 'manual')
      trail.record('evidence-attached', `added to the pending request: ${describeEvidence(e)}`, { ...(e.requestedBy ? { actor: e.requestedBy } : {}) });
  });
  setHandler(maintenanceStatusQuery, (): MaintenanceStatus => ({ ...status, gates: approvals.gates, ...(approvals.open ? { gate: approvals.open } : {}) }));

  // Started by `upkeep retrain` (signal-with-start), the first evidence arrives as a signal.
  await condition(() => evidence.length > 0);
  // The model is looked up in the worker's config before anything is recorded: a request for a
  // model the config does not hold (made up, or removed) records nothing in its name. Runs
  // recorded before looked it up after recording the request, and replay so.
  let known: ResolvedModel | undefined;
  if (patched('retrain-known-model')) {
    try {
      known = await resolveModel({ modelId });
    } catch (err) {
      if (failureType(err) === 'UnknownModel')
        throw ApplicationFailure.create({
          type: 'UnknownModel',
          nonRetryable: true,
          message: `retrainModel: the worker's config has no model ${JSON.stringify(modelId)}; nothing was recorded`,
        });
      // Any other failure is logged and told below, as a failure after the request.
    }
  }
  trail.record('retrain-requested', `retrain requested: ${describeEvidence(evidence[0]!)}`, {
    ...(evidence[0]!.requestedBy ? { actor: evidence[0]!.requestedBy } : {}),
  });

  // Whatever fails after the request was made is logged and told to the people asked.
  let people: string[] = [];
  try {
    const champion = known ?? (await resolveModel({ modelId }));
    const spec = champion.spec;
    status.champion = champion.version;
    const decisions: Decision[] = [];
    people = stakeholders(spec);
    const gate = async (
      name: 'retrain' | 'promote',
      spec: ResolvedModel['spec'],
      extra: { commentRequired?: string; candidate?: string; evidence?: { uri: string; sha256: string }; rule?: ApprovalRule } = {},
    ): Promise<GateStatus> => {
      stage(name === 'retrain' ? 'awaiting-retrain-approval' : 'awaiting-promotion-approval');
      const g = await approvals.request({
        gate: name,
        approvers: people,
        notify: people,
        escalation: spec.approval.escalation,
        timing: spec.approval,
        ...(spec.keys ? { keys: spec.keys } : {}),
        ...extra,
      });
      // Every approval counts, the ones taken while more were needed first.
      decisions.push(...(g.approvals ?? []));
      if (g.decision) decisions.push(g.decision);
      return g;
    };
    const finish = async (outcome: RetrainOutcome, candidate?: ModelVersionRef): Promise<RetrainModelResult> => {
      status.outcome = outcome;
      stage('done');
      await recordRetrainOutcome({ modelId, outcome, at: trail.now(), champion: status.champion ?? champion.version ?? '', workflowId: info.workflowId });
      await trail.close(`retrain request ${outcome}`);
      return {
        modelId,
        outcome,
        evidence: evidenceCount,
        champion: status.champion ?? champion.version ?? '',
        decisions,
        ...(candidate ? { candidate } : {}),
        ...(status.comparison ? { comparison: status.comparison } : {}),
      };
    };

    // No trainer, no retrain: nothing upkeep can fit replaces a model its owner trained otherwise.
    // (Specs recorded before trainers had no default always carry one: they replay as they ran.)
    const trainerName = describeTrainer(spec.retrain.trainer, spec.task);
    if (!trainerName) {
      const message = noTrainerMessage(modelId);
      trail.record('failure', `cannot retrain: ${message}`);
      trail.notify('failure', people, `${modelId} cannot be retrained: it has no retrain.trainer`, message);
      return finish('no-trainer');
    }
    status.plan = {
      trainer: trainerName,
      trainingDays: spec.retrain.training_days,
      holdoutDays: spec.retrain.holdout_days,
      minCoverage: spec.retrain.min_coverage ?? 0.8,
    };

    const asked = await gate('retrain', spec);
    if (asked.state !== 'approved') return finish(asked.state === 'expired' ? 'retrain-expired' : 'retrain-rejected');

    // The holdout is the most recent evaluated days (the latest evidence: a model that stays
    // degraded keeps adding it), or the days up to now for a request made by hand; training ends
    // where the holdout begins, so it never sees those days.
    stage('snapshotting');
    const windowEnd = latestWindowEnd ?? trail.now();
    const holdout = await snapshotWindow({ model: champion, windowEnd, days: spec.retrain.holdout_days });
    const training = await snapshotTraining({ model: champion, windowEnd, days: spec.retrain.training_days, skipDays: spec.retrain.holdout_days });
    const short = [
      ...(training.rows < spec.min_rows ? [`the training window ${training.firstDay}..${training.lastDay} has ${training.rows} rows`] : []),
      ...(holdout.rows < spec.min_rows ? [`the holdout ${holdout.firstDay}..${holdout.lastDay} has ${holdout.rows} rows`] : []),
    ];
    if (short.length > 0) {
      const message = `${short.join(' and ')}; at least min_rows = ${spec.min_rows} are needed (missing days: ${[...training.missing, ...holdout.missing].map((m) => m.date).join(', ') || 'none'})`;
      trail.record('failure', `cannot retrain: ${message}`);
      trail.notify('failure', people, `Retraining ${modelId} cannot start: not enough data`, message);
      return finish('insufficient-data');
    }

    stage('training');
    // Training runs on its own task queue with its own slots, so it never holds an evaluation's;
    // runs recorded before that scheduled it on the workflow's queue and replay the same way.
    const train = patched('training-queue')
      ? proxyActivities<Activities>({ ...TRAINING, taskQueue: trainingTaskQueue(info.taskQueue) }).trainCandidate
      : trainCandidate;
    const trained = await train({
      model: champion,
      training,
      workflow: { workflowId: info.workflowId, runId: info.runId },
      approvals: decisions,
      at: trail.now(),
    });
    const candidate: ModelVersionRef = { version: trained.version, sha256: trained.sha256, artifactUri: trained.artifactUri, bytes: trained.bytes };
    status.candidate = candidate;
    // How much of what was asked the candidate saw: days with data, rows (pure, from the snapshot).
    const coverage = trainingCoverage(training, spec.retrain.training_days, spec.retrain.min_coverage ?? 0.8, trained.rowsUsed);
    const candidateInfo: CandidateInfo = {
      version: trained.version,
      trainer: trainerName,
      modelType: trained.modelType ?? trainerName,
      ...(trained.championModelType ? { championModelType: trained.championModelType } : {}),
      training: coverage,
    };
    trail.record(
      'trained',
      `trained candidate ${trained.version} (${candidateInfo.modelType}) with the trainer ${trainerName}: ${describeCoverage(coverage)}`,
      {
        details: {
          version: trained.version,
          sha256: trained.sha256,
          training: { uri: training.uri, sha256: training.sha256 },
          coverage,
          modelType: candidateInfo.modelType,
          ...(trained.logUri ? { log: trained.logUri } : {}),
        },
      },
    );

    stage('comparing');
    const challenger = await resolveVersion({ modelId, version: trained.version });
    const championOnHoldout = await evaluateSnapshot({ model: champion, snapshot: holdout });
    const challengerOnHoldout = await evaluateSnapshot({ model: challenger, snapshot: holdout });
    // The candidate's threshold and training coverage count (requests compared before these checks
    // replay as they ran: without them).
    const checks = patched('candidate-checks');
    const comparison = compareOnHoldout({
      metric: spec.thresholds.metric,
      minImprovement: spec.retrain.min_improvement,
      ...(checks ? { thresholds: { min: spec.thresholds.min, max: spec.thresholds.max }, candidate: candidateInfo } : {}),
      holdout: { uri: holdout.uri, sha256: holdout.sha256, rows: holdout.rows, firstDay: holdout.firstDay, lastDay: holdout.lastDay },
      champion: { version: champion.version ?? champion.artifactSha256.slice(0, 12), summary: championOnHoldout },
      challenger: { version: trained.version, summary: challengerOnHoldout },
    });
    status.comparison = comparison;
    trail.record('compared', comparison.reason, {
      details: {
        holdout: comparison.holdout,
        champion: comparison.champion.value,
        challenger: comparison.challenger.value,
        ...(checks
          ? {
              recommended: comparison.recommended,
              intervals: { champion: [comparison.champion.low, comparison.champion.high], challenger: [comparison.challenger.low, comparison.challenger.high] },
              ...(comparison.concerns ? { concerns: comparison.concerns } : {}),
            }
          : {}),
      },
    });
    // A better candidate with concerns (it still fails the threshold, it trained on too few days)
    // goes to the owner marked not recommended; approving it needs a comment saying why.
    const concerns = comparison.better && !comparison.recommended ? (comparison.concerns ?? []) : [];
    if (!comparison.recommended && concerns.length === 0) {
      trail.notify('not-recommended', people, `Candidate ${trained.version} for ${modelId} is not better than the champion`, comparisonText(comparison));
      return finish('not-recommended', candidate);
    }

    // Training and comparing may have taken a while: who may decide is read from the config again.
    const now = (await resolveModel({ modelId })).spec;
    people = stakeholders(now);
    // What the approvers are shown is stored, content-addressed; signatures cover its sha256 and
    // the candidate (requests that opened this gate before it was stored replay without it).
    const shown = patched('signed-evidence')
      ? await storeEvidence({
          modelId,
          evidence: {
            format: 'upkeep-evidence-1',
            modelId,
            workflowId: info.workflowId,
            gate: 'promote',
            champion: comparison.champion.version,
            candidate: trained.version,
            comparison,
          },
        })
      : undefined;
    // The risk tier's rule (how many approve; whether the owner or the requester may): requests
    // opened before tiers, or from a spec without one, replay without it.
    const rule = now.tier && patched('risk-tier') ? approvalRule(now.tier, now.owner, evidence[0]!.requestedBy) : undefined;
    const promote = await gate('promote', now, {
      ...(rule ? { rule } : {}),
      ...(concerns.length ? { commentRequired: `candidate ${trained.version} is not recommended: ${concerns.join('; ')}` } : {}),
      ...(shown ? { candidate: trained.version, evidence: shown } : {}),
    });
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
        at: trail.now(),
        workflow: { workflowId: info.workflowId, runId: info.runId },
        approvals: decisions,
        reason: comparison.reason,
        baseline,
      });
    } catch (err) {
      if (failureType(err) !== 'ChampionChanged') throw err;
      const message = (err as ActivityFailure).cause!.message;
      trail.record('failure', `promotion refused: ${message}`);
      trail.notify('failure', people, `Promotion of ${trained.version} for ${modelId} refused`, message);
      return finish('champion-changed', candidate);
    }
    status.champion = trained.version;
    trail.record(
      'promoted',
      `promoted ${trained.version} (was ${champion.version})${concerns.length ? `, although not recommended: ${concerns.join('; ')}` : ''}`,
      { actor: promote.decision!.approver, details: { from: champion.version, to: trained.version } },
    );
    trail.notify(
      'promoted',
      [...people, ...now.approval.escalation],
      `${modelId}: ${trained.version} is the new champion`,
      `${comparison.reason}\nApproved by ${decisions.map((d) => `${d.approver}${d.comment ? ` ("${d.comment}")` : ''}`).join(', ')}.`,
    );
    return finish('promoted', candidate);
  } catch (err) {
    if (isCancellation(err)) throw err;
    const message = err instanceof ActivityFailure && err.cause ? err.cause.message : err instanceof Error ? err.message : String(err);
    trail.record('failure', `retrain request failed at ${status.stage}: ${message}`);
    trail.notify('failure', people, `Retraining ${modelId} failed at ${status.stage}`, message);
    stage('done');
    await trail.close('a failed retrain request');
    throw err;
  }
}
