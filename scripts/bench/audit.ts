/**
 * Audit chain benchmark (run by scripts/bench.ts): appending to a model's chain on a file store,
 * against the plain write-once entry the log wrote before the chain; a year of hourly evaluations
 * (8,760 entries) read back, verified and asked "who was watching?". Printed, never asserted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { appendEntry, readChain, verifyChain } from '../../engine/audit/chain.js';
import { whoWasWatching } from '../../engine/audit/watching.js';
import { createFileStore } from '../../engine/store/file-store.js';
import { auditEntryKey } from '../../engine/store/keys.js';
import type { AuditEntry } from '../../domain/maintenance.js';

const YEAR = 8760;
const CONCURRENT = 4;
const dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-bench-audit-'));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const entry = (model: string, i: number): AuditEntry => ({
  id: `run-${i}-0001`,
  modelId: model,
  at: new Date(Date.UTC(2025, 0, 1) + i * 3_600_000).toISOString(),
  kind: 'evaluation',
  summary: `evaluated: healthy, roc_auc 0.81`,
  workflowId: `upkeep-evaluate-m-${i}`,
  runId: `run-${i}`,
  event: 27,
  details: {
    verdict: 'healthy',
    reasons: ['roc_auc 0.81 is at or above the minimum 0.72'],
    config: { sha256: 'a'.repeat(64) },
    windowEnd: new Date(Date.UTC(2025, 0, 1) + i * 3_600_000).toISOString(),
  },
});

try {
  const store = createFileStore(dir);
  // Per-append cost, medians of batches of 200: the plain write-once put vs an append to the chain.
  const batch = async (fn: (i: number) => Promise<unknown>, from: number): Promise<number> => {
    const t0 = performance.now();
    for (let i = from; i < from + 200; i++) await fn(i);
    return (performance.now() - t0) / 200;
  };
  const plain: number[] = [];
  const chained: number[] = [];
  for (let b = 0; b < 5; b++) {
    plain.push(await batch((i) => store.put(auditEntryKey(entry('plain', i)), JSON.stringify(entry('plain', i), null, 2), { ifAbsent: true }), b * 200));
    chained.push(await batch((i) => appendEntry(store, entry('chained', i)), b * 200));
  }
  console.log('Audit chain (file store, one model)');
  console.log(`  write-once entry, as before   ${median(plain).toFixed(2).padStart(7)} ms per entry`);
  console.log(
    `  entry + link (appendEntry)    ${median(chained).toFixed(2).padStart(7)} ms per entry   (ratio ${(median(chained) / median(plain)).toFixed(2)})`,
  );

  // Appenders racing on one chain, as concurrent activities of one model would.
  const t0 = performance.now();
  const n = 2000;
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENT }, async () => {
      for (let i = next++; i < n; i = next++) await appendEntry(createFileStore(dir), entry('racing', i));
    }),
  );
  const raceMs = performance.now() - t0;
  const raced = await verifyChain(store, 'racing');
  console.log(
    `  ${CONCURRENT} appenders at once         ${(n / (raceMs / 1000)).toFixed(0).padStart(7)} entries/s   (${raced.links} links for ${n} entries, intact: ${raced.ok})`,
  );

  // A year of hourly evaluations.
  for (let i = 1000; i < YEAR; i++) await appendEntry(store, entry('chained', i));
  let t = performance.now();
  const chain = await readChain(store, 'chained');
  const readMs = performance.now() - t;
  t = performance.now();
  const v = await verifyChain(store, 'chained');
  const verifyMs = performance.now() - t;
  t = performance.now();
  const who = whoWasWatching('chained', chain, new Date(Date.UTC(2025, 6, 1)), new Map([['a'.repeat(64), { owner: 'o', approvers: [], escalation: [] }]]));
  const whoMs = performance.now() - t;
  console.log(
    `  a year hourly (${chain.length} entries): read ${readMs.toFixed(0)} ms, verify ${verifyMs.toFixed(0)} ms (intact: ${v.ok}), who-was-watching ${whoMs.toFixed(1)} ms on the entries read (last verdict ${who.lastEvaluation?.verdict})`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
