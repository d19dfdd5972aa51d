/**
 * `audit verify`'s check of the incident entries (docs/audit.md): the `incident-opened` and
 * `incident-closed` entries must be what the evaluation entries imply. Each is derived again with
 * the code that wrote it (incident-entries.ts), from the chain as it stood when it was appended
 * (the links before it), and compared whole: one that no evaluation implies was added (or its
 * evaluation removed), one that differs was altered. And every transition an evaluation implies,
 * recorded since the trail began stating incidents (its first incident entry's evaluation), must
 * have its entry: one missing was removed. An incident report's text must still have the sha256 it
 * records (its signature, checked with the decisions', covers that sha256).
 */
import { createHash } from 'node:crypto';
import type { AuditEntry } from '../../domain/maintenance.js';
import type { DecisionProof } from '../../domain/signature.js';
import type { ChainedEntry } from './chain.js';
import { closedEntry, openedEntry } from './incident-entries.js';
import { deriveIncidents, incidentClosedId, incidentOpenedId, type Incident } from './incidents.js';

const KINDS = new Set(['incident-opened', 'incident-closed']);
/** Links another run may have appended between the activity's read of the chain and its own append, at most. */
const MAX_READ_LAG = 50;
const where = (c: ChainedEntry): string => `entry ${c.seq} (${c.entry.kind} at ${c.entry.at}, ${c.entry.id})`;

/** The fields an incident entry states, in a fixed order (what is compared). */
const stated = (e: AuditEntry): string =>
  JSON.stringify([e.id, e.modelId, e.at, e.kind, e.summary, e.actor ?? null, e.workflowId ?? null, e.runId ?? null, e.event ?? null, e.details ?? null]);

/** The first field that differs, for the message. */
function firstDifference(a: AuditEntry, b: AuditEntry): string {
  for (const k of ['id', 'at', 'summary', 'workflowId', 'runId', 'event'] as const) if (JSON.stringify(a[k] ?? null) !== JSON.stringify(b[k] ?? null)) return k;
  for (const k of new Set([...Object.keys(a.details ?? {}), ...Object.keys(b.details ?? {})]))
    if (JSON.stringify(a.details?.[k] ?? null) !== JSON.stringify(b.details?.[k] ?? null)) return `details.${k}`;
  return 'another field';
}

export function incidentEntryProblems(modelId: string, chain: readonly ChainedEntry[]): string[] {
  const problems: string[] = [];
  const entries = chain.map((c) => c.entry);
  // The same prefix is derived for several entries (each checks the chain as it stood before it): once each.
  const derived = new Map<number, Incident[]>();
  const derive = (upTo: number): Incident[] => {
    let d = derived.get(upTo);
    if (!d) derived.set(upTo, (d = deriveIncidents(modelId, entries.slice(0, upTo))));
    return d;
  };
  const stating = chain.map((c, i) => ({ c, i })).filter(({ c }) => KINDS.has(c.entry.kind));

  // Each report's text against the sha256 it records (and its signature covers), and signed for its own incident.
  for (const c of chain) {
    if (c.entry.kind !== 'incident-report') continue;
    const d = c.entry.details ?? {};
    if (typeof d.text !== 'string' || createHash('sha256').update(d.text).digest('hex') !== d.sha256)
      problems.push(`${where(c)}: the report's text does not have the sha256 it records (and its signature covers): it was altered`);
    const proof = d.proof as DecisionProof | undefined;
    if (proof && (proof.request !== d.incident || proof.workflow !== `incident/${String(d.incident)}`))
      problems.push(`${where(c)}: the report was signed for ${JSON.stringify(proof.request)}, but is recorded for incident ${JSON.stringify(d.incident)}`);
  }

  const position = new Map(chain.map((c, i) => [c.entry.id, i]));
  /**
   * The activity read the chain at some point after its evaluation's entry and before it appended:
   * entries appended meanwhile by other runs (a notification delivered) are not in what it saw.
   * So an entry that matches the derivation of any shorter prefix back to its evaluation holds.
   */
  const matchesEarlierRead = (e: AuditEntry, at: number, opened: boolean): boolean => {
    const cited = typeof e.details?.evaluation === 'string' ? position.get(e.details.evaluation) : undefined;
    if (cited === undefined || cited >= at) return false;
    for (let k = at - 1; k > cited && k >= at - MAX_READ_LAG; k--) {
      const inc = derive(k).find((x) => x.id === e.details?.incident);
      if (inc && (opened || inc.state === 'closed') && stated(e) === stated(opened ? openedEntry(inc) : closedEntry(inc))) return true;
    }
    return false;
  };

  // Each incident entry against what the chain before it implies.
  for (const { c, i } of stating) {
    const incident = typeof c.entry.details?.incident === 'string' ? c.entry.details.incident : undefined;
    const opened = c.entry.kind === 'incident-opened';
    const inc = incident ? derive(i).find((x) => x.id === incident) : undefined;
    if (!inc || (!opened && inc.state !== 'closed')) {
      problems.push(
        `${where(c)}: the evaluation entries before it ${opened ? 'open' : 'close'} no incident ${JSON.stringify(incident ?? null)}: the entry was added, or the evaluation it cites was removed`,
      );
      continue;
    }
    const expected = opened ? openedEntry(inc) : closedEntry(inc);
    if (stated(c.entry) === stated(expected) || matchesEarlierRead(c.entry, i, opened)) continue;
    problems.push(`${where(c)}: it differs from what the evaluation entries imply (${firstDifference(c.entry, expected)}): it was altered`);
  }

  // Transitions the evaluations imply, since the trail began stating them, without their entry.
  const full = derive(entries.length);
  // None stated: a trail recorded before evaluations stated incidents (or with every such entry removed,
  // which only a rewrite can do: the anchors name that).
  if (stating.length === 0) return problems;
  const firstCited = stating[0]!.c.entry.details?.evaluation;
  const since = typeof firstCited === 'string' && position.has(firstCited) ? position.get(firstCited)! : stating[0]!.i;
  const have = new Set(stating.map(({ c }) => c.entry.id));
  for (const inc of full) {
    for (const [what, w, id] of [
      ['opened', inc.firstBad, incidentOpenedId(inc.id)],
      ['closed', inc.firstHealthy, incidentClosedId(inc.id)],
    ] as const) {
      if (!w || have.has(id)) continue;
      const at = position.get(w.entry);
      if (at === undefined || at < since) continue;
      // As the activity saw it, right after that evaluation's entry.
      const then = derive(at + 1).find((x) => x.id === inc.id);
      const transition = what === 'opened' ? then?.firstBad.entry === w.entry : then?.state === 'closed' && then.firstHealthy?.entry === w.entry;
      if (!transition) continue;
      problems.push(`incident ${inc.id} ${what} with the evaluation at entry ${chain[at]!.seq} (${w.entry}), but the trail has no ${id} entry: it was removed`);
    }
  }
  return problems;
}
