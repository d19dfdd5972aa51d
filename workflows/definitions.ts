/**
 * Names and types shared by workflows, activities, workers and the CLI. Deterministic code only:
 * this file is bundled into the workflow sandbox.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { ModelSpec } from '../activities/config/schema.js';
import type { DriftReport } from '../activities/drift/assess.js';
import type { QualityReport } from '../activities/drift/quality.js';
import type { SlicesReport } from '../activities/evaluation/slices.js';

export const TASK_QUEUE = 'upkeep';

export const UpkeepModelId = defineSearchAttributeKey('UpkeepModelId', SearchAttributeType.KEYWORD);
export const UpkeepVerdict = defineSearchAttributeKey('UpkeepVerdict', SearchAttributeType.KEYWORD);
/** Set by Temporal on workflows started by a Schedule (including backfills and manual triggers). */
export const TemporalScheduledStartTime = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

/** Search attributes the server must know; the embedded dev server registers them at start. */
export const UPKEEP_SEARCH_ATTRIBUTES = [UpkeepModelId, UpkeepVerdict] as const;

export const evaluateScheduleId = (modelId: string): string => `upkeep-evaluate-${modelId}`;

export type Task = 'binary' | 'multiclass' | 'regression';
export type VerdictStatus = 'healthy' | 'warning' | 'degraded' | 'failing' | 'insufficient-data';

export interface Verdict {
  status: VerdictStatus;
  /** Ordered: the reason that decided the status comes first. */
  reasons: string[];
}

export interface EvaluateModelInput {
  modelId: string;
  /**
   * End of the data window (ISO 8601). Defaults to the schedule's scheduled start time, so a
   * backfill evaluates past windows as they were; for a workflow started by hand, its start time.
   */
  windowEnd?: string;
}

/** What resolveModel returns: the spec as declared plus the artifact's identity. */
export interface ResolvedModel {
  modelId: string;
  /** The validated spec as declared in the config at resolution time (recorded in history). */
  spec: ModelSpec;
  /** Immutable copy of the ONNX artifact in the store. */
  artifactUri: string;
  artifactSha256: string;
  artifactBytes: number;
  /** The reference profile evaluations compare against (stored next to the model version), if any. */
  referenceUri?: string;
}

export interface SnapshotFile {
  date: string;
  sourceUri: string;
  /** Immutable, content-addressed copy in the artifact store. */
  uri: string;
  sha256: string;
  bytes: number;
  rows: number;
}

export interface SnapshotRef {
  /** The manifest's URI; its sha256 identifies the snapshot. */
  uri: string;
  sha256: string;
  firstDay: string;
  lastDay: string;
  windowEnd: string;
  rows: number;
  files: SnapshotFile[];
  missing: { date: string; sourceUri: string }[];
}

export interface InvalidValues {
  file: string;
  column: string;
  nulls: number;
  nan: number;
  infinite: number;
}

export interface EvaluationSummary {
  /** Labelled rows evaluated (after dropping invalid rows). */
  rows: number;
  rowsRead: number;
  droppedRows: number;
  invalid: InvalidValues[];
  metrics: Record<string, number | null>;
  /** Why a metric is null. */
  undefinedMetrics: Record<string, string>;
  /** Values returned with a warning, as scikit-learn does. */
  metricWarnings: Record<string, string>;
  warnings: string[];
  classes?: string[];
  labelCounts?: Record<string, number>;
  predictionCounts?: Record<string, number>;
  /** Against the model's reference profile, when it has one. */
  drift?: DriftReport;
  quality?: QualityReport;
  /** Metrics per value of the configured segment columns. */
  slices?: SlicesReport;
  /** Bootstrap interval of the primary metric and of its drop from the baseline. */
  confidence?: ConfidenceSummary;
  durationMs: number;
}

/** A data problem found while evaluating: the window is failing rather than the workflow. */
export interface EvaluationFailure {
  type: string;
  message: string;
}

/** Error types that describe the evaluated window's data: the window is failing, the workflow is not. */
export const DATA_ERROR_TYPES: readonly string[] = ['SchemaMismatch', 'InvalidData', 'UnreadableData'];

export interface ConfidenceSummary {
  metric: string;
  value: number | null;
  low: number | null;
  high: number | null;
  confidence: number;
  resamples: number;
  seed: number;
  drop?: { value: number | null; low: number | null; high: number | null };
}

/** Slow decline of the primary metric over the stored reports of this model. */
export interface TrendSummary {
  metric: string;
  declining: boolean;
  slopePerWeek: number | null;
  since: string | null;
  pValue: number | null;
  points: number;
  message?: string;
}

export interface ReportRef {
  jsonUri: string;
  markdownUri: string;
  sha256: string;
}

export interface EvaluateModelResult {
  modelId: string;
  verdict: Verdict;
  windowEnd: string;
  firstDay: string;
  lastDay: string;
  rows: number;
  metrics: Record<string, number | null>;
  artifactSha256: string;
  snapshot: { uri: string; sha256: string; rows: number; files: number; missing: number };
  report: ReportRef;
}
