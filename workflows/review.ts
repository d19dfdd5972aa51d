/**
 * reviewModel: one periodic review request (docs/governance.md#periodic-reviews), started by the
 * daily sweep (workflows/review-sweep.ts) for a model that is due. It asks the owner (and the model's
 * reviewers) to attest, through the same approval gate as a promotion (a signed decision when the
 * model has keys; reminders, escalation, expiry), that the model is still fit for its stated use,
 * answering its questions and citing the evidence since the last review, which an activity counts
 * from the verified audit chain and stores: the request carries its reference and summary only.
 *
 * Who can start what: `reviewModel` takes nothing from its caller but the model's id: whether a review is due, the
 * questions, who may attest and the evidence all come from the worker's config and the trail, so
 * a run started by hand either asks for a review that is due anyway or is refused with nothing
 * written; only a decision by an allowed person (signed when the model has keys) records a review.
 */
import { ApplicationFailure, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { MODEL_ID_PATTERN } from '../domain/inputs.js';
import type { MaintenanceStatus } from '../domain/maintenance.js';
import { describeEvidenceSummary, describeStanding, parseAnswers, reviewDeciders } from '../domain/review.js';
import { STEP } from './activity-options.js';
import { createApprovals } from './approval.js';
import { maintenanceStatusQuery, reviewWorkflowId, UpkeepModelId } from './definitions.js';
import { gateEvents } from './retrain-model.js';
import { createTrailWriter } from './trail-writer.js';

const { reviewRequest, resolveModel } = proxyActivities<Activities>({ ...STEP, startToCloseTimeout: '10 minutes' });

export interface ReviewModelInput {
  modelId: string;
}

export interface ReviewModelResult {
  modelId: string;
  /** fit / not-fit: attested (approve / reject); expired: nobody attested in time; not-due: nothing asked. */
  outcome: 'fit' | 'not-fit' | 'expired' | 'not-due';
  by?: string;
}

const refuse = (message: string): never => {
  throw ApplicationFailure.create({ type: 'InvalidRequest', nonRetryable: true, message });
};

export async function reviewModel(input: ReviewModelInput): Promise<ReviewModelResult> {
  const modelId = input && typeof input === 'object' ? input.modelId : undefined;
  if (typeof modelId !== 'string' || !MODEL_ID_PATTERN.test(modelId)) return refuse('review: expected { modelId } naming a model of the config');
  const info = workflowInfo();
  // Under another id a second request could wait beside the model's own.
  if (info.workflowId !== reviewWorkflowId(modelId))
    refuse(`review: model ${modelId} is reviewed by workflow ${reviewWorkflowId(modelId)}, not ${info.workflowId}`);
  upsertSearchAttributes([{ key: UpkeepModelId, value: modelId }]);
  const at = new Date(Date.now()).toISOString();
  // Due or not is the trail's and the config's answer, never the caller's.
  const facts = await reviewRequest({ modelId, at });
  if (!facts) return { modelId, outcome: 'not-due' };
  const model = await resolveModel({ modelId });
  const spec = model.spec;
  const policy = facts.policy;
  const deciders = reviewDeciders(spec.owner, policy);
  const trail = createTrailWriter(modelId);
  const version = model.version ?? model.artifactSha256.slice(0, 12);
  const standing = describeStanding(facts.standing);
  const evidenceLine = describeEvidenceSummary(facts.summary);
  const questions = policy.questions.map((q, i) => `${i + 1}. ${q}`).join('\n');
  const describe = (): string =>
    [
      `Periodic review of ${modelId} (version ${version}): ${standing}.`,
      ...(spec.intended_use ? [`Stated use: ${spec.intended_use}`] : []),
      `Evidence since ${facts.standing.since}: ${evidenceLine} (stored, sha256 ${facts.evidence.sha256}).`,
      ...(facts.chainProblems.length ? [`The audit chain did not verify (${facts.chainProblems.length} problems): the evidence says so.`] : []),
      'Attest that it is still fit for its stated use by approving with a comment that answers each question on its numbered line (reject, with a comment, if it is not):',
      questions,
    ].join('\n');
  const status: MaintenanceStatus = {
    modelId,
    kind: 'review',
    stage: 'awaiting-review',
    since: at,
    evidence: [{ source: 'manual', at, reason: `periodic review: ${standing}; ${evidenceLine}`, requestedBy: 'the review schedule' }],
    gates: [],
    champion: version,
  };
  const approvals = createApprovals(modelId, info.workflowId, gateEvents(trail, modelId, describe));
  setHandler(maintenanceStatusQuery, (): MaintenanceStatus => ({ ...status, gates: approvals.gates, ...(approvals.open ? { gate: approvals.open } : {}) }));

  trail.record('review-requested', `review asked of ${deciders.join(', ')}: ${standing}`, {
    details: {
      due: facts.standing.dueAt,
      since: facts.standing.since,
      unreviewedDays: facts.standing.unreviewedDays,
      every: policy.every,
      questions: policy.questions,
      reviewers: deciders,
      version,
      evidence: facts.evidence,
      summary: facts.summary,
      ...(facts.chainProblems.length ? { chainProblems: facts.chainProblems.length } : {}),
    },
  });
  const gate = await approvals.request({
    gate: 'review',
    approvers: deciders,
    notify: deciders,
    escalation: spec.approval.escalation,
    timing: policy,
    ...(spec.keys ? { keys: spec.keys } : {}),
    // A format-2 signature covers the version attested and the evidence shown.
    candidate: version,
    evidence: facts.evidence,
    questions: policy.questions,
  });
  status.stage = 'done';
  const d = gate.decision;
  if (!d) {
    await trail.close('periodic review expired unattested');
    return { modelId, outcome: 'expired' };
  }
  const outcome = d.decision === 'approve' ? 'fit' : 'not-fit';
  const answers = parseAnswers(policy.questions, d.comment).map((a, i) => ({ question: policy.questions[i]!, answer: a ?? null }));
  trail.record(
    'reviewed',
    `${d.approver} attested ${modelId} ${outcome === 'fit' ? 'still fit' : 'NOT fit'} for its stated use${d.proof ? ` (signed by ${d.proof.signer})` : ''}`,
    {
      actor: d.approver,
      ...(d.comment ? { comment: d.comment } : {}),
      details: {
        outcome,
        openedAt: gate.openedAt,
        at: d.at,
        version,
        answers,
        evidence: facts.evidence,
        summary: facts.summary,
        ...(d.proof ? { signer: d.proof.signer, proof: d.proof } : {}),
      },
    },
  );
  if (outcome === 'not-fit')
    trail.notify(
      'escalation',
      [...new Set([...deciders, ...spec.approval.escalation])],
      `${modelId}: attested NOT fit for its stated use by ${d.approver}`,
      `${d.comment ?? ''}\nThe review opened ${gate.openedAt}; decide what follows (a retrain, a rollback, retiring the model).`,
    );
  await trail.close(`periodic review: ${outcome}`);
  return { modelId, outcome, by: d.approver };
}
