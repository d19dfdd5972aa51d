/**
 * The model page's business metrics: the latest evaluation's declared metrics (models[].metrics;
 * EvaluationSummary.gated, kind `business`) with their value, interval, gate, and each bound of the
 * gate as the verdict judged it (domain/gates.ts); the rows are the report's own
 * (engine/evaluation/gated-report.ts). A metric whose gate failed is highlighted. Metric names come
 * from the config: every string goes through hono's escaping.
 */
import { html } from 'hono/html';
import { judgeGates, type GateStatus } from '../../domain/gates.js';
import type { EvaluationReport } from '../../engine/evaluation/report.js';
import { businessRows, GATED_HEAD } from '../../engine/evaluation/gated-report.js';
import type { Html } from './pages.js';

/** A bound's badge: failed like a failing verdict, uncertain like a warning. */
const BADGE: Record<GateStatus, string> = { failed: 'failing', uncertain: 'warning', passed: 'healthy', 'not-judged': '' };

export function businessSection(r: EvaluationReport): Html | '' {
  const gated = Array.isArray(r.evaluation?.gated) ? r.evaluation.gated.filter((g) => g.kind === 'business') : [];
  if (gated.length === 0) return '';
  const rows = businessRows(gated);
  const outcomes = judgeGates(gated);
  const names = new Set(gated.map((g) => g.name));
  const failing = (r.verdict.failedGates ?? []).filter((n) => names.has(n));
  const failed = new Set([...failing, ...outcomes.filter((o) => o.status === 'failed').map((o) => o.name)]);
  return html`<h3>Business metrics</h3>
<p class="explain">The metrics declared for this model, each judged against its gate the way the primary metric is: a breach its interval cannot confirm is uncertain (a warning), a confirmed breach fails the gate and degrades the window.</p>
<p>${failing.length > 0 ? html`Failed gates: ${failing.map((n, i) => html`${i ? ', ' : ''}<strong>${n}</strong>`)}.` : 'No declared gate failed.'}</p>
<table class="business"><thead><tr>${GATED_HEAD.map((h) => html`<th>${h}</th>`)}</tr></thead>
<tbody>${gated.map((g, i) => {
    const cells = rows[i]!.slice(0, -1);
    const mine = outcomes.filter((o) => o.name === g.name);
    return html`<tr class="${failed.has(g.name) ? 'drifted' : ''}" data-gate="${failed.has(g.name) ? 'failed' : 'ok'}">${cells.map((c) => html`<td>${c}</td>`)}<td>${
      mine.length === 0
        ? 'no gate'
        : mine.map((o, j) => html`${j ? ' ' : ''}<span class="badge ${BADGE[o.status]}" title="${o.text}">${o.bound}: ${o.status}</span>`)
    }</td></tr>`;
  })}</tbody></table>`;
}
