/**
 * Shared primitives of the server-rendered pictures (distribution histograms, heat strips, metric
 * charts): escaping, linear scales, nice ticks, number formats and an accessible <svg> wrapper.
 * Pure string building: no DOM, no script, no external URL, so a picture works without JavaScript
 * and offline. Coordinates are rounded to 0.1 px to keep the markup small.
 */
import { htmlText } from '../../domain/escape.js';

/**
 * Escapes text for an XML/HTML text node or a double-quoted attribute (domain/escape.ts's htmlText:
 * entities for & < > " ', control characters dropped, which XML forbids anyway).
 */
export function escapeXml(s: string): string {
  return htmlText(s);
}

/** A coordinate rounded to 0.1 px. */
export function px(v: number): string {
  const r = Math.round(v * 10) / 10;
  return Object.is(r, -0) ? '0' : String(r);
}

export interface LinearScale {
  (v: number): number;
  domain: readonly [number, number];
  range: readonly [number, number];
}

/** Maps [d0, d1] linearly onto [r0, r1]; a zero-width domain maps everything to the range's middle. */
export function linearScale(domain: readonly [number, number], range: readonly [number, number]): LinearScale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0;
  const f = ((v: number) => (span === 0 || !Number.isFinite(span) ? (r0 + r1) / 2 : r0 + ((v - d0) / span) * (r1 - r0))) as LinearScale;
  f.domain = [d0, d1];
  f.range = [r0, r1];
  return f;
}

/** A step of 1, 2 or 5 × 10^k near span / count. */
export function niceStep(span: number, count: number): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const m = raw / power;
  const nice = m >= 7.5 ? 10 : m >= 3.5 ? 5 : m >= 1.5 ? 2 : 1;
  return nice * power;
}

/**
 * About `count` round tick values within [min, max] (both ends included when they are ticks).
 * min === max gives that one value; non-finite input gives none.
 */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (min > max) [min, max] = [max, min];
  if (min === max) return [min];
  const step = niceStep(max - min, count);
  const first = Math.ceil(min / step - 1e-9);
  const last = Math.floor(max / step + 1e-9);
  const ticks: number[] = [];
  for (let i = first; i <= last && ticks.length < 1000; i++) ticks.push(cleanFloat(i * step));
  return ticks;
}

/** The domain widened outwards to nice ticks (for a value axis that should start and end on a tick). */
export function niceDomain(min: number, max: number, count = 5): [number, number] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  if (min === max) return min === 0 ? [0, 1] : [Math.min(0, min), Math.max(0, max)];
  const step = niceStep(max - min, count);
  return [cleanFloat(Math.floor(min / step + 1e-9) * step), cleanFloat(Math.ceil(max / step - 1e-9) * step)];
}

/** Removes binary noise such as 0.30000000000000004. */
function cleanFloat(v: number): number {
  return Number.parseFloat(v.toPrecision(12));
}

/**
 * A number for a label: integers with thousands separators up to 1e9, otherwise `digits`
 * significant digits (exponent form outside 1e-4..1e9); null/NaN shows as "n/a".
 */
export function formatNumber(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || Number.isNaN(v)) return 'n/a';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (Number.isInteger(v) && a < 1e9) return formatCount(v);
  if (a >= 1e9 || a < 1e-4) return v.toExponential(Math.max(0, digits - 1)).replace('e+', 'e');
  const s = v.toPrecision(digits);
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/** A count with thousands separators (1,234,567). */
export function formatCount(n: number): string {
  const sign = n < 0 ? '-' : '';
  const s = String(Math.round(Math.abs(n)));
  return sign + s.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A share 0..1 as a percentage with one decimal under 10 % ("3.4%", "57%"). */
export function formatPercent(share: number | null | undefined): string {
  if (share === null || share === undefined || !Number.isFinite(share)) return 'n/a';
  const p = share * 100;
  if (p !== 0 && Math.abs(p) < 0.1) return p > 0 ? '<0.1%' : '>-0.1%';
  return `${Math.abs(p) < 10 ? String(Math.round(p * 10) / 10) : String(Math.round(p))}%`;
}

/** A tick label: as many decimals as the step needs, so 0.1, 0.2, 0.3 never print as 0.30000000000000004. */
export function formatTick(v: number, step: number): string {
  if (!Number.isFinite(v)) return formatNumber(v);
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e9 || a < 1e-4)) return formatNumber(v, 2);
  const decimals = step > 0 && step < 1 ? Math.min(10, Math.ceil(-Math.log10(step) - 1e-9)) : 0;
  const s = v.toFixed(decimals);
  return decimals === 0 && Math.abs(v) >= 1000 ? formatCount(v) : s;
}

/** A long label cut to `max` characters with an ellipsis (the full text belongs in a <title> or the table). */
export function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, Math.max(1, max - 1))}…`;
}

type AttrValue = string | number | undefined | null | false;

/** An element: attributes escaped (undefined/null/false omitted; numbers are coordinates, rounded to 0.1: pass data as strings), children already markup. */
export function el(tag: string, attrs: Record<string, AttrValue>, ...children: string[]): string {
  let a = '';
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    a += ` ${k}="${escapeXml(typeof v === 'number' ? px(v) : v)}"`;
  }
  return children.length === 0 ? `<${tag}${a}/>` : `<${tag}${a}>${children.join('')}</${tag}>`;
}

/** A text node's element with escaped content. */
export function text(x: number, y: number, content: string, attrs: Record<string, AttrValue> = {}): string {
  return el('text', { x, y, ...attrs }, escapeXml(content));
}

/** Colours shared by every picture (readable on white and in greyscale print). */
export const COLOURS = {
  reference: '#8c96a5',
  current: '#2f6fb3',
  drifted: '#c0392b',
  warning: '#d08700',
  healthy: '#2e8b57',
  estimated: '#8e5bb5',
  unseen: '#c0392b',
  grid: '#e3e6ea',
  axis: '#59606b',
  text: '#1f2328',
  band: 'rgba(47,111,179,0.15)',
} as const;

export interface SvgFrame {
  width: number;
  height: number;
  /** Short name: <title> and aria-label. */
  title: string;
  /** Longer text alternative: <desc> (the numbers in words). */
  desc: string;
  /** Extra attributes on <svg> (class, data-*). */
  attrs?: Record<string, AttrValue>;
  /** The prefix of the <title>/<desc> ids; by default a hash of title and description (pass one when a page may show the same picture twice). */
  id?: string;
}

/**
 * An accessible inline SVG: role="img", aria-label = title, <title> and <desc> first, a viewBox so it
 * scales with its container, and the font set so it renders the same inside any page.
 */
export function svgFrame(frame: SvgFrame, body: string): string {
  const id = frame.id ?? `pic-${hashId(frame.title + frame.desc)}`;
  return el(
    'svg',
    {
      xmlns: 'http://www.w3.org/2000/svg',
      viewBox: `0 0 ${px(frame.width)} ${px(frame.height)}`,
      width: frame.width,
      height: frame.height,
      role: 'img',
      'aria-label': frame.title,
      'aria-labelledby': `${id}-t ${id}-d`,
      'font-family': 'system-ui, -apple-system, Segoe UI, sans-serif',
      'font-size': 11,
      ...frame.attrs,
    },
    el('title', { id: `${id}-t` }, escapeXml(frame.title)),
    el('desc', { id: `${id}-d` }, escapeXml(frame.desc)),
    body,
  );
}

/** A short stable id fragment (FNV-1a) so two pictures on one page get distinct title/desc ids. */
export function hashId(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(36);
}

/** A horizontal value axis at `y` with tick marks and labels below it (`format` defaults to formatTick). */
export function xAxis(scale: LinearScale, y: number, ticks: number[], step: number, format: (v: number) => string = (v) => formatTick(v, step)): string {
  const [r0, r1] = scale.range;
  let out = el('line', { x1: r0, x2: r1, y1: y, y2: y, stroke: COLOURS.axis });
  for (const t of ticks) {
    const x = scale(t);
    out += el('line', { x1: x, x2: x, y1: y, y2: y + 4, stroke: COLOURS.axis });
    out += text(x, y + 15, format(t), { 'text-anchor': 'middle', fill: COLOURS.text });
  }
  return out;
}

/** A vertical value axis at `x` with grid lines across to `width` and labels to its left (`format` defaults to formatTick). */
export function yAxis(
  scale: LinearScale,
  x: number,
  width: number,
  ticks: number[],
  step: number,
  format: (v: number) => string = (v) => formatTick(v, step),
): string {
  let out = '';
  for (const t of ticks) {
    const y = scale(t);
    out += el('line', { x1: x, x2: x + width, y1: y, y2: y, stroke: COLOURS.grid });
    out += text(x - 4, y + 3.5, format(t), { 'text-anchor': 'end', fill: COLOURS.text });
  }
  return out;
}

/** An HTML <table> with a caption; cells are escaped text. Used as every picture's text alternative. */
export function htmlTable(caption: string, head: string[], rows: string[][], attrs: Record<string, AttrValue> = {}): string {
  const th = head.map((h) => el('th', { scope: 'col' }, escapeXml(h))).join('');
  const body = rows.map((r) => el('tr', {}, ...r.map((c) => el('td', {}, escapeXml(c))))).join('');
  return el('table', attrs, el('caption', {}, escapeXml(caption)), el('thead', {}, el('tr', {}, th)), el('tbody', {}, body || ''));
}
