/**
 * Performance estimated before the labels arrive, and drift of the inputs taken together: the
 * shapes an evaluation reports (docs/statistics/estimation.md). Pure data, no I/O.
 */

/** CBPE: confidence-based performance estimation (classifiers); DLE: direct loss estimation (regressors). */
export type EstimationMethod = 'cbpe' | 'dle';

/** One estimated metric with its sampling band (value ± 3 standard errors, clipped to the metric's range). */
export interface EstimatedMetric {
  value: number | null;
  lower: number | null;
  upper: number | null;
  method: EstimationMethod;
}

/** What an evaluation estimates on all scored rows of a window, labelled or not. */
export interface EstimationSummary {
  method: EstimationMethod;
  /** Rows the estimate covers. */
  rows: number;
  /** Only the metrics the method can estimate; a metric it cannot estimate is absent. */
  metrics: Record<string, EstimatedMetric>;
  /** Classifiers: the expected confusion matrix, rows = true class, columns = predicted class, in the model's class order. */
  confusion?: number[][];
  /**
   * Binary classifiers with metrics declared at a decision threshold (models[].metrics, kind
   * at_threshold): the expected confusion matrix when a row is predicted positive where its score is
   * at or above each threshold, laid out as `confusion`.
   */
  confusionAt?: { threshold: number; confusion: number[][] }[];
  /**
   * The method's assumption checked. CBPE assumes calibrated scores: the expected calibration error
   * on the reference (after calibration) and on the window's labelled rows when there are enough.
   * An estimate whose assumption fails is reported but marked unreliable, with the reason.
   */
  reliability: { reliable: boolean; referenceError: number | null; windowError?: number | null; why?: string };
  /** What estimation cannot see, said plainly in every report. */
  blindSpot: string;
}

/** How many of the window's scored rows carry a label. */
export interface LabelCoverage {
  labelled: number;
  unlabelled: number;
  /** The model's declared label delay (e.g. "30d"), when it has one. */
  delay?: string;
}

/** Drift of the inputs taken together, beside the per-column tests. */
export interface MultivariateDrift {
  /** Data reconstruction error: PCA fitted on the standardised reference. */
  reconstruction?: {
    error: number;
    /** Alarm thresholds for a window of this many rows, from the reference's held-out row errors (lower 0: none). */
    lower: number;
    upper: number;
    alert: boolean;
    components: number;
    rows: number;
  };
  /** A classifier told to separate reference rows from current rows: cross-validated AUC against chance (0.5). */
  domainClassifier?: {
    auc: number;
    /** The AUC above which the two samples are told apart beyond chance. */
    threshold: number;
    alert: boolean;
    /** The columns that separate them most, strongest first. */
    features: { column: string; importance: number }[];
    rows: { reference: number; current: number };
  };
}
