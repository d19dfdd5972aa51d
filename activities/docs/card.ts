/* eslint-disable max-lines -- being split */
/**
 * Living model cards: what a model is, which version runs and how it got there, how it has been
 * doing, and what people decided about it. One JSON document (the record) and a Markdown rendering
 * of it (for people), in the style of the evaluation report.
 *
 * Pure: no I/O, no clock. Every list is sorted explicitly, so the same input gives the same bytes
 * whatever order the registry, the report store or the ledger listed things in.
 */
import { lowerIsBetter } from '../../domain/metrics.js';
import type { ModelSpec } from '../../domain/config.js';
import type { ChampionPointer, ModelVersion } from '../registry/types.js';
import type { Decision, MaintenanceLogEntry } from '../../domain/maintenance.js';
import type { VerdictStatus } from '../../domain/evaluation.js';
import type { EvaluationReport } from './report.js';

/** Most evaluations shown in the metric trend (newest first). */
export const MAX_TREND_POINTS = 20;
/** Most maintenance-log entries shown (newest first). */
export const MAX_LOG_ENTRIES = 50;

/** One stored evaluation, reduced to what the trend needs. */
export interface CardReportPoint {
  windowEnd: string;
  verdict: string;
  rows: number;
  metrics: Record<string, number | null>;
  /** Model version evaluated, when known. */
  version?: string;
  reportUri?: string;
}

/** Everything a card is built from; lists may come in any order. */
export interface ModelCardInput {
  spec: ModelSpec;
  /** Time the card is generated for (ISO 8601); the card never reads the clock. */
  generatedAt: string;
  /** null: nothing was ever promoted, the artifact declared in upkeep.yaml runs. */
  champion: ChampionPointer | null;
  championVersion: ModelVersion | null;
  /** All registered versions. */
  versions: ModelVersion[];
  /** Every change of champion. */
  championHistory: ChampionPointer[];
  /** Recent evaluations; at most MAX_TREND_POINTS are shown, newest first. */
  reports: CardReportPoint[];
  /** Current conditions from the latest evaluation report. */
  latest?: {
    drift?: EvaluationReport['drift'];
    quality?: EvaluationReport['quality'];
    windowEnd: string;
    verdict: EvaluationReport['verdict'];
  };
  /** The maintenance log; at most MAX_LOG_ENTRIES are shown, newest first. */
  ledger: MaintenanceLogEntry[];
}

export interface CardDetails {
  description: string | null;
  task: ModelSpec['task'];
  owner: string;
  approvers: string[];
  /** Told when an approval request is escalated. */
  escalation: string[];
  inputs: { name: string; type: string; columns: string[] }[];
  label: { column: string; positive: string | number | boolean | null };
  classes: (string | number)[] | null;
  /** The artifact declared in upkeep.yaml. */
  artifact: string;
  primaryMetric: { name: string; higherIsBetter: boolean; min: number | null; max: number | null; maxDrop: number | null; baseline: number | null };
  intended_use: string | null;
  /** Known limits, when the config states them (no config field for them yet). */
  limits: string | null;
}

export interface CardDecision {
  gate: Decision['gate'];
  decision: Decision['decision'];
  approver: string;
  at: string;
  comment: string | null;
}

export interface CardCurrent {
  /** `config`: no champion was ever recorded; the artifact declared in upkeep.yaml runs. */
  change: ChampionPointer['change'] | 'config';
  version: string | null;
  sha256: string | null;
  artifact: string | null;
  since: string | null;
  source: ModelVersion['source'] | null;
  generation: number | null;
  /** The champion this one replaced. */
  previous: string | null;
  /** Everyone who approved a step that led to this version (retrain, promotion or rollback). */
  approvedBy: string[];
  decisions: CardDecision[];
  emergency: { by: string; reason: string } | null;
  reason: string | null;
  workflowId: string | null;
}

export interface CardChampionPeriod {
  from: string;
  /** null: still champion. */
  to: string | null;
  change: ChampionPointer['change'];
}

export interface CardLineageEntry {
  version: string;
  sha256: string;
  createdAt: string;
  source: ModelVersion['source'];
  parent: string | null;
  trainer: { type: string; command: string[] | null; params: Record<string, unknown> } | null;
  training: { firstDay: string; lastDay: string; days: number | null; rows: number } | null;
  /** The primary metric on the holdout the version was compared on (its baseline). */
  holdoutPrimary: number | null;
  baseline: Record<string, number>;
  trainingMetrics: Record<string, number | null>;
  championPeriods: CardChampionPeriod[];
  workflowId: string | null;
}

export interface CardTrendPoint {
  windowEnd: string;
  verdict: string;
  rows: number;
  /** The primary metric; null when undefined or not recorded. */
  value: number | null;
  version: string | null;
  reportUri: string | null;
}

export interface CardDriftedColumn {
  column: string;
  test: string;
  score: number | null;
  threshold: number;
}

export interface CardConditions {
  windowEnd: string;
  verdict: VerdictStatus;
  reasons: string[];
  drift: {
    datasetDrift: boolean | null;
    shareDrifted: number | null;
    /** Share of drifted columns at which the dataset counts as drifted. */
    driftShare: number;
    columnsChecked: number;
    columnsDrifted: number;
    /** Sorted by column; the label and the prediction appear as "(label)" and "(prediction)". */
    driftedColumns: CardDriftedColumn[];
  } | null;
  quality: { schemaBreak: boolean; issues: { severity: 'break' | 'warning'; column: string; message: string }[] } | null;
}

export interface CardLogEntry {
  at: string;
  kind: MaintenanceLogEntry['kind'];
  summary: string;
  actor: string | null;
  comment: string | null;
  workflowId: string | null;
}

/** The JSON card: a plain object (no undefined values, no class instances). */
export interface ModelCard {
  schema: 'upkeep.model-card/v1';
  modelId: string;
  generatedAt: string;
  details: CardDetails;
  current: CardCurrent;
  /** Newest first. */
  lineage: CardLineageEntry[];
  /** Newest first, at most MAX_TREND_POINTS. */
  metricTrend: CardTrendPoint[];
  latestConditions: CardConditions | null;
  /** Newest first, at most MAX_LOG_ENTRIES. */
  maintenanceLog: CardLogEntry[];
  /** Entries left out of metricTrend and maintenanceLog by the limits. */
  omitted: { reports: number; ledger: number };
}

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
    approvedBy: uniqueBy(decisions.filter((d) => d.decision === 'approve').map((d) => d.approver), (a) => a),
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
  const points = input.reports.map((r) => ({
    windowEnd: r.windowEnd,
    verdict: r.verdict,
    rows: r.rows,
    value: r.metrics[metric] ?? null,
    version: r.version ?? null,
    reportUri: r.reportUri ?? null,
  }));
  return points.sort((a, b) => newestFirst(a.windowEnd, b.windowEnd) || byContent(a, b));
}

function buildConditions(latest: ModelCardInput['latest']): CardConditions | null {
  if (!latest) return null;
  const { drift, quality } = latest;
  let driftPart: CardConditions['drift'] = null;
  if (drift) {
    const drifted: CardDriftedColumn[] = Object.entries(drift.columns)
      .filter(([, c]) => c.drifted === true)
      .map(([column, c]) => ({ column, test: c.test, score: c.score, threshold: c.threshold }))
      .sort((a, b) => compareStrings(a.column, b.column));
    for (const [column, c] of [['(label)', drift.label], ['(prediction)', drift.prediction]] as const) {
      if (c?.drifted === true) drifted.push({ column, test: c.test, score: c.score, threshold: c.threshold });
    }
    driftPart = {
      datasetDrift: drift.dataset_drift,
      shareDrifted: drift.share_drifted,
      driftShare: drift.drift_share,
      columnsChecked: Object.keys(drift.columns).length,
      columnsDrifted: drift.drifted_columns.length,
      driftedColumns: drifted,
    };
  }
  const rank = { break: 0, warning: 1 } as const;
  const qualityPart: CardConditions['quality'] = quality
    ? {
        schemaBreak: quality.schemaBreak,
        issues: quality.issues
          .map((i) => ({ severity: i.severity, column: i.column, message: i.message }))
          .sort((a, b) => rank[a.severity] - rank[b.severity] || compareStrings(a.column, b.column) || compareStrings(a.message, b.message)),
      }
    : null;
  return { windowEnd: latest.windowEnd, verdict: latest.verdict.status, reasons: [...latest.verdict.reasons], drift: driftPart, quality: qualityPart };
}

function buildLog(ledger: MaintenanceLogEntry[]): CardLogEntry[] {
  const sorted = [...ledger].sort((a, b) => newestFirst(a.at, b.at) || compareStrings(a.id, b.id) || byContent(a, b));
  return uniqueBy(sorted, (e) => e.id).map((e) => ({
    at: e.at,
    kind: e.kind,
    summary: e.summary,
    actor: e.actor ?? null,
    comment: e.comment ?? null,
    workflowId: e.workflowId ?? null,
  }));
}

/** The JSON model card. Deterministic: lists are sorted and trimmed to MAX_TREND_POINTS / MAX_LOG_ENTRIES. */
export function buildModelCard(input: ModelCardInput): ModelCard {
  const trend = buildTrend(input);
  const log = buildLog(input.ledger);
  return {
    schema: 'upkeep.model-card/v1',
    modelId: input.spec.id,
    generatedAt: input.generatedAt,
    details: buildDetails(input.spec),
    current: buildCurrent(input),
    lineage: buildLineage(input),
    metricTrend: trend.slice(0, MAX_TREND_POINTS),
    latestConditions: buildConditions(input.latest),
    maintenanceLog: log.slice(0, MAX_LOG_ENTRIES),
    omitted: { reports: Math.max(0, trend.length - MAX_TREND_POINTS), ledger: Math.max(0, log.length - MAX_LOG_ENTRIES) },
  };
}

// ───────────────────────────── Markdown ─────────────────────────────

/** A measured value: four decimals. */
const num = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : Number.isInteger(v) ? String(v) : v.toFixed(4));
/** A configured value (threshold, share): as written. */
const setting = (v: number | null): string => (v === null ? '—' : String(v));

/** 2026-03-01T06:00:00.000Z → 2026-03-01 06:00 UTC; anything else as written. */
function when(iso: string | null): string {
  if (iso === null) return '—';
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i.exec(iso.trim());
  if (!m) return iso;
  const seconds = m[3] && m[3] !== '00' ? `:${m[3]}` : '';
  const zone = m[4] === undefined ? '' : m[4].toUpperCase() === 'Z' ? ' UTC' : ` ${m[4]}`;
  return `${m[1]} ${m[2]}${seconds}${zone}`;
}

const day = (iso: string | null): string => (iso === null ? 'now' : when(iso).slice(0, 10));
const short = (sha: string): string => `${sha.slice(0, 12)}…`;
const listOr = (items: string[], none: string): string => (items.length > 0 ? items.join(', ') : none);

/** Text on one line (for list items). */
const inline = (s: string): string => s.replace(/\s*(\r\n|\r|\n)\s*/g, ' ').trim();

/** A table cell: pipes escaped, line breaks as <br>. */
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\r\n|\r|\n/g, '<br>');
const row = (cells: string[]): string => `| ${cells.map(cell).join(' | ')} |`;

function primaryMetricLine(p: CardDetails['primaryMetric']): string {
  const rules = [
    p.min !== null ? `min ${setting(p.min)}` : '',
    p.max !== null ? `max ${setting(p.max)}` : '',
    p.maxDrop !== null ? `max_drop ${setting(p.maxDrop)} from the baseline ${setting(p.baseline)}` : '',
  ].filter((s) => s !== '');
  return `${p.name} (${p.higherIsBetter ? 'higher' : 'lower'} is better${rules.length > 0 ? `; ${rules.join(', ')}` : ''})`;
}

function renderDetails(card: ModelCard): string[] {
  const d = card.details;
  const label = d.label.positive === null ? `\`${d.label.column}\`` : `\`${d.label.column}\` (positive class \`${String(d.label.positive)}\`)`;
  const lines = [
    '## Model details',
    '',
    `- **Description:** ${d.description === null ? 'not stated in upkeep.yaml' : inline(d.description)}`,
    `- **Task:** ${d.task}`,
    `- **Owner:** ${d.owner}`,
    `- **Approvers:** ${listOr(d.approvers, 'none listed')}`,
    `- **Escalation contacts:** ${listOr(d.escalation, 'none listed')}`,
  ];
  for (const i of d.inputs) lines.push(`- **Input \`${i.name}\`** (${i.type}): ${i.columns.join(', ')}`);
  lines.push(`- **Label:** ${label}`);
  if (d.classes) lines.push(`- **Classes:** ${d.classes.map(String).join(', ')}`);
  lines.push(`- **Primary metric:** ${primaryMetricLine(d.primaryMetric)}`, `- **Configured artifact:** ${d.artifact}`, '');
  return lines;
}

function renderIntendedUse(card: ModelCard): string[] {
  const { intended_use: use, limits } = card.details;
  return [
    '## Intended use and limits',
    '',
    use === null ? 'Intended use: not stated in upkeep.yaml.' : use.trim(),
    '',
    limits === null ? 'Limits: not stated in upkeep.yaml.' : `Limits: ${limits.trim()}`,
    '',
  ];
}

function howItBecameChampion(c: CardCurrent): string {
  const replacing = c.previous ? `, replacing \`${c.previous}\`` : '';
  const workflow = c.workflowId ? ` by workflow ${c.workflowId}` : '';
  const base = {
    config: 'never promoted',
    initial: 'registered as the first champion (the artifact declared in upkeep.yaml)',
    promotion: `promoted after a retrain and a comparison on the holdout${workflow}${replacing}`,
    rollback: `rolled back${workflow}${replacing}`,
  }[c.change];
  const emergency = c.emergency ? `; emergency, without approval, asked by ${c.emergency.by}: ${inline(c.emergency.reason)}` : '';
  const reason = c.reason ? `; reason: ${inline(c.reason)}` : '';
  return `${base}${c.generation !== null ? ` (generation ${c.generation})` : ''}${emergency}${reason}`;
}

function approvedByLine(c: CardCurrent): string {
  if (c.approvedBy.length > 0) return c.approvedBy.join(', ');
  if (c.change === 'initial') return 'no approval needed (initial registration)';
  if (c.emergency) return `nobody (emergency ${c.change} by ${c.emergency.by})`;
  return 'no approval recorded';
}

function renderCurrent(card: ModelCard): string[] {
  const c = card.current;
  const lines = ['## Current version', ''];
  if (c.change === 'config') {
    lines.push(`No version has been promoted yet: the artifact declared in upkeep.yaml runs (${c.artifact ?? card.details.artifact}).`);
    if (c.version !== null) lines.push('', `It is registered as version \`${c.version}\`${c.sha256 ? ` (sha256 \`${short(c.sha256)}\`)` : ''}.`);
    lines.push('');
    return lines;
  }
  lines.push(`**Version \`${c.version}\`** (sha256 \`${c.sha256 ? short(c.sha256) : '—'}\`) has been champion since ${when(c.since)}.`, '');
  lines.push(`- **How:** ${howItBecameChampion(c)}`);
  if (c.source !== null) lines.push(`- **Source:** ${c.source === 'config' ? 'the artifact declared in upkeep.yaml' : 'a retrain'}`);
  lines.push(`- **Approved by:** ${approvedByLine(c)}`);
  for (const d of c.decisions) {
    lines.push(`  - ${d.gate} ${d.decision === 'approve' ? 'approved' : 'rejected'} by ${d.approver} at ${when(d.at)}${d.comment ? `: “${inline(d.comment)}”` : ''}`);
  }
  if (c.artifact !== null) lines.push(`- **Artifact:** ${c.artifact}`);
  lines.push('');
  return lines;
}

function trainedOn(t: CardLineageEntry['training']): string {
  if (!t) return '—';
  return `${t.firstDay} – ${t.lastDay} (${t.days ?? '?'} days, ${t.rows} rows)`;
}

function renderLineage(card: ModelCard): string[] {
  const metric = card.details.primaryMetric.name;
  const lines = ['## Lineage', ''];
  if (card.lineage.length === 0) return [...lines, 'No versions registered yet.', ''];
  lines.push(`Newest first. The holdout ${metric} is the baseline the version was compared on.`, '');
  lines.push(`| version | created | source | trained on | parent | holdout ${cell(metric)} | champion |`, '|---|---|---|---|---|---:|---|');
  for (const v of card.lineage) {
    const periods = v.championPeriods.map((p) => `${day(p.from)} → ${day(p.to)}`).join('; ');
    const current = v.version === card.current.version && card.current.change !== 'config' ? ' (current)' : '';
    lines.push(row([`\`${v.version}\`${current}`, when(v.createdAt), v.source, trainedOn(v.training), v.parent ? `\`${v.parent}\`` : '—', num(v.holdoutPrimary), periods || '—']));
  }
  lines.push('');
  return lines;
}

function renderTrend(card: ModelCard): string[] {
  const metric = card.details.primaryMetric.name;
  const lines = ['## Metric trend', ''];
  if (card.metricTrend.length === 0) return [...lines, 'No evaluations recorded yet.', ''];
  const shown = card.metricTrend.length;
  const of = card.omitted.reports > 0 ? ` (the latest ${shown} of ${shown + card.omitted.reports})` : '';
  lines.push(`Primary metric ${metric} per evaluated window, newest first${of}.`, '');
  lines.push(`| window end | verdict | rows | ${cell(metric)} | version |`, '|---|---|---:|---:|---|');
  for (const p of card.metricTrend) lines.push(row([when(p.windowEnd), p.verdict, String(p.rows), num(p.value), p.version ? `\`${p.version}\`` : '—']));
  lines.push('');
  return lines;
}

function renderConditions(card: ModelCard): string[] {
  const c = card.latestConditions;
  const lines = ['## Latest drift and quality', ''];
  if (!c) return [...lines, 'No evaluation with current conditions yet.', ''];
  lines.push(`Window ending ${when(c.windowEnd)}: **${c.verdict}**.`, '');
  for (const r of c.reasons) lines.push(`- ${inline(r)}`);
  if (c.reasons.length > 0) lines.push('');
  if (!c.drift) lines.push('Drift: not assessed (no reference profile).', '');
  else {
    const d = c.drift;
    const yes = d.datasetDrift === null ? 'undetermined' : d.datasetDrift ? 'yes' : 'no';
    lines.push(`Dataset drift: **${yes}** (${d.columnsDrifted} of ${d.columnsChecked} columns drifted, share ${num(d.shareDrifted)}; dataset drift at a share of ${setting(d.driftShare)}).`, '');
    if (d.driftedColumns.length > 0) {
      lines.push('| drifted column | test | score | threshold |', '|---|---|---:|---:|');
      for (const col of d.driftedColumns) lines.push(row([col.column, col.test, num(col.score), setting(col.threshold)]));
      lines.push('');
    }
  }
  if (!c.quality) lines.push('Data quality: not assessed.', '');
  else if (c.quality.issues.length === 0) lines.push('Data quality: no issues.', '');
  else {
    lines.push(`Data quality: ${c.quality.issues.length} issue${c.quality.issues.length === 1 ? '' : 's'}${c.quality.schemaBreak ? ', including a **schema break**' : ''}.`, '');
    for (const i of c.quality.issues) lines.push(`- ${i.severity === 'break' ? '**schema break**: ' : ''}${inline(i.message)}`);
    lines.push('');
  }
  return lines;
}

function renderLog(card: ModelCard): string[] {
  const lines = ['## Maintenance log', ''];
  if (card.maintenanceLog.length === 0) return [...lines, 'Nothing recorded yet.', ''];
  const shown = card.maintenanceLog.length;
  if (card.omitted.ledger > 0) lines.push(`The latest ${shown} of ${shown + card.omitted.ledger} entries, newest first.`, '');
  else lines.push('Newest first.', '');
  lines.push('| when | what | who | comment |', '|---|---|---|---|');
  for (const e of card.maintenanceLog) lines.push(row([when(e.at), `${e.kind}: ${e.summary}`, e.actor ?? '—', e.comment ?? '']));
  lines.push('');
  return lines;
}

/** The card for people. Deterministic: the same card gives the same bytes. */
export function renderModelCardMarkdown(card: ModelCard): string {
  return [
    `# Model card: ${card.modelId}`,
    '',
    `_Generated ${when(card.generatedAt)} by upkeep from upkeep.yaml, the model registry, the evaluation reports and the maintenance log._`,
    '',
    ...renderDetails(card),
    ...renderIntendedUse(card),
    ...renderCurrent(card),
    ...renderLineage(card),
    ...renderTrend(card),
    ...renderConditions(card),
    ...renderLog(card),
  ].join('\n');
}
