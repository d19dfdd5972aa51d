/**
 * Measures upkeep's false alarms and shift detection on real data and writes docs/false-alarms.md.
 *
 *     node --import tsx scripts/false-alarms.ts [--datasets a,b] [--splits n] [--out file]
 *
 * The data, splits and models come from scripts/fixtures/make_false_alarm_table.py (committed in
 * test/fixtures/data/false-alarm-table/); what is measured: scripts/false-alarms/measure.ts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { measure, readIndex } from './false-alarms/measure.js';
import { render, totals } from './false-alarms/render.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { datasets: { type: 'string' }, splits: { type: 'string' }, out: { type: 'string' }, threads: { type: 'string' } },
  });
  const started = Date.now();
  const cells = await measure({
    datasets: values.datasets?.split(','),
    splits: values.splits ? Number(values.splits) : undefined,
    threads: values.threads ? Number(values.threads) : undefined,
    onProgress: (line) => process.stderr.write(`${line} (${((Date.now() - started) / 1000).toFixed(0)} s)\n`),
  });
  const out = values.out ?? join(import.meta.dirname, '../docs/false-alarms.md');
  writeFileSync(out, render(cells, readIndex()));
  for (const t of totals(cells)) {
    console.log(
      `${String(t.size).padStart(4)} rows: ${t.raised} of ${t.unchanged} unchanged windows raised anything (target ≤ 5%); shift caught ${t.caught} of ${t.shifted} (target ≥ 95%)`,
    );
  }
  console.log(`wrote ${out}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
