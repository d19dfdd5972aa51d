/**
 * The fleet: `schedules sync` of a generated config of N models (default 200) against a dev
 * server started here, sequentially (one round trip at a time, as before) and with the default
 * bounded parallelism; then a re-sync that must change nothing, and a prune. Printed, never asserted.
 *   node --import tsx scripts/bench/fleet.ts [models]
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
const cli = resolveTemporalCli({ settings: readSettings(process.env), install: true, log: console.log });
if (!cli) throw new Error('no Temporal CLI: set UPKEEP_TEMPORAL_CLI');
const server = await startDevServer({ cli, startTimeoutMs: 90_000 });
const connection = await Connection.connect({ address: server.address });
const client = new Client({ connection });
try {
  const example = await loadConfig(EXAMPLE_CONFIG);
  const base = example.models[0]!;
  const fleet = (prefix: string): UpkeepConfig => ({ ...example, models: Array.from({ length: n }, (_, i) => ({ ...base, id: `${prefix}-${String(i).padStart(4, '0')}` })) });
  const timed = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
    const t0 = performance.now();
    const r = await fn();
    return [r, performance.now() - t0];
  };
  console.log(`== fleet: schedules sync of ${n} models (dev server ${server.address}) ==`);
  for (const concurrency of [1, SYNC_CONCURRENCY]) {
    const id = randomUUID().slice(0, 6);
    const config = fleet(`fleet${id}`);
    const opts = { taskQueue: `fleet-${id}`, concurrency };
    const [created, createMs] = await timed(() => syncSchedules(client, config, opts));
    const [again, againMs] = await timed(() => syncSchedules(client, config, opts));
    const [pruned, pruneMs] = await timed(() => syncSchedules(client, { ...config, models: [] }, { ...opts, prune: true }));
    const count = (cs: { kind: string }[], kind: string): number => cs.filter((c) => c.kind === kind).length;
    const label = concurrency === 1 ? 'one at a time      ' : `${concurrency} in flight (default)`;
    console.log(`  ${label}  create ${createMs.toFixed(0).padStart(6)} ms (${((n / createMs) * 1000).toFixed(0)} schedules/s, ${count(created, 'create')} created)   re-sync ${againMs.toFixed(0).padStart(6)} ms (${count(again, 'unchanged')} unchanged)   prune ${pruneMs.toFixed(0).padStart(6)} ms (${count(pruned, 'delete')} deleted)`);
  }
} finally {
  await connection.close();
  await server.stop();
}
