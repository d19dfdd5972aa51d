/**
 * A resolved model as the evaluation engine takes it: the stored copy of its artifact (checked
 * against its sha256) and its reference profile, when it has one.
 */
import { resolveLimits } from '../../domain/limits.js';
import type { ResolvedModel } from '../../domain/evaluation.js';
import { parseReferenceProfile } from '../drift/profile.js';
import { baseName, type DataSource } from '../data/source.js';
import { storedReaders } from '../data/stored-files.js';
import { UpkeepError } from '../errors.js';
import { sha256Hex } from '../util.js';
import { readModelFile } from './model-file.js';
import { referenceFromProfile } from './reference.js';
import type { FinishWindowOptions } from './types.js';

export async function loadModelInput(data: DataSource, model: ResolvedModel, signal?: AbortSignal): Promise<FinishWindowOptions> {
  const modelBytes = await readModelFile(data, model.artifactUri, {
    what: `model ${model.modelId}: stored copy of the artifact`,
    maxBytes: resolveLimits(model.spec.limits).max_model_bytes,
    ...(signal ? { signal } : {}),
  });
  if (!modelBytes) throw new Error(`model artifact ${model.artifactUri} is missing from the store`);
  // the copy is content-addressed: one that no longer matches its sha256 is not evaluated
  if (sha256Hex(modelBytes) !== model.artifactSha256) {
    throw new UpkeepError(
      'InvalidModel',
      `model ${model.modelId}: the stored copy ${baseName(model.artifactUri)} does not match its sha256 ${model.artifactSha256} (altered in the store?)`,
    );
  }
  let reference;
  if (model.referenceUri) {
    const text = new TextDecoder().decode(await storedReaders(data, signal).read(model.referenceUri, 'reference profile'));
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new UpkeepError('InvalidConfig', `model ${model.modelId}: reference profile ${model.referenceUri} is not JSON: ${(err as Error).message}`);
    }
    reference = referenceFromProfile(parseReferenceProfile(json, `model ${model.modelId}: reference profile ${baseName(model.referenceUri)}`), model.spec);
  }
  // The logged outputs are the champion's: any other version is judged on its own re-score.
  const spec = model.champion === false && model.spec.data.logged ? { ...model.spec, data: { ...model.spec.data, logged: undefined } } : model.spec;
  return {
    reference,
    spec,
    modelBytes,
    modelKey: model.artifactSha256,
    // Messages name the file a person knows: the config's artifact, or the registry version.
    artifactName: model.source === 'retrain' ? `version ${model.version}` : baseName(model.spec.artifact),
  };
}
