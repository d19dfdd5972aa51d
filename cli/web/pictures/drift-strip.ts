/**
 * Drift over time: one row per watched column, one cell per evaluation window (the newest on the
 * right), coloured by what the window's drift test found — drift counted after the multiple-testing
 * correction, a single finding (its own threshold crossed, not counted), no drift, not tested —
 * each cell with the test, score and threshold in its tooltip, and the same numbers in a table
 * beside it (no JavaScript needed, and the picture's text alternative).
 */
import { html } from 'hono/html';
import type { DriftColumnReport } from '../../../domain/reports.js';
import type { EvaluationReport } from '../../../engine/evaluation/report.js';
import { windowSeries } from '../../../engine/cards/trend.js';
import type { HtmlEscapedString } from 'hono/utils/html';
import { px, truncate } from '../../../engine/pictures/svg.js';

/** Markup through hono's escaping template (the pages' `Html`, without importing pages.ts, which imports this). */
type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/** A score in a tooltip or the table: 4 decimals, as the drift table shows it. */
const fmt = (v: number | null | undefined): string => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(4) : '—');

/** Windows drawn at most (the newest). */
export const STRIP_WINDOWS = 14;
/** Columns drawn at most: those drifted in the most windows first. */
export const STRIP_COLUMNS = 40;

export type CellState = 'counted' | 'drifted' | 'single' | 'no' | 'untested' | 'absent';

export interface StripCell {
  state: CellState;
  test?: string;
  score?: number | null;
  threshold?: number;
  /** The p-value the correction used (reports with a `drift.alarm`). */
  pValue?: number | null;
}

export interface StripWindow {
  windowEnd: string;
  firstDay?: string;
  lastDay?: string;
  verdict: string;
  /** The window's report had drift computed. */
  computed: boolean;
}

export interface DriftStrip {
  windows: StripWindow[];
  /** Drawn columns, in row order, each with one cell per window. */
  rows: { column: string; cells: StripCell[] }[];
  /** Columns left out (never drifted in these windows: the last in the order). */
  omitted: number;
}

export const STATE_TEXT: Record<CellState, string> = {
  counted: 'drift (after the correction)',
  drifted: 'drift',
  single: 'single finding (not counted)',
  no: 'no drift',
  untested: 'not tested',
  absent: 'not in this window',
};
const FILL: Record<CellState, string> = { counted: '#dc2626', drifted: '#dc2626', single: '#fbbf24', no: '#d1fae5', untested: '#e5e7eb', absent: '#ffffff' };
/** A mark in the cell too, so the picture does not rest on colour alone. */
const MARK: Partial<Record<CellState, string>> = { counted: '×', drifted: '×', single: '·' };

function cellOf(r: EvaluationReport, column: string): StripCell {
  const c: DriftColumnReport | undefined = r.drift?.columns[column];
  if (!c) return { state: 'absent' };
  const alarm = r.drift?.alarm;
  const state: CellState = c.drifted === null ? 'untested' : !c.drifted ? 'no' : !alarm ? 'drifted' : alarm.columns.includes(column) ? 'counted' : 'single';
  return { state, test: c.test, score: c.score, threshold: c.threshold, ...(alarm ? { pValue: alarm.p_values[column] ?? null } : {}) };
}

/**
 * The strip of the newest `windows` windows: a window evaluated more than once is its latest
 * evaluation (the chart's rule, engine/cards/trend.ts windowSeries), whichever version ran it.
 */
export function driftStrip(reports: readonly EvaluationReport[], o: { windows?: number; columns?: number } = {}): DriftStrip {
  const latest = windowSeries(
    reports.map((r) => ({
      windowEnd: r.window.end,
      value: null,
      ...(r.window.firstDay && r.window.lastDay ? { firstDay: r.window.firstDay, lastDay: r.window.lastDay } : {}),
      ...(r.workflow?.startedAt ? { ranAt: r.workflow.startedAt } : {}),
      report: r,
    })),
  )
    .slice(-(o.windows ?? STRIP_WINDOWS))
    .map((p) => p.report);
  // Every column any drawn window tested, in the newest report's order first.
  const names: string[] = [];
  for (const r of [...latest].reverse()) for (const name of Object.keys(r.drift?.columns ?? {})) if (!names.includes(name)) names.push(name);
  const rows = names.map((column) => ({ column, cells: latest.map((r) => cellOf(r, column)) }));
  const drifts = (row: (typeof rows)[number]) => row.cells.filter((c) => c.state === 'counted' || c.state === 'drifted').length;
  const singles = (row: (typeof rows)[number]) => row.cells.filter((c) => c.state === 'single').length;
  // Stable sort: most drifted first, then most single findings, then the report's order.
  const ordered = rows
    .map((row, i) => ({ row, i }))
    .sort((a, b) => drifts(b.row) - drifts(a.row) || singles(b.row) - singles(a.row) || a.i - b.i)
    .map((x) => x.row);
  const max = o.columns ?? STRIP_COLUMNS;
  return {
    windows: latest.map((r) => ({
      windowEnd: r.window.end,
      ...(r.window.firstDay ? { firstDay: r.window.firstDay } : {}),
      ...(r.window.lastDay ? { lastDay: r.window.lastDay } : {}),
      verdict: r.verdict.status,
      computed: !!r.drift,
    })),
    rows: ordered.slice(0, max),
    omitted: Math.max(0, ordered.length - max),
  };
}

const windowName = (w: StripWindow): string =>
  w.firstDay && w.lastDay ? (w.firstDay === w.lastDay ? w.firstDay : `${w.firstDay}..${w.lastDay}`) : w.windowEnd;
const shortDay = (w: StripWindow): string => (w.lastDay ?? w.windowEnd.slice(0, 10)).slice(5);

function cellTitle(column: string, w: StripWindow, c: StripCell): string {
  if (c.state === 'absent') return `${column}, window ${windowName(w)}: ${w.computed ? 'not in this window' : 'no drift computed for this window'}`;
  const p = c.pValue !== undefined ? `, p-value ${fmt(c.pValue)}` : '';
  return `${column}, window ${windowName(w)}: ${STATE_TEXT[c.state]}; ${c.test} score ${fmt(c.score)} (threshold ${fmt(c.threshold)}${p})`;
}

const CELL_W = 24;
const CELL_H = 18;
const LABEL_CHARS = 24;

/** The strip as an SVG (role img, a <title> and a <desc> saying what it shows) followed by its numbers in a table. */
export function driftStripHtml(s: DriftStrip): Html {
  if (s.windows.length === 0 || s.rows.length === 0) return html`<p class="quiet">No drift computed yet.</p>`;
  const labelW = 12 + 6.6 * Math.min(LABEL_CHARS, Math.max(...s.rows.map((r) => r.column.length)));
  const top = 8;
  const width = labelW + s.windows.length * CELL_W + 8;
  const height = top + s.rows.length * CELL_H + 34;
  // Date labels under the cells, at least 48 px apart, the newest always labelled.
  const every = Math.max(1, Math.ceil(48 / CELL_W));
  const last = s.windows.length - 1;
  const counted = s.rows.filter((r) => r.cells[last]?.state === 'counted' || r.cells[last]?.state === 'drifted').map((r) => r.column);
  const desc = `${s.rows.length} columns over the last ${s.windows.length} windows (${windowName(s.windows[0]!)} to ${windowName(s.windows[last]!)}). Newest window: ${
    counted.length ? `drift in ${counted.join(', ')}` : 'no column drifted'
  }. Every cell's numbers are in the table below.`;
  return html`<figure class="picture drift-strip">
<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="drift-strip-title drift-strip-desc" width="${px(width)}" height="${px(height)}" viewBox="0 0 ${px(width)} ${px(height)}" font-family="system-ui, sans-serif" font-size="11">
<title id="drift-strip-title">Drift per column over the last ${s.windows.length} windows</title>
<desc id="drift-strip-desc">${desc}</desc>
${s.rows.map(
  (
    row,
    i,
  ) => html`<g class="strip-row" data-column="${row.column}"><text x="${px(labelW - 6)}" y="${px(top + i * CELL_H + CELL_H * 0.7)}" text-anchor="end" fill="#1f2937"><title>${row.column}</title>${truncate(row.column, LABEL_CHARS)}</text>
${row.cells.map((c, j) => {
  const x = labelW + j * CELL_W;
  const y = top + i * CELL_H;
  const mark = MARK[c.state];
  return html`<g class="cell" data-window="${s.windows[j]!.windowEnd}" data-state="${c.state}"${c.score !== undefined ? html` data-score="${String(c.score)}"` : ''}${c.threshold !== undefined ? html` data-threshold="${String(c.threshold)}"` : ''}><title>${cellTitle(row.column, s.windows[j]!, c)}</title><rect x="${px(x + 1)}" y="${px(y + 1)}" width="${CELL_W - 2}" height="${CELL_H - 2}" rx="2" fill="${FILL[c.state]}" stroke="${c.state === 'absent' ? '#d1d5db' : 'none'}"/>${mark ? html`<text x="${px(x + CELL_W / 2)}" y="${px(y + CELL_H * 0.72)}" text-anchor="middle" fill="${c.state === 'single' ? '#78350f' : '#ffffff'}" font-weight="700">${mark}</text>` : ''}</g>`;
})}</g>`,
)}
${s.windows.map((w, j) =>
  (last - j) % every === 0
    ? html`<text x="${px(labelW + j * CELL_W + CELL_W / 2)}" y="${px(top + s.rows.length * CELL_H + 14)}" text-anchor="middle" fill="#4b5563">${shortDay(w)}</text>`
    : '',
)}
<text x="${px(labelW)}" y="${px(height - 4)}" fill="#6b7280">window (last day) →  newest on the right</text>
</svg>
<figcaption><span class="key counted">× drift (after the correction)</span> <span class="key single">· single finding, not counted</span> <span class="key no">no drift</span> <span class="key untested">not tested</span> <span class="key absent">not in that window</span>${
    s.omitted ? html` · ${s.omitted} more column${s.omitted === 1 ? '' : 's'} without drift in these windows not drawn` : ''
  }</figcaption>
</figure>
<details class="numbers"><summary>The strip's numbers (score / threshold per window)</summary>
<table class="drift-strip-numbers"><thead><tr><th>Column</th>${s.windows.map((w) => html`<th><time datetime="${w.windowEnd}">${shortDay(w)}</time></th>`)}</tr></thead>
<tbody>${s.rows.map(
    (row) =>
      html`<tr><th scope="row">${row.column}</th>${row.cells.map(
        (c) =>
          html`<td class="state-${c.state}" title="${STATE_TEXT[c.state]}">${c.state === 'absent' ? '—' : html`${MARK[c.state] ?? ''} ${fmt(c.score)} / ${fmt(c.threshold)}`}</td>`,
      )}</tr>`,
  )}</tbody></table></details>`;
}
