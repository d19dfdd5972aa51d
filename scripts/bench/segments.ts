/**
 * Segment search benchmark (run by scripts/bench.ts): the added cost of the weak-segment search
 * (docs/statistics/segments.md) on the 3M-row real-shaped window — the same window, model and
 * reference evaluated in process with `segments.search` off and on (default settings otherwise),
 * in turn, median of 3 each; CPU time of the whole process (the evaluation threads included).
 * The reference: 200k rows drawn with another seed, profiled by upkeep (its bins and segment gaps).
 * Budget: the search adds at most 15% to the evaluation's CPU time.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createEvaluationEngine } from '../../engine/evaluation/evaluate.js';
import { profileReferenceData, referenceFromProfile } from '../../engine/evaluation/reference.js';
import { sha256Hex } from '../../engine/util.js';
import { realModel, realParquet, realSpec } from './real-data.js';

const ROWS = 3_000_000;
const REPEATS = 3;
const BUDGET = 0.15;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const modelFile = await realModel();
  const windowFile = realParquet(ROWS, 1);
  const referenceFile = realParquet(200_000, 13);
  const modelBytes = new Uint8Array(readFileSync(modelFile));
  const fileOf = (f: string) => {
    const bytes = new Uint8Array(readFileSync(f));
    return { name: path.basename(f), format: 'parquet' as const, rows: undefined, load: async () => bytes };
  };
  const engine = createEvaluationEngine();
  try {
    const on = realSpec({ segments: { search: true } });
    const off = realSpec({ segments: { search: false } });
    const model = { modelBytes, modelKey: sha256Hex(modelBytes), artifactName: path.basename(modelFile) };
    const { profile } = await profileReferenceData({
      ...model,
      spec: on,
      files: [fileOf(referenceFile)],
      engine,
      createdAt: '2026-01-01T00:00:00.000Z',
      source: 'bench',
    });
    const reference = referenceFromProfile(profile, on);
    const window = [fileOf(windowFile)];
    const cpu = { on: [] as number[], off: [] as number[] };
    let tested = 0;
    // One warm-up of each, then in turn.
    for (let r = -1; r < REPEATS; r++) {
      for (const which of ['off', 'on'] as const) {
        const c0 = process.cpuUsage();
        const summary = await engine.evaluate({ ...model, spec: which === 'on' ? on : off, files: window, reference });
        const c = process.cpuUsage(c0);
        if (which === 'on') tested = summary.segments?.tested ?? 0;
        if (r >= 0) cpu[which].push((c.user + c.system) / 1000);
      }
    }
    const base = median(cpu.off);
    const added = median(cpu.on) - base;
    const share = added / base;
    console.log(
      `  evaluation of 3M rows, segment search off: ${base.toFixed(0)} ms CPU; on: ${median(cpu.on).toFixed(0)} ms (${tested} segments tested, with pairs)`,
    );
    console.log(
      `  segment search on 3M real-shaped: +${added.toFixed(0)} ms CPU, ${(100 * share).toFixed(1)}% of the evaluation (target ≤ ${100 * BUDGET}%) ${share <= BUDGET ? 'met' : 'NOT met'}`,
    );
  } finally {
    await engine.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
