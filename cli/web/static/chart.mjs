// The metric trend chart of a model's page (uPlot, loaded before this script). The data comes
// from the page's JSON endpoint named in data-trend-url: no inline script, so the CSP stays 'self'.
// One point per window and one line per model version (data.ts trendPoints); points are coloured
// by their window's verdict (hollow where the value is an estimate: the window's labels were not
// known yet), each with its interval (a whisker, and a band between the windows of a version:
// blue where realized, grey where estimated); promotions and rollbacks are vertical lines. The
// same numbers are in the table under the chart (model-page.ts), for readers without JavaScript.
/* global document, fetch, uPlot, devicePixelRatio */
const DAY = 86_400;
const VERDICT_COLOURS = { healthy: '#059669', warning: '#d97706', degraded: '#dc2626', failing: '#7f1d1d', 'insufficient-data': '#9ca3af' };
const CHANGE_COLOURS = { promotion: '#047857', rollback: '#7c3aed' };

/** The x range (seconds): one point gets a day on each side, more get 3% of their span. */
export function xRange(min, max) {
  if (!(max > min)) return [min - DAY, max + DAY];
  const pad = Math.max((max - min) * 0.03, 3600);
  return [min - pad, max + pad];
}

const VERSION_COLOURS = ['#93c5fd', '#c4b5fd', '#fcd34d', '#a7f3d0'];
const BAND_COLOURS = { realized: 'rgba(37, 99, 235, 0.16)', estimated: 'rgba(107, 114, 128, 0.16)' };
const WHISKER_COLOURS = { realized: 'rgba(37, 99, 235, 0.55)', estimated: 'rgba(75, 85, 99, 0.55)' };

/**
 * The y range: every value, interval end and limit drawn, padded by 8% of their span (a single
 * value: 5% of itself, so one point is not a full-height line and 0.5 is not drawn as 0..1).
 */
export function yRange(values) {
  const finite = values.filter((v) => typeof v === 'number' && Number.isFinite(v));
  if (finite.length === 0) return [0, 1];
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  const pad = hi > lo ? (hi - lo) * 0.08 : Math.max(Math.abs(lo) * 0.05, 0.01);
  return [lo - pad, hi + pad];
}

/** A point's size: 9 px for a few points, smaller as they crowd (a point a day for months). */
export const pointSize = (n) => (n <= 30 ? 9 : n <= 90 ? 6 : 4);

/**
 * The interval pieces to draw, per version in window order: a band between two neighbouring
 * windows of a version that both have an interval (none across another version's windows, where
 * the version's line breaks too), and a whisker per point — only where a point has no band beside
 * it once more than 60 windows crowd the chart. `intervals` counts the points whose interval is drawn.
 */
export function intervalShapes(points) {
  const at = (p) => Date.parse(p.windowEnd) / 1000;
  const xs = [...new Set(points.map(at))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const has = (q) => !!q && typeof q.low === 'number' && typeof q.high === 'number';
  const crowded = xs.length > 60;
  const whiskers = [];
  const bands = [];
  let intervals = 0;
  const byVersion = new Map();
  for (const p of points) byVersion.set(p.version ?? '', [...(byVersion.get(p.version ?? '') ?? []), p]);
  for (const ps of byVersion.values()) {
    const sorted = [...ps].sort((a, b) => at(a) - at(b));
    const joined = sorted.map((p, i) => has(p) && has(sorted[i + 1]) && index.get(at(sorted[i + 1])) === index.get(at(p)) + 1);
    sorted.forEach((p, i) => {
      if (!has(p)) return;
      intervals++;
      const basis = p.estimated ? 'estimated' : 'realized';
      if (!crowded || !(joined[i] || joined[i - 1])) whiskers.push({ x: at(p), low: p.low, high: p.high, basis });
      const next = sorted[i + 1];
      if (joined[i])
        bands.push({
          x0: at(p),
          x1: at(next),
          low0: p.low,
          high0: p.high,
          low1: next.low,
          high1: next.high,
          basis: p.estimated || next.estimated ? 'estimated' : 'realized',
        });
    });
  }
  return { intervals, whiskers, bands };
}

/**
 * The chart's columns: x (seconds, each window end once) and, per version, its line's values
 * (null where it has no point: uPlot breaks the line there) and its points per verdict.
 */
export function trendSeries(points) {
  const at = (p) => Date.parse(p.windowEnd) / 1000;
  const xs = [...new Set(points.map(at))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const versions = [...new Set(points.map((p) => p.version ?? ''))];
  const column = (ps) => {
    const values = xs.map(() => null);
    for (const p of ps) values[index.get(at(p))] = p.value;
    return values;
  };
  const lines = versions.map((version) => ({ version, values: column(points.filter((p) => (p.version ?? '') === version)) }));
  const dots = [];
  for (const verdict of Object.keys(VERDICT_COLOURS).concat([...new Set(points.map((p) => p.verdict))].filter((v) => !(v in VERDICT_COLOURS)))) {
    for (const version of versions) {
      for (const estimated of [false, true]) {
        const ps = points.filter((p) => p.verdict === verdict && (p.version ?? '') === version && !!p.estimated === estimated);
        if (ps.length) dots.push({ verdict, version, estimated, values: column(ps) });
      }
    }
  }
  return { xs, lines, dots };
}

const el = typeof document === 'undefined' ? null : document.getElementById('trend');
if (el) {
  try {
    const res = await fetch(el.dataset.trendUrl, { credentials: 'same-origin', headers: { accept: 'application/json' } });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const data = await res.json();
    const points = data.points.filter((p) => typeof p.value === 'number');
    if (points.length === 0) {
      el.textContent = 'No evaluation with a value yet.';
    } else {
      const { xs, lines, dots } = trendSeries(points);
      const series = [{}];
      const columns = [xs];
      // One line per champion version (one point per window each): a line never joins two versions.
      lines.forEach((l, i) => {
        series.push({
          label: lines.length > 1 || l.version ? `${data.metric} ${l.version || '(version not recorded)'}` : data.metric,
          stroke: VERSION_COLOURS[i % VERSION_COLOURS.length],
          width: 2,
          points: { show: false },
        });
        columns.push(l.values);
      });
      // Points coloured by verdict, in the order of severity (per version when there are several).
      for (const d of dots) {
        const colour = VERDICT_COLOURS[d.verdict] ?? '#111827';
        const label = `${d.verdict}${d.estimated ? ', estimated' : ''}`;
        series.push({
          label: lines.length > 1 ? `${label} (${d.version || 'version not recorded'})` : label,
          stroke: colour,
          fill: colour,
          paths: () => null,
          // An estimate is a hollow point: a realized value replaces it once the labels come.
          points: { show: true, size: pointSize(xs.length), fill: d.estimated ? '#ffffff' : colour, stroke: colour, width: 2 },
        });
        columns.push(d.values);
      }
      for (const [label, limit] of [
        ['min', data.min],
        ['max', data.max],
      ]) {
        if (typeof limit !== 'number') continue;
        series.push({ label, stroke: '#b91c1c', dash: [6, 4], points: { show: false } });
        columns.push(xs.map(() => limit));
      }
      const changes = (data.changes ?? []).map((c) => ({ ...c, x: Date.parse(c.at) / 1000 }));
      const shapes = intervalShapes(points);
      // Under the lines and points: each interval's band and whisker, clipped to the plot.
      const drawIntervals = (u) => {
        const ctx = u.ctx;
        const dpr = typeof devicePixelRatio === 'number' ? devicePixelRatio : 1;
        const X = (v) => u.valToPos(v, 'x', true);
        const Y = (v) => u.valToPos(v, 'y', true);
        ctx.save();
        ctx.beginPath();
        ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
        ctx.clip();
        for (const b of shapes.bands) {
          ctx.fillStyle = BAND_COLOURS[b.basis];
          ctx.beginPath();
          ctx.moveTo(X(b.x0), Y(b.high0));
          ctx.lineTo(X(b.x1), Y(b.high1));
          ctx.lineTo(X(b.x1), Y(b.low1));
          ctx.lineTo(X(b.x0), Y(b.low0));
          ctx.closePath();
          ctx.fill();
        }
        ctx.lineWidth = 1.5 * dpr;
        for (const w of shapes.whiskers) {
          ctx.strokeStyle = WHISKER_COLOURS[w.basis];
          ctx.setLineDash(w.basis === 'estimated' ? [3 * dpr, 2 * dpr] : []);
          const x = X(w.x);
          ctx.beginPath();
          ctx.moveTo(x, Y(w.low));
          ctx.lineTo(x, Y(w.high));
          ctx.moveTo(x - 4 * dpr, Y(w.low));
          ctx.lineTo(x + 4 * dpr, Y(w.low));
          ctx.moveTo(x - 4 * dpr, Y(w.high));
          ctx.lineTo(x + 4 * dpr, Y(w.high));
          ctx.stroke();
        }
        ctx.restore();
        el.dataset.intervals = String(shapes.intervals);
      };
      let drawn = 0;
      const markChanges = (u) => {
        const ctx = u.ctx;
        const dpr = typeof devicePixelRatio === 'number' ? devicePixelRatio : 1;
        drawn = 0;
        for (const c of changes) {
          if (!(c.x >= u.scales.x.min && c.x <= u.scales.x.max)) continue;
          const px = Math.round(u.valToPos(c.x, 'x', true));
          ctx.save();
          ctx.strokeStyle = CHANGE_COLOURS[c.change] ?? '#111827';
          ctx.fillStyle = ctx.strokeStyle;
          ctx.lineWidth = 2 * dpr;
          ctx.setLineDash(c.change === 'rollback' ? [6 * dpr, 4 * dpr] : []);
          ctx.beginPath();
          ctx.moveTo(px, u.bbox.top);
          ctx.lineTo(px, u.bbox.top + u.bbox.height);
          ctx.stroke();
          ctx.font = `${11 * dpr}px system-ui, sans-serif`;
          ctx.fillText(`${c.change} ${c.version}`, px + 4 * dpr, u.bbox.top + 12 * dpr);
          ctx.restore();
          drawn++;
        }
        el.dataset.changes = String(drawn);
      };
      const opts = {
        width: Math.max(320, el.clientWidth - 8),
        height: 260,
        // A fixed range: uPlot's own for one point spans years. It reaches the champion changes
        // after the first point (a promotion not yet evaluated is still shown).
        scales: {
          x: { time: true, auto: false, range: xRange(Math.min(...xs), Math.max(...xs, ...changes.map((c) => c.x).filter((x) => x >= xs[0]))) },
          // Every value, interval and limit in view (uPlot's own range leaves the intervals out).
          y: { auto: false, range: yRange(points.flatMap((p) => [p.value, p.low, p.high]).concat([data.min, data.max])) },
        },
        series,
        hooks: { drawAxes: [drawIntervals], draw: [markChanges] },
      };
      new uPlot(opts, columns, el);
      const notes = [];
      if (shapes.intervals) notes.push('Shaded and whiskers: the interval of each value (blue: realized, grey and dashed: estimated).');
      if (points.some((p) => p.estimated)) notes.push('Hollow points: estimates (labels not known yet).');
      if (changes.length) notes.push('Vertical lines: promotions (solid green) and rollbacks (dashed purple) of the champion.');
      if (notes.length) {
        const note = document.createElement('p');
        note.className = 'legend-note';
        note.textContent = notes.join(' ');
        el.append(note);
      }
    }
    el.dataset.points = String(points.length);
  } catch (err) {
    el.textContent = `The chart could not be loaded (${err.message}).`;
  }
  el.dataset.ready = 'true';
}
