/** What the `upkeep schedules …` commands and `upkeep worker` do; loaded when one of them runs. */
import path from 'node:path';
import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { msNumberToTs, tsToMs } from '@temporalio/common';
import { configLoader, loadConfig } from '../../engine/config/load.js';
import { UpkeepError } from '../../engine/errors.js';
import { evaluateScheduleId, UpkeepVerdict } from '../../workflows/definitions.js';
import { findSystemSchedule, formatChanges, SCHEDULE_PREFIX, syncSchedules } from '../../workers/schedules.js';
import { commandConfig, settings, withClient } from '../context.js';
import { openStore } from '../../engine/store/open.js';
import { recordScheduleChange } from '../../engine/audit/schedule-entries.js';
import { auditSyncChanges } from '../../workers/schedule-audit.js';
import { onParentExit } from '../../workers/parent-watch.js';
import { countLine, withProgress } from '../progress.js';
import { describeRecorded, recordCommandConfig, witness } from '../config-record.js';
import { recordFleetConfig } from '../../engine/audit/config-entries.js';
import { printTable } from '../output.js';

export async function syncCommand(o: { config?: string; dryRun?: boolean; prune?: boolean; author?: string }): Promise<void> {
  const file = commandConfig(o.config);
  const config = await loadConfig(file);
  await withClient(async (client) => {
    // The config in force, in each model's audit chain, before anything follows it.
    const recorded = o.dryRun
      ? []
      : await recordCommandConfig(openStore(config), config, {
          configPath: file,
          settings: settings(),
          command: 'schedules sync',
          ...(o.author ? { author: o.author } : {}),
        });
    // On a terminal, one line counts the models settled; piped output gets only the result.
    const changes = await withProgress((progress) => {
      const onProgress = (done: number, total: number): void => progress.update(countLine('syncing schedules', done, total, 'models'), done === total);
      return syncSchedules(client, config, { dryRun: o.dryRun, prune: o.prune, taskQueue: settings().taskQueue, configName: path.basename(file), onProgress });
    });
    if (!o.dryRun) await auditSyncChanges(openStore(config), config, changes, settings().user);
    console.log(formatChanges(changes, !!o.dryRun));
    const line = describeRecorded(recorded);
    if (line) console.log(line);
    if (o.dryRun) return;
    // Requests that already wait take the config's current approvers and keys (read by the worker).
    const { formatGateRefresh, refreshOpenGates } = await import('../client/approvers.js');
    const refreshed = await refreshOpenGates(client, { models: config.models.map((m) => m.id), taskQueue: settings().taskQueue }).then(
      formatGateRefresh,
      (err: unknown) => `could not refresh the waiting requests: ${err instanceof Error ? err.message : String(err)}`,
    );
    if (refreshed) console.log(refreshed);
  });
}

export async function listCommand(): Promise<void> {
  await withClient(async (client) => {
    const rows: string[][] = [['schedule', 'spec', 'state', 'next run', 'last run', 'last verdict']];
    for await (const s of client.schedule.list()) {
      if (!s.scheduleId.startsWith(SCHEDULE_PREFIX) && !findSystemSchedule(s.scheduleId, settings().taskQueue)) continue;
      const d = await client.schedule.getHandle(s.scheduleId).describe();
      const spec = d.spec.intervals?.length
        ? d.spec.intervals.map((i) => `every ${Number(i.every) / 1000}s`).join(', ')
        : d.spec.calendars?.length
          ? `calendar (${d.spec.timezone ?? 'UTC'})`
          : '?';
      const last = d.info.recentActions.at(-1);
      let verdict = '';
      if (last) {
        const desc = await client.workflow
          .getHandle(last.action.workflow.workflowId, last.action.workflow.firstExecutionRunId)
          .describe()
          .catch(() => undefined);
        verdict = desc?.typedSearchAttributes.get(UpkeepVerdict) ?? desc?.status.name.toLowerCase() ?? '';
      }
      rows.push([
        s.scheduleId,
        spec || '?',
        d.state.paused ? `paused${d.state.note ? `: ${d.state.note}` : ''}` : 'active',
        d.info.nextActionTimes[0]?.toISOString() ?? '',
        last?.scheduledAt.toISOString() ?? '',
        verdict,
      ]);
    }
    if (rows.length === 1) {
      console.log('no upkeep schedules: run `upkeep schedules sync`');
      return;
    }
    printTable(rows);
  });
}

const scheduleHandle = (client: Client, model: string) => client.schedule.getHandle(model.startsWith(SCHEDULE_PREFIX) ? model : evaluateScheduleId(model));
const notFound = (model: string) => (err: unknown) => {
  if (err instanceof ScheduleNotFoundError) throw new UpkeepError('UnknownModel', `no schedule for ${model}: run \`upkeep schedules sync\` first`);
  throw err;
};

export async function triggerCommand(model: string): Promise<void> {
  await withClient(async (client) => {
    // The system's own schedules by name (`trigger watchdog`) or id.
    const system = findSystemSchedule(model, settings().taskQueue);
    if (system) {
      const id = system.scheduleId(settings().taskQueue);
      await client.schedule.getHandle(id).trigger(ScheduleOverlapPolicy.ALLOW_ALL).catch(notFound(id));
      console.log(`triggered ${id}`);
      return;
    }
    await scheduleHandle(client, model).trigger(ScheduleOverlapPolicy.ALLOW_ALL).catch(notFound(model));
    console.log(`triggered ${evaluateScheduleId(model.replace(SCHEDULE_PREFIX, ''))}`);
  });
}

export async function pauseCommand(verb: 'pause' | 'resume', model: string, o: { note?: string; config?: string }): Promise<void> {
  await withClient(async (client) => {
    const h = scheduleHandle(client, model);
    const note = o.note ?? `${verb}d with upkeep schedules ${verb}`;
    await (verb === 'pause' ? h.pause(note) : h.unpause(note)).catch(notFound(model));
    const config = await loadConfig(commandConfig(o.config));
    const modelId = h.scheduleId.slice(SCHEDULE_PREFIX.length);
    await recordScheduleChange(openStore(config), {
      modelId,
      change: verb,
      paused: verb === 'pause',
      summary: `schedule ${verb === 'pause' ? 'paused' : 'resumed'} by ${settings().user}: ${note}`,
      actor: settings().user,
      note,
    });
    console.log(`${verb === 'pause' ? 'paused' : 'resumed'} ${h.scheduleId}`);
  });
}

/**
 * The times in [from, to) at which the schedule would have started a run, as the server computes
 * them. The server's backfill takes both ends (its range is [start, end]) and its matching times
 * leave out the start ((start, end]): upkeep asks both for [from, to - 1 ms], so that the windows
 * it announces are the runs the backfill starts (a range on scheduled times, e.g. --from 10:00
 * --to 11:00 of a 5-minute schedule, announced 11 and started 13).
 */
export function backfillRange(from: Date, to: Date): { start: Date; end: Date } {
  return { start: from, end: new Date(to.getTime() - 1) };
}

async function matchingTimes(client: Client, scheduleId: string, range: { start: Date; end: Date }): Promise<number> {
  const r = await client.workflowService.listScheduleMatchingTimes({
    namespace: client.options.namespace,
    scheduleId,
    startTime: msNumberToTs(range.start.getTime() - 1),
    endTime: msNumberToTs(range.end.getTime()),
  });
  return (r.startTime ?? []).filter((t) => tsToMs(t) >= range.start.getTime() && tsToMs(t) <= range.end.getTime()).length;
}

/** How often `backfill --wait` counts the finished evaluations. */
const BACKFILL_POLL_MS = 1000;
const VERDICTS = ['healthy', 'warning', 'degraded', 'failing', 'insufficient-data'] as const;

export async function backfillCommand(model: string, o: { from: Date; to: Date; wait?: boolean }): Promise<void> {
  if (o.to <= o.from) throw new UpkeepError('InvalidConfig', '--to must be after --from');
  await withClient(async (client) => {
    const h = scheduleHandle(client, model);
    const modelId = h.scheduleId.slice(SCHEDULE_PREFIX.length);
    const range = backfillRange(o.from, o.to);
    const windows = await matchingTimes(client, h.scheduleId, range).catch(notFound(model));
    // Runs the server starts from now on (a second of slack for clocks) for the windows of the
    // range: this backfill's, not a scheduled run meanwhile, nor an earlier evaluation of a window.
    const since = new Date(Date.now() - 1000).toISOString();
    await h.backfill({ ...range, overlap: ScheduleOverlapPolicy.ALLOW_ALL }).catch(notFound(model));
    console.log(`backfilling ${h.scheduleId} from ${o.from.toISOString()} to ${o.to.toISOString()}: ${windows} window${windows === 1 ? '' : 's'}`);
    if (!o.wait || windows === 0) return;
    const ours = `WorkflowType = 'evaluateModel' AND TemporalScheduledById = '${h.scheduleId}' AND TemporalScheduledStartTime BETWEEN '${range.start.toISOString()}' AND '${range.end.toISOString()}' AND StartTime >= '${since}'`;
    const count = async (extra: string): Promise<number> => (await client.workflow.count(`${ours} AND ${extra}`)).count;
    await withProgress(async (progress) => {
      for (;;) {
        const done = Math.min(windows, await count(`ExecutionStatus != 'Running'`));
        progress.update(countLine(`backfilling ${modelId}`, done, windows, 'evaluations'), done === windows);
        if (done >= windows) return;
        await new Promise((resolve) => setTimeout(resolve, BACKFILL_POLL_MS));
      }
    });
    const verdicts = await Promise.all(VERDICTS.map(async (v) => [v, await count(`UpkeepVerdict = '${v}'`)] as const));
    const failed = await count(`ExecutionStatus IN ('Failed', 'TimedOut', 'Terminated', 'Canceled')`);
    const parts = [...verdicts.filter(([, n]) => n > 0).map(([v, n]) => `${n} ${v}`), ...(failed ? [`${failed} did not finish (see the Temporal UI)`] : [])];
    console.log(`backfill of ${h.scheduleId} done: ${parts.join(', ') || 'no verdicts'}`);
  });
}

export async function workerCommand(o: { config?: string; queues?: string }): Promise<void> {
  const [{ createWorkerLogger }, { clientTarget, connectClient, connectWorker }, { createUpkeepWorker }, { payloadCodecs }, { workerQueues }] =
    await Promise.all([
      import('../../workers/log.js'),
      import('../../workers/temporal.js'),
      import('../../workers/worker.js'),
      import('../../workers/codec.js'),
      import('../../workers/settings.js'),
    ]);
  const s = settings();
  const queues = o.queues === undefined ? s.workerQueues : workerQueues(o.queues, '--queues');
  const codecs = payloadCodecs(s);
  const target = clientTarget(s);
  // Metrics (a `metrics` block): Temporal's own through the runtime, installed before any connection.
  const metricsConfig = await loadConfig(commandConfig(o.config));
  const { installRuntime, startWorkerMetrics } = await import('../metrics/endpoint.js');
  installRuntime({ logger: createWorkerLogger(s.logLevel) }, metricsConfig);
  const connection = await connectWorker(target);
  const client = await connectClient(target, codecs);
  const metrics = await startWorkerMetrics({
    config: metricsConfig,
    configPath: commandConfig(o.config),
    readConfig: configLoader(commandConfig(o.config)),
    store: openStore(metricsConfig),
    client,
    taskQueue: s.taskQueue,
  });
  if (metrics) console.log(`metrics at ${metrics.server.url} (Temporal's worker metrics on the next port: docs/observability.md)`);
  const { worker, engine } = await createUpkeepWorker({
    ...(metrics ? { metrics: metrics.evaluation } : {}),
    connection,
    client,
    namespace: target.namespace,
    taskQueue: s.taskQueue,
    configPath: commandConfig(o.config),
    payloadCodecs: codecs,
    queues,
    evaluationSlots: s.evaluationSlots,
    trainingSlots: s.trainingSlots,
    // A config (or keys file) edited while the worker runs is recorded before an activity acts on it.
    onConfig: async (config, store) =>
      void (await recordFleetConfig(store, config, {
        by: witness('worker (config read by an activity)', s),
        configName: path.basename(commandConfig(o.config)),
      })),
  });
  // The config this worker acts on, in each model's audit chain (a no-op when it is the one last recorded).
  const configFile = commandConfig(o.config);
  const initial = await loadConfig(configFile);
  const line = describeRecorded(await recordCommandConfig(openStore(initial), initial, { configPath: configFile, settings: s, command: 'worker' }));
  if (line) console.log(line);
  const slots = (q: string): string => (q === s.taskQueue ? `evaluation slots: ${s.evaluationSlots}` : `training slots: ${s.trainingSlots}`);
  console.log(
    `worker polling ${worker.taskQueues.map((q) => `${q} (${slots(q)})`).join(' and ')} on ${target.connectionOptions.address} (${target.namespace}); Ctrl-C stops it`,
  );
  const running = worker.run();
  // SIGINT and SIGTERM reach the worker through the SDK's runtime; SIGHUP and its parent gone
  // (SIGTERM to `npx upkeep worker` ends only npx's shell) stop it the same way, as they stop `start`.
  process.once('SIGHUP', () => worker.shutdown());
  onParentExit(() => worker.shutdown());
  // Waiting requests take the approvers and keys of the config this worker loaded.
  if (queues !== 'training') {
    const { formatGateRefresh, refreshOpenGates } = await import('../client/approvers.js');
    const config = await loadConfig(commandConfig(o.config));
    await refreshOpenGates(client, { models: config.models.map((m) => m.id), taskQueue: s.taskQueue }).then(
      (r) => {
        const text = formatGateRefresh(r);
        if (text) console.log(text);
      },
      (err: unknown) => console.error(`could not refresh the waiting requests: ${err instanceof Error ? err.message : String(err)}`),
    );
  }
  await running;
  await metrics?.server.close();
  await engine.close();
  await client.connection.close();
  await connection.close();
}
