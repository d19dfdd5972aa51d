import { baseName } from '../data/source.js';
import { snapshotFiles } from '../data/snapshot-files.js';
import { UpkeepError } from '../errors.js';
import type { ActivityDeps } from '../deps.js';
import type { EvaluationSummary, ResolvedModel, SnapshotRef } from '../../domain/evaluation.js';
import { parseReferenceProfile } from '../drift/profile.js';
import { referenceFromProfile } from '../drift/reference.js';

export function createEvaluationActivities(deps: Pick<ActivityDeps, 'data' | 'engine' | 'heartbeat' | 'cancellation'>) {
  const mustRead = async (uri: string, what: string): Promise<Uint8Array> => {
    const signal = deps.cancellation?.();
    const bytes = await deps.data.read(uri, { what, ...(signal ? { signal } : {}) });
    // The store is immutable: a snapshot object that vanished is an operational fault, retried.
    if (!bytes) throw new Error(`${what} ${uri} is missing from the store`);
    return bytes;
  };
  return {
    /** Runs the model over the snapshot's files; heartbeats progress; returns a small summary. */
    async evaluateSnapshot(input: { model: ResolvedModel; snapshot: SnapshotRef }): Promise<EvaluationSummary> {
      const { model, snapshot } = input;
      const modelBytes = await mustRead(model.artifactUri, 'model artifact');
      let reference;
      if (model.referenceUri) {
        const text = new TextDecoder().decode(await mustRead(model.referenceUri, 'reference profile'));
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch (err) {
          throw new UpkeepError('InvalidConfig', `model ${model.modelId}: reference profile ${model.referenceUri} is not JSON: ${(err as Error).message}`);
        }
        reference = referenceFromProfile(parseReferenceProfile(json, `model ${model.modelId}: reference profile ${baseName(model.referenceUri)}`), model.spec);
      }
      // Progress heartbeats come per shard; this keeps them coming while the evaluation threads
      // run a long finishing step (e.g. the bootstrap on a very large window).
      let last: unknown = { phase: 'starting' };
      const beat = setInterval(() => deps.heartbeat?.(last), 10_000);
      try {
        return await deps.engine.evaluate({
          reference,
          spec: model.spec,
          modelBytes,
          modelKey: model.artifactSha256,
          // Messages name the file a person knows: the config's artifact, or the registry version.
          artifactName: model.source === 'retrain' ? `version ${model.version}` : baseName(model.spec.artifact),
          files: snapshotFiles(model.modelId, snapshot, mustRead),
          onProgress: (p) => deps.heartbeat?.((last = p)),
        });
      } finally {
        clearInterval(beat);
      }
    },
  };
}
