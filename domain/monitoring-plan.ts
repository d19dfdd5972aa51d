/**
 * A model's post-market monitoring plan, written by upkeep from the config rather than by hand:
 * what is watched and against which thresholds, how often, who owns the model, who may approve
 * what, how an undecided request escalates, where alerts go and what the watchdog checks
 * (docs/governance.md#the-monitoring-plan). Pure: the same config gives the same plan, byte for
 * byte, so its sha256 changes exactly when something the plan states changes.
 */
import type { ModelSpec, UpkeepConfig } from './config.js';
import { describeTrainer } from './maintenance.js';
import { INCIDENT_SEVERITIES, reportClockFor, type ReportClock } from './incident-clock.js';

export interface MonitoringPlan {
  v: 'upkeep.monitoring-plan/1';
  modelId: string;
  purpose: { description: string | null; intendedUse: string | null; task: ModelSpec['task'] };
  /** Risk tier, when the config states one (governance tiers). */
  riskTier: string | null;
  people: { owner: string; approvers: string[]; escalation: string[]; platform: string[] };
  watched: {
    metric: string;
    thresholds: { min: number | null; max: number | null; maxDrop: number | null; baseline: number | null };
    minRows: number;
    invalidRows: { action: string; maxShare: number };
    window: { days: number };
    labelDelay: string | null;
    drift: { share: number; columns: string[] };
    slices: string[];
    reference: string;
  };
  cadence: { every: string | null; cron: string | null; timezone: string; paused: boolean };
  onDegradation: { retrainOn: string; trainer: string | null; cooldown: string };
  approval: { reminderEvery: string; escalateAfter: string; expireAfter: string };
  alerts: { routes: { channels: string[]; on: string[] }[]; webhook: boolean; quietHours: string | null };
  watchdog: { schedule: string; pausedLongerThan: string; failuresInARow: number };
  /** The incidents' reporting clock, when the config sets one for the model (absent otherwise: plans without one keep their bytes). */
  incidentReports?: ReportClock;
}

type PlanConfig = Partial<Pick<UpkeepConfig, 'notify' | 'watchdog' | 'governance'>>;

const scheduleText = (s: { every?: string | undefined; cron?: string | undefined; timezone?: string }): string =>
  s.every ? `every ${s.every}` : `cron ${s.cron ?? '?'}${s.timezone && s.timezone !== 'UTC' ? ` (${s.timezone})` : ''}`;

export function monitoringPlan(spec: ModelSpec, config: PlanConfig = {}): MonitoringPlan {
  const metric = spec.thresholds.metric;
  const notify = spec.notify?.routes ? spec.notify : config.notify;
  const quiet = spec.notify?.quiet_hours ?? config.notify?.quiet_hours;
  const tier = (spec as { risk_tier?: unknown }).risk_tier;
  const wd = config.watchdog;
  const clock = reportClockFor(spec.tier?.name, config.governance ?? {});
  const reports: ReportClock = {};
  for (const s of INCIDENT_SEVERITIES) if (clock[s]) reports[s] = { initial: clock[s].initial, final: clock[s].final };
  return {
    v: 'upkeep.monitoring-plan/1',
    modelId: spec.id,
    purpose: { description: spec.description ?? null, intendedUse: spec.intended_use ?? null, task: spec.task },
    riskTier: typeof tier === 'string' ? tier : null,
    people: {
      owner: spec.owner,
      approvers: [...spec.approvers],
      escalation: [...spec.approval.escalation],
      platform: [...(wd?.platform ?? [])],
    },
    watched: {
      metric,
      thresholds: {
        min: spec.thresholds.min ?? null,
        max: spec.thresholds.max ?? null,
        maxDrop: spec.thresholds.max_drop ?? null,
        baseline: spec.baseline[metric] ?? null,
      },
      minRows: spec.min_rows,
      invalidRows: { action: spec.invalid_rows.action, maxShare: spec.invalid_rows.max_share },
      window: { days: spec.data.window.days },
      labelDelay: spec.label.delay ?? null,
      drift: { share: spec.monitor.drift.share, columns: [...spec.monitor.numeric, ...spec.monitor.categorical].sort() },
      slices: [...spec.monitor.segments],
      reference:
        spec.reference === undefined
          ? 'the profile stored for the model version'
          : typeof spec.reference === 'string'
            ? `the profile ${spec.reference}`
            : `rolling ${spec.reference.rolling}${spec.reference.same ? ` (same ${spec.reference.same})` : ''}`,
    },
    cadence: { every: spec.schedule.every ?? null, cron: spec.schedule.cron ?? null, timezone: spec.schedule.timezone, paused: spec.schedule.paused },
    onDegradation: {
      retrainOn: spec.retrain.on,
      trainer: describeTrainer(spec.retrain.trainer, spec.task) ?? null,
      cooldown: spec.retrain.cooldown,
    },
    approval: { reminderEvery: spec.approval.reminder_every, escalateAfter: spec.approval.escalate_after, expireAfter: spec.approval.expire_after },
    alerts: {
      routes: (notify?.routes ?? []).map((r) => ({ channels: [...r.channels], on: r.on ? [...r.on] : ['every event'] })),
      webhook: config.notify?.webhook !== undefined,
      quietHours: quiet ? `${quiet.from}–${quiet.to} ${quiet.timezone}${quiet.except.length ? ` (except ${quiet.except.join(', ')})` : ''}` : null,
    },
    watchdog: {
      schedule: wd ? scheduleText(wd.schedule) : 'every 1d',
      pausedLongerThan: wd?.paused_longer_than ?? '7d',
      failuresInARow: wd?.failures_in_a_row ?? 3,
    },
    ...(Object.keys(reports).length ? { incidentReports: reports } : {}),
  };
}

/** The plan's bytes as stored (and hashed): pretty JSON and a final newline. */
export const planBytes = (plan: MonitoringPlan): string => `${JSON.stringify(plan, null, 2)}\n`;

const orNone = (xs: readonly string[]): string => (xs.length ? xs.join(', ') : 'none');

/** The plan as a reader takes it: one line per commitment. */
export function planLines(p: MonitoringPlan): string[] {
  const t = p.watched.thresholds;
  const bounds = [
    ...(t.min !== null ? [`at least ${t.min}`] : []),
    ...(t.max !== null ? [`at most ${t.max}`] : []),
    ...(t.maxDrop !== null ? [`no more than ${t.maxDrop} below the baseline ${t.baseline ?? '?'}`] : []),
  ].join(', ');
  return [
    `Purpose: ${p.purpose.intendedUse ?? p.purpose.description ?? 'not stated in the config'} (${p.purpose.task})`,
    ...(p.riskTier ? [`Risk tier: ${p.riskTier}`] : []),
    `Owner (accountable): ${p.people.owner}; approvers: ${orNone(p.people.approvers)}; escalation: ${orNone(p.people.escalation)}; platform contacts: ${orNone(p.people.platform)}`,
    `Watched: ${p.watched.metric} ${bounds} on a ${p.watched.window.days}-day window of at least ${p.watched.minRows} labelled rows${p.watched.labelDelay ? ` (labels known after ${p.watched.labelDelay}; estimated until then)` : ''}`,
    `Drift: ${p.watched.drift.columns.length ? p.watched.drift.columns.join(', ') : 'the model inputs'} against ${p.watched.reference}; the window drifts when ${Math.round(p.watched.drift.share * 100)}% of the columns do${p.watched.slices.length ? `; slices by ${p.watched.slices.join(', ')}` : ''}`,
    `Data quality: invalid rows ${p.watched.invalidRows.action === 'fail' ? 'fail the window' : `dropped, failing the window above ${Math.round(p.watched.invalidRows.maxShare * 100)}%`}`,
    `Cadence: ${p.cadence.every ? `every ${p.cadence.every}` : `cron ${p.cadence.cron}`} (${p.cadence.timezone})${p.cadence.paused ? ', PAUSED in the config' : ''}`,
    `On degradation: ${p.onDegradation.retrainOn === 'never' ? 'the people are told; no retrain is asked for' : `a retrain is asked for on a ${p.onDegradation.retrainOn} verdict (${p.onDegradation.trainer ?? 'no trainer: not retrained'}; then ${p.onDegradation.cooldown} cooldown)`}`,
    `Approvals: a person decides every retrain, promotion and rollback; reminded every ${p.approval.reminderEvery}, escalated after ${p.approval.escalateAfter}, expired undecided after ${p.approval.expireAfter}`,
    `Alerts: ${p.alerts.routes.length ? p.alerts.routes.map((r) => `${r.channels.join('+')} on ${r.on.join(', ')}`).join('; ') : 'no channel routes'}${p.alerts.webhook ? '; the webhook hears every event' : ''}; the worker log always${p.alerts.quietHours ? `; quiet hours ${p.alerts.quietHours}` : ''}`,
    `Watchdog: ${p.watchdog.schedule}; a finding when evaluations go stale, the schedule is paused longer than ${p.watchdog.pausedLongerThan}, ${p.watchdog.failuresInARow} evaluations fail in a row, an approval is overdue or a person left`,
    ...(p.incidentReports
      ? [
          `Incident reports: ${INCIDENT_SEVERITIES.filter((s) => p.incidentReports![s])
            .map((s) => `${s}: initial within ${p.incidentReports![s]!.initial}, final within ${p.incidentReports![s]!.final} of detection`)
            .join('; ')}; a missed one is a watchdog finding, escalated after ${p.approval.escalateAfter}`,
        ]
      : []),
  ];
}
