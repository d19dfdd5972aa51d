/**
 * A fleet to evaluate: a folder with a config of N models (the example's churn model, each with
 * its own id and so its own store entries, all reading one small daily demo feed), and a run of
 * every model's evaluation the way production starts it: its Schedule triggered, the run's
 * windowEnd the trigger time. Used by the fleet bench and the fleet test.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ScheduleOverlapPolicy, type Client, type WorkflowExecutionInfo } from '@temporalio/client';
import { parse, stringify } from 'yaml';
import { writeDemoFeed } from '../../cli/demo/feed.js';
import { EXAMPLE_CONFIG, PROJECT_DIR } from '../../workers/paths.js';
import { evaluateScheduleId, UpkeepVerdict } from '../../workflows/definitions.js';
import { SYNC_CONCURRENCY } from '../../workers/schedules.js';
import { mapLimit } from '../../engine/util.js';

export interface FleetWorkspace {
  dir: string;
  configPath: string;
  modelIds: string[];
  remove(): void;
}

/**
 * N copies of the example's model reading `<dir>/data/{date}.csv`, a one-day window of
 * `rowsPerDay` rows (written for the day before `end`). Their daily schedule is set 12 hours
 * away from `end`, so that nothing fires by itself while the fleet is triggered.
 */
export function createFleetWorkspace(opts: { models: number; prefix: string; end: Date; rowsPerDay?: number }): FleetWorkspace {
  if (!Number.isInteger(opts.models) || opts.models < 1) throw new Error(`a fleet needs a whole number of models, at least 1 (got ${opts.models})`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-fleet-'));
  mkdirSync(path.join(dir, 'models'));
  copyFileSync(path.join(PROJECT_DIR, 'examples', 'models', 'churn.onnx'), path.join(dir, 'models', 'churn.onnx'));
  writeDemoFeed({ dir: path.join(dir, 'data'), end: opts.end, days: 1, rowsPerDay: opts.rowsPerDay ?? 1000 });
  const example = parse(readFileSync(EXAMPLE_CONFIG, 'utf8')) as { models: Record<string, unknown>[] } & Record<string, unknown>;
  const base = example.models[0]!;
  const hour = (opts.end.getUTCHours() + 12) % 24;
  const modelIds = Array.from({ length: opts.models }, (_, i) => `${opts.prefix}-${String(i).padStart(4, '0')}`);
  const models = modelIds.map((id) => ({
    ...base,
    id,
    artifact: 'models/churn.onnx',
    data: { uri: 'data/{date}.csv', window: { days: 1 } },
    schedule: { cron: `0 ${hour} * * *`, timezone: 'UTC' },
  }));
  const configPath = path.join(dir, 'upkeep.yaml');
  // Each model written in full: YAML aliases for the shared parts would exceed the config's alias cap.
  writeFileSync(configPath, stringify({ ...example, store: 'store', models }, { aliasDuplicateObjects: false }));
  return { dir, configPath, modelIds, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface FleetRun {
  /** One entry per model, closed (the run's status says how). */
  runs: WorkflowExecutionInfo[];
  /** From the first trigger to the last close seen. */
  wallMs: number;
}

/**
 * Triggers every model's schedule (SYNC_CONCURRENCY calls in flight) and waits until each has
 * started a run and every run on the task queue has closed; throws after `timeoutMs`.
 */
export async function evaluateFleet(
  client: Client,
  opts: { taskQueue: string; modelIds: readonly string[]; timeoutMs: number; onProgress?(closed: number, total: number): void },
): Promise<FleetRun> {
  const t0 = performance.now();
  await mapLimit(opts.modelIds, SYNC_CONCURRENCY, (id) => client.schedule.getHandle(evaluateScheduleId(id)).trigger(ScheduleOverlapPolicy.ALLOW_ALL));
  const total = opts.modelIds.length;
  const query = `TaskQueue = '${opts.taskQueue}' AND WorkflowType = 'evaluateModel'`;
  for (let last = -1; ;) {
    const closed = (await client.workflow.count(`${query} AND ExecutionStatus != 'Running'`)).count;
    if (closed !== last) opts.onProgress?.(closed, total);
    last = closed;
    if (closed >= total) break;
    if (performance.now() - t0 > opts.timeoutMs) throw new Error(`the fleet did not finish in ${opts.timeoutMs} ms: ${closed} of ${total} evaluations closed`);
    await new Promise((r) => setTimeout(r, 500));
  }
  const wallMs = performance.now() - t0;
  const runs: WorkflowExecutionInfo[] = [];
  for await (const info of client.workflow.list({ query })) runs.push(info);
  return { runs, wallMs };
}

const quantile = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;

export interface FleetFigures {
  runs: number;
  failed: number;
  perMinute: number;
  latencyMs: { p50: number; p95: number; max: number };
  events: { median: number; max: number };
  /** Runs by the verdict they recorded (`none`: no verdict recorded). */
  verdicts: Record<string, number>;
}

/** Evaluations per minute over the wall time, start-to-close latency, history events per run. */
export function fleetFigures(run: FleetRun): FleetFigures {
  const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);
  const latency = sorted(run.runs.map((r) => (r.closeTime?.getTime() ?? NaN) - r.startTime.getTime()));
  const events = sorted(run.runs.map((r) => r.historyLength));
  return {
    runs: run.runs.length,
    failed: run.runs.filter((r) => r.status.name !== 'COMPLETED').length,
    perMinute: (run.runs.length / run.wallMs) * 60_000,
    latencyMs: { p50: quantile(latency, 0.5), p95: quantile(latency, 0.95), max: latency[latency.length - 1] ?? NaN },
    events: { median: quantile(events, 0.5), max: events[events.length - 1] ?? NaN },
    verdicts: run.runs.reduce<Record<string, number>>((acc, r) => {
      const v = r.typedSearchAttributes.get(UpkeepVerdict) ?? 'none';
      acc[v] = (acc[v] ?? 0) + 1;
      return acc;
    }, {}),
  };
}
