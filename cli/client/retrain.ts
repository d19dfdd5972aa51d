/**
 * Asking for a retrain: the evidence checked before anything is sent, then signal-with-start of
 * the model's retrain request. Part of the client layer: returns values, throws, never prints.
 */
import type { Client } from '@temporalio/client';
import type { ModelSpec } from '../../domain/config.js';
import { UpkeepError } from '../../engine/errors.js';
import { noTrainerMessage, type RetrainEvidence } from '../../domain/maintenance.js';
import { evidenceProblem } from '../../domain/inputs.js';
import { attachEvidenceSignal, retrainWorkflowId } from '../../workflows/definitions.js';
import type { retrainModel } from '../../workflows/retrain-model.js';
import { running } from './requests.js';

/**
 * A person's reason to retrain, as the workflow takes it, or an UpkeepError naming the option at
 * fault (`configName` names the config file when the model has no trainer). Checked before
 * anything starts: without a trainer there is nothing to retrain with.
 */
export function manualEvidence(spec: ModelSpec, configName: string, o: { reason: string; requestedBy: string; at: Date }): RetrainEvidence {
  if (!spec.retrain.trainer) throw new UpkeepError('NoTrainer', `retrain ${spec.id}: ${noTrainerMessage(spec.id, configName)}`);
  const evidence: RetrainEvidence = { source: 'manual', at: o.at.toISOString(), reason: o.reason, requestedBy: o.requestedBy };
  // The workflow drops malformed evidence; say so here instead of sending it.
  const bad = evidenceProblem(evidence);
  if (bad) throw new UpkeepError('InvalidRequest', `retrain ${spec.id}: ${bad.replace(/^reason\b/, '--reason').replace(/^requestedBy\b/, '--as')}`);
  return evidence;
}

/** Sends the evidence to the model's retrain request, starting one when none runs; `attached` when one was pending. */
export async function requestRetrain(
  client: Client,
  modelId: string,
  evidence: RetrainEvidence,
  taskQueue: string,
): Promise<{ workflowId: string; attached: boolean }> {
  const workflowId = retrainWorkflowId(modelId);
  // A request is pending when a run of the id is running; signal-with-start signals that run.
  const pending = await running(client, workflowId);
  const handle = await client.workflow.signalWithStart<typeof retrainModel, [RetrainEvidence]>('retrainModel', {
    workflowId,
    taskQueue,
    args: [{ modelId }],
    signal: attachEvidenceSignal,
    signalArgs: [evidence],
  });
  return { workflowId, attached: pending !== undefined && pending.runId === handle.signaledRunId };
}
