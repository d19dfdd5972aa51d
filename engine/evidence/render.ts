/**
 * The evidence pack's index.html and README.txt. The page is read offline from the extracted
 * folder: no script, no external address (a Content-Security-Policy forbids both), every link a
 * relative path the pack itself wrote, and every value from the trail escaped as HTML text.
 */
import { htmlText, plainLine } from '../../domain/escape.js';
import type { Incident } from '../audit/incidents.js';

export interface EntryRow {
  seq: number;
  at: string;
  kind: string;
  actor: string;
  summary: string;
  comment: string;
  workflowId: string;
  runId: string;
  /** false: an entry before the period that one of it rests on (a decision's request, the plan in force at its start). */
  inPeriod: boolean;
  file: string;
}

export interface VerdictRow {
  seq: number;
  at: string;
  windowEnd: string;
  verdict: string;
  runId: string;
  report: { json?: string; md?: string; html?: string };
  reportCheck: string;
}

export interface DecisionRow {
  seq: number;
  at: string;
  kind: string;
  gate: string;
  decision: string;
  approver: string;
  comment: string;
  signed: boolean;
  signer: string;
  signature: string;
  keysInForce: { from: string; keys: unknown } | null;
  verification: string;
  requestSeq: number | null;
  evidence: { sha256: string; file: string; check: string } | null;
  workflowId: string;
  runId: string;
}

export interface PackSummary {
  v: 'upkeep.evidence-pack/1';
  modelId: string;
  from: string;
  to: string;
  generatedAt: string;
  store: string;
  empty: boolean;
  trail: { verified: boolean; problems: string[]; notes: string[]; links: number; head: { seq: number; sha256: string } | null };
  links: { from: number; to: number };
  counts: Record<string, number>;
  cards: { name: 'start' | 'end'; at: string; json?: string; markdown?: string; spec?: string; missing?: string }[];
  plans: { seq: number; at: string; sha256: string; file: string; inForceAtStart: boolean }[];
  verdicts: VerdictRow[];
  decisions: DecisionRow[];
  incidents: (Pick<Incident, 'id' | 'state' | 'severity' | 'detectedAt' | 'times'> & { closedAt: string })[];
  entries: EntryRow[];
  histories: { workflowId: string; runId: string; file: string }[];
  anchors: { at: string; runId: string; source: string; links: number; sha256: string; inPack: boolean }[];
}

const h = htmlText;
/** A link to a file the pack wrote (a relative path of safe characters), or a dash. */
const link = (path: string | undefined, text: string): string => (path ? `<a href="${h(path)}">${h(text)}</a>` : '—');
const hours = (ms: number | undefined): string => (ms === undefined ? '—' : `${(ms / 3_600_000).toFixed(1)} h`);

function table(head: string[], rows: string[][]): string {
  if (rows.length === 0) return '<p><em>None in this period.</em></p>';
  return `<table><thead><tr>${head.map((c) => `<th>${h(c)}</th>`).join('')}</tr></thead><tbody>\n${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n')}\n</tbody></table>`;
}

const UNVERIFIED = (s: PackSummary): string =>
  `UNVERIFIED: the audit trail of ${s.modelId} did not verify when this pack was made (${s.trail.problems.length} problems): what follows may have been altered`;

export function renderPackIndex(s: PackSummary): string {
  const kinds = Object.keys(s.counts).sort();
  const special = new Set(['evaluation', 'decision', 'rollback-requested', 'notified']);
  const others = s.entries.filter((e) => e.inPeriod && !special.has(e.kind));
  const banner = s.trail.verified
    ? ''
    : `<p class="bad"><strong>${h(UNVERIFIED(s))}</strong></p><ul>${s.trail.problems.map((p) => `<li>${h(p)}</li>`).join('')}</ul>`;
  const sections = [
    `<h1>Evidence pack: ${h(s.modelId)}</h1>`,
    banner,
    `<p>Period ${h(s.from)} to ${h(s.to)} (end excluded). Made ${h(s.generatedAt)} from the store ${h(s.store)}.</p>`,
    s.empty
      ? `<p class="bad"><strong>Nothing was recorded for ${h(s.modelId)} in this period</strong>: the audit trail holds no entry between these times. The links around it are included, so that the gap can be checked.</p>`
      : `<p>${s.entries.filter((e) => e.inPeriod).length} entries in the period: ${kinds.map((k) => `${h(k)} ${s.counts[k]}`).join(', ')}.</p>`,
    `<p>Audit trail ${s.trail.verified ? 'verified' : '<strong>NOT verified</strong>'} when packed: ${s.trail.links} links, head link ${s.trail.head ? `${s.trail.head.seq} sha256 <code>${h(s.trail.head.sha256)}</code>` : '—'}. Check this pack: <code>node verify.mjs</code> in this folder, or <code>upkeep audit pack verify &lt;archive&gt;</code> (${link('README.txt', 'README.txt')}). Files: ${link('manifest.json', 'manifest.json')}, ${link('MANIFEST.sha256', 'MANIFEST.sha256')}, ${link('pack.json', 'pack.json')}.</p>`,
    '<h2 id="cards">Model card as of the start and the end</h2>',
    table(
      ['as of', 'card', 'spec in force'],
      s.cards.map((c) => [
        h(c.at),
        c.missing ? h(c.missing) : `${link(c.markdown, 'Markdown')} · ${link(c.json, 'JSON')}`,
        c.spec ? `<code>${h(c.spec.slice(0, 12))}</code>` : '—',
      ]),
    ),
    '<p>Regenerated from the store as it stood at each instant (the store keeps only the latest card).</p>',
    '<h2 id="plans">Monitoring plans in force</h2>',
    table(
      ['recorded', 'entry', 'plan', ''],
      s.plans.map((p) => [h(p.at), String(p.seq), link(p.file, p.sha256.slice(0, 12)), p.inForceAtStart ? 'in force at the start' : 'recorded in the period']),
    ),
    `<h2 id="verdicts">Verdicts (${s.verdicts.length})</h2>`,
    `<p>${link('verdicts/verdicts.csv', 'CSV')} · ${link('verdicts/verdicts.json', 'JSON')}</p>`,
    table(
      ['entry', 'recorded', 'window end', 'verdict', 'report', 'check'],
      s.verdicts.map((r) => [
        link(`chain/entries/${String(r.seq).padStart(10, '0')}.json`, String(r.seq)),
        h(r.at),
        h(r.windowEnd),
        h(r.verdict),
        [link(r.report.json, 'JSON'), link(r.report.md, 'Markdown'), link(r.report.html, 'HTML')].join(' · '),
        h(r.reportCheck),
      ]),
    ),
    `<h2 id="decisions">Decisions and rollback requests (${s.decisions.length})</h2>`,
    `<p>${link('decisions/decisions.csv', 'CSV')} · ${link('decisions/decisions.json', 'JSON')} (with the keys each was checked against)</p>`,
    table(
      ['entry', 'at', 'gate', 'decision', 'who', 'signed by', 'verification', 'evidence shown', 'comment'],
      s.decisions.map((d) => [
        link(`chain/entries/${String(d.seq).padStart(10, '0')}.json`, String(d.seq)),
        h(d.at),
        h(d.gate),
        h(d.decision),
        h(d.approver),
        d.signed ? h(d.signer) : 'unsigned',
        h(d.verification),
        d.evidence ? (d.evidence.file ? link(d.evidence.file, d.evidence.sha256.slice(0, 12)) : h(d.evidence.check)) : '—',
        h(d.comment),
      ]),
    ),
    `<h2 id="incidents">Incidents (${s.incidents.length})</h2>`,
    `<p>${link('incidents/incidents.csv', 'CSV')} · ${link('incidents/incidents.json', 'JSON')} (timelines)</p>`,
    table(
      ['incident', 'state', 'severity', 'detected', 'closed', 'to detect', 'to decide', 'to recover'],
      s.incidents.map((i) => [
        h(i.id),
        h(i.state),
        h(i.severity),
        h(i.detectedAt),
        h(i.closedAt || '—'),
        hours(i.times.detectMs),
        hours(i.times.decideMs),
        hours(i.times.recoverMs),
      ]),
    ),
    `<h2 id="other">Other records (${others.length}): reviews, handovers, requests, promotions, config and plan changes…</h2>`,
    table(
      ['entry', 'at', 'kind', 'who', 'what'],
      others.map((e) => [link(e.file, String(e.seq)), h(e.at), h(e.kind), h(e.actor), `${h(e.summary)}${e.comment ? `<br><q>${h(e.comment)}</q>` : ''}`]),
    ),
    `<p>Every entry of the period, notifications included: ${link('entries.csv', 'entries.csv')} · ${link('entries.json', 'entries.json')}.</p>`,
    `<h2 id="histories">Exported workflow histories (${s.histories.filter((x) => x.file).length} of ${s.histories.length} runs)</h2>`,
    table(
      ['workflow', 'run', 'history'],
      s.histories.map((x) => [h(x.workflowId), h(x.runId), x.file ? link(x.file, 'JSON') : 'not exported (yet, or past retention)']),
    ),
    '<h2 id="chain">The audit chain</h2>',
    `<p>Links ${s.links.from} to ${s.links.to} (${link('chain/segment.json', 'segment.json')}): from the link before the first entry packed to the head, each carrying the sha256 of the one before; the entries packed are under chain/entries/.</p>`,
    table(
      ['anchored at', 'run', 'where', 'link', 'sha256', 'in this pack'],
      s.anchors.map((a) => [
        h(a.at),
        h(a.runId),
        h(a.source),
        String(a.links),
        `<code>${h(a.sha256.slice(0, 16))}…</code>`,
        a.inPack ? 'yes: checked by verify.mjs' : 'no',
      ]),
    ),
    s.trail.notes.length ? `<h3>Notes</h3><ul>${s.trail.notes.map((n) => `<li>${h(n)}</li>`).join('')}</ul>` : '',
    banner,
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:">
<title>Evidence pack: ${h(s.modelId)} ${h(s.from)} to ${h(s.to)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:90em}table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 6px;vertical-align:top;text-align:left}.bad{color:#a00}code{font-size:12px}</style></head>
<body>
${sections.filter(Boolean).join('\n')}
</body></html>
`;
}

export function renderPackReadme(s: PackSummary): string {
  return `Evidence pack of model ${plainLine(s.modelId)}, ${s.from} to ${s.to} (end excluded), made ${s.generatedAt} by upkeep.
${s.trail.verified ? '' : `\n${plainLine(UNVERIFIED(s), 400)}\n`}${s.empty ? '\nNothing was recorded for this model in this period.\n' : ''}
Open index.html in a browser (it needs no network). Data: entries.csv, verdicts/, decisions/, incidents/ (CSV and JSON),
cards/ (the model card as of the start and the end), plans/ and objects/ (content-addressed: each file's name is its sha256),
reports/ (each verdict's report as JSON, Markdown and HTML), histories/ (Temporal's JSON of each run), chain/ (the audit chain).

Check it (needs only Node 18+, in this folder):
  node verify.mjs
or without Node: sha256sum -c MANIFEST.sha256   (altered or removed files), and
  find . -type f ! -name manifest.json ! -name MANIFEST.sha256 | sed 's|^\\./||' | sort > /tmp/present
  cut -c67- MANIFEST.sha256 | sort | diff - /tmp/present   (added files)
verify.mjs also checks the chain: each link carries the sha256 of the one before, up to the head link
${s.trail.head ? `${s.trail.head.seq} (sha256 ${s.trail.head.sha256})` : '(none)'}, and each entry and report hashes to what its link and entry cite.
Compare that head with an anchor kept outside the store, and the sha256 of manifest.json with the one
recorded when the pack was made: whoever altered the archive could have altered verify.mjs and the manifest too.
`;
}
