/**
 * The model page's fairness section: the latest report's gaps between groups and each column's
 * groups (the same rows as the report's tables), and from the card whether each gap grew (bias drift).
 * Every value from the data (group values, column names) goes through hono's escaping.
 */
import { html } from 'hono/html';
import type { ModelCard } from '../../engine/cards/types.js';
import type { EvaluationReport } from '../../engine/evaluation/report.js';
import { fairnessIntro, GAP_HEAD, gapRows, groupHead, groupRows } from '../../engine/evaluation/fairness/table.js';
import type { Html } from './pages.js';

const table = (head: string[], rows: string[][], caption: string): Html =>
  html`<table class="fairness"><caption>${caption}</caption><thead><tr>${head.map((h) => html`<th>${h}</th>`)}</tr></thead>
<tbody>${rows.map((r) => html`<tr>${r.map((c) => html`<td>${c}</td>`)}</tr>`)}</tbody></table>`;

export function fairnessSection(r: EvaluationReport, card: ModelCard | undefined): Html | '' {
  const f = r.evaluation?.fairness;
  const drift = card?.fairness;
  if (!f && !drift) return '';
  return html`<h3>Fairness across groups</h3>
${
  f
    ? html`<p class="explain">${fairnessIntro(f)}</p>
${table(GAP_HEAD, gapRows(f), 'Gaps between groups (latest window)')}
${f.families.map((fam) =>
  table(
    groupHead(
      f,
      fam.groups.some((g) => g.selectionRate !== undefined),
    ),
    groupRows(fam, f),
    `Groups of ${fam.name}`,
  ),
)}`
    : ''
}
${
  drift && drift.gaps.length > 0
    ? html`<table class="fairness-trend"><caption>Bias drift: each gap over the windows of version ${drift.version ?? '(unknown)'}</caption>
<thead><tr><th>Gap</th><th>Gate</th><th>Latest</th><th>Grew</th><th>Trend</th></tr></thead>
<tbody>${drift.gaps.map(
        (g) =>
          html`<tr class="${g.grew ? 'drifted' : ''}"><td>${g.name}</td><td>${g.gate ?? '—'}</td><td>${g.points[0]?.value?.toFixed(4) ?? '—'}</td><td>${g.grew ? 'yes' : 'no'}</td><td>${g.message}</td></tr>`,
      )}</tbody></table>`
    : ''
}`;
}
