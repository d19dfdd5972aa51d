/**
 * The fleet: `schedules sync` of a generated config of N models (default 200) against a dev
 * server started here, sequentially (one round trip at a time, as before) and with the default
 * bounded parallelism; then a re-sync that must change nothing, and a prune. Printed, never asserted.
 * The local server answers in about a millisecond, so each is measured again with a simulated
 * round-trip time (each schedule call delayed by RTT ms, as to a cluster in another data centre).
 * Then one worker (workers/worker.ts, in this process; UPKEEP_EVALUATION_SLOTS as for `upkeep worker`) evaluates a fleet of
 * E models (default N) on a one-day window, each run started by triggering its schedule:
 * evaluations per minute, start-to-close latency, history events per run, failed runs.
 *   node --import tsx scripts/bench/fleet.ts [models] [rtt ms, default 25] [evaluated models]
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { loadConfig } from '../../engine/config/load.js';
import type { UpkeepConfig } from '../../domain/config.js';
import { resolveTemporalCli, startDevServer } from '../../workers/dev-server.js';
import { EXAMPLE_CONFIG } from '../../workers/paths.js';
import { SYNC_CONCURRENCY, syncSchedules } from '../../workers/schedules.js';
import { DEFAULT_EVALUATION_SLOTS, readSettings } from '../../workers/settings.js';
import { createUpkeepWorker } from '../../workers/worker.js';
import { createFleetWorkspace, evaluateFleet, fleetFigures } from './fleet-evaluations.js';

const count = (arg: string | undefined, fallback: number, what: string): number => {
  const v = Number(arg ?? fallback);
  if (!Number.isInteger(v) || v < 0) throw new Error(`${what}: expected a whole number, got ${arg}`);
  return v;
};
const n = count(process.argv[2], 200, 'models');
const rttMs = count(process.argv[3], 25, 'rtt ms');
const evaluated = count(process.argv[4], n, 'evaluated models');
// The worker's own log at WARN: its INFO lines would drown the figures.
Runtime.install({ logger: new DefaultLogger('WARN') });
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
  const fleet = (prefix: string): UpkeepConfig => ({
    ...example,
    models: Array.from({ length: n }, (_, i) => ({ ...base, id: `${prefix}-${String(i).padStart(4, '0')}` })),
  });
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
      console.log(
        `  ${label} create ${r.createMs.toFixed(0).padStart(6)} ms (${((n / r.createMs) * 1000).toFixed(0).padStart(3)} schedules/s, ${r.created} created)   re-sync ${r.againMs.toFixed(0).padStart(6)} ms (${r.unchanged} unchanged)   prune ${r.pruneMs.toFixed(0).padStart(6)} ms (${r.deleted} deleted)`,
      );
    }
  }
  delay.ms = 0;
  if (evaluated > 0) await evaluationSection(client, server.address, server.pid);
} finally {
  await connection.close();
  await server.stop();
}

/** CPU seconds used by the processes of group `pgid` (the dev server and its shell guard); Linux /proc only. */
function groupCpuSeconds(pgid: number | undefined): number | undefined {
  if (pgid === undefined) return undefined;
  try {
    let ticks = 0;
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      // Fields after "pid (comm) ": state, ppid, pgrp, ... utime (12th), stime (13th).
      let stat: string;
      try {
        stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      } catch {
        continue; // gone meanwhile
      }
      const fields = stat.replace(/^.*\) /s, '').split(' ');
      if (Number(fields[2]) === pgid) ticks += Number(fields[11]) + Number(fields[12]);
    }
    return ticks / 100; // clock ticks of 1/100 s
  } catch {
    return undefined;
  }
}

/** One worker evaluates `evaluated` models, each run started by triggering its schedule. */
async function evaluationSection(client: Client, address: string, serverPid: number | undefined): Promise<void> {
  const id = randomUUID().slice(0, 6);
  const ws = createFleetWorkspace({ models: evaluated, prefix: `eval${id}`, end: new Date() });
  const taskQueue = `fleet-eval-${id}`;
  const native = await NativeConnection.connect({ address });
  try {
    const config = await loadConfig(ws.configPath);
    await syncSchedules(client, config, { taskQueue });
    // The worker warns once about unauthenticated approvals, naming every model: shortened here.
    const warn = console.warn;
    console.warn = (line: unknown) => warn(String(line).length > 200 ? `${String(line).slice(0, 200)}… (${evaluated} models)` : line);
    const slots = readSettings(process.env).evaluationSlots;
    const { worker, engine } = await createUpkeepWorker({
      connection: native,
      namespace: 'default',
      taskQueue,
      configPath: ws.configPath,
      evaluationSlots: slots,
      log: () => {},
    }).finally(() => {
      console.warn = warn;
    });
    console.log(
      `\n== fleet: one worker evaluates ${evaluated} models (one-day window of 1000 rows each, ${slots} evaluation slots${slots === DEFAULT_EVALUATION_SLOTS ? ' (the default)' : ''}; runs started by triggering each schedule) ==`,
    );
    const cpu0 = process.cpuUsage();
    const server0 = groupCpuSeconds(serverPid);
    const run = await worker.runUntil(() => evaluateFleet(client, { taskQueue, modelIds: ws.modelIds, timeoutMs: 600_000 }));
    const cpu = process.cpuUsage(cpu0);
    const server1 = groupCpuSeconds(serverPid);
    const serverCpu = server0 !== undefined && server1 !== undefined ? `, dev server CPU ${(server1 - server0).toFixed(1)} s` : '';
    await engine.close();
    const f = fleetFigures(run);
    console.log(
      `  evaluations               ${f.runs} in ${(run.wallMs / 1000).toFixed(1)} s: ${f.perMinute.toFixed(0)} a minute on one worker   (CPU: worker process ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s${serverCpu})`,
    );
    console.log(
      `  latency, start to close   p50 ${(f.latencyMs.p50 / 1000).toFixed(1)} s   p95 ${(f.latencyMs.p95 / 1000).toFixed(1)} s   max ${(f.latencyMs.max / 1000).toFixed(1)} s   (all triggered at once: mostly waiting for the worker)`,
    );
    console.log(`  history events per run    median ${f.events.median}   max ${f.events.max}   (target ≤ ~60)`);
    console.log(
      `  verdicts                  ${Object.entries(f.verdicts)
        .map(([v, k]) => `${k} ${v}`)
        .join(', ')}`,
    );
    console.log(`  failed workflows          ${f.failed}`);
    await syncSchedules(client, { ...config, models: [] }, { taskQueue, prune: true });
  } finally {
    await native.close();
    ws.remove();
  }
}
