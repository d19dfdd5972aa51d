/** The model page of the web inbox: the latest report's drift and quality, the card, the audit trail's timeline. */
import { driftDisplayOrder, effectCell, importanceCell, importanceSummary } from '../../domain/importance.js';
import { html, raw } from 'hono/html';
import { distributionSvg } from '../../engine/pictures/distribution.js';
import type { AuditEntry } from '../../domain/maintenance.js';
import type { WatchdogFinding } from '../../domain/watchdog.js';
import type { EvaluationReport } from '../../engine/evaluation/report.js';
import type { ModelCard } from '../../engine/cards/types.js';
import { reportKeys } from '../../engine/store/keys.js';
import { CHART_REPORTS, type ModelPage } from './data.js';
import { driftStripHtml } from './pictures/drift-strip.js';
import { layout, modelHref, num, reportName, when, type Html, type Viewer } from './pages.js';
import { modelIncidentsSection } from './incidents-page.js';
import { fairnessSection } from './fairness-section.js';
import { businessSection } from './business-section.js';

function findingsList(findings: WatchdogFinding[]): Html {
  if (findings.length === 0) return html`<p class="quiet">No watchdog findings.</p>`;
  return html`<ul class="findings">${findings.map((f) => html`<li><span class="badge warn">${f.kind}</span> ${f.summary} <span class="quiet">(since ${when(f.since)})</span></li>`)}</ul>`;
}

/**
 * The drift table. Each column's own test at its own threshold is one of many run together; the
 * verdict counts only the columns whose p-value survives the multiple-testing correction
 * (Benjamini–Hochberg, `drift.alarm`): those are highlighted as drift, the other crossings are
 * marked as single findings, which testing many columns produces by chance.
 */
function driftTable(r: EvaluationReport): Html {
  if (!r.drift || Object.keys(r.drift.columns).length === 0) return html`<p class="quiet">No drift computed for this window.</p>`;
  // Drifted columns by their importance to the model first, when it was measured (domain/importance.ts).
  const drift = r.drift;
  const cols = driftDisplayOrder(Object.keys(drift.columns), drift).map((name) => [name, drift.columns[name]!] as const);
  const imp = drift.importance;
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
${imp ? html`<p class="explain">${importanceSummary(imp)}</p>` : ''}
<table class="drift"><thead><tr><th>Column</th><th>Kind</th><th>Test</th><th>Score</th><th>Threshold</th>${alarm ? html`<th>p-value</th>` : ''}<th>Drifted</th>${imp ? html`<th>Importance</th><th>Effect on ${imp.metric}</th>` : ''}</tr></thead>
<tbody>${cols.map(([name, c]) => {
    const st = state(name, c.drifted);
    return html`<tr class="${st.cls}"><td>${name}</td><td>${c.kind}</td><td>${c.test}</td><td>${num(c.score)}</td><td>${num(c.threshold)}</td>${alarm ? html`<td>${num(alarm.p_values[name])}</td>` : ''}<td>${st.text}</td>${imp ? html`<td>${importanceCell(name, imp)}</td><td>${effectCell(name, imp)}</td>` : ''}</tr>`;
  })}</tbody></table>`;
}

/** A verdict's badge, marked when it was judged on the estimate (the window's labels not known yet). */
function verdictBadge(status: string, basis: string | undefined): Html {
  return basis === 'estimated'
    ? html`<span class="badge ${status}">${status}</span> <span class="badge estimated" title="judged on the estimate: too few labels known yet">estimated</span>`
    : html`<span class="badge ${status}">${status}</span>`;
}

/**
 * Estimated against realized, per window (docs/late-labels.md): the first estimate and its band
 * stay beside the realized value once the window's labels came, with the error.
 */
function lateLabelTable(metric: string, windows: ModelPage['windows']): Html {
  if (windows.length === 0) return html``;
  const band = (w: ModelPage['windows'][number]) =>
    w.estimate && w.estimate.lower !== null && w.estimate.upper !== null
      ? html` <span class="quiet">(${num(w.estimate.lower)}..${num(w.estimate.upper)})</span>`
      : '';
  const error = (w: ModelPage['windows'][number]) =>
    w.error
      ? html`${w.error.error >= 0 ? '+' : ''}${num(w.error.error)}${w.error.inBand === null ? '' : w.error.inBand ? ' (inside the band)' : html` <strong>(outside the band)</strong>`}`
      : '—';
  return html`<h2>${metric}: estimated and realized</h2>
<p class="explain">Before a window's labels come, its ${metric} is estimated from the model's scores (with a band); the verdict then says <em>estimated</em>. When the labels come, the window is evaluated again: the realized value replaces the estimate, and the estimate and its error stay here. Estimation cannot see a change in the relation between inputs and labels that leaves the scores unchanged.</p>
<table class="late-labels"><thead><tr><th>Window end</th><th>Verdict</th><th>Estimated (band)</th><th>Realized</th><th>Error</th></tr></thead>
<tbody>${windows.map(
    (w) =>
      html`<tr class="${w.basis === 'estimated' ? 'estimated' : ''}"><td>${when(w.windowEnd)}</td><td>${verdictBadge(w.verdict, w.basis)}</td><td>${num(w.estimate?.value ?? null)}${band(w)}</td><td>${w.realized === null ? html`<span class="quiet">labels not known yet</span>` : num(w.realized)}</td><td>${error(w)}</td></tr>`,
  )}</tbody></table>`;
}

/**
 * The chart's numbers, newest first: what it draws, readable without JavaScript (the chart's text
 * alternative): each point's window, version, verdict, value, whether realized or estimated, and
 * its interval; the champion changes marked on it.
 */
function trendNumbers(chart: ModelPage['chart']): Html {
  const points = chart.points.filter((p) => p.value !== null);
  if (points.length === 0) return html`<p class="quiet">No evaluation with a ${chart.metric} yet.</p>`;
  const limits = [chart.min !== null ? `minimum ${num(chart.min)}` : '', chart.max !== null ? `maximum ${num(chart.max)}` : ''].filter(Boolean).join(', ');
  const estimated = points.filter((p) => p.estimated).length;
  const latest = points.at(-1)!;
  return html`<p class="chart-summary" id="trend-summary">${points.length} point${points.length === 1 ? '' : 's'}${chart.capped ? ` (from the newest ${CHART_REPORTS} evaluations)` : ''} from <time datetime="${points[0]!.windowEnd}">${points[0]!.windowEnd.slice(0, 10)}</time> to <time datetime="${latest.windowEnd}">${latest.windowEnd.slice(0, 10)}</time>${estimated ? ` (${estimated} estimated: labels not known yet)` : ''}; latest ${num(latest.value)}${latest.low !== undefined ? ` [${num(latest.low)}, ${num(latest.high)}]` : ''}, ${latest.verdict}${limits ? `; ${limits}` : ''}${chart.changes.length ? `; ${chart.changes.length} champion change${chart.changes.length === 1 ? '' : 's'} marked` : ''}.</p>
<details class="numbers"><summary>The chart's numbers</summary>
<table class="trend-numbers"><thead><tr><th>Window end</th><th>Version</th><th>Verdict</th><th>${chart.metric}</th><th>Interval</th></tr></thead>
<tbody>${[...points]
    .reverse()
    .map(
      (p) =>
        html`<tr class="${p.estimated ? 'estimated' : ''}" data-window="${p.windowEnd}" data-version="${p.version}"><td>${when(p.windowEnd)}</td><td>${p.version || '—'}</td><td><span class="badge ${p.verdict}">${p.verdict}</span></td><td>${num(p.value)}${p.estimated ? ' (estimated)' : ''}</td><td>${p.low !== undefined ? `[${num(p.low)}, ${num(p.high)}]` : '—'}</td></tr>`,
    )}</tbody></table>
${chart.changes.length ? html`<ul class="changes">${chart.changes.map((c) => html`<li>${when(c.at)}: ${c.change} of ${c.version}</li>`)}</ul>` : ''}
</details>`;
}

/** Distribution pictures shown on the page at most (drifted columns first); the report with pictures has them all. */
export const PAGE_DISTRIBUTIONS = 24;

/**
 * Each watched column's reference and current distribution in the latest window, with the test's
 * statistic and corrected threshold (engine/pictures/distribution.ts), drifted columns first.
 */
function distributions(r: EvaluationReport, htmlReport: string | undefined): Html {
  const d = r.drift;
  if (!d) return html``;
  const byName = Object.entries(d.columns).sort(([a, x], [b, y]) => Number(y.drifted === true) - Number(x.drifted === true) || (a < b ? -1 : a > b ? 1 : 0));
  const order = driftDisplayOrder(
    byName.map(([name]) => name),
    d,
  ).map((name) => [name, d.columns[name]!] as const);
  if (order.length === 0) return html``;
  const shown = order.slice(0, PAGE_DISTRIBUTIONS);
  const more = order.length - shown.length;
  // distributionSvg builds its markup with engine/pictures/svg.ts, which escapes every text and attribute (escapeXml): the one raw() of the pages.
  return html`<h3>Distributions: reference and this window</h3>
<div class="distributions">${shown.map(([name, c]) => raw(distributionSvg(name, c, d.alarm)))}</div>
${more > 0 ? html`<p class="quiet">${more} more column${more === 1 ? '' : 's'} without drift${htmlReport ? html` in the <a href="${htmlReport}">report with pictures</a>` : ''}.</p>` : ''}`;
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

/** The inputs taken together: the reconstruction error against its range, and the domain classifier when the model asks for it. */
function multivariateSection(r: EvaluationReport): Html {
  const m = r.multivariate;
  if (!m || (!m.reconstruction && !m.domainClassifier)) return html``;
  const rec = m.reconstruction;
  const dc = m.domainClassifier;
  return html`<h3>Multivariate drift</h3>
<p class="explain">Drift of the inputs taken together, which single-column tests can miss (a changed relation between columns).</p>
<ul>${rec ? html`<li class="${rec.alert ? 'drifted' : ''}">Reconstruction error ${num(rec.error)} against the reference's range ${num(rec.lower)}..${num(rec.upper)} (PCA with ${rec.components} components, ${rec.rows} rows): <strong>${rec.alert ? 'outside' : 'inside'}</strong>.</li>` : ''}${
    dc
      ? html`<li class="${dc.alert ? 'drifted' : ''}">Domain classifier: cross-validated AUC ${num(dc.auc)} telling ${dc.rows.current} window rows from ${dc.rows.reference} reference rows (chance 0.5, alarm above ${num(dc.threshold)}): <strong>${dc.alert ? 'told apart' : 'not told apart'}</strong>${
          dc.features.length
            ? html`; the columns that separate them most: ${dc.features.slice(0, 5).map((f, i) => html`${i ? ', ' : ''}${f.column} (${num(f.importance, 2)})`)}`
            : ''
        }.</li>`
      : ''
  }</ul>`;
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
<div id="trend" class="chart" data-trend-url="${modelHref(p.spec.id)}/trend.json" role="img" aria-label="${p.spec.thresholds.metric} per evaluation window, with its interval" aria-describedby="trend-summary"><noscript><p class="quiet">The chart needs JavaScript; its numbers are below.</p></noscript></div>
${trendNumbers(p.chart)}
${lateLabelTable(p.spec.thresholds.metric, p.windows)}
<h2>Drift over time</h2>
${driftStripHtml(p.strip)}
<h2>Watchdog</h2>
${findingsList(p.findings)}
<h2>Incidents</h2>
${modelIncidentsSection(p.spec.id, p.card)}
<h2>Latest report</h2>
${
  r
    ? html`<p>Window ${r.window.firstDay} to ${r.window.lastDay} (${r.rows} rows): ${verdictBadge(r.verdict.status, r.verdict.basis)} ${r.verdict.reasons.join('; ')}</p>
${r.verdict.basis === 'estimated' ? html`<p class="explain">This verdict was judged on the estimate: too few of the window's labels are known yet. With a label.delay, it is evaluated again when they come.</p>` : ''}
${report ? html`<p><a href="${modelHref(p.spec.id)}/reports/${report.replace(/[.]json$/, '.html')}">report with pictures</a> · <a href="${modelHref(p.spec.id)}/reports/${report}">report (JSON)</a> · <a href="${modelHref(p.spec.id)}/reports/${report.replace(/[.]json$/, '.md')}">report (Markdown)</a></p>` : ''}
<h3>Drift</h3>${driftTable(r)}
${distributions(r, report ? `${modelHref(p.spec.id)}/reports/${report.replace(/[.]json$/, '.html')}` : undefined)}
${multivariateSection(r)}
<h3>Quality</h3>${qualityTable(r)}
${businessSection(r)}
${fairnessSection(r, p.card)}`
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
