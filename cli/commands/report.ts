/** `upkeep report`: what maintenance did in a period, from the audit trail alone (no Temporal needed). */
import { loadConfig } from '../../engine/config/load.js';
import { UpkeepError } from '../../engine/errors.js';
import { openStore } from '../../engine/store/open.js';
import { readFleetReport, renderReportHtml, renderReportMarkdown } from '../../engine/audit/report.js';
import { DURATION_PATTERN, durationMs } from '../../domain/duration.js';
import { commandConfig } from '../context.js';

/** A date (YYYY-MM-DD, UTC midnight), an ISO time, `now`, or a duration back from now (7d). */
export function parseInstant(v: string, now: Date, what: string): Date {
  if (v === 'now') return now;
  if (DURATION_PATTERN.test(v)) return new Date(now.getTime() - durationMs(v));
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
  if (Number.isNaN(d.getTime()))
    throw new UpkeepError(
      'InvalidRequest',
      `${what} ${JSON.stringify(v)}: expected a date (YYYY-MM-DD), an ISO 8601 time, now, or a duration back from now such as 7d`,
    );
  return d;
}

export async function reportCommand(o: { since: string; until?: string; model?: string[]; format?: 'md' | 'html' | 'json'; config?: string }): Promise<void> {
  const now = new Date();
  const since = parseInstant(o.since, now, '--since');
  const until = o.until ? parseInstant(o.until, now, '--until') : now;
  if (!(since < until)) throw new UpkeepError('InvalidRequest', `--since ${since.toISOString()} is not before --until ${until.toISOString()}`);
  const config = await loadConfig(commandConfig(o.config));
  const known = config.models.map((m) => m.id);
  const unknown = (o.model ?? []).filter((m) => !known.includes(m));
  if (unknown.length) throw new UpkeepError('UnknownModel', `no model ${unknown.join(', ')} in the config (models: ${known.join(', ')})`);
  const ids = o.model?.length ? known.filter((m) => o.model!.includes(m)) : known;
  const report = await readFleetReport(openStore(config), ids, { since: since.toISOString(), until: until.toISOString() });
  process.stdout.write(
    o.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : o.format === 'html' ? renderReportHtml(report) : renderReportMarkdown(report),
  );
}
