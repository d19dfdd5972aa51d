/**
 * Eigenvalues and eigenvectors of a real symmetric matrix: Householder reduction to tridiagonal
 * form, then the implicit QR iteration with Wilkinson shifts (Golub and Van Loan, Matrix
 * Computations, 8.3), every rotation accumulated into the eigenvectors. O(n³); n up to a few
 * hundred in well under a second.
 */

export interface SymmetricEigen {
  /** Eigenvalues, largest first. */
  values: Float64Array;
  /** n × n, row-major: row i is the unit eigenvector of values[i]. */
  vectors: Float64Array;
}

const EPS = 2 ** -52;

/**
 * Reduces `a` (n × n, row-major, symmetric; overwritten) to tridiagonal T = Qᵀ A Q. Returns the
 * diagonal, the subdiagonal and Qᵀ (row-major, so that each row is a column of Q).
 */
function tridiagonalize(a: Float64Array, n: number): { d: Float64Array; e: Float64Array; qt: Float64Array } {
  const qt = new Float64Array(n * n);
  for (let i = 0; i < n; i++) qt[i * n + i] = 1;
  const v = new Float64Array(n);
  const p = new Float64Array(n);
  const s = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    const lo = k + 1;
    // x = A[lo.., k]; the reflector maps it onto alpha·e1.
    let norm2 = 0;
    for (let i = lo; i < n; i++) norm2 += a[i * n + k]! * a[i * n + k]!;
    const x0 = a[lo * n + k]!;
    if (norm2 - x0 * x0 === 0) continue; // already zero below the subdiagonal
    const alpha = x0 >= 0 ? -Math.sqrt(norm2) : Math.sqrt(norm2);
    let vnorm2 = 0;
    for (let i = lo; i < n; i++) {
      v[i] = a[i * n + k]! - (i === lo ? alpha : 0);
      vnorm2 += v[i]! * v[i]!;
    }
    const vnorm = Math.sqrt(vnorm2);
    for (let i = lo; i < n; i++) v[i] = v[i]! / vnorm;
    // H A H on the trailing block: p = A v, w = p − (vᵀp) v, A −= 2 (v wᵀ + w vᵀ).
    let vp = 0;
    for (let i = lo; i < n; i++) {
      let sum = 0;
      const row = i * n;
      for (let j = lo; j < n; j++) sum += a[row + j]! * v[j]!;
      p[i] = sum;
      vp += v[i]! * sum;
    }
    for (let i = lo; i < n; i++) p[i] = p[i]! - vp * v[i]!;
    for (let i = lo; i < n; i++) {
      const row = i * n;
      const vi = 2 * v[i]!;
      const wi = 2 * p[i]!;
      for (let j = lo; j < n; j++) a[row + j] = a[row + j]! - vi * p[j]! - wi * v[j]!;
    }
    a[lo * n + k] = alpha;
    a[k * n + lo] = alpha;
    for (let i = lo + 1; i < n; i++) {
      a[i * n + k] = 0;
      a[k * n + i] = 0;
    }
    // Qᵀ ← H Qᵀ on rows lo..: s = vᵀ Qᵀ[lo..], Qᵀ[i] −= 2 vᵢ s.
    s.fill(0);
    for (let i = lo; i < n; i++) {
      const vi = v[i]!;
      const row = i * n;
      for (let c = 0; c < n; c++) s[c] = s[c]! + vi * qt[row + c]!;
    }
    for (let i = lo; i < n; i++) {
      const vi = 2 * v[i]!;
      const row = i * n;
      for (let c = 0; c < n; c++) qt[row + c] = qt[row + c]! - vi * s[c]!;
    }
  }
  const d = new Float64Array(n);
  const e = new Float64Array(Math.max(0, n - 1));
  for (let i = 0; i < n; i++) d[i] = a[i * n + i]!;
  for (let i = 0; i < n - 1; i++) e[i] = a[(i + 1) * n + i]!;
  return { d, e, qt };
}

/** Rotates rows i and i+1 of Qᵀ: Qᵀ ← Gᵀ Qᵀ with G = [c s; −s c]. */
function rotateRows(qt: Float64Array, n: number, i: number, c: number, s: number): void {
  const r0 = i * n;
  const r1 = r0 + n;
  for (let j = 0; j < n; j++) {
    const a = qt[r0 + j]!;
    const b = qt[r1 + j]!;
    qt[r0 + j] = c * a - s * b;
    qt[r1 + j] = s * a + c * b;
  }
}

/** Diagonalizes the tridiagonal (d, e) in place, accumulating the rotations into Qᵀ. */
function diagonalize(d: Float64Array, e: Float64Array, qt: Float64Array, n: number): void {
  const maxSteps = 50 * Math.max(1, n);
  let steps = 0;
  let hi = n - 1;
  while (hi > 0) {
    // Deflate: a negligible subdiagonal entry splits the matrix.
    for (let i = 0; i < hi; i++) {
      if (Math.abs(e[i]!) <= EPS * (Math.abs(d[i]!) + Math.abs(d[i + 1]!))) e[i] = 0;
    }
    while (hi > 0 && e[hi - 1] === 0) hi--;
    if (hi === 0) break;
    let lo = hi - 1;
    while (lo > 0 && e[lo - 1] !== 0) lo--;
    if (++steps > maxSteps) throw new Error(`symmetric eigen solver: no convergence after ${maxSteps} steps`);
    // Wilkinson shift from the trailing 2 × 2 block of the unreduced block lo..hi.
    const t = (d[hi - 1]! - d[hi]!) / 2;
    const b2 = e[hi - 1]! * e[hi - 1]!;
    const mu = d[hi]! - b2 / (t + (t >= 0 ? 1 : -1) * Math.sqrt(t * t + b2));
    let x = d[lo]! - mu;
    let z = e[lo]!;
    for (let k = lo; k < hi; k++) {
      const r = Math.hypot(x, z);
      const c = r === 0 ? 1 : x / r;
      const s = r === 0 ? 0 : -z / r;
      if (k > lo) e[k - 1] = r;
      const a = d[k]!;
      const b = e[k]!;
      const cc = d[k + 1]!;
      d[k] = c * c * a - 2 * c * s * b + s * s * cc;
      d[k + 1] = s * s * a + 2 * c * s * b + c * c * cc;
      e[k] = c * s * (a - cc) + (c * c - s * s) * b;
      if (k < hi - 1) {
        const f = e[k + 1]!;
        z = -s * f;
        e[k + 1] = c * f;
        x = e[k]!;
      }
      rotateRows(qt, n, k, c, s);
    }
  }
}

/**
 * The eigen-decomposition of a symmetric matrix (n × n, row-major; only symmetric input is
 * meaningful, the matrix is not checked for symmetry). The input is not modified.
 */
export function symmetricEigen(matrix: ArrayLike<number>, n: number): SymmetricEigen {
  if (!Number.isInteger(n) || n < 0) throw new Error(`symmetric eigen solver: size ${n} is not a whole number`);
  if (matrix.length !== n * n) throw new Error(`symmetric eigen solver: expected ${n * n} entries for ${n} × ${n}, got ${matrix.length}`);
  const a = Float64Array.from(matrix);
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]!)) throw new Error(`symmetric eigen solver: entry (${Math.floor(i / n)}, ${i % n}) is not a finite number`);
  }
  if (n === 0) return { values: new Float64Array(0), vectors: new Float64Array(0) };
  const { d, e, qt } = tridiagonalize(a, n);
  diagonalize(d, e, qt, n);
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => d[j]! - d[i]! || i - j);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((from, to) => {
    values[to] = d[from]!;
    vectors.set(qt.subarray(from * n, from * n + n), to * n);
  });
  return { values, vectors };
}
