/** The evaluation activities over engine/evaluation/snapshot-evaluation.ts: whole windows, or in shards. */
import type { ActivityDeps } from './deps.js';
import type { EvaluationSummary, ResolvedModel, SnapshotRef } from '../domain/evaluation.js';
import type { ShardSpec } from '../engine/evaluation/partial.js';
import {
  evaluateShard,
  evaluateSnapshot,
  mergeEvaluationShards,
  planEvaluationShards,
  type ShardResult,
  type SnapshotEvaluationPorts,
} from '../engine/evaluation/snapshot-evaluation.js';

export function createEvaluationActivities(deps: Pick<ActivityDeps, 'data' | 'engine' | 'heartbeat' | 'cancellation' | 'store'>) {
  const ports = (): SnapshotEvaluationPorts => {
    const signal = deps.cancellation?.();
    return { data: deps.data, store: deps.store, engine: deps.engine, ...(deps.heartbeat ? { heartbeat: deps.heartbeat } : {}), ...(signal ? { signal } : {}) };
  };
  return {
    /** Runs the model over the snapshot's files (against a rolling reference's snapshot, when given); returns a small summary. */
    async evaluateSnapshot(input: { model: ResolvedModel; snapshot: SnapshotRef; reference?: SnapshotRef }): Promise<EvaluationSummary> {
      return evaluateSnapshot(ports(), input.model, input.snapshot, input.reference);
    },

    /** Splits the snapshot into about `shards` shards (by default rows / evaluation.shard_rows). */
    async planEvaluationShards(input: { model: ResolvedModel; snapshot: SnapshotRef; shards?: number; reference?: SnapshotRef }): Promise<ShardSpec[]> {
      return planEvaluationShards(ports(), input.model, input.snapshot, input.shards, input.reference);
    },

    /** Evaluates one shard's files and row groups; stores its partial result; returns its key. */
    async evaluateShard(input: {
      model: ResolvedModel;
      snapshot: Pick<SnapshotRef, 'sha256' | 'files'>;
      shard: ShardSpec;
      reference?: SnapshotRef;
    }): Promise<ShardResult> {
      return evaluateShard(ports(), input.model, input.snapshot, input.shard, input.reference);
    },

    /** Reads the shards' partial results, in order, and finishes the window as evaluateSnapshot does. */
    async mergeEvaluationShards(input: {
      model: ResolvedModel;
      snapshot: Pick<SnapshotRef, 'sha256'>;
      shards: Pick<ShardResult, 'key' | 'index'>[];
      reference?: SnapshotRef;
    }): Promise<EvaluationSummary> {
      return mergeEvaluationShards(ports(), input.model, input.snapshot, input.shards, input.reference);
    },
  };
}
