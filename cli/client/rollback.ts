/**
 * Asking for a rollback: checked and signed before anything starts (the signature names the
 * champion it rolls back, its generation and the target), then the model's rollback request is
 * started; the caller waits for its outcome or watches its approval gate open. Part of the client
 * layer: returns values, throws, never prints.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { ModelSpec } from '../../domain/config.js';
import { UpkeepError } from '../../engine/errors.js';
import type { ArtifactStore } from '../../engine/store/store.js';
import { stakeholders, type MaintenanceStatus } from '../../domain/maintenance.js';
import { keysApply, proofProblem, rollbackAct, rollbackRequestId } from '../../domain/signature.js';
import { rollbackInputProblem } from '../../domain/inputs.js';
import { rollbackWorkflowId, type RollbackModelResult } from '../../workflows/definitions.js';
import type { rollbackModel } from '../../workflows/rollback-model.js';
import type { DecisionSigner } from './decisions.js';
import { failureMessage, queryStatus } from './requests.js';

export interface RollbackAsk {
  /** Who asks (for an emergency: the owner or an approver). */
  as: string;
  to?: string | undefined;
  reason?: string | undefined;
  emergency?: boolean | undefined;
}

/** A rollback checked and signed, ready to start. */
export interface PreparedRollback {
  modelId: string;
  workflowId: string;
  /** The owner and approvers: who decides it. */
  approvers: string[];
  input: Parameters<typeof rollbackModel>[0];
}

/**
 * The rollback `o` asks for, checked (an emergency needs an approver, the input's shape, the
 * signature wherever keys apply) and signed by `sign`, reading the current champion from `store`.
 */
export async function prepareRollback(spec: ModelSpec, store: ArtifactStore, o: RollbackAsk, sign: DecisionSigner): Promise<PreparedRollback> {
  const allowed = stakeholders(spec);
  if (o.emergency && !allowed.includes(o.as)) {
    throw new UpkeepError(
      'InvalidRequest',
      `model ${spec.id}: ${o.as} is not an approver of this model (approvers: ${allowed.join(', ')}); an emergency rollback needs one`,
    );
  }
  const workflowId = rollbackWorkflowId(spec.id);
  const reason = o.reason ?? 'rollback requested from the CLI';
  // The signature names the champion it rolls back, its generation and the target, so it cannot be
  // used again once the champion has changed, even if it comes back; the workflow checks the same,
  // and so does this, before anything starts.
  const { createRegistry } = await import('../../engine/registry/registry.js');
  const pointer = (await createRegistry(store).champion(spec.id))?.pointer;
  const request = rollbackRequestId(pointer?.version ?? '', o.to ?? pointer?.previous ?? '', pointer?.generation);
  const act = rollbackAct({ requestedBy: o.as, reason, emergency: !!o.emergency });
  const proof = sign(act, { model: spec.id, workflow: workflowId, request }, keysApply(spec.keys, allowed));
  const shape = rollbackInputProblem({ modelId: spec.id, ...(o.to ? { to: o.to } : {}), reason, requestedBy: o.as });
  if (shape)
    throw new UpkeepError(
      'InvalidRequest',
      `rollback ${spec.id}: ${shape
        .replace(/^reason\b/, '--reason')
        .replace(/^requestedBy\b/, '--as')
        .replace(/^to\b/, '--to')}`,
    );
  const problem = proofProblem(act, proof, { model: spec.id, workflow: workflowId, request, now: Date.now(), keys: spec.keys, deciders: allowed });
  if (problem) throw new UpkeepError('InvalidRequest', problem);
  return {
    modelId: spec.id,
    workflowId,
    approvers: allowed,
    input: { modelId: spec.id, ...(o.to ? { to: o.to } : {}), reason, requestedBy: o.as, emergency: !!o.emergency, ...(proof ? { proof } : {}) },
  };
}

/** What became of a rollback request while it was watched. */
export type GateWatch = { state: 'closed' } | { state: 'waiting'; status: MaintenanceStatus } | { state: 'not-yet' };

/** A started rollback request. */
export interface RollbackRequest {
  workflowId: string;
  /** Waits for the request to finish: a rollback done, else an UpkeepError saying why nothing changed. */
  outcome(): Promise<RollbackModelResult>;
  /** Watches up to `ms` for the approval gate to open: waiting (with the status), closed already, or not yet. */
  watchGate(ms: number, everyMs?: number): Promise<GateWatch>;
}

/** Starts a prepared rollback on `taskQueue`; one already running is an UpkeepError. */
export async function startRollback(client: Client, taskQueue: string, p: PreparedRollback): Promise<RollbackRequest> {
  const { modelId, workflowId } = p;
  let handle: WorkflowHandle<typeof rollbackModel>;
  try {
    handle = await client.workflow.start<typeof rollbackModel>('rollbackModel', { workflowId, taskQueue, args: [p.input] });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      throw new UpkeepError(
        'InvalidRequest',
        `a rollback of ${modelId} is already running (workflow ${workflowId}): see upkeep approvals list --model ${modelId}`,
      );
    }
    throw err;
  }
  return {
    workflowId,
    async outcome() {
      let r: RollbackModelResult;
      try {
        r = await handle.result();
      } catch (err) {
        if (err instanceof WorkflowFailedError) throw new UpkeepError('InvalidRequest', `rollback of ${modelId} failed: ${failureMessage(err)}`);
        throw err;
      }
      if (r.outcome === 'rolled-back') return r;
      const by = decidedBy(r);
      if (r.outcome === 'rejected')
        throw new UpkeepError('InvalidRequest', `rollback of ${modelId} from ${r.from} to ${r.to} was rejected by ${by || 'an approver'}`);
      if (r.outcome === 'expired')
        throw new UpkeepError('InvalidRequest', `rollback of ${modelId} from ${r.from} to ${r.to} expired without a decision; nothing was changed`);
      throw new UpkeepError(
        'ChampionChanged',
        `rollback of ${modelId} refused: the champion changed while the request waited (it was ${r.from}); nothing was changed`,
      );
    },
    async watchGate(ms, everyMs = 500) {
      const until = Date.now() + ms;
      for (;;) {
        const d = await handle.describe();
        if (d.status.name !== 'RUNNING') return { state: 'closed' };
        const status = await queryStatus(client, handle).catch(() => undefined);
        if (status?.gate) return { state: 'waiting', status };
        if (Date.now() >= until) return { state: 'not-yet' };
        await new Promise((resolve) => setTimeout(resolve, everyMs));
      }
    },
  };
}

/** Who decided a rollback: `approver (comment), …`, '' when nobody did. */
export const decidedBy = (r: RollbackModelResult): string => r.decisions.map((d) => `${d.approver}${d.comment ? ` (${d.comment})` : ''}`).join(', ');
