/**
 * How often the domain classifier alerts on unchanged data (docs/statistics/multivariate-drift.md):
 * reference and current drawn from one distribution (independent standard normal columns), over
 * many seeds; prints the alert count beside the expected alpha · seeds and the median threshold.
 *
 *   node --import tsx scripts/domain-classifier-null.ts [rows per side = 200] [seeds = 300] [columns = 5]
 */
import { Mulberry32 } from '../engine/math/random.js';
import { domainClassifier } from '../engine/multivariate/domain-classifier.js';
import type { RowMatrix } from '../engine/multivariate/types.js';

function sample(rng: Mulberry32, n: number, d: number): RowMatrix {
  const g = (): number => Math.sqrt(-2 * Math.log(rng.next() || 1e-12)) * Math.cos(2 * Math.PI * rng.next());
  return { columns: Array.from({ length: d }, (_, j) => `c${j}`), rows: n, values: new Float64Array(n * d).map(() => g()) };
}

const [n = 200, seeds = 300, d = 5] = process.argv.slice(2).map(Number);
let alerts = 0;
const thresholds: number[] = [];
for (let s = 0; s < seeds; s++) {
  const rng = new Mulberry32(7000 + s);
  const r = domainClassifier(sample(rng, n, d), sample(rng, n, d), { seed: s });
  if (r.alert) alerts++;
  thresholds.push(r.threshold);
}
thresholds.sort((a, b) => a - b);
console.log(
  `${n} rows a side, ${d} columns, ${seeds} seeds: ${alerts} alerts (${((100 * alerts) / seeds).toFixed(1)}%, alpha 1% expects ${(seeds / 100).toFixed(1)}); median threshold ${thresholds[seeds >> 1]!.toFixed(4)}`,
);
