/**
 * A watched column's reference and current distributions, small enough to store in every report
 * and draw (engine/pictures/distribution.ts): for numbers, the bins the drift tests bin with
 * (bins.ts, Evidently's), for categories the most frequent ones and the rest as "other". Counts are
 * of what the tests saw: the sorted values, or a sketch's points for a large window (then
 * `current_scale` says how many values a point stands for). See docs/pictures.md.
 */
import type { CategoryDistribution, DriftDistribution, NumericHistogram } from '../../domain/reports.js';
import { atMostDistinct, binsSorted, histogramSorted, sturgesEdges, type NumericBins } from './bins.js';
import type { ColumnSketch } from './sketch.js';

/** At most this many bins for a numeric column (a Sturges histogram has log2(n) + 1: 31 bins at 10^9 values). */
export const MAX_DISTRIBUTION_BINS = 30;
/** At most this many categories shown, the rest gathered into "other". */
export const MAX_DISTRIBUTION_CATEGORIES = 20;
/** Category names longer than this are cut (the picture's labels and the stored report stay small). */
export const MAX_CATEGORY_CHARS = 80;

type NumericSketch = Extract<ColumnSketch, { kind: 'numeric' }>;
type CategoricalSketch = Extract<ColumnSketch, { kind: 'categorical' }>;

/** Values one counted point stands for: more than 1 for a compacted sketch or a sampled profile. */
function scaleOf(s: NumericSketch): number | undefined {
  const n = s.sorted.length;
  const finite = s.compacted?.count ?? s.rows - s.nulls - s.nonFinite;
  return n > 0 && finite > n ? finite / n : undefined;
}

/** Merges adjacent bins in groups of `ceil(k / max)`: every remaining edge is one of the originals. */
export function mergeBins(edges: Float64Array, ref: Float64Array, cur: Float64Array, max: number): { edges: number[]; reference: number[]; current: number[] } {
  const k = ref.length;
  const group = Math.ceil(k / max);
  const e: number[] = [edges[0]!];
  const r: number[] = [];
  const c: number[] = [];
  for (let i = 0; i < k; i += group) {
    let sr = 0;
    let sc = 0;
    for (let j = i; j < Math.min(k, i + group); j++) {
      sr += ref[j]!;
      sc += cur[j]!;
    }
    r.push(sr);
    c.push(sc);
    e.push(edges[Math.min(k, i + group)]!);
  }
  return { edges: e, reference: r, current: c };
}

/** `tested`: the bins the column's binned test counted, when one ran (else computed here, the same way). */
export function numericDistribution(reference: NumericSketch, current: NumericSketch, integer: boolean, tested?: NumericBins): DriftDistribution | undefined {
  const a = reference.sorted;
  const b = current.sorted;
  if (a.length === 0 || b.length === 0) return undefined;
  const refScale = scaleOf(reference);
  const curScale = scaleOf(current);
  const scales = { ...(refScale !== undefined ? { reference_scale: refScale } : {}), ...(curScale !== undefined ? { current_scale: curScale } : {}) };
  // The same bins the tests use (binsSorted), with the "≤ 20 distinct reference values" check stopping early.
  const bins = tested ?? binsSorted(a, b, integer, atMostDistinct(a, 20));
  if (bins.kind === 'values' && bins.values.length <= MAX_DISTRIBUTION_BINS) {
    return { kind: 'values', values: Array.from(bins.values), reference: Array.from(bins.reference), current: Array.from(bins.current), ...scales };
  }
  let binning: NumericHistogram['binning'] = 'test';
  let {
    edges,
    reference: r,
    current: c,
  } = bins.kind === 'histogram' ? bins : { edges: new Float64Array(0), reference: new Float64Array(0), current: new Float64Array(0) };
  if (bins.kind === 'values') {
    // The tests count each value (the reference has ≤ 20), but the window brought many more: draw
    // Sturges bins over reference ∪ current, as the tests would for a continuous column.
    binning = 'sturges';
    edges = sturgesEdges(Math.min(a[0]!, b[0]!), Math.max(a[a.length - 1]!, b[b.length - 1]!), a.length + b.length, integer);
    r = histogramSorted(a, edges);
    c = histogramSorted(b, edges);
  }
  if (r.length > MAX_DISTRIBUTION_BINS) {
    return { kind: 'histogram', ...mergeBins(edges, r, c, MAX_DISTRIBUTION_BINS), binning: binning === 'test' ? 'test-merged' : binning, ...scales };
  }
  return { kind: 'histogram', edges: Array.from(edges), reference: Array.from(r), current: Array.from(c), binning, ...scales };
}

const cut = (s: string): string => (s.length > MAX_CATEGORY_CHARS ? `${s.slice(0, MAX_CATEGORY_CHARS - 1)}…` : s);

export function categoricalDistribution(reference: CategoricalSketch, current: CategoricalSketch): CategoryDistribution | undefined {
  const ref = new Map<string, number>();
  const cur = new Map<string, number>();
  reference.categories.forEach((k, i) => ref.set(k, (ref.get(k) ?? 0) + reference.counts[i]!));
  current.categories.forEach((k, i) => cur.set(k, (cur.get(k) ?? 0) + current.counts[i]!));
  let n1 = 0;
  let n2 = 0;
  for (const v of ref.values()) n1 += v;
  for (const v of cur.values()) n2 += v;
  if (n1 === 0 && n2 === 0) return undefined;
  const keys = [...new Set([...ref.keys(), ...cur.keys()])].filter((k) => (ref.get(k) ?? 0) > 0 || (cur.get(k) ?? 0) > 0);
  const share = (k: string): number => Math.max(n1 > 0 ? (ref.get(k) ?? 0) / n1 : 0, n2 > 0 ? (cur.get(k) ?? 0) / n2 : 0);
  keys.sort((x, y) => share(y) - share(x) || (x < y ? -1 : x > y ? 1 : 0));
  // With more categories than the bound, keep one bar for "other": the top ones fill the rest.
  const shown = keys.length <= MAX_DISTRIBUTION_CATEGORIES ? keys : keys.slice(0, MAX_DISTRIBUTION_CATEGORIES - 1);
  const out: CategoryDistribution = {
    kind: 'categories',
    categories: shown.map(cut),
    reference: shown.map((k) => ref.get(k) ?? 0),
    current: shown.map((k) => cur.get(k) ?? 0),
    unseen: shown.map((k) => (ref.get(k) ?? 0) === 0),
  };
  if (shown.length < keys.length) {
    const rest = keys.slice(shown.length);
    const unseen = rest.filter((k) => (ref.get(k) ?? 0) === 0);
    out.other = {
      categories: rest.length,
      reference: rest.reduce((n, k) => n + (ref.get(k) ?? 0), 0),
      current: rest.reduce((n, k) => n + (cur.get(k) ?? 0), 0),
      unseen_categories: unseen.length,
      unseen_current: unseen.reduce((n, k) => n + (cur.get(k) ?? 0), 0),
    };
  }
  return out;
}
