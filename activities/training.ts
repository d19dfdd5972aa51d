/** The training activity over engine/training/candidate.ts: a training snapshot in, a registered version out. */
import type { ActivityDeps } from './deps.js';
import { trainCandidate, type TrainCandidateInput, type TrainCandidateResult } from '../engine/training/candidate.js';

export function createTrainingActivities(deps: Pick<ActivityDeps, 'store' | 'data' | 'engine' | 'heartbeat' | 'scratchDir' | 'cancellation' | 'secrets'>) {
  return {
    /**
     * Trains a candidate with the model's trainer, checks and profiles it on the training data and
     * registers it as a version; a retry returns what the first completed attempt recorded.
     */
    async trainCandidate(input: TrainCandidateInput): Promise<TrainCandidateResult> {
      const signal = deps.cancellation?.();
      const { store, data, engine, heartbeat, scratchDir, secrets } = deps;
      return trainCandidate(
        {
          store,
          data,
          engine,
          ...(heartbeat ? { heartbeat } : {}),
          ...(scratchDir ? { scratchDir } : {}),
          ...(secrets ? { secrets } : {}),
          ...(signal ? { signal } : {}),
        },
        input,
      );
    },
  };
}
