/**
 * The fleet: `schedules sync` of a generated config of N models (default 200) against a dev
 * server started here, sequentially (one round trip at a time, as before) and with the default
 * bounded parallelism; then a re-sync that must change nothing, and a prune. Printed, never asserted.
 * The local server answers in about a millisecond, so each is measured again with a simulated
 * round-trip time (each schedule call delayed by RTT ms, as to a cluster in another data centre).
 *   node --import tsx scripts/bench/fleet.ts [models] [rtt ms, default 25]
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../../activities/config/load.js';
import type { UpkeepConfig } from '../../domain/config.js';
import { resolveTemporalCli, startDevServer } from '../../workers/dev-server.js';
import { EXAMPLE_CONFIG } from '../../workers/paths.js';
import { SYNC_CONCURRENCY, syncSchedules } from '../../workers/schedules.js';
import { readSettings } from '../../workers/settings.js';

const n = Number(process.argv[2] ?? 200);
const rttMs = Number(process.argv[3] ?? 25);
const cli = resolveTemporalCli({ settings: readSettings(process.env), install: true, log: console.log });
if (!cli) throw new Error('no Temporal CLI: set UPKEEP_TEMPORAL_CLI');
const server = await startDevServer({ cli, startTimeoutMs: 90_000 });
const connection = await Connection.connect({ address: server.address });
const client = new Client({ connection });
/** Delays every schedule call of the client by `delay.ms` (0: as the local server answers). */
const delay = { ms: 0 };
const service = connection.workflowService as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
for (const name of ['createSchedule', 'describeSchedule', 'updateSchedule', 'patchSchedule', 'deleteSchedule', 'listSchedules']) {
  const call = service[name]!.bind(service);
  service[name] = async (...a: unknown[]) => {
    if (delay.ms > 0) await new Promise((r) => setTimeout(r, delay.ms));
    return call(...a);
  };
}
try {
  const example = await loadConfig(EXAMPLE_CONFIG);
  const base = example.models[0]!;
  const fleet = (prefix: string): UpkeepConfig => ({ ...example, models: Array.from({ length: n }, (_, i) => ({ ...base, id: `${prefix}-${String(i).padStart(4, '0')}` })) });
  const timed = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
    const t0 = performance.now();
    const r = await fn();
    return [r, performance.now() - t0];
  };
  const pass = async (concurrency: number, models: number) => {
    const id = randomUUID().slice(0, 6);
    const config = fleet(`fleet${id}`).models.slice(0, models);
    const opts = { taskQueue: `fleet-${id}`, concurrency };
    const [created, createMs] = await timed(() => syncSchedules(client, { ...example, models: config }, opts));
    const [again, againMs] = await timed(() => syncSchedules(client, { ...example, models: config }, opts));
    const [pruned, pruneMs] = await timed(() => syncSchedules(client, { ...example, models: [] }, { ...opts, prune: true }));
    const count = (cs: { kind: string }[], kind: string): number => cs.filter((c) => c.kind === kind).length;
    return { createMs, againMs, pruneMs, created: count(created, 'create'), unchanged: count(again, 'unchanged'), deleted: count(pruned, 'delete') };
  };
  await pass(SYNC_CONCURRENCY, 20); // warms the server up
  console.log(`== fleet: schedules sync of ${n} models (dev server ${server.address}) ==`);
  for (const rtt of [0, rttMs]) {
    delay.ms = rtt;
    for (const concurrency of [1, SYNC_CONCURRENCY]) {
      const r = await pass(concurrency, n);
      const label = `${rtt ? `RTT ${rtt} ms` : 'local'}, ${concurrency === 1 ? 'one at a time' : `${concurrency} in flight`}`.padEnd(28);
      console.log(`  ${label} create ${r.createMs.toFixed(0).padStart(6)} ms (${((n / r.createMs) * 1000).toFixed(0).padStart(3)} schedules/s, ${r.created} created)   re-sync ${r.againMs.toFixed(0).padStart(6)} ms (${r.unchanged} unchanged)   prune ${r.pruneMs.toFixed(0).padStart(6)} ms (${r.deleted} deleted)`);
    }
  }
} finally {
  await connection.close();
  await server.stop();
}
