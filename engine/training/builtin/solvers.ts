/** Solvers for the classifier objectives: Newton (IRLS) with line search, and L-BFGS. */
import { cholesky, choleskySolve, dot, maxAbs } from './linalg.js';
import type { Objective } from './objectives.js';

export interface FitResult {
  theta: Float64Array;
  iterations: number;
  converged: boolean;
  gradientNorm: number;
  objective: number;
  solver: 'newton' | 'lbfgs';
}

export function newton(obj: Objective, n: number, maxIterations: number, tolerance: number): FitResult {
  let theta: Float64Array = new Float64Array(obj.size);
  const g = new Float64Array(obj.size);
  let f = obj.evaluate(theta, g);
  let iterations = 0;
  let converged = maxAbs(g) / n <= tolerance;
  while (!converged && iterations < maxIterations) {
    const h = obj.hessian(theta);
    if (!cholesky(h, obj.size)) break;
    const step = choleskySolve(h, obj.size, g);
    for (let i = 0; i < step.length; i++) step[i] = -step[i]!;
    const slope = dot(g, step);
    let t = 1;
    let next: Float64Array | undefined;
    const gNext = new Float64Array(obj.size);
    let fNext = f;
    while (t > 1e-12) {
      const candidate = theta.map((v, i) => v + t * step[i]!);
      fNext = obj.evaluate(candidate, gNext);
      if (fNext <= f + 1e-4 * t * slope) {
        next = candidate;
        break;
      }
      t /= 2;
    }
    iterations++;
    if (!next) break;
    theta = next;
    f = fNext;
    g.set(gNext);
    converged = maxAbs(g) / n <= tolerance;
  }
  return { theta, iterations, converged, gradientNorm: maxAbs(g) / n, objective: f, solver: 'newton' };
}

export const LBFGS_FTOL = 64 * Number.EPSILON;

export function lbfgs(obj: Objective, n: number, maxIterations: number, tolerance: number, memory = 10): FitResult {
  let theta: Float64Array = new Float64Array(obj.size);
  let g: Float64Array = new Float64Array(obj.size);
  let f = obj.evaluate(theta, g);
  const ss: Float64Array[] = [];
  const ys: Float64Array[] = [];
  let iterations = 0;
  let converged = maxAbs(g) / n <= tolerance;
  while (!converged && iterations < maxIterations) {
    // Two-loop recursion: direction = -H g.
    const q = Float64Array.from(g);
    const alpha: number[] = [];
    for (let i = ss.length - 1; i >= 0; i--) {
      const a = dot(ss[i]!, q) / dot(ys[i]!, ss[i]!);
      alpha[i] = a;
      for (let j = 0; j < q.length; j++) q[j]! -= a * ys[i]![j]!;
    }
    const last = ss.length - 1;
    const gamma = last >= 0 ? dot(ss[last]!, ys[last]!) / dot(ys[last]!, ys[last]!) : 1 / Math.max(maxAbs(g), 1e-300);
    for (let j = 0; j < q.length; j++) q[j]! *= gamma;
    for (let i = 0; i < ss.length; i++) {
      const b = dot(ys[i]!, q) / dot(ys[i]!, ss[i]!);
      for (let j = 0; j < q.length; j++) q[j]! += ss[i]![j]! * (alpha[i]! - b);
    }
    const dir = q.map((v) => -v);
    let slope = dot(g, dir);
    if (!(slope < 0)) {
      ss.length = 0;
      ys.length = 0;
      dir.set(g.map((v) => -v / Math.max(maxAbs(g), 1e-300)));
      slope = dot(g, dir);
    }
    let t = 1;
    const gNext = new Float64Array(obj.size);
    let accepted: Float64Array | undefined;
    let fNext = f;
    while (t > 1e-14) {
      const candidate = theta.map((v, i) => v + t * dir[i]!);
      fNext = obj.evaluate(candidate, gNext);
      if (fNext <= f + 1e-4 * t * slope) {
        accepted = candidate;
        break;
      }
      t /= 2;
    }
    iterations++;
    if (!accepted) break;
    const s = accepted.map((v, i) => v - theta[i]!);
    const yv = gNext.map((v, i) => v - g[i]!);
    if (dot(s, yv) > 1e-12 * dot(yv, yv)) {
      ss.push(s);
      ys.push(yv);
      if (ss.length > memory) {
        ss.shift();
        ys.shift();
      }
    }
    // Also converged when the objective no longer decreases beyond rounding, as scikit-learn's
    // L-BFGS stops (ftol = 64 machine epsilons): near the optimum the line search only halves.
    const stalled = f - fNext <= LBFGS_FTOL * Math.max(Math.abs(f), Math.abs(fNext), 1);
    theta = accepted;
    f = fNext;
    g = gNext;
    converged = maxAbs(g) / n <= tolerance || stalled;
  }
  return { theta, iterations, converged, gradientNorm: maxAbs(g) / n, objective: f, solver: 'lbfgs' };
}
