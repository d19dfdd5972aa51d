/**
 * The subset of engine/pictures/svg.ts (the shared primitives of server-rendered pictures) these
 * pictures use, with the same names and meaning, until that module is merged into this branch.
 * The markup itself goes through hono's escaping `html` template, like the pages; no inline style
 * (the CSP allows none): presentation attributes only.
 */

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
  return (m >= 7.5 ? 10 : m >= 3.5 ? 5 : m >= 1.5 ? 2 : 1) * power;
}

const clean = (v: number): number => Number.parseFloat(v.toPrecision(12));

/** About `count` round tick values within [min, max]; min === max gives that one value. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (min > max) [min, max] = [max, min];
  if (min === max) return [min];
  const step = niceStep(max - min, count);
  const ticks: number[] = [];
  for (let i = Math.ceil(min / step - 1e-9); i <= Math.floor(max / step + 1e-9) && ticks.length < 1000; i++) ticks.push(clean(i * step));
  return ticks;
}

/** A tick label: as many decimals as the step needs. */
export function formatTick(v: number, step: number): string {
  const decimals = step > 0 && step < 1 ? Math.min(10, Math.ceil(-Math.log10(step) - 1e-9)) : 0;
  return v.toFixed(decimals);
}

/** A long label cut to `max` characters with an ellipsis (the full text belongs in a <title> or the table). */
export const truncate = (s: string, max: number): string => (s.length <= max ? s : `${s.slice(0, Math.max(1, max - 1))}…`);

/** A coordinate rounded to 0.1 px. */
export function px(v: number): string {
  const r = Math.round(v * 10) / 10;
  return Object.is(r, -0) ? '0' : String(r);
}
