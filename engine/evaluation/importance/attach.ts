/**
 * Drift ranked by what it costs, added to a window's summary: the model inputs' permutation
 * importances on the reference sample (measured once per model version and reference, kept in the
 * store under their content's key, read back after), the estimated effect of each drifted input,
 * and the drifted columns ranked by importance, marked below the model's importance floor.
 */
import type { EvaluationSummary, ResolvedModel } from '../../../domain/evaluation.js';
import { rankByImportance, type ColumnImportance, type DriftImportance } from '../../../domain/importance.js';
import type { DriftDistribution } from '../../../domain/reports.js';
import { UpkeepError } from '../../errors.js';
import { importanceKey } from '../../store/keys.js';
import type { ArtifactStore } from '../../store/store.js';
import { sha256Hex } from '../../util.js';
import type { ReferenceEstimators } from '../estimators.js';
import type { EvaluationEngine, FinishWindowOptions } from '../types.js';
import type { ImportanceOutcome, ImportanceTask, LabelledSample } from './compute.js';
import { meanStd } from './permutation.js';

/** Permutations per column (and transports per drifted column): scikit-learn's default n_repeats. */
export const IMPORTANCE_REPEATS = 5;

/** What the store keeps per model version and reference. */
export interface StoredImportance {
  schema: 'upkeep.importance/v1';
  modelId: string;
  model_sha256: string;
  reference_sha256: string;
  metric: string;
  baseline: number;
  rows: number;
  repeats: number;
  seed: number;
  /** Per model input: the drop in each repeat. */
  drops: Record<string, number[]>;
}

/** The reference sample with labels, when the profile has one (profiles before labels were kept have none). */
export function labelledSample(o: Pick<FinishWindowOptions, 'reference'>): LabelledSample | undefined {
  const s = (o.reference?.profile.estimators as ReferenceEstimators | undefined)?.sample;
  return s && Array.isArray(s.labels) && s.rows > 0 ? (s as LabelledSample) : undefined;
}

function parseStored(bytes: Uint8Array, what: string, expect: Pick<StoredImportance, 'model_sha256' | 'reference_sha256' | 'metric'>): StoredImportance {
  let v: StoredImportance;
  try {
    v = JSON.parse(new TextDecoder().decode(bytes)) as StoredImportance;
  } catch (err) {
    throw new UpkeepError('StoreIntegrity', `${what} is not JSON: ${(err as Error).message}`);
  }
  const ok =
    v?.schema === 'upkeep.importance/v1' &&
    v.model_sha256 === expect.model_sha256 &&
    v.reference_sha256 === expect.reference_sha256 &&
    v.metric === expect.metric &&
    Number.isFinite(v.baseline) &&
    typeof v.drops === 'object' &&
    v.drops !== null &&
    Object.values(v.drops).every((d) => Array.isArray(d) && d.length === v.repeats && d.every((x) => Number.isFinite(x)));
  if (!ok) throw new UpkeepError('StoreIntegrity', `${what} does not hold the importances of this model version and reference (altered in the store?)`);
  return v;
}

/** The model's importances (from the store, or measured now and stored) and the drifted inputs' effects. */
/** The store's part the importances need: a store without reads (a one-shot run's) measures every time. */
type ImportanceStore = Pick<ArtifactStore, 'put'> & Partial<Pick<ArtifactStore, 'tryGet' | 'uriFor'>>;

async function measure(
  store: ImportanceStore,
  engine: EvaluationEngine,
  model: Pick<ResolvedModel, 'modelId' | 'artifactSha256'>,
  o: FinishWindowOptions,
  sample: LabelledSample,
  transports: Record<string, DriftDistribution>,
): Promise<{ stored: StoredImportance; uri: string; sha256: string; effects: ImportanceOutcome['effects'] }> {
  const { spec } = o;
  const metric = spec.thresholds.metric;
  const seed = spec.monitor.significance.seed;
  const reference_sha256 = sha256Hex(JSON.stringify({ sample, metric, seed, repeats: IMPORTANCE_REPEATS, label: spec.label.column }));
  const key = importanceKey(model.modelId, model.artifactSha256, reference_sha256);
  const what = `model ${model.modelId}: stored importances ${key}`;
  const task: ImportanceTask = { sample, labelColumn: spec.label.column, metric, repeats: IMPORTANCE_REPEATS, seed, importance: false, transports };
  const bytes = store.tryGet ? await store.tryGet(key) : undefined;
  if (bytes) {
    const stored = parseStored(bytes, what, { model_sha256: model.artifactSha256, reference_sha256, metric });
    const effects = Object.keys(transports).length > 0 ? (await engine.importance!(o, task)).effects : {};
    return { stored, uri: store.uriFor ? store.uriFor(key) : key, sha256: sha256Hex(bytes), effects };
  }
  const r = await engine.importance!(o, { ...task, importance: true });
  const stored: StoredImportance = {
    schema: 'upkeep.importance/v1',
    modelId: model.modelId,
    model_sha256: model.artifactSha256,
    reference_sha256,
    metric,
    baseline: r.baseline,
    rows: r.rows,
    repeats: IMPORTANCE_REPEATS,
    seed,
    drops: r.drops!,
  };
  // Deterministic bytes: a retried activity (or another window) measuring the same writes the same; the first kept.
  const text = JSON.stringify(stored);
  const put = await store.put(key, text, { ifAbsent: true });
  return { stored, uri: put.uri, sha256: sha256Hex(text), effects: r.effects };
}

/**
 * The summary with `drift.importance`, when the reference has a labelled row sample and the engine
 * can run the model on it. Without one, the summary is returned as it is (and says why when the
 * model sets an importance floor that then cannot apply).
 */
export async function withImportance(
  ports: { store: ImportanceStore; engine: EvaluationEngine; heartbeat?(details: unknown): void },
  model: Pick<ResolvedModel, 'modelId' | 'artifactSha256'>,
  o: FinishWindowOptions,
  summary: EvaluationSummary,
): Promise<EvaluationSummary> {
  const drift = summary.drift;
  const floor = o.spec.monitor.drift.importance_floor;
  if (!drift || !o.reference || !ports.engine.importance) return summary;
  const sample = labelledSample(o);
  if (!sample) {
    if (!floor) return summary;
    const why = `importance_floor ${floor} not applied: the reference profile keeps no labelled row sample to measure importance on (profile the reference again: upkeep profile)`;
    return { ...summary, warnings: [...summary.warnings, why] };
  }
  const inputs = new Set(sample.columns);
  const transports: Record<string, DriftDistribution> = {};
  for (const name of drift.drifted_columns) {
    const d = Object.hasOwn(drift.columns, name) ? drift.columns[name]!.distribution : undefined;
    if (d && inputs.has(name)) transports[name] = d;
  }
  let measured;
  const beat = setInterval(() => ports.heartbeat?.({ phase: 'importance' }), 10_000);
  try {
    measured = await measure(ports.store, ports.engine, model, o, sample, transports);
  } catch (err) {
    // The metric undefined on the sample (one class), too few labelled rows, a sample the model no longer
    // takes (its inputs changed since the profile), a stored object refused: the window is judged without it.
    if (err instanceof UpkeepError) {
      return { ...summary, warnings: [...summary.warnings, `no importance ranking: ${err.message}`] };
    }
    throw err;
  } finally {
    clearInterval(beat);
  }
  const { stored, effects } = measured;
  const columns: Record<string, ColumnImportance> = {};
  // The sample's columns only (a stored object's keys are not trusted to be column names).
  for (const name of sample.columns) {
    const drops = Object.hasOwn(stored.drops, name) ? stored.drops[name] : undefined;
    if (!drops) continue;
    const { mean, std } = meanStd(drops);
    const c: ColumnImportance = { importance: mean, std };
    const e = Object.hasOwn(effects, name) ? effects[name]! : undefined;
    if (e && 'drops' in e) {
      const m = meanStd(e.drops);
      c.effect = m.mean;
      c.effect_std = m.std;
    } else if (e) {
      c.effect = null;
      c.effect_note = e.note;
    }
    if (floor && mean < floor) c.below_floor = true;
    columns[name] = c;
  }
  const importance: DriftImportance = {
    method: 'permutation',
    metric: stored.metric,
    baseline: stored.baseline,
    rows: stored.rows,
    repeats: stored.repeats,
    seed: stored.seed,
    model_sha256: stored.model_sha256,
    columns,
    ranked: [],
    ...(floor ? { floor } : {}),
    stored: { uri: measured.uri, sha256: measured.sha256 },
  };
  importance.ranked = rankByImportance(drift.drifted_columns, importance);
  return { ...summary, drift: { ...drift, importance } };
}
