/**
 * Every decision a fault test makes goes through here, so the tests follow the decision format in
 * one place. With a signer, the decision is signed as `upkeep approve` signs it: over the model,
 * the workflow, the open gate's opening time, the time and a fresh nonce (and the candidate and
 * the evidence's sha256 when the gate shows stored evidence).
 */
import { randomBytes } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import type { DecisionInput, MaintenanceStage, MaintenanceStatus } from '../../domain/maintenance.js';
import { waitFor } from './wait.js';
import { newNonce, signDecision } from '../../domain/signature.js';
import { decideUpdate, maintenanceStatusQuery } from '../../workflows/definitions.js';

export interface Signer {
  modelId: string;
  /** The approver's private key (hex), e.g. from newKeyPair(). */
  secretKey: string;
}

/** Sends a decision through the workflow's Update (what `upkeep approve` / `reject` do). */
export async function decide(handle: WorkflowHandle, input: DecisionInput, signer?: Signer): Promise<unknown> {
  if (!signer) return handle.executeUpdate(decideUpdate, { args: [input] });
  const status: MaintenanceStatus = await handle.query(maintenanceStatusQuery);
  if (!status.gate) throw new Error(`no gate is open on ${handle.workflowId}`);
  const proof = signDecision(
    input,
    {
      model: signer.modelId,
      workflow: handle.workflowId,
      request: status.gate.openedAt,
      // Format 2 where the gate stored the evidence it shows (a promotion): over the candidate and its sha256.
      ...(status.gate.evidence ? { candidate: status.gate.candidate ?? '', evidence: status.gate.evidence.sha256 } : {}),
      signer: input.approver,
      at: new Date().toISOString(),
      nonce: newNonce((n) => randomBytes(n)),
    },
    signer.secretKey,
  );
  return handle.executeUpdate(decideUpdate, { args: [{ ...input, proof }] });
}

/** Waits for a maintenance workflow's stage; an awaiting stage counts once its gate is open. */
export function atStage(h: WorkflowHandle, stage: MaintenanceStage, timeoutMs = 120_000): Promise<MaintenanceStatus> {
  return waitFor(
    `stage ${stage}`,
    async () => {
      const s: MaintenanceStatus = await h.query(maintenanceStatusQuery);
      return s.stage === stage && (s.gate || !stage.startsWith('awaiting')) ? s : undefined;
    },
    { timeoutMs, intervalMs: 500, ignoreErrors: true },
  );
}
