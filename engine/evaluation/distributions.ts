/**
 * The watched columns' distributions (the drift pictures' numbers) kept out of workflow history:
 * about 0.6 KB a numeric column and up to 2 KB a categorical one, they would make a wide model's
 * summary megabytes, carried twice per evaluation (the activity's result, then writeReport's input).
 * The activity that computes a summary stores them as one content-addressed object and returns the
 * summary with only its `{ uri, sha256 }`; writeReport reads it back, checks the hash and inlines
 * them, so the stored report is the same as when they travelled inline.
 */
import type { EvaluationSummary } from '../../domain/evaluation.js';
import type { DriftColumnReport, DriftDistribution, DriftReport } from '../../domain/reports.js';
import { UpkeepError } from '../errors.js';
import { driftDistributionsKey } from '../store/keys.js';
import type { ArtifactStore } from '../store/store.js';
import { sha256Hex } from '../util.js';

/** The stored object: every distribution of one summary, by column (label and prediction drift apart). */
interface StoredDistributions {
  schema: 'upkeep.drift-distributions/v1';
  modelId: string;
  columns: Record<string, DriftDistribution>;
  label?: DriftDistribution;
  prediction?: DriftDistribution;
}

const SHA256 = /^[0-9a-f]{64}$/;

function without(c: DriftColumnReport): DriftColumnReport {
  const { distribution: _d, ...rest } = c;
  return rest;
}

/**
 * Stores the summary's distributions (one object under its sha256: a retried activity writes the
 * same key, and an existing object is kept) and returns the summary without them, with their reference.
 */
export async function storeDistributions(store: ArtifactStore, modelId: string, summary: EvaluationSummary): Promise<EvaluationSummary> {
  const drift = summary.drift;
  if (!drift) return summary;
  const columns: Record<string, DriftDistribution> = {};
  for (const [name, c] of Object.entries(drift.columns)) if (c.distribution) columns[name] = c.distribution;
  const label = drift.label?.distribution;
  const prediction = drift.prediction?.distribution;
  if (Object.keys(columns).length === 0 && !label && !prediction) return summary;
  const stored: StoredDistributions = {
    schema: 'upkeep.drift-distributions/v1',
    modelId,
    columns,
    ...(label ? { label } : {}),
    ...(prediction ? { prediction } : {}),
  };
  const bytes = JSON.stringify(stored);
  const sha256 = sha256Hex(bytes);
  const put = await store.put(driftDistributionsKey(modelId, sha256), bytes, { ifAbsent: true });
  const lean: DriftReport = {
    ...drift,
    columns: Object.fromEntries(Object.entries(drift.columns).map(([name, c]) => [name, without(c)])),
    ...(drift.label ? { label: without(drift.label) } : {}),
    ...(drift.prediction ? { prediction: without(drift.prediction) } : {}),
  };
  return { ...summary, drift: lean, distributions: { uri: put.uri, sha256 } };
}

/**
 * The summary with its stored distributions back in their columns (where the engine put them: each
 * column's last field) and without the reference. A summary without one is returned as it is (one
 * with inline distributions, from a worker before this change). A missing object is an error that
 * is retried (a store that lags); one whose bytes do not match the sha256 is refused, not retried.
 */
export async function inlineDistributions(store: Pick<ArtifactStore, 'tryGet'>, modelId: string, summary: EvaluationSummary): Promise<EvaluationSummary> {
  const { distributions: ref, ...rest } = summary;
  if (!ref) return summary;
  const what = `model ${modelId}: the drift distributions ${ref.uri}`;
  if (!SHA256.test(ref.sha256)) throw new UpkeepError('StoreIntegrity', `${what}: ${JSON.stringify(ref.sha256)} is not a sha256`);
  const bytes = await store.tryGet(driftDistributionsKey(modelId, ref.sha256));
  if (!bytes) throw new Error(`${what} are not in the store (removed?): the report cannot show the columns' distributions`);
  const actual = sha256Hex(bytes);
  if (actual !== ref.sha256) {
    throw new UpkeepError('StoreIntegrity', `${what} do not match their sha256 ${ref.sha256} (the stored object's is ${actual}: altered in the store?)`);
  }
  const stored = JSON.parse(new TextDecoder().decode(bytes)) as StoredDistributions;
  const drift = rest.drift;
  if (!drift) return rest;
  const put = (c: DriftColumnReport, d: DriftDistribution | undefined): DriftColumnReport => (d ? { ...without(c), distribution: d } : c);
  const of = (name: string) => (Object.hasOwn(stored.columns, name) ? stored.columns[name] : undefined);
  return {
    ...rest,
    drift: {
      ...drift,
      columns: Object.fromEntries(Object.entries(drift.columns).map(([name, c]) => [name, put(c, of(name))])),
      ...(drift.label ? { label: put(drift.label, stored.label) } : {}),
      ...(drift.prediction ? { prediction: put(drift.prediction, stored.prediction) } : {}),
    },
  };
}
