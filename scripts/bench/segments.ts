/**
 * Segment search benchmark (run by scripts/bench.ts): the added cost of the weak-segment search
 * (docs/statistics/segments.md) on the 3M-row real-shaped window — the same window, model and
 * reference evaluated in process with `segments.search` off and on (default settings otherwise),
 * in turn, median of 3 each; CPU time of the whole process (the evaluation threads included).
 * The reference: 200k rows drawn with another seed, profiled by upkeep (its bins and segment gaps).
 * Budget: the search adds at most 15% to the evaluation's CPU time.
 * Then its memory: the 10M-row window of scripts/bench/large.ts (20 inputs binned by the reference,
 * streamed from S3 by row groups, a process of its own each), search off then on in the same run;
 * target: a peak RSS below 1024 MiB with the search on (`--no-large`: the CPU figure alone).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_DIR } from '../../workers/paths.js';
import { figure } from './figure.js';
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
    figure('segment search on 3M real-shaped, added CPU', 100 * share, { atMost: 100 * BUDGET }, { unit: '%', digits: 1, note: `+${added.toFixed(0)} ms` });
  } finally {
    await engine.close();
  }
  if (!process.argv.includes('--no-large')) largeWindowPeak();
}

/** The 10M-row window's peak RSS, search off then on: scripts/bench/large.ts --streamed-only, each in a process of its own. */
function largeWindowPeak(): void {
  const compiled = import.meta.url.endsWith('.js');
  const entry = compiled
    ? [path.join(PROJECT_DIR, 'dist', 'scripts', 'bench', 'large.js')]
    : ['--import', 'tsx', path.join(PROJECT_DIR, 'scripts', 'bench', 'large.ts')];
  const peak: Record<string, number> = {};
  for (const search of ['off', 'on']) {
    const r = spawnSync(process.execPath, [...entry, '10000000', '--streamed-only', `--search=${search}`], {
      cwd: PROJECT_DIR,
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    });
    // Its figure line: the median peak of its runs, and each run's.
    const line = r.stdout.split('\n').find((l) => l.includes('window streamed, peak RSS:'));
    const m = /peak RSS: (\d+) MiB.*\(median of (\d+) \(([\d, ]+)\)/.exec(line ?? '');
    if (r.status !== 0 || !m) throw new Error(`bench large.ts --search=${search} failed:\n${r.stderr.slice(-2000)}`);
    peak[search] = Number(m[1]);
    console.log(`  10M-row window streamed, search ${search}: peak RSS ${m[1]} MiB, the median of ${m[2]} runs (${m[3]})`);
  }
  figure(
    '10M-row window streamed with the segment search on, peak RSS',
    peak.on!,
    { below: 1024 },
    { unit: ' MiB', digits: 0, note: `search off: ${peak.off} MiB, medians in the same run` },
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
