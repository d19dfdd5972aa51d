/**
 * One column of the reference sample moved to the window's distribution of that column, changing
 * each row as little as the two distributions allow, so that a column whose distribution did not
 * change is left as it is (its estimated effect is then 0, not its importance):
 *
 * - numbers binned in a histogram: the monotone map x → Q_window(F_reference(x)), both CDFs
 *   piecewise linear over the drift picture's bins (one set of edges for both sides);
 * - numbers with few values: the same map on the discrete CDFs, a row's position inside its
 *   value's step drawn at random (ties broken at random);
 * - categories: the maximal coupling — a row keeps its category with probability
 *   min(1, window share / reference share), else takes a category the window has more of than the
 *   reference, drawn in proportion to that surplus (new categories included). The "other" bar of
 *   folded categories is kept by its rows but never drawn (its names are not known).
 *
 * The distributions are the drift report's (engine/drift/distribution.ts): the reference side from
 * the whole reference profile, the window side from the whole window.
 */
import type { DriftDistribution } from '../../../domain/reports.js';
import { Mulberry32 } from '../../math/random.js';

/** A sample column: numbers, or codes into `categories` (a categorical model input). */
export interface SampleColumn {
  values: Float64Array;
  categories?: string[];
}

function shares(counts: readonly number[]): number[] {
  let total = 0;
  for (const c of counts) total += Math.max(0, c);
  return counts.map((c) => (total > 0 ? Math.max(0, c) / total : 0));
}

function cumulative(p: readonly number[]): number[] {
  const out = [0];
  for (const v of p) out.push(out[out.length - 1]! + v);
  out[out.length - 1] = 1;
  return out;
}

/** The first index b with cum[b + 1] > u (and mass in b), for u in [0, 1]. */
function stepOf(cum: readonly number[], p: readonly number[], u: number): number {
  let lo = 0;
  let hi = p.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cum[mid + 1]! > u) hi = mid;
    else lo = mid + 1;
  }
  while (lo < p.length - 1 && p[lo] === 0) lo++;
  while (lo > 0 && p[lo] === 0) lo--;
  return lo;
}

/** x → Q_cur(F_ref(x)) on one set of bins (edges), both CDFs linear inside a bin. */
function histogramMap(edges: readonly number[], ref: readonly number[], cur: readonly number[]): (x: number) => number {
  const r = shares(ref);
  const c = shares(cur);
  const cr = cumulative(r);
  const cc = cumulative(c);
  const k = r.length;
  return (x) => {
    if (!(x === x)) return x;
    let b = 0;
    while (b < k - 1 && x >= edges[b + 1]!) b++;
    const lo = edges[b]!;
    const hi = edges[b + 1]!;
    const t = hi > lo ? Math.min(1, Math.max(0, (x - lo) / (hi - lo))) : 0;
    const u = cr[b]! + r[b]! * t;
    const d = stepOf(cc, c, u);
    const within = c[d]! > 0 ? Math.min(1, Math.max(0, (u - cc[d]!) / c[d]!)) : 0;
    return edges[d]! + within * (edges[d + 1]! - edges[d]!);
  };
}

/** The column moved to the window's distribution (a new array; categories may gain new names). */
export function transportColumn(column: SampleColumn, dist: DriftDistribution, seed: number): SampleColumn {
  const rng = new Mulberry32(seed);
  const n = column.values.length;
  const out = new Float64Array(n);
  if (dist.kind === 'histogram') {
    const map = histogramMap(dist.edges, dist.reference, dist.current);
    let integer = true;
    for (let i = 0; i < n; i++) if (!Number.isInteger(column.values[i])) integer = false;
    for (let i = 0; i < n; i++) {
      const v = map(column.values[i]!);
      out[i] = integer ? Math.round(v) : v;
    }
    return { values: out };
  }
  if (dist.kind === 'values') {
    const r = shares(dist.reference);
    const c = shares(dist.current);
    const cr = cumulative(r);
    const cc = cumulative(c);
    const at = new Map(dist.values.map((v, i) => [v, i]));
    for (let i = 0; i < n; i++) {
      const a = at.get(column.values[i]!);
      if (a === undefined || r[a] === 0) {
        out[i] = column.values[i]!;
        continue;
      }
      const u = cr[a]! + r[a]! * rng.next();
      out[i] = dist.values[stepOf(cc, c, u)]!;
    }
    return { values: out };
  }
  // Categories: the maximal coupling between the shown categories' shares (the "other" bar kept apart).
  const names = dist.categories;
  const refCounts = [...dist.reference, dist.other?.reference ?? 0];
  const curCounts = [...dist.current, dist.other?.current ?? 0];
  const r = shares(refCounts);
  const c = shares(curCounts);
  const m = names.length;
  const surplus = names.map((_, i) => Math.max(0, c[i]! - r[i]!));
  const sp = shares(surplus);
  const cs = cumulative(sp);
  const anySurplus = surplus.some((s) => s > 0);
  const codeOf = new Map(names.map((name, i) => [name, i]));
  const categories = column.categories ? [...column.categories] : undefined;
  const codeInColumn = new Map((categories ?? []).map((name, i) => [name, i]));
  const encode = (name: string): number => {
    if (!categories) return Number(name);
    let code = codeInColumn.get(name);
    if (code === undefined) {
      code = categories.length;
      categories.push(name);
      codeInColumn.set(name, code);
    }
    return code;
  };
  for (let i = 0; i < n; i++) {
    const v = column.values[i]!;
    const name = categories ? (v === v ? categories[v] : undefined) : String(v);
    const from = name === undefined ? undefined : (codeOf.get(name) ?? m);
    if (from === undefined || r[from] === 0 || !anySurplus || rng.next() < Math.min(1, c[from]! / r[from]!)) {
      out[i] = v;
      continue;
    }
    const to = names[stepOf(cs, sp, rng.next())]!;
    const code = encode(to);
    out[i] = code === code ? code : v;
  }
  return categories ? { values: out, categories } : { values: out };
}
