/**
 * Decisions on maintenance requests: the request is found once (openRequests), the decision is
 * signed and sent through the workflow's `decide` Update, and a refusal comes back as a clear
 * UpkeepError. Part of the client layer: returns values, throws, never prints.
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError, type Client } from '@temporalio/client';
import { UpkeepError } from '../../engine/errors.js';
import type { RefusedDecision } from '../../engine/audit/access.js';
import type { GateStatus } from '../../domain/maintenance.js';
import type { DecisionProof, SignedAct } from '../../domain/signature.js';
import { decideUpdate } from '../../workflows/definitions.js';
import { failureMessage, openRequests, type OpenRequest } from './requests.js';

/** Who signs a decision: given the act and where it applies, a proof, or undefined (unsigned). */
export type DecisionSigner = (
  act: SignedAct,
  where: Omit<DecisionProof, 'signer' | 'at' | 'nonce' | 'signature'>,
  required: boolean,
) => DecisionProof | undefined;

/** A decision as a person makes it; `evidence`, the sha256 they looked at ('' for none), pins the request's evidence. */
export interface Decision {
  decision: 'approve' | 'reject';
  approver: string;
  comment?: string | undefined;
  gate?: string | undefined;
  evidence?: string | undefined;
}

/** What the workflow answered: the gate after the decision. */
export interface DecisionResult {
  gate: GateStatus;
  workflowId: string;
  signed: boolean;
  evidence?: { uri: string; sha256: string } | undefined;
  candidate?: string | undefined;
}

/** Told of a refusal by the workflow's validator before it is thrown (to record it: engine/audit/access.ts). */
export type RefusalRecorder = (r: Omit<RefusedDecision, 'via' | 'at'>) => Promise<void>;

/**
 * The request a decision is for: the one of `gate`, or the only one open (one lookup, see
 * openRequests); otherwise an UpkeepError that names the requests that are open.
 */
export async function findDecisionRequest(client: Client, modelId: string, gate: string | undefined): Promise<OpenRequest> {
  const open = await openRequests(client, modelId, { gate });
  if (open.length === 1) return open[0]!;
  if (gate) {
    // Nothing to decide: the other requests are looked up only to name them.
    const names = (await openRequests(client, modelId)).map((r) => r.gate.gate).join(', ');
    throw new UpkeepError('InvalidRequest', `no ${gate} request for ${modelId} is waiting for a decision${names ? ` (open: ${names})` : ''}`);
  }
  if (open.length === 0) throw new UpkeepError('InvalidRequest', `no request for ${modelId} is waiting for a decision (see upkeep approvals list)`);
  throw new UpkeepError(
    'InvalidRequest',
    `several requests for ${modelId} wait for a decision (${open.map((r) => r.gate.gate).join(', ')}): say which with --gate`,
  );
}

/**
 * Sends a decision on a request found by openRequests or findDecisionRequest (no second lookup)
 * through the workflow's Update; the validator's refusal comes back as a clear UpkeepError, after
 * `onRefused` was told.
 */
export async function sendDecision(
  open: OpenRequest,
  modelId: string,
  o: Decision,
  sign: DecisionSigner,
  onRefused?: RefusalRecorder,
): Promise<DecisionResult> {
  const shown = open.gate.evidence;
  // The evidence the person looked at (approvals list, the inbox page) must be the request's now.
  if (o.evidence !== undefined && o.evidence !== (shown?.sha256 ?? '')) {
    throw new UpkeepError(
      'InvalidRequest',
      `the ${open.gate.gate} request of ${modelId} shows other evidence now (sha256 ${shown?.sha256 ?? 'none'}) than the one given (${o.evidence || 'none'}): look at it again (upkeep approvals list --model ${modelId})`,
    );
  }
  const act = { gate: open.gate.gate, decision: o.decision, approver: o.approver, ...(o.comment ? { comment: o.comment } : {}) };
  // Format 2 (docs/signed-decisions.md) wherever the gate stored its evidence: the signature covers
  // the candidate and the evidence's sha256.
  const where = {
    model: modelId,
    workflow: open.handle.workflowId,
    request: open.gate.openedAt,
    ...(shown ? { candidate: open.gate.candidate ?? '', evidence: shown.sha256 } : {}),
  };
  const proof = sign(act, where, open.gate.signaturesRequired === true);
  try {
    const gate = await open.handle.executeUpdate(decideUpdate, { args: [{ ...act, ...(proof ? { proof } : {}) }] });
    return { gate, workflowId: open.handle.workflowId, signed: proof !== undefined, ...(shown ? { evidence: shown, candidate: open.gate.candidate } : {}) };
  } catch (err) {
    // The validator's refusal (not an approver, no comment, already decided, …) comes back as the cause.
    if (err instanceof WorkflowUpdateFailedError) {
      const why = failureMessage(err);
      await onRefused?.({
        modelId,
        workflowId: open.handle.workflowId,
        gate: open.gate.gate,
        request: open.gate.openedAt,
        decision: o.decision,
        claimedBy: o.approver,
        signer: proof?.signer,
        nonce: proof?.nonce,
        why,
        comment: o.comment,
      });
      throw new UpkeepError('InvalidRequest', why);
    }
    if (err instanceof WorkflowNotFoundError)
      throw new UpkeepError('InvalidRequest', `the ${open.gate.gate} request of ${modelId} closed before the decision arrived (see upkeep card ${modelId})`);
    if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError)
      throw new UpkeepError(
        'InvalidRequest',
        `the decision on ${modelId} was not confirmed in time: is a worker running? Check with upkeep approvals list --model ${modelId}`,
      );
    throw err;
  }
}

/** A decision on the model's open request (the one of `o.gate`, or the only one): findDecisionRequest, then sendDecision. */
export async function submitDecision(client: Client, modelId: string, o: Decision, sign: DecisionSigner, onRefused?: RefusalRecorder): Promise<DecisionResult> {
  return sendDecision(await findDecisionRequest(client, modelId, o.gate), modelId, o, sign, onRefused);
}
