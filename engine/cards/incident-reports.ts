/** An incident's report under its reporting clock, as the card and the web pages say it (docs/incidents.md#the-reporting-clock). */
import { spanText } from '../../domain/incident-clock.js';
import type { CardIncidentReport } from './types.js';

const at = (iso: string): string => iso.replace(/:\d\d(\.\d+)?Z$/, 'Z').replace('T', ' ');

/** "initial report overdue by 3 days (due 2026-11-04 00:10Z)", "final report filed 2026-11-10 09:00Z by ana (signed), due …". */
export function cardReportText(r: CardIncidentReport): string {
  if (r.filedAt)
    return `${r.kind} report filed ${at(r.filedAt)} by ${r.filedBy ?? '?'} (${r.signed ? 'signed' : 'unsigned'})${r.lateMs > 0 ? `, ${spanText(r.lateMs)} late` : ''}, due ${at(r.dueAt)}`;
  if (r.overdueMs !== null) return `${r.kind} report overdue by ${spanText(r.overdueMs)} (due ${at(r.dueAt)})`;
  return `${r.kind} report due ${at(r.dueAt)}`;
}
