/**
 * The watchdog's check of the incidents' reporting clock (docs/incidents.md#the-reporting-clock): a
 * report past its due date and not filed is a finding, told to the model's owner; once it is
 * overdue by more than the model's `approval.escalate_after` too, a second finding escalates it to
 * the escalation contacts and the platform contacts, as an approval left waiting is escalated.
 * Filing the report resolves both.
 */
import type { ModelSpec } from '../../domain/config.js';
import { durationMs } from '../../domain/duration.js';
import { overdueReports, reportClockFor, spanText, type ClockGovernance } from '../../domain/incident-clock.js';
import type { WatchdogFinding } from '../../domain/watchdog.js';
import type { ArtifactStore } from '../store/store.js';
import { readAuditTrail } from '../audit/read.js';
import { deriveIncidents } from '../audit/incidents.js';

/** A finding as the inspection finds it, with whom to tell (instead of every stakeholder). */
export type ClockFinding = Pick<WatchdogFinding, 'modelId' | 'kind' | 'key' | 'summary' | 'since'> & { details: Record<string, unknown>; notify: string[] };

export async function incidentReportFindings(
  store: ArtifactStore,
  spec: ModelSpec,
  ctx: { now: string; governance?: ClockGovernance | undefined; platform: readonly string[] },
): Promise<ClockFinding[]> {
  const clock = reportClockFor(spec.tier?.name, ctx.governance ?? {});
  if (Object.keys(clock).length === 0) return [];
  const found: ClockFinding[] = [];
  const escalateMs = durationMs(spec.approval.escalate_after);
  for (const inc of deriveIncidents(spec.id, await readAuditTrail(store, spec.id, { evaluations: true }), clock)) {
    for (const r of overdueReports(inc.due ?? [], ctx.now)) {
      const facts = { incident: inc.id, report: r.kind, dueAt: r.dueAt, overdueMs: r.overdueMs, severity: inc.severity, state: inc.state };
      const what = `the ${r.kind} report on incident ${inc.id} (${inc.severity}, ${inc.state}) is overdue by ${spanText(r.overdueMs)}: it was due ${r.dueAt}`;
      const key = `incident-report-${inc.id}-${r.kind}`;
      found.push({
        modelId: spec.id,
        kind: 'overdue-incident-report',
        key,
        since: r.dueAt,
        summary: `${spec.id}: ${what}`,
        details: facts,
        notify: [spec.owner],
      });
      if (r.overdueMs > escalateMs) {
        found.push({
          modelId: spec.id,
          kind: 'overdue-incident-report',
          key: `${key}-escalated`,
          since: new Date(Date.parse(r.dueAt) + escalateMs).toISOString(),
          summary: `${spec.id}: ESCALATED: ${what}, and its owner ${spec.owner} has not filed it within escalate_after ${spec.approval.escalate_after}`,
          details: { ...facts, escalated: true },
          notify: [...new Set([spec.owner, ...spec.approval.escalation, ...ctx.platform])],
        });
      }
    }
  }
  return found;
}
