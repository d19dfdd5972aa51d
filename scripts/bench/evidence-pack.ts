/**
 * Evidence pack benchmark (run by scripts/bench.ts): a year of daily evaluations of one model on a
 * file store, each with its report as JSON, Markdown and HTML and its exported history (the
 * recorded history test/histories/evaluate-model-healthy.json, about 50 KiB), a degraded week with
 * its notifications, then `writeEvidencePack` for the year and `verifyPackArchive` on the result.
 * Size, wall and CPU time are printed, never asserted.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { appendEntry } from '../../engine/audit/chain.js';
import { writeEvidencePack } from '../../engine/evidence/pack.js';
import { verifyPackArchive } from '../../engine/evidence/verify.js';
import { createFileStore } from '../../engine/store/file-store.js';
import { artifactKey, reportKeys, specKey } from '../../engine/store/keys.js';
import { PROJECT_DIR } from '../../workers/paths.js';

const M = 'churn';
const DAYS = 365;
const dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-bench-pack-'));
const sha = (b: string | Uint8Array): string => createHash('sha256').update(b).digest('hex');
let seed = 7;
const rand = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
const history = readFileSync(path.join(PROJECT_DIR, 'test/histories/evaluate-model-healthy.json'), 'utf8');
const spec = readFileSync(
  path.join(PROJECT_DIR, 'test/fixtures/ledger-store/ledger/churn/specs/a655669d6f876b33dea6ac1b6bbcd1481242abc4154dc156d5621649a1843d5e.json'),
);

try {
  const store = createFileStore(dir);
  const specPut = await store.put(specKey(M, sha(spec)), spec);
  await store.put(artifactKey(M, sha('onnx-v1')), 'onnx-v1');
  const columns = Array.from({ length: 12 }, (_, i) => `feature_${i}`);
  const t0 = performance.now();
  for (let d = 0; d < DAYS; d++) {
    const windowEnd = new Date(Date.UTC(2026, 0, 1, 6) + d * 86_400_000).toISOString();
    const run = `00000000-0000-4000-8000-${String(d).padStart(12, '0')}`;
    const verdict = d >= 200 && d < 207 ? 'degraded' : 'healthy';
    // A report of the size a 12-column model's report has: metrics, drift per column with its bins, quality.
    const drift = Object.fromEntries(
      columns.map((c) => [
        c,
        { test: 'ks', statistic: rand(), pValue: rand(), psi: rand() / 10, bins: Array.from({ length: 20 }, () => Math.round(rand() * 1000)) },
      ]),
    );
    const report = {
      schema: 'upkeep.evaluation-report/v1',
      modelId: M,
      verdict: { status: verdict, reasons: [`roc_auc ${(0.7 + rand() / 10).toFixed(4)}`] },
      window: { end: windowEnd },
      rows: 5000,
      metrics: { roc_auc: 0.7 + rand() / 10, accuracy: 0.7 + rand() / 10, log_loss: rand() },
      model: { sha256: sha('onnx-v1') },
      workflow: { workflowId: `upkeep-evaluate-${M}`, runId: run, startedAt: windowEnd },
      spec: { uri: specPut.uri, sha256: specPut.sha256 },
      drift,
    };
    const keys = reportKeys(M, windowEnd, run);
    await store.put(
      keys.markdown,
      `# ${M}: ${verdict}\n\n${columns.map((c) => `| ${c} | ${drift[c]!.statistic.toFixed(4)} | ${drift[c]!.pValue.toFixed(4)} |`).join('\n')}\n`,
    );
    const points = Array.from({ length: 300 }, (_, i) => `${i},${(rand() * 100).toFixed(1)}`).join(' ');
    await store.put(
      keys.html,
      `<!doctype html><html><body><h1>${M}</h1>${columns.map(() => `<svg viewBox="0 0 300 100"><polyline points="${points}"/></svg>`).join('')}</body></html>`,
    );
    const json = await store.put(keys.json, `${JSON.stringify(report, null, 2)}\n`);
    const base = { modelId: M, workflowId: `upkeep-evaluate-${M}`, runId: run };
    await appendEntry(store, {
      ...base,
      id: `${run}-0001`,
      at: new Date(Date.parse(windowEnd) + 60_000).toISOString(),
      kind: 'evaluation',
      summary: `evaluated: ${verdict}`,
      details: { verdict, reasons: [], report: json.uri, reportSha256: json.sha256, config: { uri: specPut.uri, sha256: specPut.sha256 }, windowEnd },
    });
    if (verdict !== 'healthy')
      await appendEntry(store, {
        ...base,
        id: `${run}-0002`,
        at: new Date(Date.parse(windowEnd) + 61_000).toISOString(),
        kind: 'notified',
        summary: `told the owner: ${verdict}`,
        details: { notification: verdict, webhook: 'none' },
      });
    await store.put(`histories/${M}/upkeep-evaluate-${M}/${run}.json`, history.replaceAll('evaluate-model-healthy', run));
  }
  const built = performance.now() - t0;
  const out = path.join(dir, 'year.tar.gz');
  const cpu0 = process.cpuUsage();
  const w0 = performance.now();
  const r = await writeEvidencePack(store, { modelId: M, from: new Date('2026-01-01T00:00:00Z'), to: new Date('2027-01-01T00:00:00Z'), out });
  const wall = performance.now() - w0;
  const cpu = process.cpuUsage(cpu0);
  const v0 = performance.now();
  const v = await verifyPackArchive(out);
  const verifyWall = performance.now() - v0;
  console.log(`Evidence pack of a year of daily evaluations (${DAYS} evaluations, each with JSON/Markdown/HTML reports and an exported history)`);
  console.log(`  store built in ${(built / 1000).toFixed(1)} s`);
  console.log(
    `  audit pack    ${(r.bytes / 2 ** 20).toFixed(2).padStart(7)} MiB, ${r.files} files, ${(wall / 1000).toFixed(1)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU`,
  );
  console.log(
    `  pack verify   ${(verifyWall / 1000).toFixed(1).padStart(7)} s wall (extract + verify.mjs), ${v.ok ? 'intact' : `NOT intact: ${v.problems[0]}`}`,
  );
  if (!v.ok) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
