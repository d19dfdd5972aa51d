/**
 * The search for weak segments over coded columns: every value (or bin) of each column, then the
 * cells of pairs of columns, while the budget of candidates lasts; each candidate with at least
 * `minRows` rows is tested against the rest of the window (stats.ts) and the family is corrected
 * by Holm. Pure: typed arrays in, segments out; the caller codes the columns (columns.ts).
 */
import { holm, segmentGap, segmentTest, type Gap, type MeanTest, type Moments } from './stats.js';
import type { SegmentCondition } from '../../../domain/segments.js';

/** A column coded per row: `codes[i]` indexes `conditions`; `conditions.length` leaves the row out of every segment of the column. */
export interface CodedColumn {
  name: string;
  codes: Uint8Array;
  conditions: SegmentCondition[];
}

export interface SearchSettings {
  /** The loss array may be overwritten (shifted by its mean in place, one array fewer on a 1M-row search). */
  shiftInPlace?: boolean;
  minRows: number;
  maxSegments: number;
  pairs: boolean;
  alpha: number;
  confidence: number;
  report: number;
}

export interface FoundSegment extends MeanTest {
  where: SegmentCondition[];
  /** Column indexes and codes, to find the rows again (members()). */
  key: { columns: number[]; codes: number[] };
  rows: number;
  pAdjusted: number;
  /** The gap on the reference the segment was compared with, when the baseline had it. */
  referenceGap?: number;
}

export interface SearchResult {
  tested: number;
  /** Of those, compared with their baseline gap. */
  againstReference: number;
  significant: number;
  /** Significant segments, worst first (by the lower end of the difference's interval), at most `report`. */
  worst: FoundSegment[];
  overall: { n: number; mean: number };
}

interface Candidate {
  columns: number[];
  codes: number[];
  m: Moments;
}

type Acc = { n: Float64Array; s: Float64Array; q: Float64Array };

/**
 * Moments of the (shifted) loss per code of a column, codes 0 … k (k: in no segment, summed and
 * ignored, so that the loop has no branch). Loops written out: this is the search's hot path.
 */
function moments(loss: Float64Array, k: number, codes: Uint8Array): Acc {
  const n = new Float64Array(k + 1);
  const s = new Float64Array(k + 1);
  const q = new Float64Array(k + 1);
  for (let i = 0; i < loss.length; i++) {
    const c = codes[i]!;
    const x = loss[i]!;
    n[c]!++;
    s[c]! += x;
    q[c]! += x * x;
  }
  return { n, s, q };
}

/** The same per cell a·(kb + 1) + b of two columns. */
function pairMoments(loss: Float64Array, ka: number, kb: number, ca: Uint8Array, cb: Uint8Array): Acc {
  const w = kb + 1;
  const k = (ka + 1) * w;
  const n = new Float64Array(k);
  const s = new Float64Array(k);
  const q = new Float64Array(k);
  for (let i = 0; i < loss.length; i++) {
    const c = ca[i]! * w + cb[i]!;
    const v = loss[i]!;
    n[c]!++;
    s[c]! += v;
    q[c]! += v * v;
  }
  return { n, s, q };
}

/** At most this many joint cells of the searched columns for jointMoments. */
const JOINT_CELLS = 1 << 18;

/**
 * Every single column's and pair's moments from one pass over the rows, when the searched columns'
 * codes (each with its "none") combine into at most JOINT_CELLS cells: the moments of each joint
 * cell, then each column's and pair's summed from the cells that hold rows. Undefined otherwise
 * (a pass per column and pair then).
 */
function jointMoments(loss: Float64Array, columns: CodedColumn[], usable: number[], pairs: [number, number][]): { singles: Acc[]; pairs: Acc[] } | undefined {
  const size = new Map(usable.map((j) => [j, columns[j]!.conditions.length + 1]));
  const stride = new Map<number, number>();
  let cells = 1;
  for (const j of usable) {
    stride.set(j, cells);
    cells *= size.get(j)!;
    if (cells > JOINT_CELLS) return undefined;
  }
  const N = loss.length;
  const cell = new Int32Array(N);
  for (const j of usable) {
    const codes = columns[j]!.codes;
    const st = stride.get(j)!;
    for (let i = 0; i < N; i++) cell[i]! += codes[i]! * st;
  }
  const acc = (k: number): Acc => ({ n: new Float64Array(k), s: new Float64Array(k), q: new Float64Array(k) });
  const all = acc(cells);
  for (let i = 0; i < N; i++) {
    const c = cell[i]!;
    const x = loss[i]!;
    all.n[c]!++;
    all.s[c]! += x;
    all.q[c]! += x * x;
  }
  const singles = usable.map((j) => acc(size.get(j)!));
  const pairAcc = pairs.map(([a, b]) => acc(size.get(a)! * size.get(b)!));
  const codeOf = (c: number, j: number): number => Math.floor(c / stride.get(j)!) % size.get(j)!;
  const add = (to: Acc, at: number, c: number): void => {
    to.n[at]! += all.n[c]!;
    to.s[at]! += all.s[c]!;
    to.q[at]! += all.q[c]!;
  };
  for (let c = 0; c < cells; c++) {
    if (all.n[c] === 0) continue;
    usable.forEach((j, t) => add(singles[t]!, codeOf(c, j), c));
    pairs.forEach(([a, b], t) => add(pairAcc[t]!, codeOf(c, a) * size.get(b)! + codeOf(c, b), c));
  }
  return { singles, pairs: pairAcc };
}

/** A segment's conditions as a key (what a reference's baseline is stored under). */
export function whereKey(where: SegmentCondition[]): string {
  return JSON.stringify(where.map((c) => ('value' in c ? [c.column, c.value] : c.missing ? [c.column, null] : [c.column, c.low ?? null, c.high ?? null])));
}

/** The candidates of the search (within the budget) with their moments of loss − mean. */
function enumerate(
  loss: Float64Array,
  columns: CodedColumn[],
  settings: Omit<SearchSettings, 'alpha' | 'confidence' | 'report'>,
): { candidates: Candidate[]; all: Moments; mean: number } {
  const N = loss.length;
  let mean = 0;
  for (let i = 0; i < N; i++) mean += loss[i]!;
  mean /= Math.max(1, N);
  // Moments of loss − mean: sums of squares keep their precision on long windows.
  const shifted = settings.shiftInPlace ? loss : new Float64Array(N);
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < N; i++) {
    const d = loss[i]! - mean;
    shifted[i] = d;
    sum += d;
    sumSq += d * d;
  }
  const all: Moments = { n: N, sum, sumSq };
  const candidates: Candidate[] = [];
  const take = (cols: number[], at: number, acc: Acc, codes: number[]): void => {
    if (acc.n[at]! < settings.minRows || N - acc.n[at]! < 2) return;
    candidates.push({ columns: cols, codes, m: { n: acc.n[at]!, sum: acc.s[at]!, sumSq: acc.q[at]! } });
  };
  // Which candidates, from the columns alone: single columns first, each costing its number of
  // values of the budget; then pairs in column order, each costing all its cells (whatever their
  // sizes: a data-independent budget).
  let budget = settings.maxSegments;
  const usable: number[] = [];
  for (const [j, col] of columns.entries()) {
    const k = col.conditions.length;
    if (k === 0 || k > budget) continue;
    budget -= k;
    usable.push(j);
  }
  const pairs: [number, number][] = [];
  if (settings.pairs) {
    for (let a = 0; a < usable.length; a++) {
      for (let b = a + 1; b < usable.length; b++) {
        const ka = columns[usable[a]!]!.conditions.length;
        const kb = columns[usable[b]!]!.conditions.length;
        if (ka * kb > budget || ka < 2 || kb < 2) continue;
        budget -= ka * kb;
        pairs.push([usable[a]!, usable[b]!]);
      }
    }
  }
  const joint = jointMoments(shifted, columns, usable, pairs);
  usable.forEach((j, t) => {
    const k = columns[j]!.conditions.length;
    const acc = joint ? joint.singles[t]! : moments(shifted, k, columns[j]!.codes);
    for (let c = 0; c < k; c++) take([j], c, acc, [c]);
  });
  pairs.forEach(([a, b], t) => {
    const A = columns[a]!;
    const B = columns[b]!;
    const ka = A.conditions.length;
    const kb = B.conditions.length;
    const acc = joint ? joint.pairs[t]! : pairMoments(shifted, ka, kb, A.codes, B.codes);
    for (let x = 0; x < ka; x++) for (let y = 0; y < kb; y++) take([a, b], x * (kb + 1) + y, acc, [x, y]);
  });
  return { candidates, all, mean };
}

/**
 * Each candidate's gap against the rest, keyed by whereKey: a reference's baseline, so that a window
 * is judged by how much a segment's gap grew rather than by a gap it always had.
 */
export function segmentBaseline(
  loss: Float64Array,
  columns: CodedColumn[],
  settings: Omit<SearchSettings, 'alpha' | 'confidence' | 'report'>,
): Record<string, Gap & { n: number }> {
  const { candidates, all } = enumerate(loss, columns, settings);
  const out: Record<string, Gap & { n: number }> = {};
  for (const c of candidates) out[whereKey(c.columns.map((j, t) => columns[j]!.conditions[c.codes[t]!]!))] = { n: c.m.n, ...segmentGap(c.m, all) };
  return out;
}

/**
 * Searches `columns` for segments whose mean `loss` (higher is worse) is significantly above the
 * rest's, or, for a segment `baseline` knows, whose gap to the rest grew significantly beyond it.
 */
export function searchSegments(
  loss: Float64Array,
  columns: CodedColumn[],
  settings: SearchSettings,
  baseline?: (key: string) => Gap | undefined,
): SearchResult {
  const { candidates, all, mean } = enumerate(loss, columns, settings);
  const whereOf = (c: Candidate): SegmentCondition[] => c.columns.map((j, t) => columns[j]!.conditions[c.codes[t]!]!);
  const bases = candidates.map((c) => baseline?.(whereKey(whereOf(c))));
  const tests = candidates.map((c, i) => segmentTest(c.m, all, settings.confidence, mean, bases[i]));
  const adjusted = holm(tests.map((t) => t.p));
  const found: FoundSegment[] = [];
  candidates.forEach((c, i) => {
    if (adjusted[i]! > settings.alpha) return;
    found.push({
      ...tests[i]!,
      where: whereOf(c),
      key: { columns: c.columns, codes: c.codes },
      rows: c.m.n,
      pAdjusted: adjusted[i]!,
      ...(bases[i] ? { referenceGap: bases[i].diff } : {}),
    });
  });
  found.sort((x, y) => y.low - x.low || x.pAdjusted - y.pAdjusted || x.rows - y.rows);
  return {
    tested: candidates.length,
    againstReference: bases.filter(Boolean).length,
    significant: found.length,
    worst: found.slice(0, settings.report),
    overall: { n: all.n, mean },
  };
}

/** The rows (indexes into the coded arrays) of a found segment. */
export function members(columns: CodedColumn[], key: FoundSegment['key']): Int32Array {
  const a = columns[key.columns[0]!]!.codes;
  const b = key.columns.length > 1 ? columns[key.columns[1]!]!.codes : undefined;
  const va = key.codes[0]!;
  const vb = key.codes[1] ?? -1;
  let count = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === va && (!b || b[i] === vb)) count++;
  const out = new Int32Array(count);
  for (let i = 0, j = 0; i < a.length; i++) if (a[i] === va && (!b || b[i] === vb)) out[j++] = i;
  return out;
}
