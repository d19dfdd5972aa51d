// The metric trend chart of a model's page (uPlot, loaded before this script). The data comes
// from the page's JSON endpoint named in data-trend-url: no inline script, so the CSP stays 'self'.
/* global document, fetch, uPlot */
const el = document.getElementById('trend');
if (el) {
  try {
    const res = await fetch(el.dataset.trendUrl, { credentials: 'same-origin', headers: { accept: 'application/json' } });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const data = await res.json();
    const points = data.points.filter((p) => typeof p.value === 'number');
    if (points.length === 0) {
      el.textContent = 'No evaluation with a value yet.';
    } else {
      const xs = points.map((p) => Date.parse(p.windowEnd) / 1000);
      const series = [{}, { label: data.metric, stroke: '#2563eb', width: 2, points: { show: true } }];
      const columns = [xs, points.map((p) => p.value)];
      for (const [label, limit] of [['min', data.min], ['max', data.max]]) {
        if (typeof limit !== 'number') continue;
        series.push({ label, stroke: '#b91c1c', dash: [6, 4], points: { show: false } });
        columns.push(xs.map(() => limit));
      }
      new uPlot({ width: Math.max(320, el.clientWidth - 8), height: 260, scales: { x: { time: true } }, series }, columns, el);
    }
    el.dataset.points = String(points.length);
  } catch (err) {
    el.textContent = `The chart could not be loaded (${err.message}).`;
  }
  el.dataset.ready = 'true';
}
