/**
 * The reference's fitted estimators (stored in its profile) and what a window gets from them:
 * performance estimated on all its scored rows (CBPE for classifiers, DLE for regressors) and
 * drift of its inputs taken together (reconstruction error, domain classifier). A fit or an
 * estimate that cannot be made leaves its part out and says why in the notes (the report's warnings).
 */
import type { EstimationSummary, MultivariateDrift } from '../../domain/estimation.js';
import type { ModelSpec } from '../../domain/config.js';
import { estimateCbpe, fitCbpe, type CbpeState, type ClassScores } from '../estimation/cbpe.js';
import { estimateDle, fitDle, type DleState } from '../estimation/dle.js';
import { domainClassifier } from '../multivariate/domain-classifier.js';
import { fitReconstruction, reconstructionDrift, type ReconstructionState } from '../multivariate/reconstruction.js';
import type { Collected } from './evaluator.js';
import type { PreparedModel } from './model.js';
import { sampleMatrix, sampleOutputs, storeSample, type RowSample, type StoredSample } from './row-sample.js';

/** Stored in the reference profile as `estimators` (plain JSON). */
export interface ReferenceEstimators {
  cbpe?: CbpeState;
  dle?: DleState;
  reconstruction?: ReconstructionState;
  /** A uniform sample of the reference's rows (model inputs), for the domain classifier; with their labels (absent in older profiles) for the permutation importance. */
  sample?: StoredSample & { labels?: (string | number | null)[] };
}

/** Rows of the reference kept for the domain classifier. */
export const REFERENCE_SAMPLE_CAP = 5_000;

/** Why something could not be done, in one line (no stack). */
const why = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** A classifier's outputs on the rows of `c` (all of them), as the estimators take them. */
function classScores(prepared: PreparedModel, c: Collected): ClassScores {
  const task = prepared.task as 'binary' | 'multiclass';
  return {
    task,
    classes: prepared.classes!,
    ...(task === 'binary' ? { positive: prepared.positiveIndex! } : {}),
    rows: c.rows,
    proba: c.proba!,
    yPred: c.yPredClass!,
  };
}

/** The estimators fitted on the reference: `all` its scored rows, `labelled` those with a label, `sample` its row sample. */
export function fitEstimators(
  spec: ModelSpec,
  prepared: PreparedModel,
  all: Collected,
  labelled: Collected,
  metrics: readonly string[],
  sample: RowSample | undefined,
): { estimators: ReferenceEstimators; notes: string[] } {
  const estimators: ReferenceEstimators = {};
  const notes: string[] = [];
  if (labelled.rows === 0) return { estimators, notes: ['no labelled reference rows: nothing to fit the estimators on'] };
  if (prepared.task !== 'regression') {
    try {
      estimators.cbpe = fitCbpe({ ...classScores(prepared, labelled), yTrue: labelled.yTrueClass! }, { metrics });
    } catch (err) {
      notes.push(`CBPE not fitted on the reference: ${why(err)}`);
    }
  }
  if (sample && sample.rows > 0) {
    const features = sampleMatrix(sample);
    if (prepared.task === 'regression') {
      const { yPred, yTrue } = sampleOutputs(sample, all);
      const known = labelledRowsOf(features, yPred, yTrue);
      try {
        estimators.dle = fitDle(known, { metrics, seed: spec.monitor.significance.seed });
      } catch (err) {
        notes.push(`DLE not fitted on the reference: ${why(err)}`);
      }
    }
    try {
      estimators.reconstruction = fitReconstruction(features);
    } catch (err) {
      notes.push(`reconstruction error not fitted on the reference: ${why(err)}`);
    }
    const stored = storeSample(sample, REFERENCE_SAMPLE_CAP);
    // Each kept row's label too (null: unlabelled), for the permutation importance (importance/).
    estimators.sample = { ...stored, labels: sampleLabels(sample, all, stored.rows) };
  }
  return { estimators, notes };
}

/** The labels of the sample's first `n` rows, from the rows they were sampled from (null: unlabelled). */
function sampleLabels(sample: RowSample, all: Collected, n: number): (string | number | null)[] {
  const out: (string | number | null)[] = [];
  for (let i = 0; i < n; i++) {
    const at = sample.position[i]!;
    if (all.yTrueValue) out.push(Number.isFinite(all.yTrueValue[at]!) ? all.yTrueValue[at]! : null);
    else out.push(all.yTrueClass![at]! >= 0 ? all.labels![all.yTrueClass![at]!]! : null);
  }
  return out;
}

/** The sample rows whose label is known (DLE is fitted on them). */
function labelledRowsOf(
  features: ReturnType<typeof sampleMatrix>,
  yPred: Float64Array,
  yTrue: Float64Array,
): { features: ReturnType<typeof sampleMatrix>; yPred: Float64Array; yTrue: Float64Array } {
  let n = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yTrue[i]) n++;
  if (n === yTrue.length) return { features, yPred, yTrue };
  const k = features.columns.length;
  const values = new Float64Array(n * k);
  const p = new Float64Array(n);
  const t = new Float64Array(n);
  for (let i = 0, j = 0; i < yTrue.length; i++) {
    if (yTrue[i] !== yTrue[i]) continue;
    values.set(features.values.subarray(i * k, i * k + k), j * k);
    p[j] = yPred[i]!;
    t[j++] = yTrue[i]!;
  }
  return { features: { ...features, rows: n, values }, yPred: p, yTrue: t };
}

/**
 * A window's estimate and multivariate drift. `all`: every scored row; `labelled`: those with a
 * label (the calibration check); `sample`: the window's row sample. The domain classifier runs only
 * when the model asks for it (`monitor.multivariate.domain_classifier`): it costs seconds a window.
 */
export function estimateWindow(
  estimators: ReferenceEstimators | undefined,
  prepared: PreparedModel,
  all: Collected,
  labelled: Collected,
  sample: RowSample | undefined,
  domainClassifierWanted: boolean,
  /** Decision thresholds of declared metrics (at_threshold): CBPE's expected confusion matrix at each. */
  thresholds: readonly number[] = [],
): { estimated?: EstimationSummary; multivariate?: MultivariateDrift; notes: string[] } {
  const notes: string[] = [];
  if (!estimators || all.rows === 0) return { notes };
  let estimated: EstimationSummary | undefined;
  // A window whose every row has its label needs no estimate: its realized metrics are the answer
  // (and a matured window is compared with its first estimate, kept in the trail). On a 10M-row
  // window CBPE's arrays alone cost a third of a GiB.
  const unlabelledRows = all.rows - labelled.rows;
  if (estimators.cbpe && prepared.task !== 'regression' && unlabelledRows > 0) {
    try {
      const known = labelled.rows > 0 ? { ...classScores(prepared, labelled), yTrue: labelled.yTrueClass! } : undefined;
      estimated = estimateCbpe(estimators.cbpe, classScores(prepared, all), known, { thresholds });
    } catch (err) {
      notes.push(`no estimate: CBPE failed on this window: ${why(err)}`);
    }
  }
  const features = sample && sample.rows > 0 ? sampleMatrix(sample, estimators.sample) : undefined;
  if (estimators.dle && prepared.task === 'regression' && features && unlabelledRows > 0) {
    try {
      const { yPred, yTrue } = sampleOutputs(sample!, all);
      // The sample's labelled rows check the estimate against their realized value.
      const known = labelledRowsOf(features, yPred, yTrue);
      estimated = estimateDle(estimators.dle, { features, yPred }, known.yTrue.length > 0 ? known : undefined);
      // The loss model ran on the window's sample: the estimate covers every scored row it stands for.
      estimated.rows = all.rows;
    } catch (err) {
      notes.push(`no estimate: DLE failed on this window: ${why(err)}`);
    }
  }
  const unlabelled = unlabelledRows;
  if (!estimated && unlabelled > 0 && !(prepared.task === 'regression' ? estimators.dle : estimators.cbpe)) {
    notes.push(
      `no estimate for the ${unlabelled} unlabelled rows: the reference has no fitted ${prepared.task === 'regression' ? 'DLE' : 'CBPE'} (its rows had no labels, or it could not be fitted when the reference was profiled)`,
    );
  }
  const multivariate: MultivariateDrift = {};
  if (features && estimators.reconstruction) {
    try {
      multivariate.reconstruction = reconstructionDrift(estimators.reconstruction, features);
    } catch (err) {
      notes.push(`no reconstruction error: ${why(err)}`);
    }
  }
  if (domainClassifierWanted && features && estimators.sample && estimators.sample.rows > 0) {
    try {
      // As many window rows as reference rows (the sample's first rows are a uniform sample of it): balanced, and bounded work.
      multivariate.domainClassifier = domainClassifier(sampleMatrix(estimators.sample), firstRows(features, estimators.sample.rows));
    } catch (err) {
      notes.push(`no domain classifier: ${why(err)}`);
    }
  }
  return {
    ...(estimated ? { estimated } : {}),
    ...(multivariate.reconstruction || multivariate.domainClassifier ? { multivariate } : {}),
    notes,
  };
}

/** The first `n` rows of a matrix. */
function firstRows(m: ReturnType<typeof sampleMatrix>, n: number): ReturnType<typeof sampleMatrix> {
  if (m.rows <= n) return m;
  return { ...m, rows: n, values: m.values.subarray(0, n * m.columns.length) };
}
