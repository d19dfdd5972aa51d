import { findModel } from '../engine/config/load.js';
import type { ModelSpec } from '../domain/config.js';
import { UpkeepError } from '../engine/errors.js';
import { readModelFile } from '../engine/evaluation/model-file.js';
import { readOnnxGraphFacts } from '../engine/evaluation/onnx-graph.js';
import { resolveLimits } from '../domain/limits.js';
import { sha256Hex } from '../engine/util.js';
import type { ActivityDeps } from './deps.js';
import type { Decision, LastRetrainRequest } from '../domain/maintenance.js';
import type { DecisionProof } from '../domain/signature.js';
import type { ResolvedModel } from '../domain/evaluation.js';
import { artifactKey, evidenceKey, lastRetrainRequestKey, profileKey } from '../engine/store/keys.js';
import { createRegistry, versionId } from '../engine/registry/registry.js';
import type { ChampionPointer, ModelVersion } from '../engine/registry/types.js';

export function createRegistryActivities(deps: Pick<ActivityDeps, 'loadConfig' | 'store' | 'data'>) {
  const registry = createRegistry(deps.store);

  const spec = async (modelId: string): Promise<ModelSpec> => {
    const config = await deps.loadConfig();
    return findModel(config, modelId, config.name);
  };

  /** The config's artifact, copied into the store and registered as a version (idempotent). */
  const configVersion = async (s: ModelSpec): Promise<ModelVersion> => {
    const bytes = await readModelFile(deps.data, s.artifact, { what: `model ${s.id}: artifact`, maxBytes: resolveLimits(s.limits).max_model_bytes });
    if (!bytes) throw new UpkeepError('InvalidModel', `model ${s.id}: artifact ${s.artifact} does not exist`);
    try {
      readOnnxGraphFacts(bytes);
    } catch (err) {
      // Worded like the evaluation's own check (engine/evaluation/model.ts).
      throw new UpkeepError('InvalidModel', `model ${s.id} (${s.artifact.slice(s.artifact.lastIndexOf('/') + 1)}): not a readable ONNX model (${(err as Error).message}); nothing was stored or registered`);
    }
    const sha256 = sha256Hex(bytes);
    // One content-addressed copy, written once: when the store holds it, nothing is written (an
    // evaluation needs no write access to models/; the evaluation checks the copy's sha256 as it reads it)
    const key = artifactKey(s.id, sha256);
    if (!(await deps.store.exists(key))) await deps.store.put(key, bytes, { ifAbsent: true });
    const existing = await registry.version(s.id, versionId(sha256));
    if (existing) return existing;
    return registry.register({
      modelId: s.id,
      version: versionId(sha256),
      sha256,
      artifactUri: deps.store.uriFor(key),
      bytes: bytes.byteLength,
      createdAt: new Date().toISOString(),
      source: 'config',
      ...(Object.keys(s.baseline).length > 0 ? { baseline: s.baseline } : {}),
    });
  };

  const resolved = async (s: ModelSpec, v: ModelVersion, pointer: ChampionPointer | undefined): Promise<ResolvedModel> => {
    const generation = pointer?.generation ?? 0;
    let referenceUri: string | undefined;
    if (s.reference && v.source === 'config') {
      if (!(await deps.data.read(s.reference, { what: `model ${s.id}: reference profile` }))) throw new UpkeepError('InvalidConfig', `model ${s.id}: reference profile ${s.reference} does not exist`);
      referenceUri = s.reference;
    } else if (v.referenceUri) {
      referenceUri = v.referenceUri;
    } else {
      const key = profileKey(s.id, v.sha256);
      if (await deps.store.exists(key)) referenceUri = deps.store.uriFor(key);
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
      ...(referenceUri ? { referenceUri } : {}),
    };
  };

  return {
    /**
     * Resolves a model id to its validated spec and the champion's immutable, content-addressed
     * ONNX artifact: the registry's champion once a version was promoted, else the config's artifact.
     */
    async resolveModel(input: { modelId: string }): Promise<ResolvedModel> {
      const s = await spec(input.modelId);
      const champion = await registry.champion(s.id);
      if (champion) return resolved(s, await registry.mustVersion(s.id, champion.pointer.version), champion.pointer);
      return resolved(s, await configVersion(s), undefined);
    },

    /** A registered version of the model, resolved for evaluation (a candidate or a rollback target). */
    async resolveVersion(input: { modelId: string; version: string }): Promise<ResolvedModel> {
      const s = await spec(input.modelId);
      const champion = await registry.champion(s.id);
      return resolved(s, await registry.mustVersion(s.id, input.version), champion?.pointer);
    },

    /** The version a rollback restores: `to`, or the champion before the current one. */
    async rollbackTarget(input: { modelId: string; to?: string }): Promise<{ from: string; to: string; baseline: Record<string, number>; generation: number }> {
      const s = await spec(input.modelId);
      const champion = await registry.champion(s.id);
      if (!champion) throw new UpkeepError('InvalidRequest', `model ${s.id}: nothing was ever promoted, so there is nothing to roll back`);
      const from = champion.pointer.version;
      const to = input.to ?? champion.pointer.previous;
      if (!to) throw new UpkeepError('InvalidRequest', `model ${s.id}: there is no earlier champion to roll back to; name one with --to <version>`);
      const target = await registry.mustVersion(s.id, to);
      if (to === from) throw new UpkeepError('InvalidRequest', `model ${s.id}: version ${from} is already the champion`);
      // Only a version that has been champion (or the config's artifact) can come back without
      // the comparison and approvals a promotion needs.
      const history = await registry.history(s.id);
      const last = history.filter((p) => p.version === to).pop();
      const wasChampion = last !== undefined || history.some((p) => p.previous === to);
      if (!wasChampion && target.source !== 'config') {
        throw new UpkeepError('InvalidRequest', `model ${s.id}: version ${to} has never been champion; a candidate reaches production only through a retrain request's comparison and promotion`);
      }
      // The baseline it had when it last was champion.
      const baseline = last?.baseline ?? (target.source === 'config' ? s.baseline : (target.baseline ?? {}));
      return { from, to, baseline, generation: champion.pointer.generation };
    },

    /**
     * Stores the evidence a request shows its approvers (the comparison with its intervals, the
     * candidate and its training coverage), content-addressed and write-once; returns its sha256,
     * which the gate asks signatures to cover. Storing it twice keeps the first copy.
     */
    async storeEvidence(input: { modelId: string; evidence: Record<string, unknown> }): Promise<{ uri: string; sha256: string }> {
      await spec(input.modelId); // a model of the config: its id is a safe key
      const bytes = new TextEncoder().encode(`${JSON.stringify(input.evidence, null, 2)}\n`);
      const sha256 = sha256Hex(bytes);
      const put = await deps.store.put(evidenceKey(input.modelId, sha256), bytes, { ifAbsent: true });
      return { uri: put.uri, sha256 };
    },

    /** Records how the model's latest retrain request ended (evaluations wait a cooldown after it). */
    async recordRetrainOutcome(input: LastRetrainRequest): Promise<void> {
      await deps.store.put(lastRetrainRequestKey(input.modelId), `${JSON.stringify(input, null, 2)}\n`);
    },

    /** How the model's latest retrain request ended, if it had one. */
    async lastRetrainRequest(input: { modelId: string }): Promise<LastRetrainRequest | null> {
      const bytes = await deps.store.tryGet(lastRetrainRequestKey(input.modelId));
      return bytes ? (JSON.parse(new TextDecoder().decode(bytes)) as LastRetrainRequest) : null;
    },

    /**
     * Moves the champion pointer from `expected` to `version` by compare-and-swap. A retry of the
     * same workflow run finds its own change already made and returns it.
     */
    async setChampion(input: {
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
    }): Promise<ChampionPointer> {
      const s = await spec(input.modelId);
      const target = await registry.mustVersion(s.id, input.version);
      // The config's artifact is the running version only while nothing was promoted.
      const config = (await registry.champion(s.id)) ? undefined : await configVersion(s);
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
    },
  };
}
