/**
 * The maintenance digest (docs/governance.md#the-weekly-digest): the report of `upkeep report` for
 * the period just ended, for the people `governance.digest.to` names (the whole fleet) and for each
 * owner (their own models). Built from the audit trail alone; the digest workflow sends each one.
 */
import type { UpkeepConfig } from '../../domain/config.js';
import { durationMs } from '../../domain/duration.js';
import type { ArtifactStore } from '../store/store.js';
import { readChain } from './chain.js';
import type { AuditEntry } from '../../domain/maintenance.js';
import { fleetReport, renderReportMarkdown, reportHeadlines, type FleetReport } from './report.js';

export interface DigestMessage {
  /** The model whose trail records the sending (the first of the digest's models): its routes carry it. */
  modelId: string;
  to: string[];
  /** Every model the digest covers (each gets a `digest` entry). */
  models: string[];
  title: string;
  text: string;
  period: { since: string; until: string };
  /** The headline figures, for the channels' fields and the entries. */
  figures: Pick<FleetReport['total'], 'models' | 'healthyAtEnd' | 'evaluations' | 'approvalsRequested' | 'retrainsRequested' | 'promotions'> & {
    decisions: number;
    incidents: number;
  };
}

/** The digests due at `at` (none when `governance.digest` is not configured). */
export async function buildDigests(store: ArtifactStore, config: Pick<UpkeepConfig, 'models' | 'governance'>, at: Date): Promise<DigestMessage[]> {
  const d = config.governance.digest;
  if (!d || config.models.length === 0) return [];
  const period = { since: new Date(at.getTime() - durationMs(d.every)).toISOString(), until: at.toISOString() };
  const trails = new Map<string, AuditEntry[]>();
  for (const m of config.models)
    trails.set(
      m.id,
      (await readChain(store, m.id)).map((c) => c.entry),
    );
  const message = (models: string[], to: string[], whom: string): DigestMessage => {
    const report = fleetReport(
      models.map((modelId) => ({ modelId, entries: trails.get(modelId) ?? [] })),
      period,
    );
    const t = report.total;
    return {
      modelId: [...models].sort()[0]!,
      to,
      models: [...models].sort(),
      title: `Maintenance digest ${period.since.slice(0, 10)} → ${period.until.slice(0, 10)} (${whom}): ${t.healthyAtEnd} of ${t.models} healthy, ${t.evaluations} evaluations, ${t.decisions.approved + t.decisions.rejected} decisions`,
      text: `${reportHeadlines(report).join('\n')}\n\n${renderReportMarkdown(report)}`,
      period,
      figures: {
        models: t.models,
        healthyAtEnd: t.healthyAtEnd,
        evaluations: t.evaluations,
        approvalsRequested: t.approvalsRequested,
        retrainsRequested: t.retrainsRequested,
        promotions: t.promotions,
        decisions: t.decisions.approved + t.decisions.rejected,
        incidents: t.incidents.opened,
      },
    };
  };
  const out: DigestMessage[] = [];
  if (d.to.length)
    out.push(
      message(
        config.models.map((m) => m.id),
        [...d.to],
        'the fleet',
      ),
    );
  if (d.owners) {
    const byOwner = new Map<string, string[]>();
    for (const m of config.models) byOwner.set(m.owner, [...(byOwner.get(m.owner) ?? []), m.id]);
    for (const [owner, models] of [...byOwner].sort(([a], [b]) => a.localeCompare(b))) out.push(message(models, [owner], `models of ${owner}`));
  }
  return out;
}
