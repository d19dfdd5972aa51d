/**
 * handoverModel: hands a model's ownership to a new person (workflow id upkeep-handover-<model>),
 * who must accept it with a signed decision through the `decide` Update (gate "handover"): until
 * then the owner before stays accountable; a rejection or an expiry changes nothing. An accepted
 * handover is the trail's `handover-accepted` entry, which `who-was-watching` and `upkeep check`
 * read (docs/governance.md#handover).
 *
 * Anyone who may start workflows in the namespace can start this one, so it takes nothing from its
 * caller but the reference of a request that `upkeep handover`, `upkeep users remove` or the
 * watchdog staged in the store; an activity reads it back, checks its hash and claims it for this
 * run. A made-up or replayed request is refused before anything is recorded.
 */
import { ActivityFailure, ApplicationFailure, log, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { STEP } from './activity-options.js';
import { createApprovals } from './approval.js';
import { handoverWorkflowId, maintenanceStatusQuery, UpkeepModelId, type HandoverModelResult } from './definitions.js';
import { describeHandover, stagedHandoverProblem, type StagedHandover } from '../domain/handover.js';
import type { DecisionKeys } from '../domain/decision-keys.js';
import type { MaintenanceStatus } from '../domain/maintenance.js';
import { createTrailWriter } from './trail-writer.js';
import { gateEvents } from './retrain-model.js';

const { openHandover, handoverDeciders } = proxyActivities<Activities>({
  ...STEP,
  retry: { ...STEP.retry, nonRetryableErrorTypes: ['InvalidRequest', 'InvalidData', 'Unauthenticated', 'UnknownModel'] },
});

const refuse = (type: string, message: string): never => {
  log.warn(`handoverModel refused its input: ${message}`);
  throw ApplicationFailure.create({ type, nonRetryable: true, message });
};

export async function handoverModel(input: StagedHandover): Promise<HandoverModelResult> {
  const shape = stagedHandoverProblem(input);
  if (shape) refuse('Unauthenticated', `handover: ${shape}`);
  const { modelId } = input;
  const info = workflowInfo();
  if (info.workflowId !== handoverWorkflowId(modelId))
    refuse('InvalidRequest', `handover: model ${modelId} is handed over by workflow ${handoverWorkflowId(modelId)}, not ${info.workflowId}`);
  upsertSearchAttributes([{ key: UpkeepModelId, value: modelId }]);
  const trail = createTrailWriter(modelId);
  const status: MaintenanceStatus = { modelId, kind: 'handover', stage: 'awaiting-handover-acceptance', since: trail.now(), evidence: [], gates: [] };
  let describe = (): string => `handover of ${modelId}`;
  // The keys the gate checks signatures against: as opened, then as the config says after a refresh that changed them.
  let keys: DecisionKeys | undefined;
  let loaded: DecisionKeys | undefined;
  let to: string[] = [];
  const approvals = createApprovals(
    modelId,
    info.workflowId,
    gateEvents(trail, modelId, () => describe()),
    {
      load: async () => {
        const r = await handoverDeciders({ modelId, to });
        loaded = r.keys;
        return r;
      },
      onChange: (g, change) => {
        keys = loaded;
        trail.record('approvers-refreshed', `the handover request read the keys of who may accept again from the config: ${change}`, {
          details: { gate: g.gate, openedAt: g.openedAt, approvers: g.approvers, signaturesRequired: true },
        });
      },
    },
  );
  setHandler(maintenanceStatusQuery, (): MaintenanceStatus => ({ ...status, gates: approvals.gates, ...(approvals.open ? { gate: approvals.open } : {}) }));

  let opened;
  try {
    opened = await openHandover({ ref: input, workflowId: info.workflowId, runId: info.runId });
  } catch (err) {
    // Not staged, altered, claimed by another run, or not a model of the config: nothing is recorded.
    const cause = err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause : undefined;
    if (cause) refuse(cause.type ?? 'InvalidRequest', cause.message);
    throw err;
  }
  const { request, from } = opened;
  to = request.to;
  keys = opened.keys;
  describe = () => describeHandover(request, from);
  status.handover = {
    from,
    to: request.to,
    reason: request.reason,
    requestedBy: request.requestedBy,
    source: request.source,
    ...(request.left ? { left: request.left } : {}),
  };
  trail.record(
    'handover-requested',
    `handover of ${modelId} from ${from ?? 'nobody known'} to ${request.to.join(' or ')} requested by ${request.requestedBy}: ${request.reason}`,
    {
      actor: request.requestedBy,
      details: {
        from,
        to: request.to,
        reason: request.reason,
        source: request.source,
        ...(request.left ? { left: request.left } : {}),
        requestedAt: request.at,
        staged: input.sha256,
      },
    },
  );
  // The owner before is told (a departure's has left); those asked are asked.
  const told = [...new Set([...request.to, ...(from && request.source === 'manual' ? [from] : [])])];
  const gate = await approvals.request({
    gate: 'handover',
    approvers: request.to,
    notify: told,
    escalation: opened.escalation,
    timing: opened.timing,
    ...(keys ? { keys } : {}),
  });
  const d = gate.decision;
  const done = async (outcome: HandoverModelResult['outcome']): Promise<HandoverModelResult> => {
    status.stage = 'done';
    await trail.close(`handover ${outcome}`);
    return { modelId, outcome, from, ...(outcome === 'accepted' && d ? { to: d.approver } : {}), decisions: d ? [d] : [] };
  };
  if (gate.state !== 'approved' || !d?.proof) return done(gate.state === 'expired' ? 'expired' : 'rejected');
  // What was signed and the keys it was checked against: the trail alone proves the acceptance (engine/audit/owners.ts).
  trail.record('handover-accepted', `${d.approver} accepted the ownership of ${modelId} from ${from ?? 'nobody known'} (signed by ${d.proof.signer})`, {
    actor: d.approver,
    ...(d.comment ? { comment: d.comment } : {}),
    details: {
      from,
      to: d.approver,
      requestedBy: request.requestedBy,
      source: request.source,
      openedAt: gate.openedAt,
      signer: d.proof.signer,
      proof: d.proof,
      keys: keys ?? { people: {}, authenticators: {} },
    },
  });
  trail.notify(
    'decision',
    [...new Set([...told, ...opened.escalation])],
    `${modelId}: ${d.approver} is now its owner`,
    `${d.approver} accepted the handover from ${from ?? 'nobody known'} (signed by ${d.proof.signer}). The audit trail names ${d.approver} as the owner from ${d.at}; set owner: ${d.approver} for ${modelId} in the config (upkeep check reports it until then).`,
  );
  return done('accepted');
}
