/**
 * A watchdog run: inspect the fleet, keep each finding once in the store (notified once until it
 * is resolved), and write the latest report. Retry-safe: a finding first reported by this run is
 * reported again by a retry of it; a later run finds it written and reports nothing new.
 */
import type { UpkeepConfig } from '../../domain/config.js';
import { stakeholders } from '../../domain/maintenance.js';
import type { WatchdogFinding, WatchdogReport } from '../../domain/watchdog.js';
import type { TemporalPort } from '../ports.js';
import { watchdogFindingKey, watchdogReportKey } from '../store/keys.js';
import type { ArtifactStore } from '../store/store.js';
import { readDirectory } from './directory.js';
import { readFindings, readWatchdogReport } from './findings.js';
import { inspectModel, type FoundFinding, type InspectContext } from './inspect.js';

/** What a watchdog run reads and writes. */
export interface WatchdogPorts {
  store: ArtifactStore;
  /** The Temporal server; without one (a one-shot run) what only it can tell is skipped. */
  temporal?: TemporalPort;
  /** Progress, after each batch of models. */
  heartbeat?(details: unknown): void;
}

/** Models inspected at once (each costs a few store reads and, with a server, two or three calls). */
const CONCURRENCY = 8;

export interface WatchdogRunInput {
  at: string;
  workflowId: string;
  runId: string;
  /** A model's evaluation schedule id is this prefix and its id (workflows/definitions.ts). */
  evaluateSchedulePrefix: string;
}

/** What a run changed: summaries for the workflow to notify and log. */
export interface WatchdogRunResult {
  /** Open findings after this run, every model. */
  open: number;
  /** Findings reported for the first time (by this run). */
  opened: WatchdogFinding[];
  resolved: WatchdogFinding[];
  /** Models of the config whose findings changed (their cards are regenerated). */
  changedModels: string[];
  skipped: string[];
}

const ident = (f: Pick<WatchdogFinding, 'modelId' | 'key'>): string => `${f.modelId}/${f.key}`;

/** Inspects every model of the config, records what is new and what was resolved, and writes watchdog/latest.json. */
export async function runWatchdog(ports: WatchdogPorts, config: UpkeepConfig, input: WatchdogRunInput): Promise<WatchdogRunResult> {
  const { store } = ports;
  const w = config.watchdog;
  const skipped: string[] = [];
  if (!ports.temporal) skipped.push('paused schedules, failed evaluation workflows and schedule ages: no Temporal server to ask (a one-shot run)');
  const ctx: InspectContext = {
    now: input.at,
    watchdog: w,
    evaluateSchedulePrefix: input.evaluateSchedulePrefix,
    governance: config.governance,
    ...(w.directory ? { directory: await readDirectory(w.directory) } : {}),
    ...(ports.temporal ? { temporal: ports.temporal } : {}),
  };
  if (!w.directory) skipped.push('unknown people: no watchdog.directory configured');
  const existing = new Map((await readFindings(store)).map((f) => [ident(f), f]));
  ctx.open = existing;
  const found: FoundFinding[] = [];
  for (let i = 0; i < config.models.length; i += CONCURRENCY) {
    const batch = config.models.slice(i, i + CONCURRENCY);
    for (const list of await Promise.all(batch.map((m) => inspectModel({ store }, m, ctx)))) found.push(...list);
    ports.heartbeat?.({ inspected: Math.min(i + CONCURRENCY, config.models.length), of: config.models.length });
  }

  const specs = new Map(config.models.map((m) => [m.id, m]));
  const previous = await readWatchdogReport(store);
  const opened: WatchdogFinding[] = [];
  const open: WatchdogFinding[] = [];
  for (const f of found) {
    let kept = existing.get(ident(f));
    if (!kept) {
      const spec = specs.get(f.modelId)!;
      const { notify, ...rest } = f;
      const finding: WatchdogFinding = {
        ...rest,
        firstReportedAt: input.at,
        notified: notify ?? [...new Set([...stakeholders(spec), ...w.platform])],
        firstReportedBy: { workflowId: input.workflowId, runId: input.runId },
      };
      const put = await store.put(watchdogFindingKey(f.modelId, f.key), `${JSON.stringify(finding, null, 2)}\n`, { ifAbsent: true });
      // Another run wrote it a moment ago: that run reports it.
      if (put.created) kept = finding;
      else kept = (await readFindings(store, f.modelId)).find((x) => x.key === f.key) ?? finding;
    }
    if (kept.firstReportedBy?.runId === input.runId) opened.push(kept);
    // The report shows today's wording; when and to whom it was first reported stay as written.
    open.push({ ...kept, summary: f.summary, ...(f.details ? { details: f.details } : {}) });
  }
  const foundIds = new Set(found.map(ident));
  const resolved = new Map<string, WatchdogFinding>();
  // A retry of this run finds what its first attempt resolved in the report it wrote.
  if (previous?.runId === input.runId) for (const f of previous.resolved) resolved.set(ident(f), f);
  // Without a server, what only the server tells is unknown: such findings stay open as they were.
  const unknowable = new Set<WatchdogFinding['kind']>(ports.temporal ? [] : ['paused', 'failing-in-a-row']);
  for (const [id, f] of existing) {
    if (foundIds.has(id) || resolved.has(id)) continue;
    if (unknowable.has(f.kind)) open.push(f);
    else resolved.set(id, f);
  }

  const report: WatchdogReport = {
    at: input.at,
    workflowId: input.workflowId,
    runId: input.runId,
    findings: open,
    resolved: [...resolved.values()],
    ...(skipped.length ? { skipped } : {}),
  };
  await store.put(watchdogReportKey, `${JSON.stringify(report, null, 2)}\n`);
  // Removed last: until then a retry still finds them to resolve.
  for (const f of resolved.values()) await store.delete(watchdogFindingKey(f.modelId, f.key));

  const changed = new Set([...opened, ...resolved.values()].map((f) => f.modelId).filter((id) => specs.has(id)));
  return { open: open.length, opened, resolved: report.resolved, changedModels: [...changed].sort(), skipped };
}
