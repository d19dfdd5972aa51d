/**
 * One evaluation report as a self-contained HTML page: the verdict and its reasons, the primary
 * metric with its interval (realized and estimated distinguished, the thresholds drawn), every
 * metric, every watched column's distribution picture (distribution.ts), the data quality issues
 * and the provenance. Inline CSS, no script, no external URL (a Content-Security-Policy in the page
 * says so to the browser): it opens offline from a file, a mail attachment or the store. Every
 * picture has its numbers beside it in a table. Pure: same report, same bytes.
 */
import { driftDisplayOrder, importanceSummary, importanceText } from '../../domain/importance.js';
import { lowerIsBetter } from '../../domain/metrics.js';
import type { EvaluationReport } from '../evaluation/report.js';
import { intervalMethod } from '../evaluation/report.js';
import { businessRows, GATED_HEAD } from '../evaluation/gated-report.js';
import { SEGMENT_HEADER, segmentRow, segmentSentence } from '../evaluation/segments/render.js';
import { distributionSvg } from './distribution.js';
import { fairnessSection } from './fairness-html.js';
import {
  COLOURS,
  el,
  escapeXml,
  formatCount,
  formatNumber,
  formatPercent,
  htmlTable,
  linearScale,
  niceDomain,
  niceStep,
  niceTicks,
  svgFrame,
  text,
  xAxis,
} from './svg.js';

/** A row of the primary metric's picture: a value with its interval. */
export interface MetricMark {
  kind: 'realized' | 'estimated';
  value: number | null;
  low: number | null;
  high: number | null;
  /** What produced the interval. */
  interval: string;
  rows: number | null;
}

/** A vertical rule of the primary metric's picture. */
export interface MetricRule {
  kind: 'minimum' | 'maximum' | 'baseline' | 'allowed drop';
  value: number;
}

export interface MetricPicture {
  metric: string;
  marks: MetricMark[];
  rules: MetricRule[];
  svg?: string;
  table: string;
}

const VERDICT_COLOURS: Record<string, string> = { healthy: COLOURS.healthy, warning: COLOURS.warning, degraded: COLOURS.drifted, failing: COLOURS.drifted };

const finite = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

/** The primary metric's marks (realized with its confidence interval, estimated with its band) and rules (thresholds, baseline). */
export function metricMarks(r: EvaluationReport): { metric: string; marks: MetricMark[]; rules: MetricRule[] } {
  const metric = r.thresholds.metric;
  const marks: MetricMark[] = [];
  const c = r.confidence?.metric === metric ? r.confidence : undefined;
  const realized = r.metrics[metric];
  if (finite(realized) || finite(c?.value)) {
    marks.push({
      kind: 'realized',
      value: finite(realized) ? realized : (c?.value ?? null),
      low: c?.low ?? null,
      high: c?.high ?? null,
      interval: c ? `${Math.round(c.confidence * 100)}% ${intervalMethod(c)}` : 'no interval',
      rows: r.evaluation?.rows ?? r.rows,
    });
  }
  const est = r.evaluation?.estimated;
  const e = est?.metrics[metric] ?? r.estimated?.[metric];
  if (e && finite(e.value)) {
    marks.push({
      kind: 'estimated',
      value: e.value,
      low: e.lower,
      high: e.upper,
      interval: `${e.method.toUpperCase()} estimate ± 3 standard errors`,
      rows: est?.rows ?? null,
    });
  }
  const rules: MetricRule[] = [];
  const t = r.thresholds;
  if (finite(t.min)) rules.push({ kind: 'minimum', value: t.min });
  if (finite(t.max)) rules.push({ kind: 'maximum', value: t.max });
  const base = r.baseline[metric];
  if (finite(base)) {
    rules.push({ kind: 'baseline', value: base });
    if (finite(t.max_drop)) rules.push({ kind: 'allowed drop', value: lowerIsBetter(metric) ? base + t.max_drop : base - t.max_drop });
  }
  return { metric, marks, rules };
}

const RULE_STYLE: Record<MetricRule['kind'], { colour: string; dash?: string }> = {
  minimum: { colour: COLOURS.drifted },
  maximum: { colour: COLOURS.drifted },
  'allowed drop': { colour: COLOURS.warning, dash: '4 3' },
  baseline: { colour: COLOURS.axis, dash: '2 2' },
};

/** The primary metric as a number line: one row per mark with its interval, the thresholds as vertical rules. */
export function metricPicture(r: EvaluationReport): MetricPicture {
  const { metric, marks, rules } = metricMarks(r);
  const rows = marks.map((m) => [
    m.kind,
    formatNumber(m.value, 4),
    finite(m.low) && finite(m.high) ? `[${formatNumber(m.low, 4)}, ${formatNumber(m.high, 4)}]` : '—',
    m.interval,
    m.rows === null ? '—' : formatCount(m.rows),
  ]);
  for (const rule of rules) rows.push([rule.kind, formatNumber(rule.value, 4), '', '', '']);
  const table = htmlTable(`${metric} (primary metric): values, intervals and thresholds`, ['', metric, 'interval', 'how', 'rows'], rows, {
    class: 'metric-table',
  });
  if (marks.length === 0) return { metric, marks, rules, table };
  const values = [...marks.flatMap((m) => [m.value, m.low, m.high]), ...rules.map((x) => x.value)].filter(finite);
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  const pad = hi > lo ? (hi - lo) * 0.08 : Math.max(Math.abs(lo) * 0.05, 0.01);
  [lo, hi] = niceDomain(lo - pad, hi + pad, 6);
  const W = 560;
  const left = 80;
  const right = 16;
  const top = 26;
  const rowH = 30;
  const height = top + marks.length * rowH + 30;
  const x = linearScale([lo, hi], [left, W - right]);
  const bottom = top + marks.length * rowH;
  let body = el('rect', { x: 0, y: 0, width: W, height, fill: '#fff' });
  body += text(left, 14, `${metric} (primary metric)`, { 'font-weight': 600, fill: COLOURS.text });
  rules.forEach((rule, i) => {
    const s = RULE_STYLE[rule.kind];
    body += el('line', {
      x1: x(rule.value),
      x2: x(rule.value),
      y1: top - 4,
      y2: bottom,
      stroke: s.colour,
      'stroke-dasharray': s.dash,
      'data-rule': rule.kind,
      'data-value': String(rule.value),
    });
    body += text(x(rule.value) + 3, top + 4 + (i % 2) * 10 - 6, rule.kind, { fill: s.colour, 'font-size': 9 });
  });
  marks.forEach((m, i) => {
    const y = top + i * rowH + rowH / 2 + 4;
    const colour = m.kind === 'estimated' ? COLOURS.estimated : COLOURS.current;
    body += text(left - 6, y + 4, m.kind, { 'text-anchor': 'end', fill: colour });
    if (finite(m.low) && finite(m.high)) {
      body += el('rect', {
        x: x(m.low),
        y: y - 5,
        width: Math.max(1, x(m.high) - x(m.low)),
        height: 10,
        fill: colour,
        'fill-opacity': 0.2,
        'data-kind': m.kind,
        'data-low': String(m.low),
        'data-high': String(m.high),
      });
    }
    if (finite(m.value)) {
      const shape =
        m.kind === 'estimated'
          ? el('path', {
              d: `M${x(m.value)} ${y - 6}l6 6l-6 6l-6 -6z`,
              fill: '#fff',
              stroke: colour,
              'stroke-width': 2,
              'data-kind': m.kind,
              'data-value': String(m.value),
            })
          : el('circle', { cx: x(m.value), cy: y, r: 5, fill: colour, 'data-kind': m.kind, 'data-value': String(m.value) });
      body += shape + text(x(m.value), y - 8, formatNumber(m.value, 4), { 'text-anchor': 'middle', fill: COLOURS.text, 'font-size': 10 });
    }
  });
  body += xAxis(x, bottom + 2, niceTicks(lo, hi, 6), niceStep(hi - lo, 6));
  const desc = [
    ...marks.map(
      (m) =>
        `${m.kind} ${formatNumber(m.value, 4)}${finite(m.low) && finite(m.high) ? ` (${m.interval} ${formatNumber(m.low, 4)} to ${formatNumber(m.high, 4)})` : ''}`,
    ),
    ...rules.map((rule) => `${rule.kind} ${formatNumber(rule.value, 4)}`),
  ].join('; ');
  const svg = svgFrame(
    {
      width: W,
      height,
      title: `${metric}: ${marks.map((m) => `${m.kind} ${formatNumber(m.value, 4)}`).join(', ')}`,
      desc: `${desc}.`,
      attrs: { class: 'metric' },
    },
    body,
  );
  return { metric, marks, rules, svg, table };
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;color:#1f2328;max-width:960px;margin:1.5rem auto;padding:0 1rem}
h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #e3e6ea;padding-bottom:.2rem}
.badge{display:inline-block;padding:.1rem .55rem;border-radius:.8rem;color:#fff;font-weight:600}
table{border-collapse:collapse;margin:.4rem 0;font-size:13px}th,td{border:1px solid #e3e6ea;padding:.2rem .5rem;text-align:left}
td:not(:first-child){font-variant-numeric:tabular-nums}caption{text-align:left;font-size:12px;color:#59606b;padding:.2rem 0}
figure{margin:1rem 0;padding:.5rem;border:1px solid #e3e6ea;border-radius:6px;display:inline-block;vertical-align:top;max-width:100%}
figure.drifted{border-color:#c0392b}figcaption{font-size:12.5px;max-width:420px}svg{max-width:100%;height:auto;display:block}
details summary{cursor:pointer;font-size:12px;color:#59606b}small{color:#59606b}code{font-size:12px}
.muted{color:#59606b}ul{padding-left:1.2rem}
@media print{details{display:block}details>*{display:block}}
`;

function verdictBadge(status: string): string {
  return el('span', { class: 'badge', style: `background:${VERDICT_COLOURS[status] ?? COLOURS.axis}` }, escapeXml(status));
}

function metricsTable(r: EvaluationReport): string {
  const e = r.evaluation;
  const est = e?.estimated;
  const names = [...new Set([...Object.keys(r.metrics), ...Object.keys(est?.metrics ?? {})])];
  const rows = names.map((name) => {
    const m = est?.metrics[name];
    const note = e?.undefinedMetrics[name] ?? e?.metricWarnings[name] ?? '';
    return [
      name + (name === r.thresholds.metric ? ' (primary)' : ''),
      formatNumber(r.metrics[name] ?? null, 4),
      m ? formatNumber(m.value, 4) : '—',
      m && finite(m.lower) && finite(m.upper) ? `[${formatNumber(m.lower, 4)}, ${formatNumber(m.upper, 4)}]` : '—',
      finite(r.baseline[name]) ? formatNumber(r.baseline[name], 4) : '—',
      note,
    ];
  });
  return htmlTable(
    'Every metric: realized on the labelled rows, estimated on every scored row',
    ['metric', `realized (${formatCount(e?.rows ?? r.rows)} rows)`, `estimated${est ? ` (${formatCount(est.rows)} rows)` : ''}`, 'band', 'baseline', 'note'],
    rows,
  );
}

function driftSection(r: EvaluationReport): string {
  const d = r.drift;
  if (!d)
    return el(
      'section',
      { id: 'drift' },
      el('h2', {}, 'Drift'),
      el('p', { class: 'muted' }, 'No drift check in this evaluation (no reference profile, or no rows).'),
    );
  const n = Object.keys(d.columns).length;
  const summary = `Dataset drift: ${d.dataset_drift === null ? 'undetermined' : d.dataset_drift ? 'yes' : 'no'} (${d.drifted_columns.length} of ${n} columns drifted; dataset drift at a share of ${formatNumber(d.drift_share)}).`;
  const alarm = d.alarm
    ? `Alarm (Benjamini–Hochberg at q ${formatNumber(d.alarm.level)} over ${d.alarm.tested} tests): ${d.alarm.raised ? `raised by ${[...d.alarm.columns, ...(d.alarm.label ? ['(label)'] : []), ...(d.alarm.prediction ? ['(prediction)'] : [])].join(', ')}` : 'not raised'}.`
    : '';
  // Drifted columns first (by importance to the model when measured), then by name: the ones to look at lead.
  const byName = Object.entries(d.columns).sort(([a, x], [b, y]) => Number(y.drifted === true) - Number(x.drifted === true) || (a < b ? -1 : a > b ? 1 : 0));
  const order = driftDisplayOrder(
    byName.map(([name]) => name),
    d,
  ).map((name) => [name, d.columns[name]!] as const);
  const ranked = d.importance
    ? el(
        'div',
        { class: 'importance' },
        el('p', {}, escapeXml(importanceSummary(d.importance))),
        el('ol', {}, ...d.importance.ranked.map((name) => el('li', {}, escapeXml(`${name}: ${importanceText(name, d.importance)}`)))),
      )
    : '';
  const figures = order.map(([name, c]) => distributionSvg(name, c, d.alarm));
  if (d.label) figures.push(distributionSvg('(label)', d.label, d.alarm));
  if (d.prediction) figures.push(distributionSvg('(prediction)', d.prediction, d.alarm));
  const recognised =
    d.recognised && d.recognised.length > 0
      ? el(
          'p',
          { class: 'muted' },
          escapeXml(`Not drift-tested (new values by construction): ${d.recognised.map((x) => `${x.column} (${x.kind})`).join(', ')}.`),
        )
      : '';
  return el(
    'section',
    { id: 'drift' },
    el('h2', {}, 'Drift'),
    el('p', {}, escapeXml(summary), alarm ? el('br', {}) + escapeXml(alarm) : ''),
    ranked,
    ...figures,
    recognised,
  );
}

function segmentsSection(r: EvaluationReport): string {
  const s = r.evaluation?.segments;
  if (!s) return '';
  const head = el('tr', {}, ...SEGMENT_HEADER.map((h) => el('th', {}, escapeXml(h))));
  const rows = s.worst.map((w) => el('tr', {}, ...segmentRow(s, w).map((c) => el('td', {}, escapeXml(c)))));
  return el(
    'section',
    { id: 'segments' },
    el('h2', {}, 'Weak segments'),
    el('p', {}, escapeXml(segmentSentence(s))),
    rows.length > 0 ? el('table', {}, head, ...rows) : '',
  );
}

function qualitySection(r: EvaluationReport): string {
  const issues = r.quality?.issues ?? [];
  if (issues.length === 0)
    return r.quality ? el('section', { id: 'quality' }, el('h2', {}, 'Data quality'), el('p', {}, 'No issue against the reference profile.')) : '';
  const items = issues.map((i) =>
    el(
      'li',
      { 'data-severity': i.severity },
      escapeXml(`${i.severity === 'break' ? 'schema break: ' : i.severity === 'info' ? '(information) ' : ''}${i.message}`),
    ),
  );
  return el('section', { id: 'quality' }, el('h2', {}, 'Data quality'), el('ul', {}, ...items));
}

/** The declared business metrics with their gates (gated-report.ts); none declared: no section. */
function businessSection(r: EvaluationReport): string {
  const rows = businessRows(Array.isArray(r.evaluation?.gated) ? r.evaluation.gated : undefined);
  if (rows.length === 0) return '';
  const failed = (r.verdict.failedGates ?? []).filter((n) => r.evaluation?.gated?.some((g) => g.kind === 'business' && g.name === n));
  return el(
    'section',
    { id: 'business' },
    el('h2', {}, 'Business metrics'),
    el('p', {}, escapeXml(failed.length > 0 ? `Failed gates: ${failed.join(', ')}.` : 'No declared gate failed.')),
    htmlTable('Declared metrics: value, interval and gate', GATED_HEAD, rows),
  );
}

/** A stored report read back may be from an older version or partial: every part the page reads gets a default. */
function normalised(raw: EvaluationReport): EvaluationReport {
  const r = raw as Partial<EvaluationReport>;
  return {
    ...raw,
    modelId: String(r.modelId ?? '(unknown model)'),
    verdict: { ...raw.verdict, status: r.verdict?.status ?? ('unknown' as never), reasons: Array.isArray(r.verdict?.reasons) ? r.verdict.reasons : [] },
    window: { firstDay: '', lastDay: '', end: '', timezone: '', ...r.window },
    thresholds: { metric: '', ...r.thresholds },
    baseline: r.baseline ?? {},
    metrics: r.metrics ?? {},
    snapshot: { uri: '', sha256: '', rows: 0, files: [], missing: [], ...r.snapshot } as EvaluationReport['snapshot'],
    model: { artifactUri: '', sha256: '', bytes: 0, ...r.model },
  };
}

/** The whole page. */
export function renderReportHtml(report: EvaluationReport): string {
  const r = normalised(report);
  const e = r.evaluation;
  const window = r.window.firstDay
    ? `${r.window.firstDay} to ${r.window.lastDay} (${r.window.timezone}), ending ${r.window.end}`
    : `files: ${r.snapshot.files.map((f) => String(f.sourceUri).slice(String(f.sourceUri).lastIndexOf('/') + 1)).join(', ')}`;
  const metric = metricPicture(r);
  const reasons = r.verdict.reasons.map((x) => el('li', {}, escapeXml(x)));
  const labels = e?.labels && e.labels.unlabelled > 0 ? ` ${formatCount(e.labels.unlabelled)} rows scored without a label yet.` : '';
  const parts = [
    el('header', {}, el('p', { class: 'muted' }, 'upkeep evaluation report'), el('h1', {}, escapeXml(r.modelId), ' ', verdictBadge(r.verdict.status))),
    el(
      'p',
      {},
      escapeXml(`${r.task}, owner ${r.owner}. Window ${window}.${r.verdict.basis === 'estimated' ? ' Judged on the estimate (too few labels).' : ''}`),
    ),
    reasons.length > 0 ? el('ul', { class: 'reasons' }, ...reasons) : '',
    r.failure
      ? el('section', { id: 'failure' }, el('h2', {}, 'Failure'), el('p', {}, el('code', {}, escapeXml(r.failure.type)), ' ', escapeXml(r.failure.message)))
      : '',
    el(
      'section',
      { id: 'metric' },
      el('h2', {}, 'Primary metric'),
      e
        ? el(
            'p',
            {},
            escapeXml(`${formatCount(e.rows)} labelled rows evaluated (${formatCount(e.rowsRead)} read, ${formatCount(e.droppedRows)} dropped).${labels}`),
          )
        : '',
      metric.svg
        ? el('figure', { class: 'metric' }, metric.svg, el('figcaption', {}, el('details', { open: 'open' }, el('summary', {}, 'numbers'), metric.table)))
        : metric.table,
      r.confidence?.drop
        ? el(
            'p',
            {},
            escapeXml(
              `Drop from the baseline: ${formatNumber(r.confidence.drop.value, 4)} [${formatNumber(r.confidence.drop.low, 4)}, ${formatNumber(r.confidence.drop.high, 4)}].`,
            ),
          )
        : '',
      e?.estimated && !e.estimated.reliability.reliable
        ? el('p', {}, escapeXml(`The estimate is unreliable${e.estimated.reliability.why ? `: ${e.estimated.reliability.why}` : ''}.`))
        : '',
    ),
    e ? el('section', { id: 'metrics' }, el('h2', {}, 'Metrics'), metricsTable(r)) : '',
    businessSection(r),
    fairnessSection(e?.fairness),
    driftSection(r),
    segmentsSection(r),
    qualitySection(r),
    e && e.warnings.length > 0
      ? el('section', { id: 'warnings' }, el('h2', {}, 'Warnings'), el('ul', {}, ...e.warnings.map((w) => el('li', {}, escapeXml(w)))))
      : '',
    el(
      'section',
      { id: 'provenance' },
      el('h2', {}, 'Data and provenance'),
      el(
        'ul',
        {},
        r.snapshot.sha256
          ? el('li', {}, escapeXml(`snapshot ${r.snapshot.sha256.slice(0, 12)}: ${formatCount(r.snapshot.rows)} rows in ${r.snapshot.files.length} files`))
          : '',
        r.model.sha256 ? el('li', {}, escapeXml(`model artifact ${r.model.sha256.slice(0, 12)} (${formatCount(r.model.bytes)} bytes)`)) : '',
        el(
          'li',
          {},
          escapeXml(
            r.workflow
              ? `workflow ${r.workflow.workflowId}, run ${r.workflow.runId}, started ${r.workflow.startedAt}`
              : 'one-shot evaluation (upkeep evaluate), not recorded in Temporal',
          ),
        ),
        r.snapshot.missing.length > 0 ? el('li', {}, escapeXml(`missing days: ${r.snapshot.missing.map((m) => m.date).join(', ')}`)) : '',
      ),
    ),
  ];
  const title = `${r.modelId}: ${r.verdict.status} — upkeep report`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(title)}</title><style>${CSS}</style></head>
<body>
${parts.filter((p) => p !== '').join('\n')}
<footer class="muted"><small>${escapeXml(`Shares in the distribution pictures are of each side's rows (${formatPercent(1)} = all rows of that side). Generated from ${r.schema}.`)}</small></footer>
</body></html>
`;
}
