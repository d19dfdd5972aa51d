/** What a retrain request leaves in the registry: the evidence its approvers saw, and how it ended. */
import type { LastRetrainRequest } from '../../domain/maintenance.js';
import { evidenceKey, lastRetrainRequestKey } from '../store/keys.js';
import type { ArtifactStore } from '../store/store.js';
import { sha256Hex } from '../util.js';

/**
 * Stores the evidence a request shows its approvers, content-addressed and write-once; returns its
 * sha256, which the gate asks signatures to cover. Storing it twice keeps the first copy.
 * `modelId` must be a model of the config (its id is then a safe key).
 */
export async function storeEvidence(store: ArtifactStore, modelId: string, evidence: Record<string, unknown>): Promise<{ uri: string; sha256: string }> {
  const bytes = new TextEncoder().encode(`${JSON.stringify(evidence, null, 2)}\n`);
  const sha256 = sha256Hex(bytes);
  const put = await store.put(evidenceKey(modelId, sha256), bytes, { ifAbsent: true });
  return { uri: put.uri, sha256 };
}

/** Records how the model's latest retrain request ended (evaluations wait a cooldown after it). */
export async function recordRetrainOutcome(store: ArtifactStore, outcome: LastRetrainRequest): Promise<void> {
  await store.put(lastRetrainRequestKey(outcome.modelId), `${JSON.stringify(outcome, null, 2)}\n`);
}

/** How the model's latest retrain request ended, if it had one. */
export async function readLastRetrainRequest(store: ArtifactStore, modelId: string): Promise<LastRetrainRequest | null> {
  const bytes = await store.tryGet(lastRetrainRequestKey(modelId));
  return bytes ? (JSON.parse(new TextDecoder().decode(bytes)) as LastRetrainRequest) : null;
}
