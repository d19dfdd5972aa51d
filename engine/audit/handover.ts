/**
 * Handover requests in the store (docs/governance.md#handover): staged content-addressed by whoever
 * asks (the `upkeep handover` command, `upkeep users remove`, the watchdog), read back checked
 * against their hash and claimed by one workflow run. The handover workflow takes nothing but such
 * a reference, so someone who can start workflows but not write the store can neither make up a
 * request nor open the same one twice.
 */
import { createHash } from 'node:crypto';
import type { UpkeepConfig } from '../../domain/config.js';
import { handoverRequestProblem, type HandoverRequest, type StagedHandover } from '../../domain/handover.js';
import type { DecisionKeys } from '../../domain/decision-keys.js';
import { UpkeepError } from '../errors.js';
import { findModel, keysOfPeople } from '../config/load.js';
import { handoverClaimKey, stagedHandoverKey } from '../store/keys.js';
import type { ArtifactStore } from '../store/store.js';
import { readChain } from './chain.js';
import { readAuditTrail } from './read.js';
import { readOwnerAt, trailAsChain, type OwnerAt } from './owners.js';

const decode = (b: Uint8Array): string => new TextDecoder().decode(b);

/** Keeps the request in the store (checked first) and returns its reference. */
export async function stageHandover(store: ArtifactStore, request: HandoverRequest): Promise<StagedHandover> {
  const problem = handoverRequestProblem(request);
  if (problem) throw new UpkeepError('InvalidRequest', `handover of ${request.modelId}: ${problem}`);
  const bytes = `${JSON.stringify(request)}\n`;
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  await store.put(stagedHandoverKey(request.modelId, sha256), bytes, { ifAbsent: true });
  return { modelId: request.modelId, sha256 };
}

/**
 * The staged request, checked against its hash and its shape, and claimed for `runId`: a second run
 * started with the same reference is refused (a retry of the same run is not).
 */
export async function claimStagedHandover(store: ArtifactStore, ref: StagedHandover, run: { workflowId: string; runId: string }): Promise<HandoverRequest> {
  const key = stagedHandoverKey(ref.modelId, ref.sha256);
  const bytes = await store.tryGet(key);
  if (!bytes)
    throw new UpkeepError(
      'InvalidRequest',
      `model ${ref.modelId}: no handover request ${ref.sha256.slice(0, 12)} was staged (${key}): a handover workflow opens only a request that upkeep handover, users remove or the watchdog staged`,
    );
  if (createHash('sha256').update(bytes).digest('hex') !== ref.sha256)
    throw new UpkeepError('InvalidData', `${key} in the store does not hash to its name (altered)`);
  let request: HandoverRequest;
  try {
    request = JSON.parse(decode(bytes)) as HandoverRequest;
  } catch {
    throw new UpkeepError('InvalidData', `${key} in the store is not JSON`);
  }
  const problem = handoverRequestProblem(request);
  if (problem) throw new UpkeepError('InvalidData', `${key}: ${problem}`);
  if (request.modelId !== ref.modelId) throw new UpkeepError('InvalidData', `${key} is for model ${JSON.stringify(request.modelId)} (moved)`);
  const claim = { ...run, at: new Date().toISOString() };
  const put = await store.put(handoverClaimKey(ref.modelId, ref.sha256), `${JSON.stringify(claim)}\n`, { ifAbsent: true });
  if (!put.created) {
    const had = JSON.parse(decode(await store.get(handoverClaimKey(ref.modelId, ref.sha256)))) as { workflowId?: string; runId?: string; at?: string };
    if (had.runId !== run.runId)
      throw new UpkeepError(
        'InvalidRequest',
        `model ${ref.modelId}: the handover request ${ref.sha256.slice(0, 12)} was opened already, by run ${had.runId ?? '?'} of ${had.workflowId ?? '?'} at ${had.at ?? '?'}; ask again (upkeep handover) for a new request`,
      );
  }
  return request;
}

/**
 * Who owns the model at `at` according to its audit chain (the config's owner, or the last accepted
 * handover). `maintenanceOnly`: from the maintenance entries alone (config changes, requests,
 * handovers; no evaluations), for a fleet view that reads every model.
 */
export async function currentOwner(store: ArtifactStore, modelId: string, at = new Date(), o: { maintenanceOnly?: boolean } = {}): Promise<OwnerAt> {
  const chain = o.maintenanceOnly ? trailAsChain(await readAuditTrail(store, modelId)) : await readChain(store, modelId);
  return readOwnerAt(store, modelId, chain, at);
}

/**
 * The models `person` owns (the trail's owner, or the config's when the trail names none), for the
 * handover requests their departure opens; each with the owner the trail names.
 */
export async function modelsOwnedBy(store: ArtifactStore, config: UpkeepConfig, person: string): Promise<{ modelId: string; owner: OwnerAt }[]> {
  const out: { modelId: string; owner: OwnerAt }[] = [];
  for (const m of config.models) {
    // The maintenance entries say it (config changes and handovers): a fleet's evaluations are not read.
    const owner = await currentOwner(store, m.id, new Date(), { maintenanceOnly: true });
    if ((owner.owner ?? m.owner) === person) out.push({ modelId: m.id, owner });
  }
  return out;
}

/** The request a departure opens for one model: addressed to the platform contacts. */
export function departureRequest(modelId: string, left: string, platform: readonly string[], requestedBy: string, at: Date): HandoverRequest {
  return {
    modelId,
    to: [...new Set(platform)],
    reason: `${left}, the owner, is no longer in the directory of current people: one of the platform contacts takes the model over (and may hand it on with upkeep handover)`,
    requestedBy,
    source: 'departure',
    at: at.toISOString(),
    left,
  };
}

/** What a handover workflow needs to open its gate: the request, the owner now, the keys of who may accept, the people to tell. */
export interface OpenedHandover {
  request: HandoverRequest;
  /** The owner now (the trail's: the config's, or the last accepted handover's). */
  from: string | null;
  /** The public keys that may sign for the people asked (their own, or an authenticator's). */
  keys?: DecisionKeys;
  /** The platform contacts (watchdog.platform) and the model's escalation contacts: told on escalation and on the outcome. */
  escalation: string[];
  timing: { reminder_every: string; escalate_after: string; expire_after: string };
}

/** Claims the staged request for the run and reads what its gate needs; a request to hand the model to its owner is refused. */
export async function openHandover(
  store: ArtifactStore,
  config: UpkeepConfig & { name?: string },
  ref: StagedHandover,
  run: { workflowId: string; runId: string },
): Promise<OpenedHandover> {
  const spec = findModel(config, ref.modelId, config.name);
  const request = await claimStagedHandover(store, ref, run);
  const owner = await currentOwner(store, spec.id);
  const from = owner.owner ?? spec.owner;
  if (request.source === 'manual' && request.to[0] === from)
    throw new UpkeepError('InvalidRequest', `model ${spec.id}: ${from} owns it already (nothing to hand over)`);
  const keys = keysOfPeople(config, spec.id, request.to);
  return {
    request,
    from,
    ...(keys ? { keys } : {}),
    escalation: [...new Set([...spec.approval.escalation, ...config.watchdog.platform])],
    timing: { reminder_every: spec.approval.reminder_every, escalate_after: spec.approval.escalate_after, expire_after: spec.approval.expire_after },
  };
}
