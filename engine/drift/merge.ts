/**
 * One merge over two sorted samples yields the distinct count of their union, the two-sample KS
 * statistic and the first Wasserstein distance together (the KS and Wasserstein tests share it).
 */

export interface MergeSummary {
  /** Distinct values in a ∪ b. */
  unionDistinct: number;
  /** KS statistic as scipy forms it. */
  ksD: number;
  /** ∫ |F_a − F_b| dx (the first Wasserstein distance). */
  wasserstein: number;
}

/**
 * One merge over two sorted samples: the distinct values of the union, the KS statistic and the
 * Wasserstein-1 distance. ECDF differences are tracked as the exact integer i·n2 − j·n1 (exact
 * below 2^53); the extreme positions are then turned into i/n1 − j/n2 like numpy does, so the
 * statistic is the double scipy reports. Wasserstein sums |i·n2 − j·n1|·Δx and divides by n1·n2.
 */
export function mergeSummary(a: Float64Array, b: Float64Array): MergeSummary {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 * n2 > 2 ** 53) return mergeSummaryFloat(a, b);
  let i = 0;
  let j = 0;
  let distinct = 0;
  // the final pooled point has ECDF difference 0, so both extremes start at 0
  let maxK = 0;
  let maxI = n1;
  let maxJ = n2;
  let minK = 0;
  let minI = n1;
  let minJ = n2;
  let k = 0;
  let prev = n1 > 0 && n2 > 0 ? Math.min(a[0]!, b[0]!) : n1 > 0 ? a[0]! : n2 > 0 ? b[0]! : 0;
  let w = 0;
  let wc = 0;
  while (i < n1 && j < n2) {
    const va = a[i]!;
    const vb = b[j]!;
    let v: number;
    if (va < vb) {
      v = va;
      i++;
      while (i < n1 && a[i] === v) i++;
    } else if (vb < va) {
      v = vb;
      j++;
      while (j < n2 && b[j] === v) j++;
    } else {
      v = va;
      i++;
      j++;
      while (i < n1 && a[i] === v) i++;
      while (j < n2 && b[j] === v) j++;
    }
    const term = (k < 0 ? -k : k) * (v - prev);
    const t = w + term;
    wc += w >= term ? w - t + term : term - t + w;
    w = t;
    prev = v;
    distinct++;
    k = i * n2 - j * n1;
    if (k > maxK) {
      maxK = k;
      maxI = i;
      maxJ = j;
    } else if (k < minK) {
      minK = k;
      minI = i;
      minJ = j;
    }
  }
  // One side is exhausted: the difference moves monotonically back to 0, so only the
  // Wasserstein integral and the distinct count still change.
  while (i < n1) {
    const v = a[i]!;
    i++;
    while (i < n1 && a[i] === v) i++;
    const term = (k < 0 ? -k : k) * (v - prev);
    const t = w + term;
    wc += w >= term ? w - t + term : term - t + w;
    w = t;
    prev = v;
    distinct++;
    k = i * n2 - j * n1;
  }
  while (j < n2) {
    const v = b[j]!;
    j++;
    while (j < n2 && b[j] === v) j++;
    const term = (k < 0 ? -k : k) * (v - prev);
    const t = w + term;
    wc += w >= term ? w - t + term : term - t + w;
    w = t;
    prev = v;
    distinct++;
    k = i * n2 - j * n1;
  }
  const maxS = maxI / n1 - maxJ / n2;
  const minS = Math.min(Math.max(-(minI / n1 - minJ / n2), 0), 1);
  return { unionDistinct: distinct, ksD: minS > maxS ? minS : maxS, wasserstein: (w + wc) / n1 / n2 };
}

/** mergeSummary in floating point, for samples too large for exact integer differences. */
function mergeSummaryFloat(a: Float64Array, b: Float64Array): MergeSummary {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let distinct = 0;
  let maxS = -Infinity;
  let minS = Infinity;
  let prev = Math.min(a[0]!, b[0]!);
  let diff = 0;
  let w = 0;
  let wc = 0;
  while (i < n1 || j < n2) {
    const va = i < n1 ? a[i]! : Infinity;
    const vb = j < n2 ? b[j]! : Infinity;
    const v = va <= vb ? va : vb;
    const term = Math.abs(diff) * (v - prev);
    const t = w + term;
    wc += w >= term ? w - t + term : term - t + w;
    w = t;
    prev = v;
    distinct++;
    while (i < n1 && a[i] === v) i++;
    while (j < n2 && b[j] === v) j++;
    diff = i / n1 - j / n2;
    if (diff > maxS) maxS = diff;
    if (diff < minS) minS = diff;
  }
  const minClipped = Math.min(Math.max(-minS, 0), 1);
  return { unionDistinct: distinct, ksD: minClipped > maxS ? minClipped : maxS, wasserstein: w + wc };
}
