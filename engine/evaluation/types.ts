/**
 * The types the evaluation modules share: the window's files, the engine's interface, and the
 * messages between the engine and its evaluation threads.
 */
import type { PendingDeclared } from './declared-bootstrap.js';
import type { SegmentPlan } from './segments/plan.js';
import type { SearchKeep } from './segments/sample.js';
import type { SearchAsideInput } from './segments/aside.js';
import type { SegmentBaseline, SegmentSearchReport } from '../../domain/segments.js';
import type { FileMetaData } from 'hyparquet';
import type { ModelSpec } from '../../domain/config.js';
import type { EvaluationSummary } from '../../domain/evaluation.js';
import type { DataFormat } from '../data/table.js';
import type { RecognisedColumn, ReferenceProfile } from '../drift/profile.js';
import type { ColumnSketch } from '../drift/sketch.js';
import type { Collected } from './evaluator.js';
import type { PreparedModel } from './model.js';
import type { BootstrapInput, BootstrapSamples } from './significance/bootstrap.js';
import type { IntervalSettings } from './significance/interval.js';
import type { ImportanceOutcome, ImportanceTask } from './importance/compute.js';
import type { ProbabilityMetricName } from './metrics/binary.js';
import type { MetricsResult } from './metrics/types.js';

import type { WindowFile } from '../data/window.js';
export type { WindowFile };

export interface EvaluateWindowOptions {
  spec: ModelSpec;
  modelBytes: Uint8Array;
  /** sha256 of modelBytes. */
  modelKey: string;
  artifactName: string;
  files: WindowFile[];
  onProgress?: (p: { rowsDone: number; file: string }) => void;
  /** When given, the window's columns are compared with this reference (drift). */
  reference?: ReferenceInput;
  /** Keep a sample of the rows' model inputs even without a reference that asks for one (a reference being profiled). */
  sampleRows?: boolean;
  /** A reference being profiled: the segment search's columns and bins (from its profile so far); its gaps come back in `segmentBaseline`. */
  segmentPlan?: SegmentPlan;
  /**
   * The whole window's rows (a snapshot's count), when `files` are one shard of it: the segment
   * search takes the same share of rows in every shard. Default: the files' rows when all are known.
   */
  windowRows?: number;
}

/** The reference side of drift checks, as sketches (from a stored profile or a whole data file). */
export interface ReferenceInput {
  columns: Record<string, ColumnSketch>;
  label?: ColumnSketch;
  prediction?: ColumnSketch;
  /** Columns to compare, in report order (model inputs and watched columns). */
  watch: string[];
  /** Of those, the ones compared as categories. */
  categorical: string[];
  /** The reference as a profile, for the quality checks. */
  profile: ReferenceProfile;
  /** Date, time and identifier columns: left out of `watch`, reported once in the drift report. */
  recognised?: RecognisedColumn[];
}

export interface EvaluationEngine {
  /** Evaluates the model on the files of one window, as one sample. */
  evaluate(opts: EvaluateWindowOptions): Promise<EvaluationSummary>;
  /** The same, also returning the distributions of labels and predictions (for reference profiles). */
  evaluateDetailed(opts: EvaluateWindowOptions): Promise<FinishedEvaluation>;
  /** Decodes and scores the files without finishing: one shard's partial result. */
  collect(opts: EvaluateWindowOptions): Promise<WindowPartial>;
  /** Finishes a window from its shards' partial results, given in window order. */
  finish(opts: FinishWindowOptions, partials: WindowPartial[]): Promise<EvaluationSummary>;
  /** Permutation importance and drift effects on the reference sample, in an evaluation thread (importance/compute.ts). */
  importance?(opts: Omit<FinishWindowOptions, 'reference'>, task: ImportanceTask): Promise<ImportanceOutcome>;
  close(): Promise<void>;
}

/** What finishing needs besides the partial results: the model and the reference. */
export type FinishWindowOptions = Omit<EvaluateWindowOptions, 'files' | 'onProgress'>;

/**
 * The scored rows of some of a window's files, in file and row-group order, before metrics: what
 * an evaluation shard stores. Concatenated in order, partials give the whole window's parts.
 */
export interface WindowPartial {
  parts: Collected[];
  /** Per part, the sketches of its columns (drift and quality). */
  sketches: Record<string, ColumnSketch>[];
  fileColumns: string[];
}

export interface FinishedEvaluation {
  summary: EvaluationSummary;
  /** Detailed runs (a reference being profiled): the estimators fitted on its rows (estimators.ts), and why any could not be. */
  estimators?: { fitted: Record<string, unknown>; notes: string[] };
  /** A bootstrap for the engine to run across its threads; the summary's `confidence` follows from it. */
  pendingInterval?: PendingInterval;
  /** The declared metrics' bootstraps (the window's, each large fairness group's) for the engine to run across its threads; their intervals follow from them. */
  pendingDeclared?: PendingDeclared[];
  label?: ColumnSketch;
  prediction?: ColumnSketch;
  /** Detailed runs with a segmentPlan: every candidate segment's gap, for the profile. */
  segmentBaseline?: SegmentBaseline;
}

/** What finishEvaluation needs: the shards' results of one window. */
export interface FinishInput {
  spec: ModelSpec;
  prepared: PreparedModel;
  parts: Collected[];
  sketches: Record<string, ColumnSketch[]>;
  fileColumns: string[];
  reference?: ReferenceInput;
  started: number;
  detailed: boolean;
  /** A binary model's brier and log_loss are computed in another thread (probabilityRequest): left null here. */
  deferProbability?: boolean;
  /** The segment search runs in another thread (segments/aside.ts): its report's place is kept here, filled by fillSegments. */
  searchAside?: boolean;
  segmentPlan?: SegmentPlan | undefined;
}

/** The window's rows for binaryProbabilityMetrics in another thread: arrays in shared memory, read in place. */
export interface ProbabilityInput {
  rows: number;
  unlabelled?: number;
  yTrueClass: Int32Array;
  yPredClass: Int32Array;
  proba: Float32Array | Float64Array;
  labels: string[];
  nClasses: number;
  positive: number;
}

export interface ModelMessage {
  spec: ModelSpec;
  modelKey: string;
  modelBytes: Uint8Array;
  artifactName: string;
}

export type ShardRequest =
  | ({ id: number; op: 'finish' } & FinishInput)
  | { id: number; op: 'bootstrap'; input: BootstrapInput; range: { from: number; to: number } }
  | { id: number; op: 'declared'; pending: PendingDeclared; range: { from: number; to: number } }
  | ({ id: number; op: 'prepare' } & ModelMessage)
  | { id: number; op: 'fold'; lists: Record<string, ColumnSketch[]> }
  | ({ id: number; op: 'importance'; task: ImportanceTask } & ModelMessage)
  | { id: number; op: 'probability'; input: ProbabilityInput }
  | { id: number; op: 'search'; input: SearchAsideInput }
  | ({
      id: number;
      op: 'evaluate';
      file: {
        name: string;
        format: DataFormat;
        bytes: Uint8Array;
        rowGroups?: { start: number; end: number };
        /** One row group read by range (parquet/ranges.ts). */
        rowGroupFile?: { metadata: FileMetaData; fileBytes: number };
        /** A part of a larger file: rows and lines of the file before it (for messages). */
        firstRow?: number;
        lineOffset?: number;
      };
      batchSize: number;
      /** Keep a sample of the scored rows' model inputs (row-sample.ts). */
      sample?: boolean;
      /** Columns to sketch for drift and quality checks; `categorical` ones are counted, not sorted. */
      sketch?: { columns: string[]; categorical: string[] };
      /** Columns kept per row (the declared slices' and fairness's; default monitor.segments), numeric ones by these bins. */
      segments?: string[];
      bins?: Record<string, number[]>;
      /** The segment search's columns, bins and share of rows (segments/sample.ts). */
      search?: SearchKeep;
    } & ModelMessage);

export type ShardReply =
  | {
      id: number;
      ok: true;
      prepared?: PreparedModel;
      collected?: Collected;
      sketches?: Record<string, ColumnSketch>;
      fileColumns?: string[];
      finished?: FinishedEvaluation;
      samples?: BootstrapSamples;
      /** op 'declared': each pending metric's defined values on the range's resamples. */
      declared?: number[][];
      importance?: ImportanceOutcome;
      probability?: MetricsResult<ProbabilityMetricName>;
      /** op 'search': the window's weak segments, null when it has too few labelled rows. */
      segments?: SegmentSearchReport | null;
    }
  | { id: number; ok: false; error: { type?: string; message: string } };

/** The primary metric's interval still to compute: a bootstrap to run in resample ranges across the evaluation threads. */
export interface PendingInterval {
  input: BootstrapInput;
  settings: IntervalSettings;
}
