/**
 * The HTML of `upkeep serve`. Every value goes through hono's `html` template, which escapes it;
 * nothing here uses `raw`. No inline script or style: the CSP allows 'self' only.
 */
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { describeCoverage, describeEvidence, type GateStatus, type AuditEntry, type MaintenanceStatus } from '../../domain/maintenance.js';
import type { WatchdogFinding } from '../../domain/watchdog.js';
import type { EvaluationReport } from '../../engine/evaluation/report.js';
import type { ModelCard } from '../../engine/cards/types.js';
import { reportKeys } from '../../engine/store/keys.js';
import type { ModelPage } from './data.js';
import type { FleetStatus, ModelStatus } from '../status/types.js';
import { trendArrow } from '../status/trend.js';

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/** Who is looking: the header's sign-out form needs the session's CSRF token. */
export interface Viewer {
  user: string;
  csrf: string;
}

const num = (v: number | null | undefined, digits = 4): string => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '—');

/** The report's file name, when its URI is one of the store's report keys (served by /models/<id>/reports/<name>). */
export const reportName = (uri: string | undefined): string | undefined => {
  const name = uri?.split('/').at(-1);
  return name && /^[0-9TZ]+_[A-Za-z0-9-]+\.(json|md)$/.test(name) ? name : undefined;
};
const modelHref = (id: string): string => `/models/${encodeURIComponent(id)}`;
/** A timestamp that never wraps mid-string (CSS `time`: nowrap). */
const when = (iso: string | null | undefined, none = '—'): Html => (iso ? html`<time datetime="${iso}">${iso}</time>` : html`${none}`);

export function layout(title: string, viewer: Viewer | undefined, body: Html, o: { chart?: boolean } = {}): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · upkeep</title>
<link rel="stylesheet" href="/static/web.css">
${o.chart ? html`<link rel="stylesheet" href="/static/uPlot.min.css"><script src="/static/uPlot.iife.min.js" defer></script><script src="/static/chart.mjs" type="module"></script>` : ''}
</head>
<body>
<header>
<strong>upkeep</strong>
${
  viewer
    ? html`<nav><a href="/">Fleet</a> <a href="/inbox">Inbox</a></nav>
<form method="post" action="/logout" class="signout"><span class="who">${viewer.user}</span> <input type="hidden" name="csrf" value="${viewer.csrf}"><button type="submit">Sign out</button></form>`
    : ''
}
</header>
<main>
<h1>${title}</h1>
${body}
</main>
</body>
</html>`;
}

export function loginPage(o: { error?: string; loginCsrf: string; provider: string; next: string }): Html {
  return layout(
    'Sign in',
    undefined,
    html`${o.error ? html`<p class="error" role="alert">${o.error}</p>` : ''}
<form method="post" action="/login" class="login">
<input type="hidden" name="csrf" value="${o.loginCsrf}">
<input type="hidden" name="next" value="${o.next}">
<label>Your ${o.provider} (from <code>upkeep users add</code>) <input type="password" name="token" autocomplete="current-password" required autofocus></label>
<button type="submit">Sign in</button>
</form>`,
  );
}

export function errorPage(status: number, message: string, viewer?: Viewer): Html {
  const title = status === 403 ? 'Not allowed' : status === 404 ? 'Not found' : status === 429 ? 'Too many attempts' : 'Request refused';
  return layout(title, viewer, html`<p class="error" role="alert">${message}</p><p><a href="/">Back to the fleet</a></p>`);
}

function findingsList(findings: WatchdogFinding[]): Html {
  if (findings.length === 0) return html`<p class="quiet">No watchdog findings.</p>`;
  return html`<ul class="findings">${findings.map((f) => html`<li><span class="badge warn">${f.kind}</span> ${f.summary} <span class="quiet">(since ${when(f.since)})</span></li>`)}</ul>`;
}

const waited = (ms: number): string =>
  ms < 3_600_000 ? `${Math.max(1, Math.round(ms / 60_000))}m` : ms < 172_800_000 ? `${Math.round(ms / 3_600_000)}h` : `${Math.round(ms / 86_400_000)}d`;

function metricCell(m: ModelStatus): Html {
  const e = m.lastEvaluation;
  if (!e) return html`—`;
  const t = e.trend;
  const cls = t.better === null ? '' : t.better ? 'better' : 'worse';
  return html`${e.metric} ${num(e.value)} <span class="trend ${cls}" title="${t.delta === null ? 'no previous value' : `${t.delta >= 0 ? '+' : ''}${t.delta.toFixed(4)} since the previous evaluation`}">${trendArrow(t.direction)}</span>`;
}

function scheduleCell(m: ModelStatus): string {
  const s = m.scheduleState;
  if (!s) return 'unknown';
  if (s.state === 'missing') return 'no schedule (upkeep schedules sync)';
  if (s.state === 'paused') return `paused${s.note ? `: ${s.note}` : ''}`;
  return s.nextRun ?? 'none';
}

function pendingCell(m: ModelStatus): Html {
  if (m.pendingApprovals === null) return html`unknown`;
  if (m.pendingApprovals.length === 0) return html`—`;
  return html`<a href="/inbox">${m.pendingApprovals.map((p) => `${p.gate}, waiting ${waited(p.waitingMs)}${p.overdue ? ' (overdue)' : ''}`).join('; ')}</a>`;
}

export function fleetPage(viewer: Viewer, f: FleetStatus): Html {
  const t = f.totals;
  return layout(
    'Fleet',
    viewer,
    html`<p>${t.models} models; ${Object.entries(t.byVerdict)
      .map(([v, n]) => `${n} ${v}`)
      .join(', ')}; ${t.pendingApprovals ?? '?'} waiting for a decision; ${t.findings} watchdog findings.</p>
${f.server.reachable ? '' : html`<p class="error">${f.server.note ?? 'Temporal did not answer: schedules, next runs and pending approvals are unknown'}.</p>`}
<table class="fleet">
<thead><tr><th>Model</th><th>Owner</th><th>Champion</th><th>Last evaluation</th><th>Verdict</th><th>Primary metric</th><th>Next run</th><th>Pending</th><th>Watchdog</th></tr></thead>
<tbody>
${f.models.map(
  (m) => html`<tr data-model="${m.id}">
<td><a href="${modelHref(m.id)}">${m.id}</a></td>
<td>${m.owner}</td>
<td>${m.champion ? `${m.champion.version}${m.champion.source === 'config' ? ' (config)' : ''}` : '—'}</td>
<td>${when(m.lastEvaluation?.windowEnd, 'never')}${m.champion && m.lastEvaluation && m.lastEvaluation.version !== m.champion.version ? ` (version ${m.lastEvaluation.version})` : ''} <span class="badge ${m.staleness.state}">${m.staleness.state}</span></td>
<td>${m.lastEvaluation ? html`<span class="badge ${m.lastEvaluation.verdict}">${m.lastEvaluation.verdict}</span>` : '—'}</td>
<td>${metricCell(m)}</td>
<td>${scheduleCell(m)}</td>
<td>${pendingCell(m)}</td>
<td>${m.findings.length ? html`<ul class="findings">${m.findings.map((x) => html`<li><span class="badge warn">${x.kind}</span> ${x.summary}</li>`)}</ul>` : '—'}</td>
</tr>`,
)}
</tbody>
</table>
${f.models.flatMap((m) => m.problems.map((p) => `${m.id}: ${p}`)).map((p) => html`<p class="error">${p}</p>`)}
<p class="quiet">Watchdog: ${f.watchdog ? html`last run ${when(f.watchdog.at)}` : 'no report yet'}. As of ${when(f.at)}.</p>`,
  );
}

function comparisonTable(s: MaintenanceStatus): Html {
  const c = s.comparison;
  if (!c) return html``;
  const k = c.candidate;
  const interval = (v: { low: number | null; high: number | null }): string => (v.low !== null && v.high !== null ? `[${num(v.low)}, ${num(v.high)}]` : '—');
  return html`<h3>Champion vs challenger</h3>
${
  k
    ? html`<dl class="candidate">
<dt>Candidate</dt><dd>${k.version}: ${k.modelType}</dd>
<dt>Trainer</dt><dd>${k.trainer}</dd>
${k.championModelType ? html`<dt>Champion</dt><dd>${c.champion.version}: ${k.championModelType}</dd>` : ''}
<dt>Training window</dt><dd class="${k.training.daysWithData < k.training.daysAsked ? 'short' : ''}">${describeCoverage(k.training)}</dd>
</dl>`
    : ''
}
<p class="${c.recommended ? 'recommended' : 'not-recommended'}">On the holdout ${c.holdout.firstDay} to ${c.holdout.lastDay} (${c.holdout.rows} rows), primary metric ${c.metric} (${c.higherIsBetter ? 'higher' : 'lower'} is better): <strong>${c.recommended ? 'promotion recommended' : 'promotion not recommended'}</strong>. ${c.reason}</p>
${c.concerns?.length ? html`<ul class="concerns">${c.concerns.map((x) => html`<li>${x}</li>`)}</ul>` : ''}
<table class="comparison">
<thead><tr><th>Metric</th><th>Champion ${c.champion.version}</th><th>Challenger ${c.challenger.version}</th><th>Δ</th><th>Better</th></tr></thead>
<tbody>${c.rows.map((r) => html`<tr><td>${r.metric}</td><td>${num(r.champion)}${r.metric === c.metric ? html` <span class="interval">${interval(c.champion)}</span>` : ''}</td><td>${num(r.challenger)}${r.metric === c.metric ? html` <span class="interval">${interval(c.challenger)}</span>` : ''}</td><td>${num(r.delta)}</td><td>${r.better ?? '—'}</td></tr>`)}</tbody>
</table>`;
}

function planLine(s: MaintenanceStatus, gate: GateStatus): Html {
  const p = s.plan;
  if (!p || gate.gate !== 'retrain') return html``;
  return html`<p class="plan">Approving trains with the ${p.trainer} trainer on the ${p.trainingDays} days before a ${p.holdoutDays}-day holdout; the candidate is recommended only with data on ${Math.round(p.minCoverage * 100)}% of those days.</p>`;
}

function decisionForms(viewer: Viewer, s: MaintenanceStatus, gate: GateStatus): Html {
  if (!gate.approvers.includes(viewer.user)) return html`<p class="quiet">Only ${gate.approvers.join(', ')} can decide on this request.</p>`;
  const action = `/inbox/${encodeURIComponent(s.modelId)}/decide`;
  return html`<div class="decide">
<form method="post" action="${action}"><input type="hidden" name="csrf" value="${viewer.csrf}"><input type="hidden" name="gate" value="${gate.gate}"><input type="hidden" name="opened" value="${gate.openedAt}"><input type="hidden" name="evidence" value="${gate.evidence?.sha256 ?? ''}"><input type="hidden" name="decision" value="approve">${
    gate.commentRequired
      ? html`<label>Why approve anyway (required: ${gate.commentRequired}) <input type="text" name="comment" maxlength="2000" required></label>`
      : html`<label>Comment (optional) <input type="text" name="comment" maxlength="2000"></label>`
  } <button type="submit" class="approve">Approve ${gate.gate}</button></form>
<form method="post" action="${action}"><input type="hidden" name="csrf" value="${viewer.csrf}"><input type="hidden" name="gate" value="${gate.gate}"><input type="hidden" name="opened" value="${gate.openedAt}"><input type="hidden" name="evidence" value="${gate.evidence?.sha256 ?? ''}"><input type="hidden" name="decision" value="reject"><label>Why (required) <input type="text" name="comment" maxlength="2000" required></label> <button type="submit" class="reject">Reject ${gate.gate}</button></form>
</div>`;
}

export function inboxPage(viewer: Viewer, open: { workflowId: string; status: MaintenanceStatus }[], failed: string[], notice?: string): Html {
  return layout(
    'Inbox',
    viewer,
    html`${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
${open.length === 0 ? html`<p>No decisions are waiting.</p>` : ''}
${open.map(({ workflowId, status: s }) => {
  const g = s.gate!;
  return html`<section class="request" data-model="${s.modelId}" data-gate="${g.gate}">
<h2><a href="${modelHref(s.modelId)}">${s.modelId}</a>: ${s.kind} request, ${g.gate} gate</h2>
<p>Waiting since ${when(g.openedAt)}, expires ${when(g.expiresAt)}. Stage ${s.stage}. Approvers: ${g.approvers.join(', ')}${g.signaturesRequired ? ' (decisions are signed)' : ''}. Workflow ${workflowId}.</p>
<p>Champion ${s.champion ?? 'config artifact'}${s.candidate ? `, candidate ${s.candidate.version}` : ''}${s.target ? `, rollback to ${s.target}` : ''}.</p>
<h3>Evidence${s.evidenceCount && s.evidenceCount > s.evidence.length ? ` (${s.evidence.length} of ${s.evidenceCount} shown)` : ''}</h3>
<ul class="evidence">${s.evidence.map((e) => {
    const report = reportName(e.reportUri);
    return html`<li>${e.verdict ? html`<span class="badge ${e.verdict.status}">${e.verdict.status}</span> ` : ''}${describeEvidence(e)}${e.verdict?.reasons.length ? html`<ul>${e.verdict.reasons.map((r) => html`<li>${r}</li>`)}</ul>` : ''}${report ? html` <a href="${modelHref(s.modelId)}/reports/${report}">report</a>` : ''}</li>`;
  })}</ul>
${planLine(s, g)}
${comparisonTable(s)}
${g.evidence ? html`<p class="quiet evidence">Evidence sha256 ${g.evidence.sha256}: your decision is signed over it and candidate ${g.candidate ?? '—'}.</p>` : ''}
${decisionForms(viewer, s, g)}
</section>`;
})}
${failed.length ? html`<p class="error">Status unavailable: ${failed.join('; ')}</p>` : ''}`,
  );
}

/**
 * The drift table. Each column's own test at its own threshold is one of many run together; the
 * verdict counts only the columns whose p-value survives the multiple-testing correction
 * (Benjamini–Hochberg, `drift.alarm`): those are highlighted as drift, the other crossings are
 * marked as single findings, which testing many columns produces by chance.
 */
function driftTable(r: EvaluationReport): Html {
  const cols = Object.entries(r.drift?.columns ?? {});
  if (!r.drift || cols.length === 0) return html`<p class="quiet">No drift computed for this window.</p>`;
  const alarm = r.drift.alarm;
  const counted = new Set(alarm?.columns ?? []);
  const single = cols.filter(([name, c]) => c.drifted && alarm && !counted.has(name)).length;
  const state = (name: string, drifted: boolean | null): { cls: string; text: string } => {
    if (drifted === null) return { cls: '', text: '—' };
    if (!drifted) return { cls: '', text: 'no' };
    if (!alarm) return { cls: 'drifted', text: 'yes' }; // a report from before the correction existed
    return counted.has(name) ? { cls: 'drifted', text: 'yes, after the correction' } : { cls: 'single', text: 'single finding' };
  };
  return html`<p>Dataset drift: ${r.drift.dataset_drift === null ? 'unknown' : r.drift.dataset_drift ? 'yes' : 'no'} (${num(r.drift.share_drifted, 2)} of the columns crossed their own threshold; threshold ${num(r.drift.drift_share, 2)}).</p>
${
  alarm
    ? html`<p class="explain">${alarm.tested} tests were run together, so some cross their own threshold by chance. After the ${alarm.method === 'benjamini-hochberg' ? 'Benjamini–Hochberg' : alarm.method} correction (false discovery rate ${num(alarm.level, 2)}), ${counted.size === 0 ? 'no column counts as drift' : html`${counted.size === 1 ? 'one column counts' : `${counted.size} columns count`} as drift (highlighted)`}${alarm.label ? ', and the label drifted' : ''}${alarm.prediction ? ', and the predictions drifted' : ''}${single ? html`; ${single === 1 ? 'one column crossed its threshold alone' : `${single} columns crossed their threshold alone`} (<span class="single-key">single finding</span>): not counted in the verdict` : ''}.</p>`
    : ''
}
<table class="drift"><thead><tr><th>Column</th><th>Kind</th><th>Test</th><th>Score</th><th>Threshold</th>${alarm ? html`<th>p-value</th>` : ''}<th>Drifted</th></tr></thead>
<tbody>${cols.map(([name, c]) => {
    const st = state(name, c.drifted);
    return html`<tr class="${st.cls}"><td>${name}</td><td>${c.kind}</td><td>${c.test}</td><td>${num(c.score)}</td><td>${num(c.threshold)}</td>${alarm ? html`<td>${num(alarm.p_values[name])}</td>` : ''}<td>${st.text}</td></tr>`;
  })}</tbody></table>`;
}

function qualityTable(r: EvaluationReport): Html {
  const q = r.quality;
  if (!q) return html`<p class="quiet">No quality checks for this window.</p>`;
  return html`<p>Schema break: ${q.schemaBreak ? 'yes' : 'no'}; ${q.rows} rows.</p>
${q.issues.length === 0 ? html`<p class="quiet">No quality issues.</p>` : html`<table class="quality"><thead><tr><th>Severity</th><th>Column</th><th>Issue</th></tr></thead><tbody>${q.issues.map((i) => html`<tr><td>${i.severity}</td><td>${i.column}</td><td>${i.message}</td></tr>`)}</tbody></table>`}`;
}

function cardSection(card: ModelCard | undefined): Html {
  if (!card) return html`<p class="quiet">No model card yet: it is written after the first evaluation.</p>`;
  const d = card.details;
  const c = card.current;
  return html`<p class="quiet">Written by the worker ${when(card.generatedAt)} from the registry, the reports and the audit trail. The card is a copy and not itself in the trail: the trail's check is at the top of the page; <code>upkeep audit verify ${card.modelId}</code> also compares the registry with the trail.</p>
<dl class="card">
<dt>Description</dt><dd>${d.description ?? '—'}</dd>
<dt>Intended use</dt><dd>${d.intended_use ?? '—'}</dd>
<dt>Task</dt><dd>${d.task}</dd>
<dt>Owner</dt><dd>${d.owner}</dd>
<dt>Approvers</dt><dd>${d.approvers.join(', ')}</dd>
<dt>Inputs</dt><dd>${d.inputs.map((i) => `${i.name} (${i.type}): ${i.columns.join(', ')}`).join('; ')}</dd>
<dt>Label</dt><dd>${d.label.column}</dd>
<dt>Primary metric</dt><dd>${d.primaryMetric.name}, min ${num(d.primaryMetric.min)}, max ${num(d.primaryMetric.max)}, max drop ${num(d.primaryMetric.maxDrop)}, baseline ${num(d.primaryMetric.baseline)}</dd>
<dt>Current version</dt><dd>${c.version ?? 'config artifact'} (${c.change}${c.since ? html` since ${when(c.since)}` : ''})${c.approvedBy.length ? `, approved by ${c.approvedBy.join(', ')}` : ''}</dd>
</dl>
${
  card.lineage.length
    ? html`<h3>Lineage</h3><table class="lineage"><thead><tr><th>Version</th><th>Created</th><th>Source</th><th>Parent</th><th>Training window</th><th>Holdout primary</th></tr></thead>
<tbody>${card.lineage.map((l) => html`<tr><td>${l.version}</td><td>${when(l.createdAt)}</td><td>${l.source}</td><td>${l.parent ?? '—'}</td><td>${l.training ? `${l.training.firstDay}..${l.training.lastDay}` : '—'}</td><td>${num(l.holdoutPrimary)}</td></tr>`)}</tbody></table>`
    : ''
}`;
}

/** A plain, prominent warning when the model's chain did not verify; what was checked when it did. */
function trailWarning(id: string, t: ModelPage['trail']): Html {
  if (t.ok) return html``;
  const more = t.problemCount - t.problems.length;
  return html`<div class="error trail-warning" role="alert"><p><strong>The audit trail of ${id} does not verify</strong> (${t.problemCount} problem${t.problemCount === 1 ? '' : 's'}): its records may have been removed, altered or inserted, so the timeline, the model card and the reports on this page may not be true. Entries that do not match their link are not shown.</p>
<ul>${t.problems.map((p) => html`<li>${p}</li>`)}</ul>
${more > 0 ? html`<p>${more} more: run <code>upkeep audit verify ${id}</code> for all of them.</p>` : html`<p>Run <code>upkeep audit verify ${id}</code> for the full check.</p>`}</div>`;
}

function trailNote(t: ModelPage['trail']): Html {
  if (!t.ok || t.links === 0) return html``;
  return html`<p class="quiet">Verified when this page was loaded: the chain's ${t.links} links and its head, every entry present and linked once, and the ${t.rehashed} entries shown re-hashed. <code>upkeep audit verify</code> also re-hashes older entries and what entries cite, and checks decision signatures.</p>`;
}

function timeline(entries: AuditEntry[], omitted: number): Html {
  if (entries.length === 0) return html`<p class="quiet">Nothing recorded yet.</p>`;
  return html`<table class="timeline"><thead><tr><th>When</th><th>What</th><th>Who</th><th>Summary</th><th>Comment</th></tr></thead>
<tbody>${entries.map((e) => html`<tr><td>${when(e.at)}</td><td>${e.kind}</td><td>${e.actor ?? ''}</td><td>${e.summary}</td><td>${e.comment ?? ''}</td></tr>`)}</tbody></table>
${omitted ? html`<p class="quiet">${omitted} older entries not shown (see <code>upkeep audit</code>).</p>` : ''}`;
}

export function modelPageHtml(viewer: Viewer, p: ModelPage): Html {
  const r = p.latest;
  const report = r?.workflow ? reportName(reportKeys(p.spec.id, r.window.end, r.workflow.runId).json) : undefined;
  return layout(
    p.spec.id,
    viewer,
    html`${trailWarning(p.spec.id, p.trail)}<p>${p.spec.description ?? ''}</p>
<p>Owner ${p.spec.owner}; approvers ${p.spec.approvers.join(', ')}.</p>
<h2>${p.spec.thresholds.metric} over time</h2>
<div id="trend" class="chart" data-trend-url="${modelHref(p.spec.id)}/trend.json" role="img" aria-label="${p.spec.thresholds.metric} per evaluation window"></div>
<h2>Watchdog</h2>
${findingsList(p.findings)}
<h2>Latest report</h2>
${
  r
    ? html`<p>Window ${r.window.firstDay} to ${r.window.lastDay} (${r.rows} rows): <span class="badge ${r.verdict.status}">${r.verdict.status}</span> ${r.verdict.reasons.join('; ')}</p>
${report ? html`<p><a href="${modelHref(p.spec.id)}/reports/${report}">report (JSON)</a> · <a href="${modelHref(p.spec.id)}/reports/${report.replace(/[.]json$/, '.md')}">report (Markdown)</a></p>` : ''}
<h3>Drift</h3>${driftTable(r)}
<h3>Quality</h3>${qualityTable(r)}`
    : html`<p class="quiet">No evaluation yet.</p>`
}
<h2>Model card</h2>
${cardSection(p.card)}
<h2>Audit timeline (newest first)</h2>
${trailNote(p.trail)}
${timeline(p.timeline, p.omitted)}`,
    { chart: true },
  );
}
