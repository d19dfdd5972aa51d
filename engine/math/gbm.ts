/**
 * Gradient-boosted decision trees, histogram-based (docs/statistics/estimation.md describes how
 * they are used): squared-error regression and logistic binary classification, trees grown
 * leaf-wise (the leaf with the best gain is split next) up to `maxLeaves` leaves and `maxDepth`
 * levels, leaf values −G/(H + l2) shrunk by the learning rate, at least `minRowsPerLeaf` rows (and
 * `minHessianPerLeaf`) in every leaf. A value is NaN-missing: each split sends the missing rows to
 * whichever side gains more (to the larger side when it saw none). Category codes are taken as
 * numbers (ordered splits on the codes), which trees handle well enough when the codes are few.
 * Deterministic: the same rows, parameters and seed give the same model. Importance is the total
 * gain of the splits on each feature. The fitted model is plain arrays (JSON-serialisable).
 * Working memory is typed arrays sized once per fit; nothing is allocated per row.
 */
import { makeBins, type Bins } from './gbm-bins.js';
import { Mulberry32 } from './random.js';

export type GbmObjective = 'squared' | 'logistic';

export interface GbmParams {
  objective: GbmObjective;
  /** Boosting rounds (default 100). */
  trees?: number;
  /** Shrinkage of each tree (default 0.1). */
  learningRate?: number;
  /** Leaves per tree (default 31). */
  maxLeaves?: number;
  /** Depth limit, 0 = none (default 0: the leaf limit alone bounds the tree). */
  maxDepth?: number;
  /** Rows per leaf at least (default 20). */
  minRowsPerLeaf?: number;
  /** Sum of hessians per leaf at least (default 1e-3; matters for the logistic loss). */
  minHessianPerLeaf?: number;
  /** L2 penalty on leaf values (default 0). */
  l2?: number;
  /** Bins per feature, at most 255 (default 255). */
  maxBins?: number;
  /** Rows the quantile bin edges are computed from (default 200,000). */
  binSampleRows?: number;
  /** Fraction of rows each tree is fitted on (default 1: all). */
  subsample?: number;
  seed?: number;
  /** Rows to watch the loss on while boosting; with `earlyStopping`, stop when it has not improved for that many rounds and keep the best. */
  valid?: { x: Float64Array; y: Float64Array; rows: number };
  earlyStopping?: number;
}

/** One tree as parallel arrays; node 0 is the root; a leaf has feature −1 and its value in `value`. */
export interface GbmTree {
  feature: number[];
  threshold: number[];
  /** 1: missing values go left. */
  missingLeft: number[];
  left: number[];
  right: number[];
  value: number[];
}

export interface GbmModel {
  objective: GbmObjective;
  features: number;
  /** The raw score before any tree (mean, or log-odds of the mean label). */
  base: number;
  trees: GbmTree[];
  /** Total split gain per feature. */
  importance: number[];
  /** The loss on `valid` after each round, when it was given. */
  validLoss?: number[];
}

const MAX_SPLIT = Number.MAX_VALUE;

interface Leaf {
  node: number;
  start: number;
  end: number;
  depth: number;
  hist: Float64Array;
  g: number;
  h: number;
  c: number;
  gain: number;
  feature: number;
  bin: number;
  missingLeft: boolean;
}

/** Fits a model on `rows` rows of the row-major matrix `x` (rows × features) with targets `y` (0/1 for logistic). */
export function fitGbm(x: Float64Array, y: Float64Array, rows: number, features: number, params: GbmParams): GbmModel {
  const p = withDefaults(params);
  if (rows < 1) throw new RangeError('fitGbm: no rows');
  if (x.length !== rows * features || y.length !== rows)
    throw new RangeError(`fitGbm: x has ${x.length} values and y ${y.length} for ${rows} rows × ${features} features`);
  const bins = makeBins(x, rows, features, { maxBins: p.maxBins, sampleRows: p.binSampleRows, seed: p.seed });
  const base = baseScore(y, p.objective);
  const f = new Float64Array(rows).fill(base);
  const g = new Float64Array(rows);
  const h = new Float64Array(rows);
  const idx = new Uint32Array(rows);
  const scratch = new Uint32Array(rows);
  const importance = new Array<number>(features).fill(0);
  const trees: GbmTree[] = [];
  const rng = new Mulberry32(p.seed + 1);
  const pool: Float64Array[] = [];
  const valid = p.valid;
  const fv = valid ? new Float64Array(valid.rows).fill(base) : null;
  const validLoss: number[] = [];
  let best = Infinity;
  let bestRound = 0;
  for (let t = 0; t < p.trees; t++) {
    gradients(p.objective, y, f, g, h);
    let n = rows;
    if (p.subsample < 1) {
      n = 0;
      for (let r = 0; r < rows; r++) if (rng.next() < p.subsample) idx[n++] = r;
      if (n === 0) idx[n++] = rng.below(rows);
    } else for (let r = 0; r < rows; r++) idx[r] = r;
    const tree = growTree(bins, g, h, idx, n, scratch, pool, importance, p);
    trees.push(tree);
    const packed = pack(tree);
    for (let r = 0; r < rows; r++) f[r]! += leafValuePacked(packed, x, r * features);
    if (valid && fv) {
      for (let r = 0; r < valid.rows; r++) fv[r]! += leafValuePacked(packed, valid.x, r * features);
      const loss = meanLoss(p.objective, valid.y, fv);
      validLoss.push(loss);
      if (bestRound === 0 || loss < best - 1e-15 * Math.abs(best)) {
        best = loss;
        bestRound = t + 1;
      } else if (p.earlyStopping > 0 && t + 1 - bestRound >= p.earlyStopping) break;
    }
  }
  const kept = valid && p.earlyStopping > 0 ? trees.slice(0, Math.max(1, bestRound)) : trees;
  const model: GbmModel = { objective: p.objective, features, base, trees: kept, importance };
  if (valid) model.validLoss = validLoss;
  return model;
}

type Resolved = Required<Omit<GbmParams, 'valid'>> & { valid?: GbmParams['valid'] };

function withDefaults(params: GbmParams): Resolved {
  const p: Resolved = {
    objective: params.objective,
    trees: params.trees ?? 100,
    learningRate: params.learningRate ?? 0.1,
    maxLeaves: params.maxLeaves ?? 31,
    maxDepth: params.maxDepth ?? 0,
    minRowsPerLeaf: params.minRowsPerLeaf ?? 20,
    minHessianPerLeaf: params.minHessianPerLeaf ?? 1e-3,
    l2: params.l2 ?? 0,
    maxBins: params.maxBins ?? 255,
    binSampleRows: params.binSampleRows ?? 200_000,
    subsample: params.subsample ?? 1,
    seed: params.seed ?? 0,
    earlyStopping: params.earlyStopping ?? 0,
  };
  if (params.valid) p.valid = params.valid;
  if (!(p.trees >= 1) || !(p.maxLeaves >= 2) || !(p.learningRate > 0) || !(p.minRowsPerLeaf >= 1) || !(p.l2 >= 0)) {
    throw new RangeError('fitGbm: trees ≥ 1, maxLeaves ≥ 2, learningRate > 0, minRowsPerLeaf ≥ 1 and l2 ≥ 0 are required');
  }
  if (!(p.subsample > 0 && p.subsample <= 1)) throw new RangeError(`fitGbm: subsample must be in (0, 1], got ${p.subsample}`);
  return p;
}

function baseScore(y: Float64Array, objective: GbmObjective): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += y[i]!;
  const mean = s / y.length;
  if (objective === 'squared') return mean;
  const q = Math.min(1 - 1e-12, Math.max(1e-12, mean));
  return Math.log(q / (1 - q));
}

function gradients(objective: GbmObjective, y: Float64Array, f: Float64Array, g: Float64Array, h: Float64Array): void {
  const n = y.length;
  if (objective === 'squared') {
    for (let i = 0; i < n; i++) {
      g[i] = f[i]! - y[i]!;
      h[i] = 1;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const q = 1 / (1 + Math.exp(-f[i]!));
      g[i] = q - y[i]!;
      h[i] = Math.max(q * (1 - q), 1e-16);
    }
  }
}

function meanLoss(objective: GbmObjective, y: Float64Array, f: Float64Array): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    const v = f[i]!;
    if (objective === 'squared') s += (v - y[i]!) ** 2;
    else s += Math.max(v, 0) - v * y[i]! + Math.log1p(Math.exp(-Math.abs(v)));
  }
  return s / y.length;
}

function buildHist(bins: Bins, g: Float64Array, h: Float64Array, idx: Uint32Array, start: number, end: number, hist: Float64Array, unitHessian: boolean): void {
  hist.fill(0);
  const d = bins.features;
  const codes = bins.codes;
  const off = bins.offset;
  if (unitHessian) {
    // squared error: every hessian is 1, so the hessian sum is the row count
    for (let k = start; k < end; k++) {
      const r = idx[k]!;
      const gr = g[r]!;
      const at = r * d;
      for (let j = 0; j < d; j++) {
        const b = (off[j]! + codes[at + j]!) * 3;
        hist[b]! += gr;
        hist[b + 2]! += 1;
      }
    }
    for (let b = 0; b < hist.length; b += 3) hist[b + 1] = hist[b + 2]!;
    return;
  }
  for (let k = start; k < end; k++) {
    const r = idx[k]!;
    const gr = g[r]!;
    const hr = h[r]!;
    const at = r * d;
    for (let j = 0; j < d; j++) {
      const b = (off[j]! + codes[at + j]!) * 3;
      hist[b]! += gr;
      hist[b + 1]! += hr;
      hist[b + 2]! += 1;
    }
  }
}

/** The best split of a leaf from its histogram (gain ≤ 0 when there is none). */
function findSplit(leaf: Leaf, bins: Bins, p: Resolved): void {
  const { g: G, h: H, c: C, hist } = leaf;
  const l2 = p.l2;
  const parent = (G * G) / (H + l2);
  const minC = p.minRowsPerLeaf;
  const minH = p.minHessianPerLeaf;
  leaf.gain = 0;
  leaf.feature = -1;
  for (let j = 0; j < bins.features; j++) {
    const nb = bins.count[j]!;
    const o = bins.offset[j]! * 3;
    const gm = hist[o + nb * 3]!;
    const hm = hist[o + nb * 3 + 1]!;
    const cm = hist[o + nb * 3 + 2]!;
    let gl = 0;
    let hl = 0;
    let cl = 0;
    for (let b = -1; b < nb; b++) {
      if (b >= 0) {
        gl += hist[o + b * 3]!;
        hl += hist[o + b * 3 + 1]!;
        cl += hist[o + b * 3 + 2]!;
      }
      // missing right (or, when no row is missing, to the larger side)
      if (cl >= minC && C - cl >= minC && hl >= minH && H - hl >= minH) {
        const gr = G - gl;
        const gain = (gl * gl) / (hl + l2) + (gr * gr) / (H - hl + l2) - parent;
        if (gain > leaf.gain) set(leaf, gain, j, b, cm === 0 ? cl >= C - cl : false);
      }
      if (cm > 0) {
        const gL = gl + gm;
        const hL = hl + hm;
        const cL = cl + cm;
        if (cL >= minC && C - cL >= minC && hL >= minH && H - hL >= minH) {
          const gr = G - gL;
          const gain = (gL * gL) / (hL + l2) + (gr * gr) / (H - hL + l2) - parent;
          if (gain > leaf.gain) set(leaf, gain, j, b, true);
        }
      }
    }
  }
  if (leaf.gain <= 1e-12 * (Math.abs(parent) + 1e-300)) leaf.feature = -1;
}

function set(leaf: Leaf, gain: number, feature: number, bin: number, missingLeft: boolean): void {
  leaf.gain = gain;
  leaf.feature = feature;
  leaf.bin = bin;
  leaf.missingLeft = missingLeft;
}

function growTree(
  bins: Bins,
  g: Float64Array,
  h: Float64Array,
  idx: Uint32Array,
  n: number,
  scratch: Uint32Array,
  pool: Float64Array[],
  importance: number[],
  p: Resolved,
): GbmTree {
  const size = bins.totalBins * 3;
  const take = (): Float64Array => pool.pop() ?? new Float64Array(size);
  const tree: GbmTree = { feature: [-1], threshold: [0], missingLeft: [0], left: [-1], right: [-1], value: [0] };
  const root: Leaf = { node: 0, start: 0, end: n, depth: 0, hist: take(), g: 0, h: 0, c: n, gain: 0, feature: -1, bin: 0, missingLeft: false };
  buildHist(bins, g, h, idx, 0, n, root.hist, p.objective === 'squared');
  for (let k = 0; k < n; k++) {
    root.g += g[idx[k]!]!;
    root.h += h[idx[k]!]!;
  }
  findSplit(root, bins, p);
  const open: Leaf[] = [root];
  let leaves = 1;
  while (leaves < p.maxLeaves) {
    let bi = -1;
    for (let i = 0; i < open.length; i++) if (open[i]!.feature >= 0 && (bi < 0 || open[i]!.gain > open[bi]!.gain)) bi = i;
    if (bi < 0) break;
    const leaf = open[bi]!;
    open.splice(bi, 1);
    const [left, right] = split(leaf, bins, g, h, idx, scratch, tree, take, p.objective === 'squared');
    importance[leaf.feature]! += leaf.gain;
    pool.push(leaf.hist);
    leaves++;
    for (const child of [left, right]) {
      if (p.maxDepth > 0 && child.depth >= p.maxDepth) child.feature = -1;
      else findSplit(child, bins, p);
      open.push(child);
    }
  }
  for (const leaf of open) {
    tree.value[leaf.node] = (-leaf.g / (leaf.h + p.l2)) * p.learningRate;
    pool.push(leaf.hist);
  }
  return tree;
}

/** Splits a leaf: partitions its rows (stably), adds two nodes, and gives the children their histograms (the smaller built, the larger by subtraction). */
function split(
  leaf: Leaf,
  bins: Bins,
  g: Float64Array,
  h: Float64Array,
  idx: Uint32Array,
  scratch: Uint32Array,
  tree: GbmTree,
  take: () => Float64Array,
  unitHessian: boolean,
): [Leaf, Leaf] {
  const { feature: j, bin, missingLeft, start, end } = leaf;
  const d = bins.features;
  const missing = bins.count[j]!;
  let w = start;
  let s = 0;
  for (let k = start; k < end; k++) {
    const r = idx[k]!;
    const code = bins.codes[r * d + j]!;
    const goesLeft = code === missing ? missingLeft : code <= bin;
    if (goesLeft) idx[w++] = r;
    else scratch[s++] = r;
  }
  idx.set(scratch.subarray(0, s), w);
  const mid = w;
  const upper = bins.upper[j]!;
  const node = leaf.node;
  const l = tree.feature.length;
  tree.feature[node] = j;
  if (bin < 0 || bin === missing - 1) {
    // present against missing: stored as "every present value goes left" (MAX_SPLIT), missing right
    tree.threshold[node] = MAX_SPLIT;
    tree.missingLeft[node] = 0;
    tree.left[node] = bin < 0 ? l + 1 : l;
    tree.right[node] = bin < 0 ? l : l + 1;
  } else {
    tree.threshold[node] = Math.max(-MAX_SPLIT, Math.min(upper[bin]!, MAX_SPLIT));
    tree.missingLeft[node] = missingLeft ? 1 : 0;
    tree.left[node] = l;
    tree.right[node] = l + 1;
  }
  for (let i = 0; i < 2; i++) {
    tree.feature.push(-1);
    tree.threshold.push(0);
    tree.missingLeft.push(0);
    tree.left.push(-1);
    tree.right.push(-1);
    tree.value.push(0);
  }
  const mk = (nodeId: number, s0: number, e0: number): Leaf => ({
    node: nodeId,
    start: s0,
    end: e0,
    depth: leaf.depth + 1,
    hist: take(),
    g: 0,
    h: 0,
    c: e0 - s0,
    gain: 0,
    feature: -1,
    bin: 0,
    missingLeft: false,
  });
  const left = mk(l, start, mid);
  const right = mk(l + 1, mid, end);
  const [small, large] = left.c <= right.c ? [left, right] : [right, left];
  buildHist(bins, g, h, idx, small.start, small.end, small.hist, unitHessian);
  const ph = leaf.hist;
  const lh = large.hist;
  for (let i = 0; i < ph.length; i++) lh[i] = ph[i]! - small.hist[i]!;
  for (let k = small.start; k < small.end; k++) {
    small.g += g[idx[k]!]!;
    small.h += h[idx[k]!]!;
  }
  large.g = leaf.g - small.g;
  large.h = leaf.h - small.h;
  return [left, right];
}

/** A tree in typed arrays for prediction: child indices, and for a leaf feature −1 with its value in `threshold`. */
interface Packed {
  feature: Int32Array;
  threshold: Float64Array;
  missingLeft: Uint8Array;
  left: Int32Array;
  right: Int32Array;
}

const packedTrees = new WeakMap<GbmTree, Packed>();

function pack(tree: GbmTree): Packed {
  let p = packedTrees.get(tree);
  if (!p) {
    const leaf = Int32Array.from(tree.feature);
    p = {
      feature: leaf,
      threshold: Float64Array.from(tree.threshold, (t, i) => (leaf[i]! < 0 ? tree.value[i]! : t)),
      missingLeft: Uint8Array.from(tree.missingLeft),
      left: Int32Array.from(tree.left),
      right: Int32Array.from(tree.right),
    };
    packedTrees.set(tree, p);
  }
  return p;
}

/** The leaf value the row starting at `at` of a row-major matrix reaches. */
function leafValuePacked(t: Packed, x: Float64Array, at: number): number {
  let node = 0;
  let j = t.feature[0]!;
  while (j >= 0) {
    const v = x[at + j]!;
    const thr = t.threshold[node]!;
    const goLeft = v !== v ? t.missingLeft[node] === 1 : v <= thr || thr === MAX_SPLIT;
    node = goLeft ? t.left[node]! : t.right[node]!;
    j = t.feature[node]!;
  }
  return t.threshold[node]!;
}

/** Raw scores (sum of the trees; log-odds for the logistic loss) of a row-major matrix; `trees` limits the rounds used. */
export function predictGbmRaw(model: GbmModel, x: Float64Array, rows: number, out = new Float64Array(rows), trees = model.trees.length): Float64Array {
  const d = model.features;
  if (x.length !== rows * d) throw new RangeError(`predictGbm: x has ${x.length} values, expected ${rows} rows × ${d} features`);
  out.fill(model.base);
  const k = Math.min(trees, model.trees.length);
  for (let t = 0; t < k; t++) {
    const tree = pack(model.trees[t]!);
    for (let r = 0; r < rows; r++) out[r]! += leafValuePacked(tree, x, r * d);
  }
  return out;
}

/** Predictions: the regression value, or the probability of label 1 for the logistic loss. */
export function predictGbm(model: GbmModel, x: Float64Array, rows: number, out = new Float64Array(rows)): Float64Array {
  predictGbmRaw(model, x, rows, out);
  if (model.objective === 'logistic') for (let r = 0; r < rows; r++) out[r] = 1 / (1 + Math.exp(-out[r]!));
  return out;
}

/** Gain importance normalised to sum 1 (all zeros when no tree split). */
export function normalisedImportance(importance: readonly number[]): number[] {
  let s = 0;
  for (const v of importance) s += v;
  return importance.map((v) => (s > 0 ? v / s : 0));
}
