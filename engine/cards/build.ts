/** Builds the JSON model card; every list is sorted explicitly, never left in input order. */
import { declaredMetricLines } from '../../domain/business-config.js';
import { buildFairness, type CardFairness } from './fairness.js';
import { segmentRow, segmentSentence } from '../evaluation/segments/render.js';
import { buildCardReviews } from './reviews.js';
import { lowerIsBetter } from '../../domain/metrics.js';
import { rankByImportance } from '../../domain/importance.js';
import type { ModelSpec } from '../../domain/config.js';
import type { ChampionPointer, ModelVersion } from '../registry/types.js';
import type { Decision, AuditEntry } from '../../domain/maintenance.js';
import { versionSeries } from './trend.js';
import { estimatedVsRealized } from '../../domain/late-labels.js';
import {
  MAX_INCIDENTS,
  MAX_LOG_ENTRIES,
  MAX_TREND_POINTS,
  type CardIncident,
  type CardChampionPeriod,
  type CardConditions,
  type CardCurrent,
  type CardDecision,
  type CardDetails,
  type CardDriftedColumn,
  type CardLineageEntry,
  type CardLogEntry,
  type CardTrendPoint,
  type CardWatchdogFinding,
  type ModelCard,
  type ModelCardInput,
} from './types.js';

// ───────────────────────────── ordering ─────────────────────────────

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const HAS_OFFSET = /(Z|[+-]\d{2}:?\d{2})$/i;

/** Milliseconds since the epoch; a date or an offset-less date-time is UTC. NaN when unparsable. */
function instant(s: string): number {
  const t = s.trim();
  if (!/^\d{4}-\d{2}-\d{2}/.test(t)) return Number.NaN;
  return Date.parse(DATE_ONLY.test(t) ? `${t}T00:00:00Z` : t.includes('T') && !HAS_OFFSET.test(t) ? `${t}Z` : t);
}

const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Later times first; unparsable times after parsable ones, by their text. */
function newestFirst(a: string, b: string): number {
  const x = instant(a);
  const y = instant(b);
  if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) === Number.isNaN(y) ? compareStrings(b, a) : Number.isNaN(x) ? 1 : -1;
  return y - x;
}

/** Last resort of every sort: equal keys are ordered by their content, never by input order. */
const byContent = (a: unknown, b: unknown): number => compareStrings(JSON.stringify(a), JSON.stringify(b));

/** Keeps the first item per key (after sorting, so the survivor does not depend on input order). */
function uniqueBy<T>(items: T[], key: (t: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((t) => (seen.has(key(t)) ? false : (seen.add(key(t)), true)));
}

// ───────────────────────────── building ─────────────────────────────

function buildDetails(spec: ModelSpec): CardDetails {
  const metric = spec.thresholds.metric;
  const limits = (spec as { limits?: unknown }).limits;
  return {
    description: spec.description ?? null,
    task: spec.task,
    owner: spec.owner,
    approvers: [...spec.approvers],
    escalation: [...spec.approval.escalation],
    inputs: spec.inputs.map((i) => ({ name: i.name, type: i.type, columns: [...i.columns] })),
    label: { column: spec.label.column, positive: spec.label.positive ?? null },
    classes: spec.classes ? [...spec.classes] : null,
    artifact: spec.artifact,
    primaryMetric: {
      name: metric,
      higherIsBetter: !lowerIsBetter(metric),
      min: spec.thresholds.min ?? null,
      max: spec.thresholds.max ?? null,
      maxDrop: spec.thresholds.max_drop ?? null,
      baseline: spec.baseline[metric] ?? null,
    },
    ...(spec.metrics?.length ? { declaredMetrics: declaredMetricLines(spec.metrics) } : {}),
    intended_use: spec.intended_use ?? null,
    limits: typeof limits === 'string' && limits.trim() !== '' ? limits : null,
  };
}

function toCardDecision(d: Decision): CardDecision {
  return { gate: d.gate, decision: d.decision, approver: d.approver, at: d.at, comment: d.comment ?? null };
}

/** The decisions behind a champion: its pointer's and its version's (the retrain approval), oldest first. */
function decisionsOf(champion: ChampionPointer, version: ModelVersion | null): CardDecision[] {
  const all = [...champion.approvals, ...(version?.approvals ?? [])].map(toCardDecision);
  const sorted = all.sort((a, b) => -newestFirst(a.at, b.at) || byContent(a, b));
  return uniqueBy(sorted, (d) => JSON.stringify(d));
}

function buildCurrent(input: ModelCardInput): CardCurrent {
  const { champion, spec } = input;
  if (!champion) {
    const v = input.championVersion;
    return {
      change: 'config',
      version: v?.version ?? null,
      sha256: v?.sha256 ?? null,
      artifact: spec.artifact,
      since: null,
      source: 'config',
      generation: null,
      previous: null,
      approvedBy: [],
      decisions: [],
      emergency: null,
      reason: null,
      workflowId: null,
    };
  }
  const version = input.championVersion ?? input.versions.find((v) => v.version === champion.version) ?? null;
  const decisions = decisionsOf(champion, version);
  return {
    change: champion.change,
    version: champion.version,
    sha256: champion.sha256,
    artifact: version?.artifactUri ?? null,
    since: champion.since,
    source: version?.source ?? null,
    generation: champion.generation,
    previous: champion.previous,
    approvedBy: uniqueBy(
      decisions.filter((d) => d.decision === 'approve').map((d) => d.approver),
      (a) => a,
    ),
    decisions,
    emergency: champion.emergency ? { by: champion.emergency.by, reason: champion.emergency.reason } : null,
    reason: champion.reason ?? null,
    workflowId: champion.workflow?.workflowId ?? null,
  };
}

/** Champion changes in order (by generation), the current pointer included. */
function championChanges(input: ModelCardInput): ChampionPointer[] {
  const all = input.champion ? [...input.championHistory, input.champion] : [...input.championHistory];
  const sorted = all.sort((a, b) => a.generation - b.generation || -newestFirst(a.since, b.since) || byContent(a, b));
  return uniqueBy(sorted, (p) => String(p.generation));
}

/** When each version was champion: a change starts a period that the next change ends. */
function championPeriods(input: ModelCardInput): Map<string, CardChampionPeriod[]> {
  const changes = championChanges(input);
  const periods = new Map<string, CardChampionPeriod[]>();
  changes.forEach((p, i) => {
    const next = changes[i + 1];
    const list = periods.get(p.version) ?? [];
    list.push({ from: p.since, to: next ? next.since : null, change: p.change });
    periods.set(p.version, list);
  });
  return periods;
}

/** Whole days from firstDay to lastDay, both included; null when either is not a date. */
function daysCovered(firstDay: string, lastDay: string): number | null {
  const a = instant(firstDay.slice(0, 10));
  const b = instant(lastDay.slice(0, 10));
  if (Number.isNaN(a) || Number.isNaN(b)) return null;
  return Math.round((b - a) / 86_400_000) + 1;
}

function lineageEntry(v: ModelVersion, metric: string, periods: CardChampionPeriod[], promotedBaseline: Record<string, number> | undefined): CardLineageEntry {
  // A retrained version's holdout metrics are recorded when it is promoted (on the champion pointer).
  const baseline = promotedBaseline ?? v.baseline;
  return {
    version: v.version,
    sha256: v.sha256,
    createdAt: v.createdAt,
    source: v.source,
    parent: v.parent ?? null,
    trainer: v.trainer ? { type: v.trainer.type, command: v.trainer.command ? [...v.trainer.command] : null, params: { ...v.trainer.params } } : null,
    training: v.training
      ? { firstDay: v.training.firstDay, lastDay: v.training.lastDay, days: daysCovered(v.training.firstDay, v.training.lastDay), rows: v.training.rows }
      : null,
    holdoutPrimary: baseline?.[metric] ?? null,
    // The config's artifact is held to the configured baseline; only a retrain measures a holdout.
    baselineSource: baseline?.[metric] === undefined ? null : v.source === 'retrain' ? 'holdout' : 'config',
    baseline: { ...(baseline ?? {}) },
    trainingMetrics: { ...(v.trainingMetrics ?? {}) },
    championPeriods: periods,
    workflowId: v.workflow?.workflowId ?? null,
  };
}

function buildLineage(input: ModelCardInput): CardLineageEntry[] {
  const periods = championPeriods(input);
  const sorted = [...input.versions].sort((a, b) => newestFirst(a.createdAt, b.createdAt) || compareStrings(a.version, b.version) || byContent(a, b));
  const promoted = [...input.championHistory, ...(input.champion ? [input.champion] : [])].sort((a, b) => a.generation - b.generation);
  const baselineOf = (version: string): Record<string, number> | undefined => promoted.filter((p) => p.version === version && p.baseline).pop()?.baseline;
  return uniqueBy(sorted, (v) => v.version).map((v) => lineageEntry(v, input.spec.thresholds.metric, periods.get(v.version) ?? [], baselineOf(v.version)));
}

function buildTrend(input: ModelCardInput): CardTrendPoint[] {
  const metric = input.spec.thresholds.metric;
  // One row per window and model version, as the chart and the slow-decline check count them: a
  // window evaluated again (each `upkeep start` re-evaluates the latest one) keeps its latest run.
  const perWindow = versionSeries(input.reports.map((r) => ({ ...r, value: null, ...(r.version ? { model: r.version } : {}) }))).flatMap((s) => s.points);
  // Late labels: a window's first estimate stays beside the realized value its later evaluation gave.
  const late = new Map(
    estimatedVsRealized(
      input.reports.map((r) => ({
        key: `${r.version ?? ''}|${r.firstDay && r.lastDay ? `${r.firstDay}..${r.lastDay}` : r.windowEnd}`,
        windowEnd: r.windowEnd,
        ...(r.ranAt ? { ranAt: r.ranAt } : {}),
        verdict: r.verdict,
        ...(r.basis ? { basis: r.basis } : {}),
        realized: r.metrics[metric] ?? null,
        ...(r.estimate ? { estimate: r.estimate } : {}),
      })),
    ).map((w) => [w.key, w]),
  );
  const points = perWindow.map((r) => {
    const w = late.get(`${r.version ?? ''}|${r.firstDay && r.lastDay ? `${r.firstDay}..${r.lastDay}` : r.windowEnd}`);
    const estimated = r.basis === 'estimated' && typeof r.estimate?.value === 'number';
    return {
      windowEnd: r.windowEnd,
      verdict: r.verdict,
      rows: r.rows,
      value: estimated ? r.estimate!.value : (r.metrics[metric] ?? null),
      version: r.version ?? null,
      reportUri: r.reportUri ?? null,
      ...(r.basis === 'estimated' ? { basis: 'estimated' as const } : {}),
      ...(w?.estimate ? { estimate: { ...w.estimate, error: w.error?.error ?? null, inBand: w.error?.inBand ?? null } } : {}),
    };
  });
  return points.sort((a, b) => newestFirst(a.windowEnd, b.windowEnd) || byContent(a, b));
}

function buildConditions(latest: ModelCardInput['latest']): CardConditions | null {
  if (!latest) return null;
  const { drift, quality } = latest;
  let driftPart: CardConditions['drift'] = null;
  if (drift) {
    const imp = drift.importance;
    const byName = Object.entries(drift.columns)
      .filter(([, c]) => c.drifted === true)
      .sort(([a], [b]) => compareStrings(a, b));
    const columns = new Map(byName);
    // The most important first when the evaluation measured importances (domain/importance.ts).
    const drifted: CardDriftedColumn[] = rankByImportance(
      byName.map(([column]) => column),
      imp,
    ).map((column) => {
      const c = columns.get(column)!;
      const ci = imp && Object.hasOwn(imp.columns, column) ? imp.columns[column]! : undefined;
      return {
        column,
        test: c.test,
        score: c.score,
        threshold: c.threshold,
        ...(ci ? { importance: ci.importance, importanceStd: ci.std } : {}),
        ...(ci?.below_floor ? { belowFloor: true as const } : {}),
      };
    });
    for (const [column, c] of [
      ['(label)', drift.label],
      ['(prediction)', drift.prediction],
    ] as const) {
      if (c?.drifted === true) drifted.push({ column, test: c.test, score: c.score, threshold: c.threshold });
    }
    driftPart = {
      datasetDrift: drift.dataset_drift,
      shareDrifted: drift.share_drifted,
      driftShare: drift.drift_share,
      columnsChecked: Object.keys(drift.columns).length,
      columnsDrifted: drift.drifted_columns.length,
      driftedColumns: drifted,
      ...(imp ? { importance: { metric: imp.metric, ...(imp.floor ? { floor: imp.floor } : {}) } } : {}),
    };
  }
  const rank = { break: 0, warning: 1, info: 2 } as const;
  const qualityPart: CardConditions['quality'] = quality
    ? {
        schemaBreak: quality.schemaBreak,
        issues: quality.issues
          .map((i) => ({ severity: i.severity, column: i.column, message: i.message }))
          .sort((a, b) => rank[a.severity] - rank[b.severity] || compareStrings(a.column, b.column) || compareStrings(a.message, b.message)),
      }
    : null;
  const s = latest.segments;
  const segments = s ? { segments: { sentence: segmentSentence(s), rows: s.worst.map((w) => segmentRow(s, w)) } } : {};
  return {
    windowEnd: latest.windowEnd,
    verdict: latest.verdict.status,
    reasons: [...latest.verdict.reasons],
    ...(latest.verdict.failedGates?.length ? { failedGates: [...latest.verdict.failedGates] } : {}),
    drift: driftPart,
    quality: qualityPart,
    ...segments,
  };
}

function buildLog(entries: AuditEntry[]): CardLogEntry[] {
  const sorted = [...entries].sort((a, b) => newestFirst(a.at, b.at) || compareStrings(a.id, b.id) || byContent(a, b));
  return uniqueBy(sorted, (e) => e.id).map((e) => ({
    at: e.at,
    kind: e.kind,
    summary: e.summary,
    actor: e.actor ?? null,
    comment: e.comment ?? null,
    workflowId: e.workflowId ?? null,
  }));
}

function fairnessOf(input: ModelCardInput): { fairness?: CardFairness } {
  const f = buildFairness(input);
  return f ? { fairness: f } : {};
}

/** The JSON model card. Deterministic: lists are sorted and trimmed to MAX_TREND_POINTS / MAX_LOG_ENTRIES. */
export function buildModelCard(input: ModelCardInput): ModelCard {
  const trend = buildTrend(input);
  const log = buildLog(input.auditTrail);
  return {
    schema: 'upkeep.model-card/v1',
    modelId: input.spec.id,
    generatedAt: input.generatedAt,
    details: {
      ...buildDetails(input.spec),
      // The trail's owner after an accepted handover the config does not state yet.
      ...(input.ownership?.lag ? { owner: input.ownership.lag.owner } : {}),
      ...(input.ownership?.lag || input.ownership?.pending ? { ownership: input.ownership } : {}),
    },
    current: buildCurrent(input),
    lineage: buildLineage(input),
    metricTrend: trend.slice(0, MAX_TREND_POINTS),
    latestConditions: buildConditions(input.latest),
    auditTrail: log.slice(0, MAX_LOG_ENTRIES),
    omitted: { reports: Math.max(0, trend.length - MAX_TREND_POINTS), auditTrail: Math.max(0, log.length - MAX_LOG_ENTRIES) },
    ...(input.watchdog?.length ? { watchdog: buildWatchdog(input.watchdog) } : {}),
    ...(input.monitoringPlan ? { monitoringPlan: input.monitoringPlan } : {}),
    ...(input.incidents?.length ? { incidents: buildIncidents(input.incidents, input.generatedAt) } : {}),
    ...(input.reviews ? { reviews: buildCardReviews(input.reviews) } : {}),
    ...fairnessOf(input),
  };
}

function buildIncidents(incidents: NonNullable<ModelCardInput['incidents']>, asOf: string): CardIncident[] {
  return [...incidents]
    .sort((a, b) => compareStrings(b.firstBad.windowEnd, a.firstBad.windowEnd))
    .slice(0, MAX_INCIDENTS)
    .map((i) => ({
      id: i.id,
      state: i.state,
      severity: i.severity,
      badWindows: i.badWindows,
      firstBadWindowEnd: i.firstBad.windowEnd,
      detectedAt: i.detectedAt,
      closedAt: i.closedAt ?? null,
      told: [...new Set(i.told.map((t) => t.channel))],
      decisions: i.timeline.filter((t) => t.kind === 'decision').length,
      times: { detectMs: i.times.detectMs ?? null, decideMs: i.times.decideMs ?? null, recoverMs: i.times.recoverMs ?? null },
      notes: i.notes.map((n) => ({ at: n.at, actor: n.actor, text: n.text, signed: n.signed })),
      ...(i.due?.length
        ? {
            reports: i.due.map((d) => ({
              kind: d.kind,
              dueAt: d.dueAt,
              filedAt: d.filed?.at ?? null,
              filedBy: d.filed?.by ?? null,
              signed: d.filed ? d.filed.signed : null,
              lateMs: d.lateMs ?? 0,
              overdueMs: !d.filed && Date.parse(asOf) > Date.parse(d.dueAt) ? Date.parse(asOf) - Date.parse(d.dueAt) : null,
            })),
          }
        : {}),
    }));
}

function buildWatchdog(findings: NonNullable<ModelCardInput['watchdog']>): CardWatchdogFinding[] {
  return [...findings]
    .sort((a, b) => compareStrings(a.kind, b.kind) || compareStrings(a.key, b.key))
    .map((f) => ({ kind: f.kind, summary: f.summary, since: f.since, firstReportedAt: f.firstReportedAt, notified: [...f.notified] }));
}
