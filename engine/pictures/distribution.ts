/**
 * One watched column's picture: its reference and current distributions side by side (a histogram
 * on the bins the drift test used, one bar per value, or bars per category with the ones unseen in
 * the reference marked), the deciding test's statistic against its threshold, and — when the report
 * has the family's alarm — the column's p-value against the Benjamini–Hochberg corrected threshold.
 * Bars show each side's share of its rows, so a reference and a window of different sizes compare.
 * Every bar carries its count and share as data-* attributes and a <title>; the same numbers are in
 * a <table> beside the picture (the text alternative). Reports written before distributions were
 * stored get the caption and a note, no picture.
 */
import type { DriftAlarm, DriftColumnReport, DriftDistribution } from '../../domain/reports.js';
import { driftTest } from '../drift/methods/index.js';
import {
  COLOURS,
  el,
  escapeXml,
  formatCount,
  formatNumber,
  formatPercent,
  htmlTable,
  linearScale,
  niceStep,
  niceTicks,
  svgFrame,
  text,
  truncate,
  xAxis,
  yAxis,
} from './svg.js';

/** One bar pair of the picture and one row of its table. */
export interface DistributionRow {
  /** The bin ("[0.5, 1.2)"), value or category as shown. */
  label: string;
  reference: number;
  current: number;
  /** Shares of each side's counted total (0..1). */
  referenceShare: number;
  currentShare: number;
  /** A category absent from the reference (new in this window). */
  unseen: boolean;
  /** For the "other" row: how many categories it gathers. */
  gathers?: number;
}

/** The family's Benjamini–Hochberg reading of one column. */
export interface CorrectedTest {
  pValue: number | null;
  /** The corrected threshold: the largest step (k/m)·q that a p-value of the family passed, else q/m. */
  threshold: number;
  level: number;
  tested: number;
  /** The column's test said drifted and its p-value survives the correction (the alarm's list). */
  confirmed: boolean;
}

export interface DistributionPicture {
  /** The deciding test's reading: "psi 0.31 ≥ 0.1: drifted". */
  statistic: string;
  /** The corrected reading when the report has an alarm: "p 0.002 ≤ 0.0125 (Benjamini–Hochberg, q 0.05, 12 tests): confirmed". */
  corrected?: string;
  rows: DistributionRow[];
  /** How the rows were made and what the counts stand for (bins, sketches). */
  notes: string[];
  /** The inline SVG (absent when the report has no distribution). */
  svg?: string;
  /** The <table> with every row's numbers. */
  table: string;
}

const DECISION_SYMBOL: Record<string, [string, string]> = {
  'value >= threshold': ['≥', '<'],
  'p < threshold': ['<', '≥'],
  'p <= threshold': ['≤', '>'],
};

/** "psi 0.31 ≥ 0.1: drifted" for the column's deciding test. */
export function statisticLine(c: DriftColumnReport): string {
  let decision = 'value >= threshold';
  let statistic = c.test;
  try {
    const t = driftTest(c.test);
    decision = t.decision;
    statistic = t.decision.startsWith('p') ? `${c.test} p-value` : c.test;
  } catch {
    // A test name from a newer version: read it as a distance.
  }
  if (c.score === null || c.drifted === null) return `${statistic}: not computed (threshold ${formatNumber(c.threshold)})`;
  const [yes, no] = DECISION_SYMBOL[decision] ?? ['≥', '<'];
  return `${statistic} ${formatNumber(c.score)} ${c.drifted ? yes : no} threshold ${formatNumber(c.threshold)}: ${c.drifted ? 'drifted' : 'not drifted'}`;
}

/** The column's p-value against the Benjamini–Hochberg threshold of the report's family. */
export function correctedTest(column: string, c: DriftColumnReport, alarm: DriftAlarm): CorrectedTest | undefined {
  if (!(column in alarm.p_values)) return undefined;
  const pValue = alarm.p_values[column] ?? null;
  const ps = Object.values(alarm.p_values)
    .filter((p): p is number => typeof p === 'number' && !Number.isNaN(p))
    .sort((a, b) => a - b);
  const m = ps.length;
  const q = alarm.level;
  let threshold = m > 0 ? q / m : q;
  for (let r = 0; r < m; r++) if (ps[r]! <= ((r + 1) / m) * q) threshold = ((r + 1) / m) * q;
  const confirmed = column === '(label)' ? alarm.label : column === '(prediction)' ? alarm.prediction : alarm.columns.includes(column);
  return { pValue, threshold, level: q, tested: alarm.tested, confirmed: confirmed && c.drifted === true };
}

function correctedLine(t: CorrectedTest): string {
  const family = `Benjamini–Hochberg, q ${formatNumber(t.level)}, ${t.tested} ${t.tested === 1 ? 'test' : 'tests'}`;
  if (t.pValue === null) return `alarm: no valid p-value (${family})`;
  const passes = t.pValue <= t.threshold;
  return `alarm p-value ${formatNumber(t.pValue)} ${passes ? '≤' : '>'} corrected threshold ${formatNumber(t.threshold)} (${family}): ${t.confirmed ? 'confirmed' : 'not confirmed'}`;
}

function binLabel(lo: number, hi: number, last: boolean): string {
  return `[${formatNumber(lo, 4)}, ${formatNumber(hi, 4)}${last ? ']' : ')'}`;
}

/** The rows of a stored distribution, with shares of each side's total. */
export function distributionRows(d: DriftDistribution): DistributionRow[] {
  const raw: Omit<DistributionRow, 'referenceShare' | 'currentShare'>[] = [];
  if (d.kind === 'histogram') {
    const k = d.reference.length;
    for (let i = 0; i < k; i++)
      raw.push({ label: binLabel(d.edges[i]!, d.edges[i + 1]!, i === k - 1), reference: d.reference[i]!, current: d.current[i]!, unseen: false });
  } else if (d.kind === 'values') {
    d.values.forEach((v, i) => raw.push({ label: formatNumber(v, 6), reference: d.reference[i]!, current: d.current[i]!, unseen: false }));
  } else {
    d.categories.forEach((name, i) => raw.push({ label: name, reference: d.reference[i]!, current: d.current[i]!, unseen: d.unseen[i] === true }));
    if (d.other) {
      raw.push({
        label: `other (${formatCount(d.other.categories)} categories)`,
        reference: d.other.reference,
        current: d.other.current,
        unseen: false,
        gathers: d.other.categories,
      });
    }
  }
  let n1 = 0;
  let n2 = 0;
  for (const r of raw) {
    n1 += r.reference;
    n2 += r.current;
  }
  return raw.map((r) => ({ ...r, referenceShare: n1 > 0 ? r.reference / n1 : 0, currentShare: n2 > 0 ? r.current / n2 : 0 }));
}

function notesOf(c: DriftColumnReport, d: DriftDistribution | undefined): string[] {
  const notes: string[] = [];
  if (!d) return ['No distribution in this report (written before reports stored one).'];
  if (d.kind === 'histogram') {
    if (d.binning === 'test')
      notes.push(
        `The ${d.reference.length} bins ${c.test === 'psi' || c.test === 'jensenshannon' ? 'the test used' : 'PSI and Jensen–Shannon use'} (Sturges over reference ∪ current).`,
      );
    if (d.binning === 'test-merged') notes.push(`The tests' Sturges bins, adjacent ones merged into ${d.reference.length}.`);
    if (d.binning === 'sturges')
      notes.push(`The tests count each value; the window has too many to draw, so ${d.reference.length} Sturges bins over reference ∪ current.`);
  }
  if (d.kind === 'values') notes.push('One bar per value of reference ∪ current (the tests’ own bins).');
  if (d.kind === 'categories' && d.other) {
    notes.push(
      `The ${d.categories.length} most frequent categories; ${formatCount(d.other.categories)} others as one bar${d.other.unseen_categories > 0 ? `, of which ${formatCount(d.other.unseen_categories)} unseen in the reference (${formatCount(d.other.unseen_current)} rows)` : ''}.`,
    );
  }
  if (d.kind !== 'categories' && d.current_scale !== undefined && c.current_sketch) {
    notes.push(
      `Large window: the current side counts ${formatCount(c.current_sketch.points)} sketch points, each standing for ${formatNumber(d.current_scale)} values; a bin's share is within ±${formatNumber(200 * c.current_sketch.max_cdf_error, 2)}% of the window's.`,
    );
  } else if (d.kind !== 'categories' && d.current_scale !== undefined) {
    notes.push(`The current side counts points each standing for ${formatNumber(d.current_scale)} values.`);
  }
  if (d.kind !== 'categories' && d.reference_scale !== undefined) {
    notes.push(`The reference is a profile's sample: each counted value stands for ${formatNumber(d.reference_scale)} rows.`);
  }
  return notes;
}

const W = 420;
const LEFT = 44;
const RIGHT = 10;
const TOP = 22;

function legend(x: number, y: number): string {
  return (
    el('rect', { x, y: y - 8, width: 10, height: 8, fill: COLOURS.reference }) +
    text(x + 14, y, 'reference', { fill: COLOURS.text }) +
    el('rect', { x: x + 80, y: y - 8, width: 10, height: 8, fill: COLOURS.current }) +
    text(x + 94, y, 'current', { fill: COLOURS.text })
  );
}

function bar(side: 'reference' | 'current', row: DistributionRow, i: number, x: number, y: number, width: number, height: number, fill: string): string {
  const count = side === 'reference' ? row.reference : row.current;
  const share = side === 'reference' ? row.referenceShare : row.currentShare;
  return el(
    'rect',
    {
      x,
      y,
      width: Math.max(0, width),
      height: Math.max(0, height),
      fill,
      'data-side': side,
      'data-row': i,
      'data-count': String(count),
      'data-share': share.toPrecision(6),
    },
    el(
      'title',
      {},
      escapeXml(`${row.label}: ${side} ${formatCount(count)} (${formatPercent(share)})${row.unseen && side === 'current' ? ', unseen in the reference' : ''}`),
    ),
  );
}

/** Vertical bars: histogram bins at their edges, or one band per value. */
function columnsBody(d: Exclude<DriftDistribution, { kind: 'categories' }>, rows: DistributionRow[], height: number): string {
  const bottom = height - 24;
  const maxShare = Math.max(1e-12, ...rows.map((r) => Math.max(r.referenceShare, r.currentShare)));
  const yTicks = niceTicks(0, maxShare, 4);
  const yStep = niceStep(maxShare, 4);
  const top = Math.max(maxShare, yTicks.at(-1) ?? maxShare);
  const y = linearScale([0, top], [bottom, TOP + 8]);
  let out = yAxis(y, LEFT, W - LEFT - RIGHT, yTicks, yStep, formatPercent);
  if (d.kind === 'histogram') {
    const x = linearScale([d.edges[0]!, d.edges.at(-1)!], [LEFT, W - RIGHT]);
    rows.forEach((r, i) => {
      const x0 = x(d.edges[i]!);
      const x1 = x(d.edges[i + 1]!);
      const half = Math.max(0.5, (x1 - x0) / 2 - 0.5);
      out += bar('reference', r, i, x0 + 0.5, y(r.referenceShare), half, bottom - y(r.referenceShare), COLOURS.reference);
      out += bar('current', r, i, x0 + 0.5 + half, y(r.currentShare), half, bottom - y(r.currentShare), COLOURS.current);
    });
    const lo = d.edges[0]!;
    const hi = d.edges.at(-1)!;
    out += xAxis(x, bottom, niceTicks(lo, hi, 6), niceStep(hi - lo, 6));
  } else {
    const band = (W - LEFT - RIGHT) / rows.length;
    const every = Math.ceil(rows.length / 12);
    rows.forEach((r, i) => {
      const x0 = LEFT + i * band;
      const half = Math.max(0.5, band * 0.4);
      out += bar('reference', r, i, x0 + band * 0.1, y(r.referenceShare), half, bottom - y(r.referenceShare), COLOURS.reference);
      out += bar('current', r, i, x0 + band * 0.1 + half, y(r.currentShare), half, bottom - y(r.currentShare), COLOURS.current);
      if (i % every === 0) out += text(x0 + band / 2, bottom + 15, truncate(r.label, 8), { 'text-anchor': 'middle', fill: COLOURS.text });
    });
    out += el('line', { x1: LEFT, x2: W - RIGHT, y1: bottom, y2: bottom, stroke: COLOURS.axis });
  }
  return out;
}

/** East Asian wide characters (CJK, Hangul, full-width forms): about two average characters each. */
const WIDE = /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/;

/** Cut to about `units` average characters: wide letters (CJK, W, M, capitals) count more, narrow ones (i, l, punctuation) less. */
export function fitLabel(label: string, units: number): string {
  let used = 0;
  const chars = [...label];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    used += WIDE.test(c) ? 1.9 : /[WMmw@]/.test(c) ? 1.55 : /[A-Z]/.test(c) ? 1.2 : /[iljt.,:;'|!() ]/.test(c) ? 0.55 : 1;
    if (used > units) return `${chars.slice(0, Math.max(1, i - 1)).join('')}…`;
  }
  return label;
}

/** Horizontal bars, one pair per category; unseen ones in the alarm colour with a "new" tag. */
function categoriesBody(rows: DistributionRow[]): string {
  const labelW = 128;
  const rowH = 18;
  const x0 = labelW + 6;
  const maxShare = Math.max(1e-12, ...rows.map((r) => Math.max(r.referenceShare, r.currentShare)));
  const x = linearScale([0, maxShare], [x0, W - RIGHT - 44]);
  let out = '';
  rows.forEach((r, i) => {
    const y = TOP + 8 + i * rowH;
    // About 6.5 px an average character at 11 px: 18 fit the label column (the full name is in the bar's <title> and the table).
    const label = r.gathers !== undefined ? `${formatCount(r.gathers)} others` : fitLabel(r.label, 18);
    out += text(labelW, y + 11, label, {
      'text-anchor': 'end',
      fill: r.unseen ? COLOURS.unseen : COLOURS.text,
      'font-style': r.gathers ? 'italic' : undefined,
    });
    out += bar('reference', r, i, x0, y + 1, x(r.referenceShare) - x0, 7, COLOURS.reference);
    out += bar('current', r, i, x0, y + 8, x(r.currentShare) - x0, 7, r.unseen ? COLOURS.unseen : COLOURS.current);
    const right = Math.max(x(r.referenceShare), x(r.currentShare)) + 4;
    out += text(right, y + 14, `${formatPercent(r.currentShare)}${r.unseen ? ' new' : ''}`, {
      fill: r.unseen ? COLOURS.unseen : COLOURS.text,
      'font-size': 10,
    });
  });
  out += el('line', { x1: x0, x2: x0, y1: TOP + 6, y2: TOP + 8 + rows.length * rowH, stroke: COLOURS.axis });
  return out;
}

/** The picture's pieces: the lines, the rows, the SVG and the table (distributionSvg puts them in a <figure>). */
export function distributionPicture(column: string, c: DriftColumnReport, alarm?: DriftAlarm): DistributionPicture {
  const d = c.distribution;
  const statistic = statisticLine(c);
  const corr = alarm ? correctedTest(column, c, alarm) : undefined;
  const corrected = corr ? correctedLine(corr) : undefined;
  const rows = d ? distributionRows(d) : [];
  const notes = notesOf(c, d);
  const head = ['bin / category', 'reference', 'reference share', 'current', 'current share'];
  const scaled = d && d.kind !== 'categories' && (d.current_scale !== undefined || d.reference_scale !== undefined);
  const tableRows = rows.map((r) => [
    r.unseen ? `${r.label} (unseen in reference)` : r.label,
    formatCount(r.reference),
    formatPercent(r.referenceShare),
    formatCount(r.current),
    formatPercent(r.currentShare),
  ]);
  const caption = `${column}: ${c.kind} column, ${formatCount(c.reference_rows)} reference and ${formatCount(c.current_rows)} current rows${scaled ? ' (counts are of the points the test saw)' : ''}`;
  const table = htmlTable(caption, head, tableRows, { class: 'distribution-table', 'data-column': column });
  if (!d || rows.length === 0) return { statistic, ...(corrected ? { corrected } : {}), rows, notes, table };
  const height = d.kind === 'categories' ? TOP + 16 + rows.length * 18 : 190;
  const verdict = c.drifted === true ? COLOURS.drifted : c.drifted === false ? COLOURS.healthy : COLOURS.axis;
  const body =
    el('rect', { x: 0, y: 0, width: W, height, fill: '#fff' }) +
    text(LEFT, 13, truncate(column, 34), { 'font-weight': 600, fill: verdict }) +
    legend(W - RIGHT - 140, 13) +
    (d.kind === 'categories' ? categoriesBody(rows) : columnsBody(d, rows, height));
  const unseen = rows.filter((r) => r.unseen).map((r) => r.label);
  const desc = [
    `Reference and current distribution of ${column}, as shares of each side's rows.`,
    statistic + '.',
    ...(corrected ? [corrected + '.'] : []),
    ...(unseen.length > 0 ? [`Unseen in the reference: ${unseen.slice(0, 5).join(', ')}${unseen.length > 5 ? ', …' : ''}.`] : []),
    ...notes,
  ].join(' ');
  const svg = svgFrame(
    { width: W, height, title: `Distribution of ${column}: ${statistic}`, desc, attrs: { class: 'distribution', 'data-column': column } },
    body,
  );
  return { statistic, ...(corrected ? { corrected } : {}), rows, notes, svg, table };
}

/**
 * A <figure> for one watched column: the SVG, a caption with the test's statistic and (with an
 * alarm) the corrected threshold, and the numbers as a table in a <details> (open without
 * JavaScript). Self-contained markup for the web pages and the HTML report.
 */
export function distributionSvg(column: string, c: DriftColumnReport, alarm?: DriftAlarm): string {
  const p = distributionPicture(column, c, alarm);
  const caption =
    el('strong', {}, escapeXml(column)) +
    ' — ' +
    escapeXml(p.statistic) +
    (p.corrected ? el('br', {}) + escapeXml(p.corrected) : '') +
    (p.notes.length > 0 ? el('br', {}) + el('small', {}, escapeXml(p.notes.join(' '))) : '');
  return el(
    'figure',
    { class: `distribution${c.drifted ? ' drifted' : ''}`, 'data-column': column },
    p.svg ?? '',
    el('figcaption', {}, caption),
    p.rows.length > 0 ? el('details', {}, el('summary', {}, 'numbers'), p.table) : '',
  );
}
