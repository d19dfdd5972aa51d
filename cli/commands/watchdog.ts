/** `upkeep watchdog run` and `upkeep watchdog show`; loaded when one of them runs. */
import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { loadConfig } from '../../engine/config/load.js';
import { UpkeepError } from '../../engine/errors.js';
import { openStore } from '../../engine/store/open.js';
import { readWatchdogReport } from '../../engine/watchdog/findings.js';
import type { WatchdogReport } from '../../domain/watchdog.js';
import { watchdogScheduleId } from '../../workflows/definitions.js';
import type { watchdog, WatchdogResult } from '../../workflows/watchdog.js';
import { workerHint } from '../../workers/how-to-run.js';
import { commandConfig, settings, withClient } from '../context.js';

/** The report as a person reads it: one line per open finding (new ones marked), then what was resolved. */
export function formatWatchdogReport(r: WatchdogReport, opened: ReadonlySet<string> = new Set()): string {
  const lines = [
    `watchdog ${r.at} (${r.workflowId}): ${r.findings.length} open finding${r.findings.length === 1 ? '' : 's'}${r.resolved.length ? `, ${r.resolved.length} resolved` : ''}`,
  ];
  const width = Math.max(0, ...r.findings.map((f) => f.kind.length));
  for (const f of r.findings)
    lines.push(
      `${opened.has(`${f.modelId}/${f.key}`) ? 'new ' : '    '}${f.kind.padEnd(width)}  ${f.summary}  (told ${f.notified.join(', ') || 'nobody'} at ${f.firstReportedAt})`,
    );
  for (const f of r.resolved) lines.push(`resolved  ${f.summary}`);
  for (const s of r.skipped ?? []) lines.push(`not checked: ${s}`);
  return lines.join('\n');
}

async function latestReport(configFlag?: string): Promise<WatchdogReport | undefined> {
  return readWatchdogReport(openStore(await loadConfig(commandConfig(configFlag))));
}

export async function runCommand(o: { config?: string }): Promise<void> {
  const taskQueue = settings().taskQueue;
  const result = await withClient(async (client) => {
    // Its own workflow id: a scheduled run going on at the same time is no conflict (a finding is reported by one of them).
    const workflowId = `${watchdogScheduleId(taskQueue)}-now-${new Date().toISOString().replace(/[:.]/g, '')}`;
    const handle = await client.workflow.start<typeof watchdog>('watchdog', { taskQueue, workflowId, args: [] });
    if (process.stderr.isTTY) process.stderr.write(`started ${workflowId}; a worker on task queue ${taskQueue} runs it (${workerHint()})\n`);
    try {
      return (await handle.result()) as WatchdogResult;
    } catch (err) {
      if (!(err instanceof WorkflowFailedError)) throw err;
      // The reason is the innermost application failure (e.g. a malformed directory file).
      let why = err.message;
      for (let e: unknown = err; e instanceof Error; e = e.cause) if (e instanceof ApplicationFailure) why = e.message;
      throw new UpkeepError('InvalidConfig', `the watchdog run ${workflowId} failed: ${why}`);
    }
  });
  const report = await latestReport(o.config);
  if (!report) throw new Error('the watchdog ran but wrote no report');
  console.log(formatWatchdogReport(report, new Set(result.opened)));
}

export async function showCommand(o: { config?: string; format?: 'text' | 'json' }): Promise<void> {
  const report = await latestReport(o.config);
  if (!report) {
    console.log('the watchdog has not run yet: it runs on its schedule (upkeep schedules list), or now with upkeep watchdog run');
    return;
  }
  console.log(o.format === 'json' ? JSON.stringify(report, null, 2) : formatWatchdogReport(report));
}
