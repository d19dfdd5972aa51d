/**
 * The model registry's records. Versions are immutable (written once, content-addressed ONNX);
 * the champion pointer changes only by compare-and-swap; every change of champion is also kept
 * as a write-once history entry.
 */
import type { Decision } from '../../domain/maintenance.js';
import type { DecisionProof } from '../../domain/signature.js';

export interface SnapshotSummary {
  uri: string;
  sha256: string;
  rows: number;
  firstDay: string;
  lastDay: string;
}

export interface ModelVersion {
  modelId: string;
  /** Short content id: the first 12 hex digits of the ONNX file's sha256. */
  version: string;
  sha256: string;
  artifactUri: string;
  bytes: number;
  createdAt: string;
  /** `config`: the artifact declared in upkeep.yaml; `retrain`: produced by a retrainModel workflow. */
  source: 'config' | 'retrain';
  /** The champion this version was trained to replace. */
  parent?: string;
  trainer?: { type: 'builtin' | 'command'; params: Record<string, unknown>; command?: string[] };
  training?: SnapshotSummary;
  /** Metrics on the data the version was trained on, and on the holdout it was compared on. */
  trainingMetrics?: Record<string, number | null>;
  /** What max_drop is measured from once this version is champion (holdout metrics). */
  baseline?: Record<string, number>;
  /** Reference profile for drift (built on the training snapshot). */
  referenceUri?: string;
  workflow?: { workflowId: string; runId: string };
  /** The retrain approval that led to this version. */
  approvals?: Decision[];
  logUri?: string;
}

export interface ChampionPointer {
  modelId: string;
  version: string;
  sha256: string;
  /** Increases by one with every change; the history entry of a change is keyed by it. */
  generation: number;
  since: string;
  change: 'initial' | 'promotion' | 'rollback';
  previous: string | null;
  workflow?: { workflowId: string; runId: string };
  approvals: Decision[];
  emergency?: { by: string; reason: string; proof?: DecisionProof };
  reason?: string;
  /** What max_drop is measured from while this pointer holds (the holdout metrics at promotion). */
  baseline?: Record<string, number>;
}
