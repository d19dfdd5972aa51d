/**
 * Which version of a model runs: the champion the registry points to, else the config's artifact
 * (copied into the store and registered on first use); rollback targets; moving the pointer.
 */
import type { ModelSpec } from '../../domain/config.js';
import type { ResolvedModel } from '../../domain/evaluation.js';
import { resolveLimits } from '../../domain/limits.js';
import type { Decision } from '../../domain/maintenance.js';
import type { DecisionProof } from '../../domain/signature.js';
import type { DataSource } from '../data/source.js';
import { UpkeepError } from '../errors.js';
import { readModelFile } from '../evaluation/model-file.js';
import { readOnnxGraphFacts } from '../evaluation/onnx-graph.js';
import { artifactKey, profileKey } from '../store/keys.js';
import type { ArtifactStore } from '../store/store.js';
import { sha256Hex } from '../util.js';
import { createRegistry, versionId } from './registry.js';
import type { ChampionPointer, ModelVersion } from './types.js';

/** What resolving a model reads: the store (registry, copies) and the data source (the config's artifact and reference). */
export interface ChampionPorts {
  store: ArtifactStore;
  data: DataSource;
}

/** The config's artifact, copied into the store and registered as a version (idempotent). */
export async function registerConfigArtifact(ports: ChampionPorts, s: ModelSpec): Promise<ModelVersion> {
  const { store } = ports;
  const registry = createRegistry(store);
  const bytes = await readModelFile(ports.data, s.artifact, { what: `model ${s.id}: artifact`, maxBytes: resolveLimits(s.limits).max_model_bytes });
  if (!bytes) throw new UpkeepError('InvalidModel', `model ${s.id}: artifact ${s.artifact} does not exist`);
  try {
    readOnnxGraphFacts(bytes);
  } catch (err) {
    // Worded like the evaluation's own check (engine/evaluation/model.ts).
    throw new UpkeepError(
      'InvalidModel',
      `model ${s.id} (${s.artifact.slice(s.artifact.lastIndexOf('/') + 1)}): not a readable ONNX model (${(err as Error).message}); nothing was stored or registered`,
    );
  }
  const sha256 = sha256Hex(bytes);
  // One content-addressed copy, written once: when the store holds it, nothing is written (an
  // evaluation needs no write access to models/; the evaluation checks the copy's sha256 as it reads it)
  const key = artifactKey(s.id, sha256);
  if (!(await store.exists(key))) await store.put(key, bytes, { ifAbsent: true });
  const existing = await registry.version(s.id, versionId(sha256));
  if (existing) return existing;
  return registry.register({
    modelId: s.id,
    version: versionId(sha256),
    sha256,
    artifactUri: store.uriFor(key),
    bytes: bytes.byteLength,
    createdAt: new Date().toISOString(),
    source: 'config',
    ...(Object.keys(s.baseline).length > 0 ? { baseline: s.baseline } : {}),
  });
}

async function resolved(ports: ChampionPorts, s: ModelSpec, v: ModelVersion, pointer: ChampionPointer | undefined): Promise<ResolvedModel> {
  const generation = pointer?.generation ?? 0;
  let referenceUri: string | undefined;
  if (typeof s.reference === 'string' && v.source === 'config') {
    if (!(await ports.data.read(s.reference, { what: `model ${s.id}: reference profile` })))
      throw new UpkeepError('InvalidConfig', `model ${s.id}: reference profile ${s.reference} does not exist`);
    referenceUri = s.reference;
  } else if (v.referenceUri) {
    referenceUri = v.referenceUri;
  } else {
    const key = profileKey(s.id, v.sha256);
    if (await ports.store.exists(key)) referenceUri = ports.store.uriFor(key);
  }
  const baseline = pointer?.version === v.version && pointer.baseline ? pointer.baseline : v.source === 'config' ? s.baseline : (v.baseline ?? {});
  return {
    modelId: s.id,
    spec: s,
    artifactUri: v.artifactUri,
    artifactSha256: v.sha256,
    artifactBytes: v.bytes,
    version: v.version,
    baseline,
    generation,
    source: v.source,
    // The version the champion pointer names (without one, the config's artifact) served the logged outputs.
    ...((pointer ? pointer.version === v.version : v.source === 'config') ? {} : { champion: false as const }),
    ...(referenceUri ? { referenceUri } : {}),
  };
}

/** The champion's immutable, content-addressed artifact: the registry's once a version was promoted, else the config's. */
export async function resolveChampion(ports: ChampionPorts, s: ModelSpec): Promise<ResolvedModel> {
  const registry = createRegistry(ports.store);
  const champion = await registry.champion(s.id);
  if (champion) return resolved(ports, s, await registry.mustVersion(s.id, champion.pointer.version), champion.pointer);
  return resolved(ports, s, await registerConfigArtifact(ports, s), undefined);
}

/** A registered version, resolved for evaluation (a candidate or a rollback target). */
export async function resolveVersion(ports: ChampionPorts, s: ModelSpec, version: string): Promise<ResolvedModel> {
  const registry = createRegistry(ports.store);
  const champion = await registry.champion(s.id);
  return resolved(ports, s, await registry.mustVersion(s.id, version), champion?.pointer);
}

export interface RollbackTarget {
  from: string;
  to: string;
  baseline: Record<string, number>;
  generation: number;
}

/** The version a rollback restores: `to`, or the champion before the current one. */
export async function rollbackTarget(store: ArtifactStore, s: ModelSpec, requested?: string): Promise<RollbackTarget> {
  const registry = createRegistry(store);
  const champion = await registry.champion(s.id);
  if (!champion) throw new UpkeepError('InvalidRequest', `model ${s.id}: nothing was ever promoted, so there is nothing to roll back`);
  const from = champion.pointer.version;
  const to = requested ?? champion.pointer.previous;
  if (!to) throw new UpkeepError('InvalidRequest', `model ${s.id}: there is no earlier champion to roll back to; name one with --to <version>`);
  const target = await registry.mustVersion(s.id, to);
  if (to === from) throw new UpkeepError('InvalidRequest', `model ${s.id}: version ${from} is already the champion`);
  // Only a version that has been champion (or the config's artifact) can come back without
  // the comparison and approvals a promotion needs.
  const history = await registry.history(s.id);
  const last = history.filter((p) => p.version === to).pop();
  const wasChampion = last !== undefined || history.some((p) => p.previous === to);
  if (!wasChampion && target.source !== 'config') {
    throw new UpkeepError(
      'InvalidRequest',
      `model ${s.id}: version ${to} has never been champion; a candidate reaches production only through a retrain request's comparison and promotion`,
    );
  }
  // The baseline it had when it last was champion.
  const baseline = last?.baseline ?? (target.source === 'config' ? s.baseline : (target.baseline ?? {}));
  return { from, to, baseline, generation: champion.pointer.generation };
}

/** A change of champion, as a promotion or rollback workflow asks for it. */
export interface ChampionChange {
  modelId: string;
  version: string;
  expected: string;
  change: 'promotion' | 'rollback';
  at: string;
  workflow: { workflowId: string; runId: string };
  approvals: Decision[];
  reason: string;
  emergency?: { by: string; reason: string; proof?: DecisionProof };
  baseline?: Record<string, number>;
}

/**
 * Moves the champion pointer from `expected` to `version` by compare-and-swap. A retry of the
 * same workflow run finds its own change already made and returns it.
 */
export async function setChampion(ports: ChampionPorts, s: ModelSpec, input: ChampionChange): Promise<ChampionPointer> {
  const registry = createRegistry(ports.store);
  const target = await registry.mustVersion(s.id, input.version);
  // The config's artifact is the running version only while nothing was promoted.
  const config = (await registry.champion(s.id)) ? undefined : await registerConfigArtifact(ports, s);
  return registry.swapChampion(
    {
      modelId: s.id,
      version: target.version,
      sha256: target.sha256,
      since: input.at,
      change: input.change,
      workflow: input.workflow,
      approvals: input.approvals,
      reason: input.reason,
      ...(input.emergency ? { emergency: input.emergency } : {}),
      ...(input.baseline ? { baseline: input.baseline } : {}),
    },
    input.expected,
    config?.version,
  );
}
