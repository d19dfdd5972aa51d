/**
 * The inbox's pictures of a promotion decision: champion and challenger on the same holdout, each
 * a point with its interval on one axis (do the intervals overlap?), and the days the candidate
 * was trained on against the days asked for and the minimum coverage. Each SVG has a role, a
 * <title> and a <desc> with its numbers; the comparison table beside them has the same numbers.
 */
import { html } from 'hono/html';
import { describeCoverage, type Comparison, type TrainingCoverage } from '../../../domain/maintenance.js';
import type { HtmlEscapedString } from 'hono/utils/html';
import { formatTick, linearScale, niceStep, niceTicks, px } from '../../../engine/pictures/svg.js';

/** Markup through hono's escaping template (the pages' `Html`, without importing pages.ts, which imports this). */
type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/** A value in a caption or tooltip: 4 decimals, as the tables beside the pictures show it. */
const fmt = (v: number | null | undefined): string => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(4) : '—');

const interval = (low: number | null, high: number | null): string => (low !== null && high !== null ? `[${fmt(low)}, ${fmt(high)}]` : 'no interval');

/** Champion and challenger's primary metric on the holdout, each with its interval. */
export function comparisonSvg(c: Comparison, id: string): Html {
  const sides = [
    { role: 'champion', name: `Champion ${c.champion.version}`, side: c.champion, colour: '#475569' },
    { role: 'challenger', name: `Challenger ${c.challenger.version}`, side: c.challenger, colour: '#2563eb' },
  ];
  const values = sides.flatMap(({ side }) => [side.value, side.low, side.high]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (values.length === 0) return html``;
  // The values and interval ends, padded by a tenth of their span (one value: 5% of itself) and widened to round ticks.
  const min = Math.min(...values);
  const max = Math.max(...values);
  const pad = max > min ? (max - min) * 0.1 : Math.max(Math.abs(min) * 0.05, 0.01);
  const step = niceStep(max - min + 2 * pad, 5);
  const [lo, hi] = [Math.floor((min - pad) / step) * step, Math.ceil((max + pad) / step) * step];
  const ticks = niceTicks(lo, hi, 5);
  const tickStep = niceStep(hi - lo, 5);
  const left = 150;
  const width = 560;
  const right = width - 90;
  const x = linearScale([lo, hi], [left, right]);
  const rowY = (i: number) => 28 + i * 30;
  const axisY = rowY(sides.length) - 6;
  const height = axisY + 34;
  const overlap =
    c.champion.low !== null && c.champion.high !== null && c.challenger.low !== null && c.challenger.high !== null
      ? c.champion.low <= c.challenger.high && c.challenger.low <= c.champion.high
      : null;
  const desc = `${c.metric} on the holdout ${c.holdout.firstDay} to ${c.holdout.lastDay} (${c.holdout.rows} rows; ${c.higherIsBetter ? 'higher' : 'lower'} is better): ${sides
    .map(({ name, side }) => `${name} ${fmt(side.value)} ${interval(side.low, side.high)}`)
    .join('; ')}.${overlap === null ? '' : overlap ? ' The intervals overlap.' : ' The intervals do not overlap.'}`;
  return html`<figure class="picture comparison-picture">
<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="${id}-title ${id}-desc" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">
<title id="${id}-title">Champion vs challenger: ${c.metric} on the holdout, with intervals</title>
<desc id="${id}-desc">${desc}</desc>
${ticks.map(
  (t) =>
    html`<line x1="${px(x(t))}" x2="${px(x(t))}" y1="12" y2="${px(axisY)}" stroke="#e5e7eb"/><text x="${px(x(t))}" y="${px(axisY + 14)}" text-anchor="middle" fill="#4b5563">${formatTick(t, tickStep)}</text>`,
)}
<line x1="${left}" x2="${right}" y1="${px(axisY)}" y2="${px(axisY)}" stroke="#9ca3af"/>
<text x="${px((left + right) / 2)}" y="${px(axisY + 28)}" text-anchor="middle" fill="#374151">${c.metric} (${c.higherIsBetter ? 'higher' : 'lower'} is better ${c.higherIsBetter ? '→' : '←'})</text>
${sides.map(({ role, name, side, colour }, i) => {
  const y = rowY(i);
  const hasInterval = side.low !== null && side.high !== null;
  return html`<g class="side" data-side="${role}" data-value="${String(side.value)}" data-low="${String(side.low)}" data-high="${String(side.high)}"><title>${name}: ${fmt(side.value)} ${interval(side.low, side.high)}</title>
<text x="${left - 10}" y="${px(y + 4)}" text-anchor="end" fill="#1f2937">${name}</text>
${
  hasInterval
    ? html`<line x1="${px(x(side.low!))}" x2="${px(x(side.high!))}" y1="${y}" y2="${y}" stroke="${colour}" stroke-width="3"/><line x1="${px(x(side.low!))}" x2="${px(x(side.low!))}" y1="${y - 7}" y2="${y + 7}" stroke="${colour}" stroke-width="2"/><line x1="${px(x(side.high!))}" x2="${px(x(side.high!))}" y1="${y - 7}" y2="${y + 7}" stroke="${colour}" stroke-width="2"/>`
    : ''
}${side.value !== null ? html`<circle cx="${px(x(side.value))}" cy="${y}" r="5.5" fill="${colour}" stroke="#ffffff" stroke-width="1.5"/>` : ''}
<text x="${right + 8}" y="${px(y + 4)}" fill="#1f2937">${fmt(side.value)}</text></g>`;
})}
</svg>
<figcaption>Points: each model's ${c.metric} on the same holdout; bars: its interval${
    overlap === null ? '' : overlap ? ' (they overlap: the difference may be chance)' : ' (they do not overlap)'
  }.</figcaption>
</figure>`;
}

/** Longest training window drawn day by day; a longer one is one bar. */
const DAY_CELLS = 120;

const dayList = (first: string, last: string, max: number): string[] | undefined => {
  const out: string[] = [];
  for (let t = Date.parse(`${first}T00:00:00Z`), end = Date.parse(`${last}T00:00:00Z`); t <= end; t += 86_400_000) {
    if (out.length >= max) return undefined;
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
};

/**
 * The candidate's training window: one cell per day asked for (filled: data; empty: none) when
 * every missing day is listed, else one bar of the share; a mark at the minimum coverage.
 */
export function coverageSvg(t: TrainingCoverage, id: string): Html {
  const days = dayList(t.firstDay, t.lastDay, DAY_CELLS);
  const gap = t.daysAsked - t.daysWithData;
  const byDay = days && days.length === t.daysAsked && gap === t.missingDays.length;
  const missing = new Set(t.missingDays);
  const left = 4;
  const width = 560;
  const barW = width - left - 8;
  const x = linearScale([0, 1], [left, left + barW]);
  // Row 1 (when drawn by day): the days, with their dates under them; row 2: the share with data against the minimum.
  const dayRow = byDay ? 40 : 0;
  const barY = 8 + dayRow;
  const height = barY + 44;
  const desc = `${describeCoverage(t)}; the minimum coverage is ${Math.round(t.minCoverage * 100)}% of the days asked.`;
  const short = t.share < t.minCoverage;
  const fill = short ? '#f59e0b' : '#10b981';
  const cellW = byDay ? barW / days.length : 0;
  const minX = x(t.minCoverage);
  const shareLabel = `${Math.round(t.share * 100)}% of the days with data`;
  return html`<figure class="picture coverage-picture">
<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="${id}-title ${id}-desc" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12" data-days-asked="${t.daysAsked}" data-days-with-data="${t.daysWithData}" data-share="${t.share}" data-min-coverage="${t.minCoverage}">
<title id="${id}-title">The candidate's training coverage: ${t.daysWithData} of ${t.daysAsked} days with data</title>
<desc id="${id}-desc">${desc}</desc>
${
  byDay
    ? html`${days.map(
        (d, i) =>
          html`<rect class="day" data-day="${d}" data-data="${missing.has(d) ? 'no' : 'yes'}" x="${px(left + i * cellW + 0.5)}" y="8" width="${px(Math.max(1, cellW - 1))}" height="16" fill="${missing.has(d) ? '#ffffff' : fill}" stroke="${missing.has(d) ? '#9ca3af' : 'none'}"><title>${d}: ${missing.has(d) ? 'no data' : 'data'}</title></rect>`,
      )}<text x="${left}" y="38" fill="#374151">${t.firstDay}</text><text x="${left + barW}" y="38" text-anchor="end" fill="#374151">${t.lastDay}</text>`
    : ''
}
<rect x="${left}" y="${barY}" width="${barW}" height="14" fill="#ffffff" stroke="#9ca3af"/><rect class="share" x="${left}" y="${barY}" width="${px(x(t.share) - left)}" height="14" fill="${fill}"><title>${shareLabel}</title></rect>
<line x1="${px(minX)}" x2="${px(minX)}" y1="${barY - 4}" y2="${barY + 18}" stroke="#b91c1c" stroke-width="2" stroke-dasharray="4 2"/>
<text x="${minX < left + barW / 2 ? left + barW : left}" y="${barY + 30}" text-anchor="${minX < left + barW / 2 ? 'end' : 'start'}" fill="#374151">${shareLabel}${byDay ? '' : ` (${t.firstDay}..${t.lastDay})`}</text>
<text x="${px(minX)}" y="${barY + 30}" text-anchor="${minX > left + barW - 60 ? 'end' : 'middle'}" fill="#b91c1c">minimum ${Math.round(t.minCoverage * 100)}%</text>
</svg>
<figcaption>${byDay ? 'One cell per day asked for (filled: data; empty: none), then the share of days with data.' : 'The share of the days asked for that had data.'} Dashed: the minimum coverage (<code>retrain.min_coverage</code>).</figcaption>
</figure>`;
}
