/**
 * rollbackModel: restores an earlier champion (workflow id upkeep-rollback-<model>), through the
 * same approval gate as a promotion, or at once when a listed approver declares an emergency.
 * Either way the change, who asked and why are in the audit trail.
 */
import { ActivityFailure, ApplicationFailure, patched, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { STEP } from './activity-options.js';
import { createApprovals } from './approval.js';
import { maintenanceStatusQuery, rollbackWorkflowId, UpkeepModelId, type RollbackModelInput, type RollbackModelResult } from './definitions.js';
import { stakeholders, type Decision, type MaintenanceStatus } from '../domain/maintenance.js';
import { rollbackInputProblem } from '../domain/inputs.js';
import { keysApply, proofProblem, rollbackAct, rollbackRequestId } from '../domain/signature.js';
import { createTrailWriter } from './trail-writer.js';
import { approverRefresh, gateEvents } from './retrain-model.js';

const { resolveModel, rollbackTarget, setChampion } = proxyActivities<Activities>(STEP);

export async function rollbackModel(input: RollbackModelInput): Promise<RollbackModelResult> {
  const shape = rollbackInputProblem(input);
  if (shape) throw ApplicationFailure.create({ type: 'InvalidRequest', nonRetryable: true, message: `rollback: ${shape}` });
  const { modelId } = input;
  const info = workflowInfo();
  // Under another id (e.g. the model's retrain id) a waiting rollback would squat that id: the
  // evaluations' retrain requests would be signalled to it and lost.
  if (info.workflowId !== rollbackWorkflowId(modelId)) {
    throw ApplicationFailure.create({
      type: 'InvalidRequest',
      nonRetryable: true,
      message: `rollback: model ${modelId} is rolled back by workflow ${rollbackWorkflowId(modelId)}, not ${info.workflowId}`,
    });
  }
  upsertSearchAttributes([{ key: UpkeepModelId, value: modelId }]);
  const trail = createTrailWriter(modelId);
  const request = { source: 'manual' as const, at: trail.now(), reason: input.reason, requestedBy: input.requestedBy };
  const status: MaintenanceStatus = { modelId, kind: 'rollback', stage: 'awaiting-rollback-approval', since: trail.now(), evidence: [request], gates: [] };
  const describe = (): string => `Rollback requested by ${input.requestedBy}: ${input.reason}`;
  const approvals = createApprovals(modelId, info.workflowId, gateEvents(trail, modelId, describe), approverRefresh(trail, modelId, resolveModel));
  setHandler(maintenanceStatusQuery, (): MaintenanceStatus => ({ ...status, gates: approvals.gates, ...(approvals.open ? { gate: approvals.open } : {}) }));

  const model = await resolveModel({ modelId });
  const people = stakeholders(model.spec);
  const { from, to, baseline, generation } = await rollbackTarget({ modelId, ...(input.to ? { to: input.to } : {}) });
  // Requests signed before the generation was part of the request identity replay as they ran.
  const requestId = patched('rollback-generation') ? rollbackRequestId(from, to, generation) : rollbackRequestId(from, to);
  status.champion = from;
  status.target = to;
  // A signature is kept only when it was verified (the model has keys).
  const proof = keysApply(model.spec.keys, people) ? input.proof : undefined;
  const unproven = proofProblem(rollbackAct(input), input.proof, {
    model: modelId,
    workflow: info.workflowId,
    request: requestId,
    now: Date.now(),
    keys: model.spec.keys,
    deciders: people,
  });
  if (unproven) {
    trail.record('failure', `rollback request refused: ${unproven}`, { actor: input.requestedBy });
    await trail.flush();
    throw ApplicationFailure.create({ type: 'Unauthenticated', nonRetryable: true, message: unproven });
  }
  // What was signed (reason, emergency) and the keys in force, so that the trail alone can check the signature later.
  trail.record('rollback-requested', `rollback from ${from} to ${to} requested${input.emergency ? ' as an emergency' : ''}: ${input.reason}`, {
    actor: input.requestedBy,
    details: {
      from,
      to,
      reason: input.reason,
      emergency: Boolean(input.emergency),
      keys: model.spec.keys ?? { people: {}, authenticators: {} },
      ...(proof ? { signer: proof.signer, proof } : {}),
    },
  });

  const decisions: Decision[] = [];
  const done = async (outcome: RollbackModelResult['outcome']): Promise<RollbackModelResult> => {
    status.stage = 'done';
    await trail.close(`rollback ${outcome}`);
    return { modelId, outcome, from, to, decisions };
  };

  if (input.emergency) {
    if (!people.includes(input.requestedBy)) {
      trail.record('failure', `emergency rollback refused: ${input.requestedBy} is not an approver`, { actor: input.requestedBy });
      await trail.flush();
      throw ApplicationFailure.create({
        type: 'NotAnApprover',
        nonRetryable: true,
        message: `model ${modelId}: ${input.requestedBy} is not an approver of this model (approvers: ${people.join(', ')}); an emergency rollback needs one`,
      });
    }
  } else {
    const gate = await approvals.request({
      gate: 'rollback',
      approvers: people,
      notify: people,
      escalation: model.spec.approval.escalation,
      timing: model.spec.approval,
      ...(model.spec.keys ? { keys: model.spec.keys } : {}),
    });
    if (gate.decision) decisions.push(gate.decision);
    if (gate.state !== 'approved') return done(gate.state === 'expired' ? 'expired' : 'rejected');
  }

  status.stage = 'promoting';
  try {
    await setChampion({
      modelId,
      version: to,
      expected: from,
      change: 'rollback',
      at: trail.now(),
      workflow: { workflowId: info.workflowId, runId: info.runId },
      approvals: decisions,
      reason: input.reason,
      baseline,
      ...(input.emergency ? { emergency: { by: input.requestedBy, reason: input.reason, ...(proof ? { proof } : {}) } } : {}),
    });
  } catch (err) {
    if (!(err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === 'ChampionChanged')) throw err;
    trail.record('failure', `rollback refused: ${err.cause.message}`);
    return done('champion-changed');
  }
  status.champion = to;
  const how = input.emergency ? `emergency rollback by ${input.requestedBy}` : `approved by ${decisions.map((d) => d.approver).join(', ')}`;
  trail.record('rolled-back', `rolled back from ${from} to ${to} (${how}): ${input.reason}`, {
    actor: input.emergency ? input.requestedBy : decisions[0]?.approver,
    details: { from, to, emergency: Boolean(input.emergency) },
  });
  trail.notify(
    'rolled-back',
    [...people, ...model.spec.approval.escalation],
    `${modelId}: rolled back from ${from} to ${to}`,
    `${how}. Reason: ${input.reason}`,
  );
  return done('rolled-back');
}
