/**
 * What an evaluation produces and passes on: the resolved model, the window's snapshot, the
 * summary of metrics and checks, the verdict and where the report is stored.
 */
import type { FairnessReport } from './fairness.js';
import type { ModelSpec } from './config.js';
import type { EstimationSummary, LabelCoverage, MultivariateDrift } from './estimation.js';
import type { GatedValue } from './gates.js';
import type { SegmentSearchReport } from './segments.js';
import type { DriftReport, QualityReport, SlicesReport } from './reports.js';

export type VerdictStatus = 'healthy' | 'warning' | 'degraded' | 'failing' | 'insufficient-data';

export interface Verdict {
  status: VerdictStatus;
  /** Ordered: the reason that decided the status comes first. */
  reasons: string[];
  /** The declared gates beyond the primary metric that failed (domain/gates.ts), by name; absent when none did. */
  failedGates?: string[];
  /**
   * What the status was judged on: the labelled rows (realized metrics), or the estimate when the
   * window has too few labels (absent in reports from before estimation: realized).
   */
  basis?: 'realized' | 'estimated';
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
  /** Registry version id (first 12 hex digits of the sha256). */
  version?: string;
  /** What max_drop is measured from: the version's holdout metrics once promoted, else the config's. */
  baseline?: Record<string, number>;
  /** The champion pointer's generation (0: the config's artifact, never promoted). */
  generation?: number;
  /** Where the version came from: the config's artifact or a retrain. */
  source?: 'config' | 'retrain';
  /**
   * false: a version that is not the champion (a candidate, a rollback target). The logged outputs
   * (data.logged) are not its own: it is judged on its re-score, and no skew is counted.
   */
  champion?: false;
  /**
   * Whether the model's routes carry `warning` and `recovered` events (docs/channels.md), as the
   * config said when the model was resolved: the evaluation looks for them only then. Absent in
   * models resolved before routes existed (then it always looks).
   */
  routes?: { warning: boolean; recovered: boolean };
}

export interface SnapshotFile {
  date: string;
  sourceUri: string;
  /** Immutable, content-addressed copy in the artifact store. */
  uri: string;
  sha256: string;
  bytes: number;
  rows: number;
  /** A day read by a query (docs/sql-sources.md): the query as configured, never a secret. */
  query?: string;
  /** The values bound to {start} and {end} (ISO times: the day's bounds in the schedule's time zone). */
  params?: [string, string];
  /** Who answered (SqlConnection.identity): version, host, database, user; no password. */
  server?: string;
  /** sha256 of the rows read, canonical (engine/data/sql/materialize.ts): the same rows hash the same in any file. */
  rowsSha256?: string;
  /** Labels joined by key from data.labels (a second query or label files), as known at `asOf`; `matched`: rows of the day that got one. */
  labels?: { sourceUri: string; query?: string; asOf: string; matched: number };
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
  /** When no file was found: what the data folder suggests instead (not part of the identity). */
  hint?: string;
}

/**
 * The reference a window was compared with when it was built from the model's own production data
 * (`reference: { rolling: 28d }`): which days formed it. When too few days held data the window is
 * evaluated without drift checks and `why` says so (the verdict repeats it).
 */
export interface RollingReferenceUsed {
  rolling: string;
  same?: 'weekday';
  /** Days asked for that held data (they formed the reference), and those that held none. */
  days: string[];
  missing: string[];
  rows: number;
  snapshot: { uri: string; sha256: string };
  why?: string;
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
  /** Weak segments the search found (domain/segments.ts). */
  segments?: SegmentSearchReport;
  /** Confidence interval of the primary metric and of its drop from the baseline. */
  confidence?: ConfidenceSummary;
  /** Groups compared on the sensitive columns (models[].fairness): per group and the gaps between them. */
  fairness?: FairnessReport;
  /** Declared business metrics and fairness gaps with the gates the config set on them (domain/gates.ts). */
  gated?: GatedValue[];
  /** Labelled and unlabelled scored rows (absent in reports from before late labels: all labelled). */
  labels?: LabelCoverage;
  /** Metrics estimated on all scored rows, labelled or not, when the reference carries a fitted estimator. */
  estimated?: EstimationSummary;
  /** Drift of the inputs taken together, when the reference carries what it needs. */
  multivariate?: MultivariateDrift;
  /** A rolling reference: the days that formed it (absent with a stored profile). */
  rollingReference?: RollingReferenceUsed;
  /** The outputs served, as logged (data.logged): what the metrics come from, and where the re-score disagrees. */
  logged?: LoggedSummary;
  /**
   * The watched columns' distributions (drift.columns[*].distribution, label and prediction drift's),
   * kept in the store as one content-addressed object so that they stay out of workflow history:
   * the summary an activity returns carries this reference and no distribution; writeReport inlines
   * them into the stored report. Absent when there are none, or when they are inline (a one-shot evaluation).
   */
  distributions?: { uri: string; sha256: string };
  durationMs: number;
}

/**
 * The logged outputs of a window against the champion's re-score of the same rows (training/serving
 * skew): counts and at most 5 example keys, never rows (docs/late-labels.md#logged-predictions-and-skew).
 */
export interface LoggedSummary {
  /** `logged`: the metrics and the verdict come from the logged outputs; `rescored`: from the champion's re-score. */
  metricsFrom: 'logged' | 'rescored';
  score?: string;
  prediction?: string;
  tolerance: number;
  /** Rows with a logged output compared with the re-score. */
  compared: number;
  /** Of those, rows whose logged score is further than the tolerance from the re-score, or whose logged class differs. */
  skewed: number;
  /** skewed / compared (null when none was compared). */
  share: number | null;
  /** Rows without a usable logged output (null, not finite, a score outside [0, 1]): their re-score stands. */
  missing: number;
  /** The first skewed rows' keys (data.key), else "<file> row <n>". */
  examples: string[];
}

/** A data problem found while evaluating: the window is failing rather than the workflow. */
export interface EvaluationFailure {
  type: string;
  message: string;
}

/** Error types that describe the evaluated window's data: the window is failing, the workflow is not. */
export const DATA_ERROR_TYPES: readonly string[] = ['SchemaMismatch', 'InvalidData', 'UnreadableData', 'ModelOutputInvalid'];

export interface ConfidenceSummary {
  metric: string;
  value: number | null;
  low: number | null;
  high: number | null;
  confidence: number;
  resamples: number;
  seed: number;
  /** What produced the interval (absent in reports from before closed forms: the bootstrap). */
  method?: 'bootstrap' | 'delong' | 'wilson' | 'clt' | 'delta';
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
  /** Of those points, how many are estimates (windows whose labels were not known yet). */
  estimatedPoints?: number;
  message?: string;
}

export interface ReportRef {
  jsonUri: string;
  markdownUri: string;
  /** The self-contained HTML page with the pictures (absent in older runs). */
  htmlUri?: string;
  sha256: string;
  /** The model's spec in force for this evaluation, stored content-addressed (absent in older runs). */
  spec?: { uri: string; sha256: string };
}
