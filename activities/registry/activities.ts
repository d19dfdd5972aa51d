import { findModel } from '../config/load.js';
import { UpkeepError } from '../errors.js';
import { sha256Hex } from '../store/file-store.js';
import type { ActivityDeps } from '../index.js';
import type { ResolvedModel } from '../../workflows/definitions.js';

/** Where `upkeep profile` stores the reference profile of a model version. */
export const profileKey = (modelId: string, artifactSha256: string): string => `profiles/${modelId}/${artifactSha256}.json`;

export function createRegistryActivities(deps: Pick<ActivityDeps, 'loadConfig' | 'store' | 'data'>) {
  return {
    /**
     * Resolves a model id to its validated spec and an immutable, content-addressed copy of its
     * ONNX artifact in the store. Idempotent: the same bytes always map to the same key.
     */
    async resolveModel(input: { modelId: string }): Promise<ResolvedModel> {
      const config = await deps.loadConfig();
      const spec = findModel(config, input.modelId, config.name);
      const bytes = await deps.data.read(spec.artifact);
      if (!bytes) {
        throw new UpkeepError('InvalidModel', `model ${spec.id}: artifact ${spec.artifact} does not exist`);
      }
      const sha256 = sha256Hex(bytes);
      const stored = await deps.store.put(`models/${spec.id}/artifacts/${sha256}.onnx`, bytes, { ifAbsent: true });
      let referenceUri: string | undefined;
      if (spec.reference) {
        if (!(await deps.data.read(spec.reference))) throw new UpkeepError('InvalidConfig', `model ${spec.id}: reference profile ${spec.reference} does not exist`);
        referenceUri = spec.reference;
      } else {
        const key = profileKey(spec.id, sha256);
        if (await deps.store.exists(key)) referenceUri = deps.store.uriFor(key);
      }
      return { modelId: spec.id, spec, artifactUri: stored.uri, artifactSha256: sha256, artifactBytes: bytes.byteLength, ...(referenceUri ? { referenceUri } : {}) };
    },
  };
}
