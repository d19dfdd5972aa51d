/** Small dense linear algebra for the solvers. */

/** In-place Cholesky of a symmetric positive-definite m × m matrix (lower triangle); false if not PD. */
export function cholesky(a: Float64Array, m: number): boolean {
  for (let j = 0; j < m; j++) {
    let s = a[j * m + j]!;
    for (let k = 0; k < j; k++) s -= a[j * m + k]! * a[j * m + k]!;
    if (!(s > 0)) return false;
    const l = Math.sqrt(s);
    a[j * m + j] = l;
    for (let i = j + 1; i < m; i++) {
      let t = a[i * m + j]!;
      for (let k = 0; k < j; k++) t -= a[i * m + k]! * a[j * m + k]!;
      a[i * m + j] = t / l;
    }
  }
  return true;
}

export function choleskySolve(l: Float64Array, m: number, b: Float64Array): Float64Array {
  const y = Float64Array.from(b);
  for (let i = 0; i < m; i++) {
    let s = y[i]!;
    for (let k = 0; k < i; k++) s -= l[i * m + k]! * y[k]!;
    y[i] = s / l[i * m + i]!;
  }
  for (let i = m - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < m; k++) s -= l[k * m + i]! * y[k]!;
    y[i] = s / l[i * m + i]!;
  }
  return y;
}

export function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

export function maxAbs(a: Float64Array): number {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}
