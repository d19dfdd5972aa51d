/** Penalised training objectives: logistic (binary) and softmax (multiclass) log-loss. */
import type { Design } from './design.js';
import { binaryPasses } from './pass-thread.js';

/** A smooth convex objective over a flat parameter vector. */
export interface Objective {
  size: number;
  /** Value and gradient (written into g). */
  evaluate(theta: Float64Array, g: Float64Array): number;
  /** Hessian (size × size, row-major). */
  hessian(theta: Float64Array): Float64Array;
  /** Mean data loss without the penalty. */
  dataLoss(theta: Float64Array): number;
  /** Releases what the objective holds beyond memory (a helper thread). */
  close?(): void;
}

export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/**
 * θ = [w (d), b]. The passes over the rows: binary-pass.ts, in chunks (pass-thread.ts; `helper`:
 * shared with a helper thread, for a design on a SharedArrayBuffer). `close()` ends the helper.
 */
export function binaryObjective(ds: Design, y: Int32Array, l2: number, opts: { helper?: boolean; chunkRows?: number } = {}): Objective {
  const { x, n, d } = ds;
  const size = d + 1;
  const passes = binaryPasses(x, y, n, d, opts);
  const loss = (theta: Float64Array, g?: Float64Array): number => passes.run(theta, g);
  // The last evaluation's data loss: the solvers' final point was evaluated, so dataLoss need not
  // pass over the rows again.
  const last: { theta?: Float64Array; loss: number } = { loss: 0 };
  return {
    size,
    evaluate(theta, g) {
      let f = loss(theta, g);
      last.theta = Float64Array.from(theta);
      last.loss = f;
      for (let j = 0; j < d; j++) {
        f += 0.5 * l2 * theta[j]! * theta[j]!;
        g[j]! += l2 * theta[j]!;
      }
      return f;
    },
    hessian(theta) {
      const h = new Float64Array(size * size);
      const xt = new Float64Array(size);
      for (let i = 0; i < n; i++) {
        let z = theta[d]!;
        for (let j = 0; j < d; j++) {
          xt[j] = x[j * n + i]!;
          z += theta[j]! * xt[j]!;
        }
        xt[d] = 1;
        const p = sigmoid(z);
        const c = p * (1 - p);
        for (let a = 0; a < size; a++) {
          const ca = c * xt[a]!;
          if (ca === 0) continue;
          for (let b = a; b < size; b++) h[a * size + b]! += ca * xt[b]!;
        }
      }
      for (let a = 0; a < size; a++) {
        if (a < d) h[a * size + a]! += l2;
        for (let b = 0; b < a; b++) h[a * size + b] = h[b * size + a]!;
      }
      return h;
    },
    dataLoss: (theta) => (last.theta && theta.every((v, j) => Object.is(v, last.theta![j])) ? last.loss : loss(theta)) / n,
    close: () => passes.close(),
  };
}

/** θ = [W (k × d, row-major), b_0 .. b_{k-2}]; b_{k-1} is fixed at 0 (intercepts are shift-invariant). */
export function softmaxObjective(ds: Design, y: Int32Array, k: number, l2: number): Objective {
  const { x, n, d } = ds;
  const size = k * d + k - 1;
  /** Row i of the (column-major) design, gathered once for the k classes. */
  const row = new Float64Array(d);
  const gather = (i: number): Float64Array => {
    for (let j = 0; j < d; j++) row[j] = x[j * n + i]!;
    return row;
  };
  /** Probabilities of row i into p (its row gathered into `row`); returns its loss. */
  const probs = (theta: Float64Array, i: number, p: Float64Array): number => {
    gather(i);
    let max = -Infinity;
    for (let c = 0; c < k; c++) {
      let z = c < k - 1 ? theta[k * d + c]! : 0;
      for (let j = 0; j < d; j++) z += theta[c * d + j]! * row[j]!;
      p[c] = z;
      if (z > max) max = z;
    }
    let sum = 0;
    for (let c = 0; c < k; c++) sum += Math.exp(p[c]! - max);
    const lse = max + Math.log(sum);
    const zy = p[y[i]!]!;
    for (let c = 0; c < k; c++) p[c] = Math.exp(p[c]! - lse);
    return lse - zy;
  };
  const loss = (theta: Float64Array, g?: Float64Array): number => {
    const p = new Float64Array(k);
    let f = 0;
    if (g) g.fill(0);
    for (let i = 0; i < n; i++) {
      f += probs(theta, i, p);
      if (!g) continue;
      for (let c = 0; c < k; c++) {
        const r = p[c]! - (y[i] === c ? 1 : 0);
        for (let j = 0; j < d; j++) g[c * d + j]! += r * row[j]!;
        if (c < k - 1) g[k * d + c]! += r;
      }
    }
    return f;
  };
  return {
    size,
    evaluate(theta, g) {
      let f = loss(theta, g);
      for (let j = 0; j < k * d; j++) {
        f += 0.5 * l2 * theta[j]! * theta[j]!;
        g[j]! += l2 * theta[j]!;
      }
      return f;
    },
    hessian(theta) {
      const h = new Float64Array(size * size);
      const p = new Float64Array(k);
      const xt = new Float64Array(d + 1);
      // Parameter index of (class c, extended feature j), j = d being the intercept.
      const at = (c: number, j: number): number => (j < d ? c * d + j : k * d + c);
      for (let i = 0; i < n; i++) {
        probs(theta, i, p);
        xt.set(row);
        xt[d] = 1;
        for (let c = 0; c < k; c++) {
          for (let e = c; e < k; e++) {
            const w = p[c]! * ((c === e ? 1 : 0) - p[e]!);
            if (w === 0) continue;
            for (let a = 0; a <= d; a++) {
              if (a === d && c === k - 1) continue;
              const wa = w * xt[a]!;
              if (wa === 0) continue;
              const ia = at(c, a);
              for (let b = 0; b <= d; b++) {
                if (b === d && e === k - 1) continue;
                const ib = at(e, b);
                // Accumulate the upper triangle only; the (e, c) block mirrors it.
                if (ib >= ia) h[ia * size + ib]! += wa * xt[b]!;
                else if (c !== e) h[ib * size + ia]! += wa * xt[b]!;
              }
            }
          }
        }
      }
      for (let a = 0; a < size; a++) {
        if (a < k * d) h[a * size + a]! += l2;
        for (let b = 0; b < a; b++) h[a * size + b] = h[b * size + a]!;
      }
      return h;
    },
    dataLoss: (theta) => loss(theta) / n,
  };
}
