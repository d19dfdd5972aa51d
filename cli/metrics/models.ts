/**
 * Per-model health for Prometheus (docs/observability.md), read from the store and Temporal when
 * scraped, so that it is the same in every process that serves it and survives restarts: the
 * latest report's metric values (realized and estimated), verdict and drifted columns; when an
 * evaluation last looked at the model; the requests waiting for a decision and how long; the
 * watchdog's findings.
 *
 * A scrape stays cheap with many models: the figures are refreshed at most every `refreshMs`
 * (concurrent scrapes share one refresh), and a refresh re-reads a model's newest report or audit
 * entries only when a listing shows a newer one. Ages are computed at scrape time from stored
 * instants, so they grow between refreshes.
 *
 * Labels are bounded: `model` (ids from the config), `metric` (the metric catalogue), `basis`,
 * `verdict` and `kind` (enums). Never file names, people or free text.
 */
import type { Client } from '@temporalio/client';
import { Gauge, type Registry } from 'prom-client';
import type { ModelSpec, UpkeepConfig } from '../../domain/config.js';
import type { VerdictStatus } from '../../domain/evaluation.js';
import { METRIC_CATALOGUE } from '../../domain/metrics.js';
import { scheduleIntervalMs } from '../../domain/staleness.js';
import type { WatchdogFindingKind, WatchdogReport } from '../../domain/watchdog.js';
import type { EvaluationReport } from '../../engine/evaluation/report.js';
import type { ChampionPointer } from '../../engine/registry/types.js';
import { auditEntriesPrefix, championKey, reportsPrefix, watchdogReportKey } from '../../engine/store/keys.js';
import { tryGetJson, type ArtifactStore } from '../../engine/store/store.js';
import { mapLimit } from '../../engine/util.js';
import { lastLookedAt } from '../status/evaluations.js';
import { serverState } from '../status/server.js';

export const VERDICTS: readonly VerdictStatus[] = ['healthy', 'warning', 'degraded', 'failing', 'insufficient-data'];
export const FINDING_KINDS: readonly WatchdogFindingKind[] = [
  'stale',
  'paused',
  'overdue-approval',
  'failing-in-a-row',
  'unknown-person',
  'overdue-incident-report',
  'review-lapsed',
];
const KNOWN_METRICS: ReadonlySet<string> = new Set(METRIC_CATALOGUE.map((m) => m.name));
/** Store reads (per model) in flight at once during a refresh. */
export const REFRESH_CONCURRENCY = 16;

/** What the newest report says, kept until a newer one is listed. */
interface ReportFigures {
  key: string;
  verdict: VerdictStatus;
  realized: [string, number][];
  estimated: [string, number][];
  drifted: number;
  rows: number;
}

/** One model's figures as of the last refresh. */
export interface ModelFigures {
  id: string;
  intervalSeconds: number;
  report?: ReportFigures;
  /** Epoch ms the age is measured from (the last evaluation that looked; else the champion's start or the oldest evaluation); absent: never evaluated. */
  lookedFrom?: number;
  /** Absent: unknown (no server, or it did not answer for this model). */
  approvals?: { count: number; oldestSince?: number; overdue: number };
  findings: Partial<Record<WatchdogFindingKind, number>>;
  /** Reads that failed for this model in the last refresh. */
  errors: number;
}

export interface FiguresSnapshot {
  at: number;
  models: ModelFigures[];
  /** False when the config could not be read at the last refresh (the last good one answered). */
  configReadable: boolean;
  temporalReachable: boolean;
  refreshSeconds: number;
}

export interface ModelMetricsOptions {
  registry: Registry;
  /** The config in force (the worker re-reads an edited file; `upkeep serve` keeps the one it loaded). */
  config: () => Promise<UpkeepConfig>;
  store: ArtifactStore;
  /** Without a client, pending approvals are absent (unknown). */
  client?: Client;
  taskQueue: string;
  refreshMs: number;
  now?: () => number;
}

/** Only finite numbers of catalogue metrics: a report's keys never become labels unchecked. */
const catalogued = (values: Record<string, number | null | { value: number | null }> | undefined): [string, number][] =>
  Object.entries(values ?? {})
    .map(([k, v]) => [k, typeof v === 'object' && v !== null ? v.value : v] as const)
    .filter((e): e is [string, number] => KNOWN_METRICS.has(e[0]) && typeof e[1] === 'number' && Number.isFinite(e[1]));

function reportFigures(key: string, r: EvaluationReport): ReportFigures {
  const drift = r.drift ?? r.evaluation?.drift;
  return {
    key,
    verdict: r.verdict.status,
    realized: catalogued(r.metrics),
    estimated: catalogued(r.estimated ?? r.evaluation?.estimated?.metrics),
    // The columns that raise the alarm (after the multiple-testing correction), else the tests' own.
    drifted: drift?.alarm?.columns.length ?? drift?.drifted_columns.length ?? 0,
    rows: r.rows,
  };
}

const newestJson = async (store: ArtifactStore, prefix: string): Promise<string | undefined> =>
  (await store.list(`${prefix}/`))
    .filter((k) => k.startsWith(`${prefix}/`) && k.endsWith('.json'))
    .sort()
    .at(-1);

/** What a model's refresh keeps for the next: re-read only what a listing shows changed. */
interface ModelCache {
  report?: ReportFigures;
  looked?: { auditKey: string | undefined; generation: number | undefined; from?: number };
}

/** The collector's state: the figures of the last refresh and the per-model caches. */
export function createFigures(o: Omit<ModelMetricsOptions, 'registry'>): { get(): Promise<FiguresSnapshot> } {
  const now = o.now ?? Date.now;
  const caches = new Map<string, ModelCache>();
  let current: { snapshot: FiguresSnapshot } | undefined;
  let refreshing: Promise<FiguresSnapshot> | undefined;
  let lastConfig: UpkeepConfig | undefined;

  async function model(spec: ModelSpec, cache: ModelCache): Promise<Omit<ModelFigures, 'approvals' | 'findings'>> {
    let errors = 0;
    const failed = (): undefined => void errors++;
    const pointer = await tryGetJson<ChampionPointer>(o.store, championKey(spec.id)).catch(failed);
    // A listing that failed keeps what was known (counted in read_errors); an empty one clears it.
    const reportKey = await newestJson(o.store, reportsPrefix(spec.id)).then((k) => k ?? null, failed);
    if (reportKey && reportKey !== cache.report?.key) {
      const r = await tryGetJson<EvaluationReport>(o.store, reportKey).catch(failed);
      if (r) cache.report = reportFigures(reportKey, r);
    } else if (reportKey === null) delete cache.report;
    // When an evaluation last looked: re-read from the audit trail when an evaluation or the champion changed.
    const auditKey = await newestJson(o.store, auditEntriesPrefix(spec.id, 'evaluations')).catch(failed);
    const generation = pointer?.generation;
    if (!cache.looked || cache.looked.auditKey !== auditKey || cache.looked.generation !== generation) {
      const era = pointer ? { version: pointer.version, since: pointer.since, change: pointer.change } : undefined;
      const looked = await lastLookedAt(o.store, spec.id, era).catch(failed);
      if (looked) {
        // As `upkeep status` measures it (cli/status/fleet.ts).
        const from = looked.at ?? (era && !looked.at ? era.since : undefined) ?? looked.oldest;
        cache.looked = { auditKey, generation, ...(from ? { from: Date.parse(from) } : {}) };
      }
    }
    return {
      id: spec.id,
      intervalSeconds: scheduleIntervalMs(spec.schedule) / 1000,
      ...(cache.report ? { report: cache.report } : {}),
      ...(cache.looked?.from !== undefined ? { lookedFrom: cache.looked.from } : {}),
      errors,
    };
  }

  async function refresh(): Promise<FiguresSnapshot> {
    const started = performance.now();
    // A config edited into something invalid: the last good one answers (the worker's activities refuse it loudly).
    const read = await o.config().then(
      (c) => ({ config: c, ok: true }),
      (err: unknown) => {
        if (!lastConfig) throw err;
        return { config: lastConfig, ok: false };
      },
    );
    const config = (lastConfig = read.config);
    const ids = config.models.map((m) => m.id);
    for (const id of caches.keys()) if (!ids.includes(id)) caches.delete(id); // a model that left the config
    const [server, watchdog] = await Promise.all([
      serverState(o.client, { taskQueue: o.taskQueue, now: new Date(now()), models: ids }),
      tryGetJson<WatchdogReport>(o.store, watchdogReportKey).catch(() => undefined),
    ]);
    const models = await mapLimit(config.models, REFRESH_CONCURRENCY, async (spec): Promise<ModelFigures> => {
      let cache = caches.get(spec.id);
      if (!cache) caches.set(spec.id, (cache = {}));
      const figures = await model(spec, cache);
      const s = server.models.get(spec.id);
      const known = s?.approvals !== undefined && !s.failed?.length;
      const findings: ModelFigures['findings'] = {};
      for (const f of watchdog?.findings ?? []) if (f.modelId === spec.id) findings[f.kind] = (findings[f.kind] ?? 0) + 1;
      const since = known ? s.approvals!.map((a) => Date.parse(a.since)).filter(Number.isFinite) : [];
      return {
        ...figures,
        ...(known
          ? {
              approvals: {
                count: s.approvals!.length,
                overdue: s.approvals!.filter((a) => a.overdue).length,
                ...(since.length ? { oldestSince: Math.min(...since) } : {}),
              },
            }
          : {}),
        findings,
      };
    });
    return { at: now(), models, configReadable: read.ok, temporalReachable: server.reachable, refreshSeconds: (performance.now() - started) / 1000 };
  }

  return {
    get(): Promise<FiguresSnapshot> {
      if (current && now() - current.snapshot.at < o.refreshMs) return Promise.resolve(current.snapshot);
      refreshing ??= refresh()
        .then((snapshot) => {
          current = { snapshot };
          return snapshot;
        })
        .finally(() => (refreshing = undefined));
      return refreshing;
    },
  };
}

/**
 * Registers the per-model gauges in `registry`; each scrape reads the shared figures (refreshed
 * at most every refreshMs). Returns the figures' reader (the bench and tests call it).
 */
export function registerModelMetrics(o: ModelMetricsOptions): { figures(): Promise<FiguresSnapshot> } {
  const figures = createFigures(o);
  const now = o.now ?? Date.now;
  const r = [o.registry];
  type Set = (snapshot: FiguresSnapshot, g: Gauge<string>) => void;
  /** A gauge filled from each new snapshot; an `aging` one (seconds since an instant) at every scrape. */
  const gauge = (name: string, help: string, labelNames: string[], fill: Set, aging = false): void => {
    let filled: FiguresSnapshot | undefined;
    new Gauge({
      name,
      help,
      labelNames,
      registers: r,
      async collect() {
        const snapshot = await figures.get();
        if (snapshot === filled && !aging) return;
        filled = snapshot;
        this.reset();
        fill(snapshot, this);
      },
    });
  };
  const each =
    (fn: (m: ModelFigures, g: Gauge<string>) => void): Set =>
    (s, g) =>
      s.models.forEach((m) => fn(m, g));

  gauge('upkeep_models', 'Models declared in the config.', [], (s, g) => g.set(s.models.length));
  gauge(
    'upkeep_model_metric',
    "The latest report's metric values: basis realized (from the labels) or estimated (before the labels arrive).",
    ['model', 'metric', 'basis'],
    each((m, g) => {
      for (const [metric, v] of m.report?.realized ?? []) g.set({ model: m.id, metric, basis: 'realized' }, v);
      for (const [metric, v] of m.report?.estimated ?? []) g.set({ model: m.id, metric, basis: 'estimated' }, v);
    }),
  );
  gauge(
    'upkeep_model_verdict',
    "1 for the latest report's verdict, 0 for the others (all 0: never evaluated).",
    ['model', 'verdict'],
    each((m, g) => VERDICTS.forEach((v) => g.set({ model: m.id, verdict: v }, m.report?.verdict === v ? 1 : 0))),
  );
  gauge(
    'upkeep_model_drifted_columns',
    'Columns whose drift raised the alarm in the latest report (after the multiple-testing correction).',
    ['model'],
    each((m, g) => m.report && g.set({ model: m.id }, m.report.drifted)),
  );
  gauge(
    'upkeep_model_rows',
    'Labelled rows the latest report evaluated.',
    ['model'],
    each((m, g) => m.report && g.set({ model: m.id }, m.report.rows)),
  );
  gauge(
    'upkeep_model_seconds_since_last_look',
    'Seconds since an evaluation last looked at the model (healthy, warning or degraded), as `upkeep status` measures it; absent: never evaluated.',
    ['model'],
    each((m, g) => m.lookedFrom !== undefined && g.set({ model: m.id }, Math.max(0, (now() - m.lookedFrom) / 1000))),
    true,
  );
  gauge(
    'upkeep_model_schedule_interval_seconds',
    "The model's evaluation interval (its schedule).",
    ['model'],
    each((m, g) => g.set({ model: m.id }, m.intervalSeconds)),
  );
  gauge(
    'upkeep_model_pending_approvals',
    'Requests (retrain, rollback) waiting for a decision; absent when Temporal did not answer.',
    ['model'],
    each((m, g) => m.approvals && g.set({ model: m.id }, m.approvals.count)),
  );
  gauge(
    'upkeep_model_oldest_pending_approval_seconds',
    'How long the oldest waiting request has waited (0: none waits); absent when Temporal did not answer.',
    ['model'],
    each((m, g) => m.approvals && g.set({ model: m.id }, m.approvals.oldestSince === undefined ? 0 : Math.max(0, (now() - m.approvals.oldestSince) / 1000))),
    true,
  );
  gauge(
    'upkeep_model_overdue_approvals',
    'Waiting requests past their expiry time.',
    ['model'],
    each((m, g) => m.approvals && g.set({ model: m.id }, m.approvals.overdue)),
  );
  gauge(
    'upkeep_model_watchdog_findings',
    "Open findings of the watchdog's latest run, by kind.",
    ['model', 'kind'],
    each((m, g) => FINDING_KINDS.forEach((kind) => g.set({ model: m.id, kind }, m.findings[kind] ?? 0))),
  );
  gauge(
    'upkeep_model_read_errors',
    "Reads of the model's store objects that failed in the last refresh (its other figures may be older).",
    ['model'],
    each((m, g) => g.set({ model: m.id }, m.errors)),
  );
  gauge('upkeep_config_readable', 'Whether the config could be read at the last refresh (0: an edit broke it; the last good one answers).', [], (s, g) =>
    g.set(s.configReadable ? 1 : 0),
  );
  gauge('upkeep_temporal_reachable', 'Whether Temporal answered the last refresh (pending approvals need it).', [], (s, g) =>
    g.set(s.temporalReachable ? 1 : 0),
  );
  gauge('upkeep_metrics_refresh_seconds', 'How long the last refresh of the per-model figures took.', [], (s, g) => g.set(s.refreshSeconds));
  return { figures: () => figures.get() };
}
