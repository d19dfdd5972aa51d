/**
 * The demo's upstream: one labelled CSV per day for the churn model, drawn from the documented
 * process the demo model was trained on (examples/models/churn.json). Deterministic per day, and
 * an existing day is never rewritten, as a real upstream's published files are not.
 * `drifted` files come from a changed world (more support calls, prices matter more, tenure
 * protects less): the demo model degrades on them.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

function rng(seedText: string): () => number {
  let a = createHash('sha256').update(seedText).digest().readUInt32LE(0);
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(u: () => number, mean: number, sd: number): number {
  const r = Math.sqrt(-2 * Math.log(1 - u()));
  return mean + sd * r * Math.cos(2 * Math.PI * u());
}

function poisson(u: () => number, lambda: number): number {
  const l = Math.exp(-lambda);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= u();
  } while (p > l);
  return k - 1;
}

export function demoDay(date: string, rows: number, drifted = false): string {
  const u = rng(`upkeep-demo-churn-${date}${drifted ? '-drifted' : ''}`);
  const lines = ['tenure_months,monthly_charges,support_calls,age,churned'];
  for (let i = 0; i < rows; i++) {
    const tenure = 72 * u();
    const charges = normal(u, drifted ? 85 : 70, 20);
    const calls = poisson(u, drifted ? 3 : 1.5);
    const age = normal(u, 45, 12);
    const logit = drifted
      ? -1.5 + 0.01 * tenure + 0.06 * (charges - 70) + 0.1 * calls - 0.03 * (age - 45)
      : 1.2 - 0.05 * tenure + 0.02 * (charges - 70) + 0.6 * calls - 0.01 * (age - 45);
    const churned = u() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
    lines.push(`${tenure.toFixed(2)},${charges.toFixed(2)},${calls},${age.toFixed(1)},${churned}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Writes the files for the `days` days before `end` (UTC dates) that do not exist yet; with
 * `replace`, rewrites them too (the demo's way of making the world change).
 */
export function writeDemoFeed(opts: { dir: string; end: Date; days: number; rowsPerDay?: number; drifted?: boolean; replace?: boolean }): string[] {
  mkdirSync(opts.dir, { recursive: true });
  const written: string[] = [];
  for (let back = opts.days; back >= 1; back--) {
    const day = new Date(Date.UTC(opts.end.getUTCFullYear(), opts.end.getUTCMonth(), opts.end.getUTCDate() - back));
    const date = day.toISOString().slice(0, 10);
    const file = path.join(opts.dir, `${date}.csv`);
    if (existsSync(file) && !opts.replace) continue;
    writeFileSync(`${file}.tmp`, demoDay(date, opts.rowsPerDay ?? 400, opts.drifted));
    renameSync(`${file}.tmp`, file);
    written.push(file);
  }
  return written;
}
