/**
 * The gradient-boosted trees' fit time (engine/math/gbm.ts) on 100k rows × 20 features, 100 trees
 * of 31 leaves (LightGBM's defaults, what DLE's loss models use): squared error and logistic,
 * median of 3 runs each, wall and CPU time of this process, plus the prediction of 100k rows.
 * No target: the figure is for the record (DLE fits its loss models once per reference).
 *
 *   node --import tsx scripts/bench/gbm.ts
 */
import { fitGbm, predictGbm } from '../../engine/math/gbm.js';
import { Mulberry32 } from '../../engine/math/random.js';

const ROWS = 100_000;
const FEATURES = 20;

function data(): { x: Float64Array; y: Float64Array; yb: Float64Array } {
  const rng = new Mulberry32(1);
  const x = new Float64Array(ROWS * FEATURES);
  const y = new Float64Array(ROWS);
  const yb = new Float64Array(ROWS);
  for (let i = 0; i < x.length; i++) x[i] = rng.next() * 2 - 1;
  for (let r = 0; r < ROWS; r++) {
    const a = r * FEATURES;
    if (r % 20 === 0) x[a + 5] = NaN;
    const f = 2 * Math.sin(3 * x[a]!) + x[a + 1]! * x[a + 2]! + x[a + 3]! + (Number.isNaN(x[a + 5]!) ? 1 : 0);
    y[r] = f + 0.3 * (rng.next() - 0.5);
    yb[r] = rng.next() < 1 / (1 + Math.exp(-2 * f)) ? 1 : 0;
  }
  return { x, y, yb };
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

export function benchGbm(): string[] {
  const { x, y, yb } = data();
  const lines: string[] = [];
  for (const [objective, target] of [
    ['squared', y],
    ['logistic', yb],
  ] as const) {
    const wall: number[] = [];
    const cpu: number[] = [];
    let predictMs = 0;
    for (let run = 0; run < 3; run++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const model = fitGbm(x, target, ROWS, FEATURES, { objective, trees: 100, maxLeaves: 31, learningRate: 0.1 });
      wall.push((performance.now() - t0) / 1000);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1e6);
      const t1 = performance.now();
      predictGbm(model, x, ROWS);
      predictMs = performance.now() - t1;
    }
    lines.push(
      `gbm fit ${objective} 100k × 20, 100 trees × 31 leaves: ${median(wall).toFixed(2)} s wall, ${median(cpu).toFixed(2)} s CPU (median of 3); predict 100k rows ${predictMs.toFixed(0)} ms`,
    );
  }
  return lines;
}

if (import.meta.url === `file://${process.argv[1]}`) for (const line of benchGbm()) console.log(line);
