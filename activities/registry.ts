/** The registry activities: which version runs, rollback targets, evidence and retrain outcomes. */
import { findModel } from '../engine/config/load.js';
import { verdictRoutes } from '../engine/audit/routing.js';
import type { ModelSpec } from '../domain/config.js';
import type { ActivityDeps } from './deps.js';
import type { LastRetrainRequest } from '../domain/maintenance.js';
import type { ResolvedModel } from '../domain/evaluation.js';
import type { ChampionPointer } from '../engine/registry/types.js';
import { resolveChampion, resolveVersion, rollbackTarget, setChampion, type ChampionChange, type RollbackTarget } from '../engine/registry/champion.js';
import { readLastRetrainRequest, recordRetrainOutcome, storeEvidence } from '../engine/registry/retrain-records.js';

export function createRegistryActivities(deps: Pick<ActivityDeps, 'loadConfig' | 'store' | 'data'>) {
  const spec = async (modelId: string): Promise<ModelSpec> => {
    const config = await deps.loadConfig();
    return findModel(config, modelId, config.name);
  };

  return {
    /** The model's validated spec and the champion's immutable artifact (the config's until a promotion). */
    async resolveModel(input: { modelId: string }): Promise<ResolvedModel> {
      const config = await deps.loadConfig();
      const model = await resolveChampion(deps, findModel(config, input.modelId, config.name));
      return { ...model, routes: verdictRoutes(config, input.modelId) };
    },

    /** A registered version of the model, resolved for evaluation (a candidate or a rollback target). */
    async resolveVersion(input: { modelId: string; version: string }): Promise<ResolvedModel> {
      return resolveVersion(deps, await spec(input.modelId), input.version);
    },

    /** The version a rollback restores: `to`, or the champion before the current one. */
    async rollbackTarget(input: { modelId: string; to?: string }): Promise<RollbackTarget> {
      return rollbackTarget(deps.store, await spec(input.modelId), input.to);
    },

    /** Stores the evidence a request shows its approvers (write-once); returns its sha256. */
    async storeEvidence(input: { modelId: string; evidence: Record<string, unknown> }): Promise<{ uri: string; sha256: string }> {
      await spec(input.modelId); // a model of the config: its id is a safe key
      return storeEvidence(deps.store, input.modelId, input.evidence);
    },

    /** Records how the model's latest retrain request ended (evaluations wait a cooldown after it). */
    async recordRetrainOutcome(input: LastRetrainRequest): Promise<void> {
      await recordRetrainOutcome(deps.store, input);
    },

    /** How the model's latest retrain request ended, if it had one. */
    async lastRetrainRequest(input: { modelId: string }): Promise<LastRetrainRequest | null> {
      return readLastRetrainRequest(deps.store, input.modelId);
    },

    /** Moves the champion pointer from `expected` to `version` by compare-and-swap (a retry finds its change made). */
    async setChampion(input: ChampionChange): Promise<ChampionPointer> {
      return setChampion(deps, await spec(input.modelId), input);
    },
  };
}
