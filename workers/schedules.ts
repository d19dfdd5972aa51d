/**
 * Schedules are code: one Temporal Schedule per model, derived from upkeep.yaml. `sync` computes
 * the difference between the config and the server and applies it (or only prints it).
 */
import { mapLimit } from '../engine/util.js';
import { createHash } from 'node:crypto';
import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleDescription, type ScheduleOptions } from '@temporalio/client';
import type { ModelSpec, ScheduleSpec, UpkeepConfig } from '../domain/config.js';
import {
  anchorTrailScheduleId,
  digestScheduleId,
  reviewScheduleId,
  evaluateScheduleId,
  exportHistoriesScheduleId,
  TASK_QUEUE,
  UpkeepModelId,
  watchdogScheduleId,
} from '../workflows/definitions.js';
import type { evaluateModel } from '../workflows/evaluate-model.js';
import type { watchdog } from '../workflows/watchdog.js';
import type { exportHistories } from '../workflows/export-histories.js';
import type { maintenanceDigest } from '../workflows/digest.js';
import type { reviewSweep } from '../workflows/review-sweep.js';
import type { anchorTrail } from '../workflows/anchor-trail.js';
import { UpkeepError } from '../engine/errors.js';

export const SCHEDULE_PREFIX = 'upkeep-evaluate-';
const FINGERPRINT = 'upkeepScheduleFingerprint';

/** The part of a model's spec that shapes its schedule; a change here means an update. */
function scheduleShape(model: ModelSpec, taskQueue: string) {
  const s = model.schedule;
  return {
    modelId: model.id,
    every: s.every ?? null,
    cron: s.cron ?? null,
    timezone: s.timezone,
    jitter: s.jitter,
    taskQueue,
    overlap: 'SKIP',
    catchupWindow: '1d',
  };
}

export function scheduleFingerprint(model: ModelSpec, taskQueue = TASK_QUEUE): string {
  return createHash('sha256')
    .update(JSON.stringify(scheduleShape(model, taskQueue)))
    .digest('hex')
    .slice(0, 16);
}

export function scheduleOptions(model: ModelSpec, taskQueue = TASK_QUEUE): ScheduleOptions {
  const s = model.schedule;
  return {
    scheduleId: evaluateScheduleId(model.id),
    spec: {
      ...(s.every ? { intervals: [{ every: s.every }] } : { cronExpressions: [s.cron!] }),
      timezone: s.timezone,
      jitter: s.jitter,
    },
    action: {
      type: 'startWorkflow',
      workflowType: 'evaluateModel' satisfies (typeof evaluateModel)['name'],
      workflowId: `upkeep-evaluate-${model.id}`,
      taskQueue,
      args: [{ modelId: model.id }],
      typedSearchAttributes: [{ key: UpkeepModelId, value: model.id }],
      memo: { [FINGERPRINT]: scheduleFingerprint(model, taskQueue), owner: model.owner },
    },
    // One evaluation per model at a time; after an outage, catch up on the last day only.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1d', pauseOnFailure: false },
    state: { paused: s.paused, note: s.paused ? 'paused in upkeep.yaml' : undefined },
  };
}

export type SyncChange =
  | { kind: 'create'; scheduleId: string; modelId: string; summary: string }
  | { kind: 'update'; scheduleId: string; modelId: string; summary: string }
  | { kind: 'unchanged'; scheduleId: string; modelId: string; summary: string }
  | { kind: 'orphan'; scheduleId: string; summary: string }
  | { kind: 'pause'; scheduleId: string; summary: string }
  | { kind: 'delete'; scheduleId: string; summary: string }
  | { kind: 'create' | 'update' | 'unchanged'; scheduleId: string; system: string; summary: string };

export type OrphanPolicy = UpkeepConfig['schedules']['orphans'];

/** The note on a schedule paused because its model left the config; a return to the config resumes it. */
export const orphanNote = (modelId: string, configName: string): string => `model ${modelId} is not in ${configName}`;
const isOrphanNote = (note: string | undefined): boolean => /^model \S+ is not in /.test(note ?? '');

export function describeSchedule(model: ModelSpec): string {
  const s = model.schedule;
  return `${s.every ? `every ${s.every}` : `cron "${s.cron}"`} ${s.timezone}${s.jitter !== '0s' ? `, jitter ${s.jitter}` : ''}${s.paused ? ', paused' : ''}`;
}

/** Round trips to the server in flight at once during a sync (a fleet has hundreds of schedules). */
export const SYNC_CONCURRENCY = 16;

/** upkeep's schedules (by id) whose action runs on this task queue: other deployments' are not ours to touch. */
async function existingSchedules(client: Client, taskQueue: string, concurrency: number): Promise<Map<string, ScheduleDescription>> {
  const ids: string[] = [];
  for await (const s of client.schedule.list()) if (s.scheduleId.startsWith(SCHEDULE_PREFIX)) ids.push(s.scheduleId);
  const described = await mapLimit(ids, concurrency, (id) =>
    client.schedule
      .getHandle(id)
      .describe()
      .catch((err: unknown) => {
        if (err instanceof ScheduleNotFoundError) return undefined;
        throw err;
      }),
  );
  const found = new Map<string, ScheduleDescription>();
  for (const d of described) if (d?.action.type === 'startWorkflow' && d.action.taskQueue === taskQueue) found.set(d.scheduleId, d);
  return found;
}

/** The schedule by id when it exists on this task queue; another task queue's is refused. */
async function describeOwn(client: Client, scheduleId: string, taskQueue: string, modelId: string): Promise<ScheduleDescription | undefined> {
  const d = await client.schedule
    .getHandle(scheduleId)
    .describe()
    .catch((err: unknown) => {
      if (err instanceof ScheduleNotFoundError) return undefined;
      throw err;
    });
  if (!d) return undefined;
  const queue = d.action.type === 'startWorkflow' ? d.action.taskQueue : undefined;
  if (queue !== taskQueue)
    throw new Error(
      `schedule ${scheduleId} belongs to task queue ${queue ?? '?'}, not ${taskQueue}: two deployments in one namespace cannot both declare model ${modelId}`,
    );
  return d;
}

export interface SyncOptions {
  dryRun?: boolean;
  /** `sync --prune`: delete orphans whatever the config says. */
  prune?: boolean;
  taskQueue?: string;
  /** The config's file name, for the note on a paused orphan. */
  configName?: string;
  /** Round trips in flight at once (default SYNC_CONCURRENCY). */
  concurrency?: number;
  /** Called as each model's schedule is settled (the CLI shows progress on a terminal). */
  onProgress?(done: number, total: number): void;
}

/** Creates or updates one model's schedule (or only says what it would do). */
/**
 * A namespace without upkeep's search attributes refuses its schedules with a gRPC error deep in a
 * cause: say in one line what to register (the embedded dev server registers them itself).
 */
function namespaceSetup(err: unknown): unknown {
  let text = '';
  for (let e: unknown = err; e instanceof Error; e = e.cause) text += `${e.message}\n`;
  const name = /no mapping defined for search attribute (\w+)|search attribute (\w+) is not defined/i.exec(text);
  if (!name) return err;
  return new UpkeepError(
    'InvalidConfig',
    `the Temporal namespace has no search attribute ${name[1] ?? name[2]}: register upkeep's once, with \`temporal operator search-attribute create --name UpkeepModelId --type Keyword\` and the same for UpkeepVerdict`,
    { cause: err },
  );
}

async function syncOne(client: Client, model: ModelSpec, existing: ReadonlyMap<string, ScheduleDescription>, opts: SyncOptions): Promise<SyncChange> {
  const taskQueue = opts.taskQueue ?? TASK_QUEUE;
  const configName = opts.configName ?? 'the config';
  const options = scheduleOptions(model, taskQueue);
  const scheduleId = options.scheduleId;
  const summary = describeSchedule(model);
  // Listing is eventually consistent: a schedule made a moment ago may not be listed yet.
  const current = existing.get(scheduleId) ?? (await describeOwn(client, scheduleId, taskQueue, model.id));
  if (!current) {
    if (!opts.dryRun) {
      await client.schedule.create(options).catch(async (err: unknown) => {
        if ((err as Error).name !== 'ScheduleAlreadyRunning') throw namespaceSetup(err);
        // Created concurrently by another sync is fine; the same id on another task queue is another deployment's.
        await describeOwn(client, scheduleId, taskQueue, model.id);
      });
    }
    return { kind: 'create', scheduleId, modelId: model.id, summary };
  }
  const handle = client.schedule.getHandle(scheduleId);
  const action = current.action as { memo?: Record<string, unknown> };
  const want = scheduleFingerprint(model, taskQueue);
  // Paused because the model had left the config, and it is back: resume it.
  const resume = current.state.paused && isOrphanNote(current.state.note) && !model.schedule.paused;
  if (action.memo?.[FINGERPRINT] === want && !resume) return { kind: 'unchanged', scheduleId, modelId: model.id, summary };
  if (!opts.dryRun) {
    // Pause state is left as the operators set it; spec, action and policies follow the config. A
    // resume is part of the same update: an update sent before a separate unpause carried the
    // paused state it had read and could land after it, leaving the schedule paused.
    const resumed = { paused: false, note: `model ${model.id} is back in ${configName}` };
    await handle
      .update((prev) => ({
        ...prev,
        spec: options.spec,
        action: options.action,
        policies: options.policies,
        state: resume ? { ...prev.state, ...resumed } : prev.state,
      }))
      .catch((err: unknown) => {
        throw namespaceSetup(err);
      });
  }
  return { kind: 'update', scheduleId, modelId: model.id, summary: resume ? `${summary} (resumed: back in ${configName})` : summary };
}

export async function syncSchedules(client: Client, config: UpkeepConfig, opts: SyncOptions = {}): Promise<SyncChange[]> {
  const taskQueue = opts.taskQueue ?? TASK_QUEUE;
  const configName = opts.configName ?? 'the config';
  const concurrency = opts.concurrency ?? SYNC_CONCURRENCY;
  const existing = await existingSchedules(client, taskQueue, concurrency);
  let done = 0;
  // Each model's schedule is independent of the others': settled in parallel, listed in config order.
  const changes: SyncChange[] = await mapLimit(config.models, concurrency, async (model) => {
    const change = await syncOne(client, model, existing, opts);
    opts.onProgress?.(++done, config.models.length);
    return change;
  });
  const systems = await mapLimit(SYSTEM_SCHEDULES, concurrency, (system) => syncSystemSchedule(client, system, config, { ...opts, taskQueue }));
  changes.push(...systems.filter((c): c is SyncChange => c !== undefined));
  for (const c of changes) existing.delete(c.scheduleId);
  const policy: OrphanPolicy = opts.prune ? 'prune' : config.schedules.orphans;
  const orphans = [...existing].sort(([a], [b]) => a.localeCompare(b));
  const left = await mapLimit(orphans, concurrency, async ([scheduleId, current]): Promise<SyncChange> => {
    const why = orphanNote(scheduleId.slice(SCHEDULE_PREFIX.length), configName);
    if (policy === 'prune') {
      if (!opts.dryRun) {
        await client.schedule
          .getHandle(scheduleId)
          .delete()
          .catch((err: unknown) => {
            if (!(err instanceof ScheduleNotFoundError)) throw err;
          });
      }
      return { kind: 'delete', scheduleId, summary: `${why}: deleted` };
    }
    if (policy === 'pause') {
      if (current.state.paused) return { kind: 'orphan', scheduleId, summary: `${why}: already paused${current.state.note ? ` (${current.state.note})` : ''}` };
      if (!opts.dryRun) await client.schedule.getHandle(scheduleId).pause(why);
      return { kind: 'pause', scheduleId, summary: `${why}: paused (sync --prune deletes it)` };
    }
    return { kind: 'orphan', scheduleId, summary: `${why}: kept (schedules.orphans: keep; sync --prune deletes it)` };
  });
  changes.push(...left);
  return changes;
}

export function formatChanges(changes: SyncChange[], dryRun: boolean): string {
  const sign = { create: '+', update: '~', unchanged: '=', orphan: '?', pause: '|', delete: '-' } as const;
  const lines = changes.map((c) => `${sign[c.kind]} ${c.scheduleId.padEnd(36)} ${c.kind.padEnd(9)} ${c.summary}`);
  // The counts are the models' schedules; the system's own (the watchdog) have their lines above.
  const n = (k: SyncChange['kind']) => changes.filter((c) => c.kind === k && !('system' in c)).length;
  const left = n('orphan') + n('pause');
  lines.push(
    `${dryRun ? 'dry run: would ' : ''}create ${n('create')}, update ${n('update')}, pause ${n('pause')}, delete ${n('delete')}; ${n('unchanged')} unchanged${left ? `, ${left} not in the config` : ''}`,
  );
  return lines.join('\n');
}

// ── The system's own schedules: not a model's, run on this task queue, created and updated with the models' ──

/** A workflow upkeep runs for the whole fleet on its own schedule (a line in SYSTEM_SCHEDULES). */
export interface SystemSchedule {
  /** Its short name: `upkeep schedules trigger <name>` runs it now. */
  name: string;
  scheduleId(taskQueue: string): string;
  workflowType: string;
  /** When it runs, from the config. */
  schedule(config: UpkeepConfig): Pick<ScheduleSpec, 'every' | 'cron' | 'timezone' | 'jitter' | 'paused'>;
  describe: string;
  /** Whether the config asks for it (default yes); a schedule no longer asked for is deleted. */
  enabled?(config: UpkeepConfig): boolean;
}

export const SYSTEM_SCHEDULES: readonly SystemSchedule[] = [
  {
    name: 'watchdog',
    scheduleId: watchdogScheduleId,
    workflowType: 'watchdog' satisfies (typeof watchdog)['name'],
    schedule: (c) => c.watchdog.schedule,
    describe: 'the watchdog (models nobody is watching)',
  },
  // Hourly, well within any retention a namespace keeps closed workflows for (docs/audit.md).
  {
    name: 'export-histories',
    scheduleId: exportHistoriesScheduleId,
    workflowType: 'exportHistories' satisfies (typeof exportHistories)['name'],
    schedule: () => ({ every: '1h', timezone: 'UTC', jitter: '5m', paused: false }),
    describe: 'the export of closed workflow histories to the store',
  },
  // Only when governance.digest asks for it (docs/governance.md#the-weekly-digest).
  {
    name: 'digest',
    scheduleId: digestScheduleId,
    workflowType: 'maintenanceDigest' satisfies (typeof maintenanceDigest)['name'],
    schedule: (c) => ({ every: c.governance.digest?.every ?? '7d', timezone: 'UTC', jitter: '0s', paused: false }),
    describe: 'the maintenance digest',
    enabled: (c) => c.governance.digest !== undefined,
  },
  // Daily, when a model asks for periodic reviews (docs/governance.md#periodic-reviews).
  {
    name: 'reviews',
    scheduleId: reviewScheduleId,
    workflowType: 'reviewSweep' satisfies (typeof reviewSweep)['name'],
    schedule: () => ({ every: '1d', timezone: 'UTC', jitter: '0s', paused: false }),
    describe: 'the periodic reviews (a request for each model due)',
    enabled: (c) => c.models.some((m) => m.review !== undefined),
  },
  // Every model's chain head kept in Temporal history (docs/audit.md#anchors).
  {
    name: 'anchor-trail',
    scheduleId: anchorTrailScheduleId,
    workflowType: 'anchorTrail' satisfies (typeof anchorTrail)['name'],
    schedule: (c) => ({ every: c.audit.anchor_every, timezone: 'UTC', jitter: '0s', paused: false }),
    describe: "the anchor of every model's audit chain head in Temporal history",
  },
];

/** The system schedule a name or id refers to (for this task queue), if any. */
export function findSystemSchedule(nameOrId: string, taskQueue = TASK_QUEUE): SystemSchedule | undefined {
  return SYSTEM_SCHEDULES.find((s) => s.name === nameOrId || s.scheduleId(taskQueue) === nameOrId);
}

export function systemScheduleOptions(system: SystemSchedule, config: UpkeepConfig, taskQueue = TASK_QUEUE): ScheduleOptions {
  const s = system.schedule(config);
  const scheduleId = system.scheduleId(taskQueue);
  const fingerprint = createHash('sha256')
    .update(JSON.stringify({ every: s.every ?? null, cron: s.cron ?? null, timezone: s.timezone, jitter: s.jitter, taskQueue, type: system.workflowType }))
    .digest('hex')
    .slice(0, 16);
  return {
    scheduleId,
    spec: { ...(s.every ? { intervals: [{ every: s.every }] } : { cronExpressions: [s.cron!] }), timezone: s.timezone, jitter: s.jitter },
    action: { type: 'startWorkflow', workflowType: system.workflowType, workflowId: scheduleId, taskQueue, args: [], memo: { [FINGERPRINT]: fingerprint } },
    // One run at a time; a run missed during an outage is made up within the hour, else skipped.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1h', pauseOnFailure: false },
    state: { paused: s.paused, note: s.paused ? 'paused in upkeep.yaml' : undefined },
  };
}

/** Creates or updates one system schedule; its pause state is left as the operators set it. */
async function syncSystemSchedule(
  client: Client,
  system: SystemSchedule,
  config: UpkeepConfig,
  opts: SyncOptions & { taskQueue: string },
): Promise<SyncChange | undefined> {
  const options = systemScheduleOptions(system, config, opts.taskQueue);
  const s = system.schedule(config);
  const scheduleId = options.scheduleId;
  if (system.enabled && !system.enabled(config)) {
    // Not asked for: none is made, and one made while it was is deleted.
    const gone = await client.schedule
      .getHandle(scheduleId)
      .describe()
      .then(() => false)
      .catch((err: unknown) => {
        if (err instanceof ScheduleNotFoundError) return true;
        throw err;
      });
    if (gone) return undefined;
    if (!opts.dryRun) await client.schedule.getHandle(scheduleId).delete();
    return { kind: 'delete', scheduleId, summary: `${system.describe}: no longer in the config` };
  }
  const summary = `${system.describe}: ${s.every ? `every ${s.every}` : `cron "${s.cron}"`} ${s.timezone}${s.paused ? ', paused' : ''}`;
  const handle = client.schedule.getHandle(scheduleId);
  const current = await handle.describe().catch((err: unknown) => {
    if (err instanceof ScheduleNotFoundError) return undefined;
    throw err;
  });
  if (!current) {
    if (!opts.dryRun) {
      await client.schedule.create(options).catch((err: unknown) => {
        // Created concurrently by another sync is fine.
        if ((err as Error).name !== 'ScheduleAlreadyRunning') throw namespaceSetup(err);
      });
    }
    return { kind: 'create', scheduleId, system: system.name, summary };
  }
  const memo = (current.action as { memo?: Record<string, unknown> }).memo;
  if (memo?.[FINGERPRINT] === (options.action as { memo: Record<string, unknown> }).memo[FINGERPRINT])
    return { kind: 'unchanged', scheduleId, system: system.name, summary };
  if (!opts.dryRun) await handle.update((prev) => ({ ...prev, spec: options.spec, action: options.action, policies: options.policies }));
  return { kind: 'update', scheduleId, system: system.name, summary };
}
