/**
 * How often upkeep's alarms ring on windows where nothing changed, rule by rule, and how often a
 * one-standard-deviation shift of the model's most important feature is caught: on the data sets
 * scripts/fixtures/make_false_alarm_table.py writes (test/fixtures/data/false-alarm-table/). Each
 * split's reference half is profiled with the model by upkeep's own code (profileReferenceData),
 * and each window — rows drawn without replacement from the other half, as a CSV file — goes
 * through the evaluation engine and the verdict policy exactly as a scheduled evaluation does.
 * scripts/false-alarms.ts writes the table (docs/false-alarms.md); test/unit/false-alarm-table.test.ts
 * reruns a subset and checks it against the table.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EvaluationSummary } from '../../domain/evaluation.js';
import type { RecognisedColumn } from '../../domain/reports.js';
import { modelSpec, type ModelSpec } from '../../domain/config.js';
import { createEvaluationEngine, type EvaluationEngine, type WindowFile } from '../../engine/evaluation/evaluate.js';
import { profileReferenceData, referenceFromProfile } from '../../engine/evaluation/reference.js';
import { sha256Hex } from '../../engine/util.js';
import { decideVerdict } from '../../workflows/policy.js';

export const WINDOW_SIZES = [50, 200, 1000] as const;
/** Windows drawn per split and window size. */
export const UNCHANGED_WINDOWS = 10;
export const SHIFTED_WINDOWS = 4;

/** The rules that can turn a verdict `warning`, in table order. */
export const RULES = [
  'drift in feature columns',
  'label drift',
  'prediction drift',
  'multivariate drift (reconstruction error)',
  'values out of range',
  'new categories',
  'null-rate rise',
  'constant column',
  'type change',
  'missing or unexpected column',
] as const;
export type Rule = (typeof RULES)[number];

/** Findings listed as information because chance explains them (the rules before they were judged against chance would have warned). */
export const LISTED = ['values out of range', 'new categories', 'null-rate rise', 'constant column', 'type change'] as const;

interface Dataset {
  name: string;
  source: string;
  task: 'binary' | 'multiclass' | 'regression';
  rows: number;
  label: string;
  features: string[];
  splits: { model: string; reference: string; shift: { feature: string; delta: number } }[];
}

export interface Index {
  seed: number;
  splits: number;
  datasets: { name: string; source: string; task: string; rows: number; columns: number; features: number }[];
  skipped: { name: string; source: string; why: string }[];
}

/** Counts for one data set and window size. */
export interface Cell {
  dataset: string;
  size: number;
  unchanged: number;
  /** Unchanged windows that raised anything. */
  raised: number;
  /** Unchanged windows per rule that warned. */
  rules: Record<Rule, number>;
  /** Unchanged windows per rule that listed a finding as information only. */
  listed: Record<(typeof LISTED)[number], number>;
  shifted: number;
  /** Shifted windows that raised a warning naming the shifted feature. */
  caught: number;
  /** Shifted windows that raised anything. */
  caughtAny: number;
  features: string[];
  recognised: RecognisedColumn[];
}

export const DEFAULT_DIR = join(import.meta.dirname, '../../test/fixtures/data/false-alarm-table');

export function readIndex(dir = DEFAULT_DIR): Index {
  return JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as Index;
}

/** Deterministic numbers in [0, 1) from a string seed (FNV-1a, then an LCG). */
export function random(seed: string): () => number {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193) >>> 0;
  let s = h;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** `k` of `pool` without replacement, ascending (a partial Fisher–Yates shuffle). */
export function draw(pool: number[], k: number, next: () => number): number[] {
  const a = pool.slice();
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(next() * (a.length - i));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a.slice(0, k).sort((x, y) => x - y);
}

export function referenceRows(mask: string, rows: number): boolean[] {
  const bytes = Buffer.from(mask, 'base64');
  return Array.from({ length: rows }, (_, i) => ((bytes[i >> 3]! >> (i & 7)) & 1) === 1);
}

function specOf(d: Dataset): ModelSpec {
  return modelSpec.parse({
    id: d.name.replace(/_/g, '-'),
    owner: 'owner@example.com',
    task: d.task,
    artifact: '/dev/null',
    inputs: [{ name: 'input', columns: d.features }],
    label: d.task === 'binary' ? { column: d.label, positive: 1 } : { column: d.label },
    data: { uri: '/tmp/{date}.csv' },
    schedule: { every: '1d' },
    // Thresholds no window fails: only drift and quality can raise anything.
    thresholds: d.task === 'regression' ? { metric: 'rmse', max: 1e12 } : { metric: 'accuracy', min: 0 },
    min_rows: 1,
    // Rows with a missing feature (penguins, cars) are dropped from the metrics, never a failed window.
    invalid_rows: { action: 'drop', max_share: 1 },
    monitor: { significance: { resamples: 0 } },
  });
}

/** What the verdict policy raises from drift and quality (the metric never fails here). */
function raisedReasons(spec: ModelSpec, summary: EvaluationSummary): string[] {
  const verdict = decideVerdict({
    model: { primaryMetric: spec.thresholds.metric, thresholds: spec.thresholds, baseline: {}, minRows: 1 },
    snapshot: { rows: summary.rows, files: [{ date: '2026-01-01' }] as never, missing: [], firstDay: '2026-01-01', lastDay: '2026-01-01' },
    evaluation: summary,
  });
  return verdict.status === 'healthy' ? [] : verdict.reasons.filter((r) => r.startsWith('drift') || r.startsWith('quality') || r.includes(' drift'));
}

function rulesOf(summary: EvaluationSummary): Record<Rule, boolean> {
  const d = summary.drift!;
  const q = summary.quality!;
  return {
    'drift in feature columns': (d.alarm?.columns.length ?? 0) > 0,
    'label drift': d.alarm?.label ?? false,
    'prediction drift': d.alarm?.prediction ?? false,
    'multivariate drift (reconstruction error)': summary.multivariate?.reconstruction?.alert ?? false,
    'values out of range': q.outOfRange.some((o) => o.alarm),
    'new categories': q.newCategories.some((c) => c.alarm),
    'null-rate rise': q.nullRateIncreases.some((n) => n.alarm !== false),
    'constant column': q.constantColumns.some((c) => c.alarm !== false),
    'type change': q.typeChanges.some((t) => t.alarm !== false),
    'missing or unexpected column': q.missingColumns.length + q.unexpectedColumns.length > 0,
  };
}

function listedOf(summary: EvaluationSummary): Record<(typeof LISTED)[number], boolean> {
  const q = summary.quality!;
  return {
    'values out of range': q.outOfRange.some((o) => !o.alarm),
    'new categories': q.newCategories.some((c) => !c.alarm),
    'null-rate rise': q.nullRateIncreases.some((n) => n.alarm === false),
    'constant column': q.constantColumns.some((c) => c.alarm === false),
    'type change': q.typeChanges.some((t) => t.alarm === false),
  };
}

/** Whether a shifted window's warnings name the shifted feature (drift confirmed on it, or a quality warning on it). */
function names(summary: EvaluationSummary, feature: string): boolean {
  if (summary.drift?.alarm?.columns.includes(feature)) return true;
  return (summary.quality?.issues ?? []).some((i) => i.severity === 'warning' && i.column === feature);
}

export interface MeasureOptions {
  dir?: string;
  /** Data sets to measure (default: all in index.json). */
  datasets?: string[];
  /** Splits per data set (default: all). */
  splits?: number;
  sizes?: readonly number[];
  threads?: number;
  onProgress?: (line: string) => void;
}

/** Measures every data set × window size the data allows (the other half at least as large as the window). */
export async function measure(opts: MeasureOptions = {}): Promise<Cell[]> {
  const dir = opts.dir ?? DEFAULT_DIR;
  const index = readIndex(dir);
  const names_ = opts.datasets ?? index.datasets.map((d) => d.name);
  const sizes = opts.sizes ?? WINDOW_SIZES;
  const engine: EvaluationEngine = createEvaluationEngine({ threads: opts.threads ?? 1 });
  const cells: Cell[] = [];
  try {
    for (const name of names_) {
      const d = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as Dataset;
      const lines = readFileSync(join(dir, `${name}.csv`), 'utf8')
        .trimEnd()
        .split('\n');
      const header = lines[0]!;
      const columns = header.split(',');
      const rows = lines.slice(1);
      const spec = specOf(d);
      const file = (fileName: string, indices: number[], shift?: { feature: string; delta: number }): WindowFile => {
        const col = shift ? columns.indexOf(shift.feature) : -1;
        const body = indices.map((i) => {
          if (col < 0) return rows[i]!;
          const cells_ = rows[i]!.split(',');
          if (cells_[col] !== '') cells_[col] = String(Number(cells_[col]) + shift!.delta);
          return cells_.join(',');
        });
        const bytes = new TextEncoder().encode([header, ...body].join('\n') + '\n');
        return { name: fileName, format: 'csv', load: async () => bytes };
      };
      const splits = d.splits.slice(0, opts.splits ?? d.splits.length);
      const bySize = new Map<number, Cell>();
      for (const [k, split] of splits.entries()) {
        const modelBytes = new Uint8Array(readFileSync(join(dir, 'models', split.model)));
        const model = { spec, modelKey: sha256Hex(modelBytes), modelBytes, artifactName: split.model };
        const inReference = referenceRows(split.reference, d.rows);
        const refIdx = inReference.flatMap((r, i) => (r ? [i] : []));
        const other = inReference.flatMap((r, i) => (r ? [] : [i]));
        const { profile } = await profileReferenceData({
          ...model,
          files: [file(`${name}-reference-${k}.csv`, refIdx)],
          engine,
          createdAt: '2026-01-01T00:00:00.000Z',
          source: `${name} split ${k}`,
        });
        const reference = referenceFromProfile(profile, spec);
        for (const size of sizes) {
          if (size > other.length) continue;
          let cell = bySize.get(size);
          if (!cell) {
            cell = {
              dataset: name,
              size,
              unchanged: 0,
              raised: 0,
              rules: Object.fromEntries(RULES.map((r) => [r, 0])) as Cell['rules'],
              listed: Object.fromEntries(LISTED.map((r) => [r, 0])) as Cell['listed'],
              shifted: 0,
              caught: 0,
              caughtAny: 0,
              features: [],
              recognised: reference.recognised ?? [],
            };
            bySize.set(size, cell);
          }
          const next = random(`${name}/${k}/${size}`);
          for (let w = 0; w < UNCHANGED_WINDOWS; w++) {
            const summary = await engine.evaluate({ ...model, files: [file(`${name}-${k}-${size}-${w}.csv`, draw(other, size, next))], reference });
            cell.unchanged++;
            if (raisedReasons(spec, summary).length > 0) cell.raised++;
            if (process.env.UPKEEP_SHOW_ALARMS && raisedReasons(spec, summary).length > 0) console.error(name, k, size, raisedReasons(spec, summary));
            for (const [rule, hit] of Object.entries(rulesOf(summary))) if (hit) cell.rules[rule as Rule]++;
            for (const [rule, hit] of Object.entries(listedOf(summary))) if (hit) cell.listed[rule as keyof Cell['listed']]++;
          }
          if (!cell.features.includes(split.shift.feature)) cell.features.push(split.shift.feature);
          for (let w = 0; w < SHIFTED_WINDOWS; w++) {
            const f = file(`${name}-${k}-${size}-shifted-${w}.csv`, draw(other, size, next), split.shift);
            const summary = await engine.evaluate({ ...model, files: [f], reference });
            cell.shifted++;
            if (raisedReasons(spec, summary).length > 0) cell.caughtAny++;
            if (names(summary, split.shift.feature)) cell.caught++;
          }
        }
        opts.onProgress?.(`${name} split ${k}`);
      }
      cells.push(...[...bySize.values()].sort((a, b) => a.size - b.size));
    }
  } finally {
    await engine.close();
  }
  return cells;
}
