/**
 * Schedules are code: one Temporal Schedule per model, derived from upkeep.yaml. `sync` computes
 * the difference between the config and the server and applies it (or only prints it).
 */
import { createHash } from 'node:crypto';
import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import type { ModelSpec, UpkeepConfig } from '../domain/config.js';
import { evaluateScheduleId, TASK_QUEUE, UpkeepModelId } from '../workflows/definitions.js';
import type { evaluateModel } from '../workflows/evaluate-model.js';

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
  return createHash('sha256').update(JSON.stringify(scheduleShape(model, taskQueue))).digest('hex').slice(0, 16);
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
  | { kind: 'delete'; scheduleId: string; summary: string };

export function describeSchedule(model: ModelSpec): string {
  const s = model.schedule;
  return `${s.every ? `every ${s.every}` : `cron "${s.cron}"`} ${s.timezone}${s.jitter !== '0s' ? `, jitter ${s.jitter}` : ''}${s.paused ? ', paused' : ''}`;
}

async function existingScheduleIds(client: Client): Promise<Set<string>> {
  const ids = new Set<string>();
  for await (const s of client.schedule.list()) if (s.scheduleId.startsWith(SCHEDULE_PREFIX)) ids.add(s.scheduleId);
  return ids;
}

export async function syncSchedules(client: Client, config: UpkeepConfig, opts: { dryRun?: boolean; prune?: boolean; taskQueue?: string } = {}): Promise<SyncChange[]> {
  const taskQueue = opts.taskQueue ?? TASK_QUEUE;
  const existing = await existingScheduleIds(client);
  const changes: SyncChange[] = [];
  for (const model of config.models) {
    const options = scheduleOptions(model, taskQueue);
    const scheduleId = options.scheduleId;
    const summary = describeSchedule(model);
    if (!existing.has(scheduleId)) {
      changes.push({ kind: 'create', scheduleId, modelId: model.id, summary });
      if (!opts.dryRun) {
        await client.schedule.create(options).catch((err: unknown) => {
          // Created concurrently by another sync: fine, it is the same definition.
          if ((err as Error).name !== 'ScheduleAlreadyRunning') throw err;
        });
      }
      continue;
    }
    existing.delete(scheduleId);
    const handle = client.schedule.getHandle(scheduleId);
    const current = await handle.describe();
    const action = current.action as { memo?: Record<string, unknown> };
    const want = scheduleFingerprint(model, taskQueue);
    if (action.memo?.[FINGERPRINT] === want) {
      changes.push({ kind: 'unchanged', scheduleId, modelId: model.id, summary });
      continue;
    }
    changes.push({ kind: 'update', scheduleId, modelId: model.id, summary });
    if (!opts.dryRun) {
      // Pause state is left as the operators set it; spec, action and policies follow the config.
      await handle.update((prev) => ({ ...prev, spec: options.spec, action: options.action, policies: options.policies }));
    }
  }
  for (const scheduleId of [...existing].sort()) {
    if (opts.prune) {
      changes.push({ kind: 'delete', scheduleId, summary: 'not in the config' });
      if (!opts.dryRun) {
        await client.schedule
          .getHandle(scheduleId)
          .delete()
          .catch((err: unknown) => {
            if (!(err instanceof ScheduleNotFoundError)) throw err;
          });
      }
    } else {
      changes.push({ kind: 'orphan', scheduleId, summary: 'not in the config (kept; sync --prune deletes it)' });
    }
  }
  return changes;
}

export function formatChanges(changes: SyncChange[], dryRun: boolean): string {
  const sign = { create: '+', update: '~', unchanged: '=', orphan: '?', delete: '-' } as const;
  const lines = changes.map((c) => `${sign[c.kind]} ${c.scheduleId.padEnd(36)} ${c.kind.padEnd(9)} ${c.summary}`);
  const n = (k: SyncChange['kind']) => changes.filter((c) => c.kind === k).length;
  lines.push(
    `${dryRun ? 'dry run: would ' : ''}create ${n('create')}, update ${n('update')}, delete ${n('delete')}; ${n('unchanged')} unchanged${n('orphan') ? `, ${n('orphan')} not in the config` : ''}`,
  );
  return lines.join('\n');
}
