/**
 * The HTML of `upkeep serve`. Every value goes through hono's `html` template, which escapes it;
 * nothing here uses `raw` (the model page embeds engine/pictures' distribution pictures, built
 * with that module's own escaping). No inline script or style: the CSP allows 'self' only.
 */
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { describeCoverage, describeEvidence, type GateStatus, type MaintenanceStatus } from '../../domain/maintenance.js';
import type { FleetStatus, ModelStatus } from '../status/types.js';
import { trendArrow } from '../status/trend.js';
import { comparisonSvg, coverageSvg } from './pictures/comparison.js';

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/** Who is looking: the header's sign-out form needs the session's CSRF token. */
export interface Viewer {
  user: string;
  csrf: string;
}

export const num = (v: number | null | undefined, digits = 4): string => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '—');

/** The report's file name, when its URI is one of the store's report keys (served by /models/<id>/reports/<name>). */
export const reportName = (uri: string | undefined): string | undefined => {
  const name = uri?.split('/').at(-1);
  return name && /^[0-9TZ]+_[A-Za-z0-9-]+\.(json|md|html)$/.test(name) ? name : undefined;
};
export const modelHref = (id: string): string => `/models/${encodeURIComponent(id)}`;
/** A timestamp that never wraps mid-string (CSS `time`: nowrap). */
export const when = (iso: string | null | undefined, none = '—'): Html => (iso ? html`<time datetime="${iso}">${iso}</time>` : html`${none}`);

export function layout(title: string, viewer: Viewer | undefined, body: Html, o: { chart?: boolean; passkey?: boolean } = {}): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · upkeep</title>
<link rel="stylesheet" href="/static/web.css">
${o.chart ? html`<link rel="stylesheet" href="/static/uPlot.min.css"><script src="/static/uPlot.iife.min.js" defer></script><script src="/static/chart.mjs" type="module"></script>` : ''}
${o.passkey ? html`<script src="/static/passkey.mjs" type="module"></script>` : ''}
</head>
<body>
<header>
<strong>upkeep</strong>
${
  viewer
    ? html`<nav><a href="/">Fleet</a> <a href="/inbox">Inbox</a> <a href="/incidents">Incidents</a> <a href="/passkeys">Devices</a></nav>
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
<td>${m.findings.length ? html`<ul class="findings">${m.findings.map((x) => html`<li><span class="badge warn">${x.kind}</span> ${x.summary}</li>`)}</ul>` : '—'}${
    m.review
      ? html`<p class="review"${m.review.overdue ? html` data-overdue="true"` : ''}>${m.review.overdue ? html`<span class="badge warn">review</span> ` : ''}${m.review.standing}</p>`
      : ''
  }</td>
</tr>`,
)}
</tbody>
</table>
${f.models.flatMap((m) => m.problems.map((p) => `${m.id}: ${p}`)).map((p) => html`<p class="error">${p}</p>`)}
<p class="quiet">Watchdog: ${f.watchdog ? html`last run ${when(f.watchdog.at)}` : 'no report yet'}. As of ${when(f.at)}.</p>`,
  );
}

function comparisonTable(s: MaintenanceStatus, n: number): Html {
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
</dl>
${coverageSvg(k.training, `coverage-${n}`)}`
    : ''
}
${comparisonSvg(c, `comparison-${n}`)}
<p class="${c.recommended ? 'recommended' : 'not-recommended'}">On the holdout ${c.holdout.firstDay} to ${c.holdout.lastDay} (${c.holdout.rows} rows), primary metric ${c.metric} (${c.higherIsBetter ? 'higher' : 'lower'} is better): <strong>${c.recommended ? 'promotion recommended' : 'promotion not recommended'}</strong>. ${c.reason}</p>
${c.concerns?.length ? html`<ul class="concerns">${c.concerns.map((x) => html`<li>${x}</li>`)}</ul>` : ''}
<table class="comparison">
<thead><tr><th>Metric</th><th>Champion ${c.champion.version}</th><th>Challenger ${c.challenger.version}</th><th>Δ</th><th>Better</th></tr></thead>
<tbody>${c.rows.map((r) => html`<tr><td>${r.metric}</td><td>${num(r.champion)}${r.metric === c.metric ? html` <span class="interval">${interval(c.champion)}</span>` : ''}</td><td>${num(r.challenger)}${r.metric === c.metric ? html` <span class="interval">${interval(c.challenger)}</span>` : ''}</td><td>${num(r.delta)}</td><td>${r.better ?? '—'}</td></tr>`)}</tbody>
</table>
${
  c.fairness?.length
    ? html`<table class="comparison fairness"><caption>Fairness gaps on the holdout${c.fairness.some((g) => g.worse) ? ': the challenger widens some' : ''}</caption>
<thead><tr><th>Gap</th><th>Champion ${c.champion.version}</th><th>Challenger ${c.challenger.version}</th><th>Challenger</th></tr></thead>
<tbody>${c.fairness.map((g) => html`<tr class="${g.worse ? 'not-recommended' : ''}"><td>${g.name}</td><td>${num(g.champion)}</td><td>${num(g.challenger)}</td><td>${g.worse === null ? '—' : g.worse ? 'wider' : 'same or narrower'}</td></tr>`)}</tbody></table>`
    : ''
}`;
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
<form method="post" action="${action}" class="decide-form"><input type="hidden" name="csrf" value="${viewer.csrf}"><input type="hidden" name="gate" value="${gate.gate}"><input type="hidden" name="opened" value="${gate.openedAt}"><input type="hidden" name="evidence" value="${gate.evidence?.sha256 ?? ''}"><input type="hidden" name="decision" value="approve">${
    gate.questions
      ? html`<ol class="questions">${gate.questions.map((q) => html`<li>${q}</li>`)}</ol><label>Your answers, one numbered line each ("1. …"), attesting the model is still fit for its stated use (required) <textarea name="comment" maxlength="2000" rows="${String(gate.questions.length + 1)}" required></textarea></label>`
      : gate.commentRequired
        ? html`<label>Why approve anyway (required: ${gate.commentRequired}) <input type="text" name="comment" maxlength="2000" required></label>`
        : html`<label>Comment (optional) <input type="text" name="comment" maxlength="2000"></label>`
  } <button type="submit" class="approve">${gate.questions ? 'Attest' : 'Approve'} ${gate.gate}</button></form>
<form method="post" action="${action}" class="decide-form"><input type="hidden" name="csrf" value="${viewer.csrf}"><input type="hidden" name="gate" value="${gate.gate}"><input type="hidden" name="opened" value="${gate.openedAt}"><input type="hidden" name="evidence" value="${gate.evidence?.sha256 ?? ''}"><input type="hidden" name="decision" value="reject"><label>Why (required) <input type="text" name="comment" maxlength="2000" required></label> <button type="submit" class="reject">Reject ${gate.gate}</button></form>
</div>`;
}

export function inboxPage(viewer: Viewer, open: { workflowId: string; status: MaintenanceStatus }[], failed: string[], notice?: string): Html {
  return layout(
    'Inbox',
    viewer,
    html`${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
${open.length === 0 ? html`<p>No decisions are waiting.</p>` : ''}
${open.map(({ workflowId, status: s }, n) => {
  const g = s.gate!;
  return html`<section class="request" data-model="${s.modelId}" data-gate="${g.gate}">
<h2><a href="${modelHref(s.modelId)}">${s.modelId}</a>: ${s.kind} request, ${g.gate} gate</h2>
<p>Waiting since ${when(g.openedAt)}, expires ${when(g.expiresAt)}. Stage ${s.stage}. Approvers: ${g.approvers.join(', ')}${g.signaturesRequired ? ' (decisions are signed)' : ''}. Workflow ${workflowId}.</p>
${
  s.handover
    ? html`<p class="handover">Handover from ${s.handover.from ?? 'nobody known'} to ${s.handover.to.join(' or ')}, asked by ${s.handover.requestedBy}: ${s.handover.reason} The owner stays accountable until it is accepted (signed).</p>`
    : html`<p>Champion ${s.champion ?? 'config artifact'}${s.candidate ? `, candidate ${s.candidate.version}` : ''}${s.target ? `, rollback to ${s.target}` : ''}.</p>`
}
<h3>Evidence${s.evidenceCount && s.evidenceCount > s.evidence.length ? ` (${s.evidence.length} of ${s.evidenceCount} shown)` : ''}</h3>
<ul class="evidence">${s.evidence.map((e) => {
    const report = reportName(e.reportUri);
    return html`<li>${e.verdict ? html`<span class="badge ${e.verdict.status}">${e.verdict.status}</span> ` : ''}${describeEvidence(e)}${e.verdict?.reasons.length ? html`<ul>${e.verdict.reasons.map((r) => html`<li>${r}</li>`)}</ul>` : ''}${report ? html` <a href="${modelHref(s.modelId)}/reports/${report}">report</a>` : ''}</li>`;
  })}</ul>
${planLine(s, g)}
${comparisonTable(s, n)}
${g.evidence ? html`<p class="quiet evidence">Evidence sha256 ${g.evidence.sha256}: your decision is signed over it and candidate ${g.candidate ?? '—'}.</p>` : ''}
${decisionForms(viewer, s, g)}
</section>`;
})}
${failed.length ? html`<p class="error">Status unavailable: ${failed.join('; ')}</p>` : ''}`,
    { passkey: true },
  );
}
