/**
 * The reporting clock of incidents (docs/incidents.md#the-reporting-clock): per severity, a first
 * (initial, incomplete allowed) report is due within `initial` of detection and the final one within
 * `final`, both counted from when the incident was detected. The clock is set by
 * `governance.incident_reports` and, for a tier, `governance.tiers.<tier>.incident_reports`
 * (severity by severity). Pure: `now` is always given.
 */
import { durationMs } from './duration.js';
import type { RiskTier } from './governance.js';

export const INCIDENT_SEVERITIES = ['degraded', 'failing'] as const;
export type IncidentSeverity = (typeof INCIDENT_SEVERITIES)[number];
export const REPORT_KINDS = ['initial', 'final'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

/** One severity's clock: durations in the config's format, from detection. */
export interface ReportDeadlines {
  initial: string;
  final: string;
}
export type ReportClock = Partial<Record<IncidentSeverity, ReportDeadlines>>;

/** The config's governance section as far as the clock reads it. */
export interface ClockGovernance {
  incident_reports?: ReportClock | undefined;
  tiers?: Partial<Record<RiskTier, { incident_reports?: ReportClock | undefined } | undefined>>;
}

/** The clock of a model of tier `tier`: the tier's severities over the general ones. */
export function reportClockFor(tier: RiskTier | undefined, governance: ClockGovernance): ReportClock {
  return { ...(governance.incident_reports ?? {}), ...((tier ? governance.tiers?.[tier]?.incident_reports : undefined) ?? {}) };
}

/** A report recorded in the trail (an `incident-report` entry). */
export interface FiledReport {
  kind: ReportKind;
  at: string;
  by: string;
  signed: boolean;
  entry: string;
}

/** Where one report of an incident stands. */
export interface ReportDue {
  kind: ReportKind;
  /** When it is due (detection + the clock's duration). */
  dueAt: string;
  /** The first report that satisfies it (a final report also stands for the initial one). */
  filed?: FiledReport;
  /** Filed after its due date: by how many milliseconds. */
  lateMs?: number;
}

/**
 * The reports an incident of `severity` detected at `detectedAt` owes, and which of `filed`
 * satisfy them; empty when the clock sets nothing for that severity.
 */
export function reportsDue(severity: IncidentSeverity, detectedAt: string, clock: ReportClock, filed: readonly FiledReport[]): ReportDue[] {
  const d = clock[severity];
  if (!d) return [];
  const sorted = [...filed].sort((a, b) => a.at.localeCompare(b.at) || a.entry.localeCompare(b.entry));
  return REPORT_KINDS.map((kind) => {
    const dueAt = new Date(Date.parse(detectedAt) + durationMs(d[kind])).toISOString();
    const first = sorted.find((r) => r.kind === kind || (kind === 'initial' && r.kind === 'final'));
    const late = first ? Date.parse(first.at) - Date.parse(dueAt) : 0;
    return { kind, dueAt, ...(first ? { filed: first } : {}), ...(late > 0 ? { lateMs: late } : {}) };
  });
}

/** The reports not filed and past their due date at `now`, with how long overdue. */
export function overdueReports(due: readonly ReportDue[], now: string): (ReportDue & { overdueMs: number })[] {
  return due.filter((r) => !r.filed && Date.parse(now) > Date.parse(r.dueAt)).map((r) => ({ ...r, overdueMs: Date.parse(now) - Date.parse(r.dueAt) }));
}

/** "3 days", "5 hours", "20 minutes": how long, for a person. */
export function spanText(ms: number): string {
  const unit = (n: number, w: string): string => `${n} ${w}${n === 1 ? '' : 's'}`;
  if (ms >= 86_400_000) return unit(Math.floor(ms / 86_400_000), 'day');
  if (ms >= 3_600_000) return unit(Math.floor(ms / 3_600_000), 'hour');
  return unit(Math.max(1, Math.floor(ms / 60_000)), 'minute');
}

/** One report's state in a line: "initial report due 2026-11-04 00:10Z, filed … by ana (signed)" / "… overdue by 3 days". */
export function reportLine(r: ReportDue, now?: string): string {
  const at = (iso: string): string => iso.replace(/:\d\d(\.\d+)?Z$/, 'Z').replace('T', ' ');
  const head = `${r.kind} report due ${at(r.dueAt)}`;
  if (r.filed)
    return `${head}: filed ${at(r.filed.at)} by ${r.filed.by} (${r.filed.signed ? 'signed' : 'unsigned'}${r.filed.kind !== r.kind ? `, the ${r.filed.kind} report` : ''})${r.lateMs ? `, ${spanText(r.lateMs)} late` : ''}`;
  if (now && Date.parse(now) > Date.parse(r.dueAt))
    return `${r.kind} report OVERDUE by ${spanText(Date.parse(now) - Date.parse(r.dueAt))} (due ${at(r.dueAt)})`;
  return `${head}: not filed yet`;
}
