/**
 * The web pages' pictures against the stored reports they draw: the drift strip's cells, the
 * chart's points and intervals, champion vs challenger on the holdout, the training coverage.
 * (The pages in a real browser, with screenshots: test/web/pictures.test.ts.)
 */
import assert from 'node:assert/strict';
import type { ModelSpec } from '../../domain/config.js';
import type { Comparison, TrainingCoverage } from '../../domain/maintenance.js';
import type { EvaluationReport } from '../../engine/evaluation/report.js';
import { trendPoints } from '../../cli/web/data.js';
import { driftStrip, driftStripHtml, STRIP_COLUMNS, STRIP_WINDOWS } from '../../cli/web/pictures/drift-strip.js';
import { comparisonSvg, coverageSvg } from '../../cli/web/pictures/comparison.js';
import { demoModel } from '../helpers/demo-workspace.js';
import { fortyWindows, madeUpReport, V1 } from '../helpers/picture-reports.js';

const spec = demoModel('churn') as unknown as ModelSpec;
const reports = fortyWindows().map((m) => madeUpReport('churn', '2026-10-01', m));
const render = async (h: unknown): Promise<string> => String(await h);

/** Every element `tag` with its attributes (the pictures are flat enough for a pattern). */
function elements(markup: string, tag: string, cls?: string): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  for (const m of markup.matchAll(new RegExp(`<${tag}\\b([^>]*)>`, 'g'))) {
    const attrs = Object.fromEntries([...m[1]!.matchAll(/([\w-]+)="([^"]*)"/g)].map((a) => [a[1]!, a[2]!]));
    if (!cls || (attrs.class ?? '').split(' ').includes(cls)) out.push(attrs);
  }
  return out;
}

const unescape = (s: string): string =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

describe('web pictures: the drift strip', function () {
  it("draws each column's state, score and threshold in the last windows exactly as the reports say", async function () {
    const strip = driftStrip(reports);
    assert.equal(strip.windows.length, STRIP_WINDOWS);
    assert.deepEqual(
      strip.windows.map((w) => w.windowEnd),
      reports.slice(-STRIP_WINDOWS).map((r) => r.window.end),
    );
    // Most drifted first, then single findings, then the report's order.
    assert.deepEqual(
      strip.rows.map((r) => r.column),
      ['x1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x7'],
    );
    const svg = await render(driftStripHtml(strip));
    const rows = svg.split('<g class="strip-row" ').slice(1);
    assert.equal(rows.length, 7);
    let checked = 0;
    for (const row of rows) {
      const column = /^data-column="([^"]*)"/.exec(row)![1]!;
      const cells = elements(row, 'g', 'cell');
      assert.equal(cells.length, STRIP_WINDOWS, column);
      for (const cell of cells) {
        const report = reports.find((r) => r.window.end === cell['data-window'])!;
        const c = report.drift!.columns[column];
        if (!c) {
          assert.equal(cell['data-state'], 'absent', `${column} ${cell['data-window']}`);
          continue;
        }
        const expected = c.drifted === null ? 'untested' : !c.drifted ? 'no' : report.drift!.alarm!.columns.includes(column) ? 'counted' : 'single';
        assert.equal(cell['data-state'], expected, `${column} ${cell['data-window']}`);
        assert.equal(cell['data-score'], String(c.score));
        assert.equal(Number(cell['data-threshold']), c.threshold);
        checked++;
      }
    }
    assert.equal(checked, 7 * STRIP_WINDOWS - 4, 'x7 came on day 30: absent in the four windows before');
    // The text alternative: the picture names itself and says what the newest window shows; the table has every cell.
    assert.match(svg, /<svg [^>]*role="img" aria-labelledby="drift-strip-title drift-strip-desc"/);
    assert.match(svg, /<desc id="drift-strip-desc">7 columns over the last 14 windows \(2026-10-27 to 2026-11-09\)\. Newest window: drift in x1\./);
    const table = svg.split('<table class="drift-strip-numbers">')[1]!.split('</table>')[0]!;
    assert.equal(table.split('<td class="state-counted"').length - 1, 10, 'x1 drifted in the ten windows from day 30');
    assert.match(table, /<th scope="row">x1<\/th><td class="state-no" title="no drift"> 0\.3000 \/ 0\.0500<\/td>/);
  });

  it('keeps a window evaluated again as its latest evaluation, and draws at most STRIP_COLUMNS columns, the drifted ones kept', async function () {
    const many: Record<string, [number, boolean, boolean]> = {};
    for (let i = 0; i < 60; i++) many[`c${String(i).padStart(2, '0')}`] = [0.5, false, false];
    many.c59 = [0.001, true, true];
    const first = madeUpReport('churn', '2026-10-01', { day: 0, value: 0.8, verdict: 'healthy', sha: V1, drift: many });
    const again = madeUpReport('churn', '2026-10-01', { day: 0, value: 0.8, verdict: 'warning', sha: V1, drift: { ...many, c00: [0.001, true, true] } });
    again.workflow = { workflowId: 'w', runId: 'again', startedAt: '2026-10-03T00:00:00.000Z' };
    const strip = driftStrip([again, first]);
    assert.equal(strip.windows.length, 1);
    assert.equal(strip.windows[0]!.verdict, 'warning', 'the later evaluation');
    assert.equal(strip.rows.length, STRIP_COLUMNS);
    assert.equal(strip.omitted, 60 - STRIP_COLUMNS);
    assert.deepEqual(
      strip.rows.slice(0, 2).map((r) => r.column),
      ['c00', 'c59'],
    );
    assert.match(await render(driftStripHtml(strip)), /20 more columns without drift in these windows not drawn/);
  });

  it('escapes a hostile column name in the picture, its tooltip and the table', async function () {
    const hostile = '<script>alert(1)</script>';
    const r = madeUpReport('churn', '2026-10-01', { day: 0, value: 0.8, verdict: 'healthy', sha: V1, drift: { [hostile]: [0.001, true, true] } });
    const out = await render(driftStripHtml(driftStrip([r])));
    assert.ok(!out.includes(hostile));
    assert.ok(out.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  });

  it('says so when no window has drift computed', async function () {
    const r = madeUpReport('churn', '2026-10-01', { day: 0, value: 0.8, verdict: 'healthy', sha: V1 });
    assert.match(await render(driftStripHtml(driftStrip([r]))), /No drift computed yet/);
  });
});

describe('web pictures: the chart of the primary metric', function () {
  it("gives each point its interval: the report's confidence interval when realized, the estimate's band when estimated", function () {
    const points = trendPoints(spec, reports);
    assert.equal(points.length, 40);
    for (const p of points) {
      const r = reports.find((x) => x.window.end === p.windowEnd)!;
      if (r.metrics.roc_auc === null) {
        const e = r.evaluation!.estimated!.metrics.roc_auc!;
        assert.deepEqual([p.estimated, p.value, p.low, p.high], [true, e.value, e.lower, e.upper]);
      } else {
        assert.deepEqual([p.estimated, p.value, p.low, p.high], [undefined, r.metrics.roc_auc, r.confidence!.low, r.confidence!.high]);
      }
    }
    // An interval of another metric is not the primary metric's.
    const other = { ...reports[0]!, confidence: { ...reports[0]!.confidence!, metric: 'accuracy' } } as EvaluationReport;
    assert.equal(trendPoints(spec, [other])[0]!.low, undefined);
  });

  it('spans every value, interval and limit on the y axis, shrinks crowded points, and draws a band only between two intervals of one version', async function () {
    const chart: string = '../../cli/web/static/chart.mjs'; // a browser script without types: imported by name
    const { yRange, pointSize, intervalShapes } = (await import(chart)) as {
      yRange: (v: (number | null | undefined)[]) => [number, number];
      pointSize: (n: number) => number;
      intervalShapes: (p: unknown[]) => { intervals: number; whiskers: unknown[]; bands: { basis: string }[] };
    };
    const [lo, hi] = yRange([0.8, 0.78, 0.82, null, 0.72]);
    assert.ok(lo < 0.72 && lo > 0.7 && hi > 0.82 && hi < 0.84, `${lo}..${hi}`);
    const [a, b] = yRange([0.5]);
    assert.ok(a < 0.5 && a >= 0.47 && b > 0.5 && b <= 0.53, `one value: a narrow range around it, not 0..1 (${a}..${b})`);
    assert.deepEqual(yRange([]), [0, 1]);
    assert.deepEqual([pointSize(1), pointSize(60), pointSize(500)], [9, 6, 4]);
    const shapes = intervalShapes(trendPoints(spec, reports));
    assert.equal(shapes.intervals, 40);
    assert.equal(shapes.whiskers.length, 40, 'a whisker on each of 40 points');
    // Three runs of versions (v1 days 0..19, v2 20..31, v1 32..39): bands within each run, none across v2's windows.
    assert.equal(shapes.bands.length, 19 + 11 + 7);
    assert.equal(shapes.bands.filter((x) => x.basis === 'estimated').length, 3, 'from day 36 to 37, 37 to 38, 38 to 39');
    // 180 windows crowd the chart: the band alone, a whisker only on a point with no band beside it.
    const crowded = Array.from({ length: 180 }, (_, i) => ({
      windowEnd: new Date(Date.UTC(2026, 0, 1 + i)).toISOString(),
      value: 0.8,
      low: i === 90 ? undefined : 0.78,
      high: 0.82,
      version: 'a',
    }));
    crowded[100] = { ...crowded[100]!, version: 'b' };
    const dense = intervalShapes(crowded);
    assert.equal(dense.intervals, 179);
    assert.equal(dense.whiskers.length, 1, "b's one point, between a's windows");
  });
});

describe('web pictures: champion vs challenger, and the training coverage', function () {
  const coverage: TrainingCoverage = {
    firstDay: '2026-10-01',
    lastDay: '2026-10-28',
    daysAsked: 28,
    daysWithData: 25,
    missingDays: ['2026-10-05', '2026-10-06', '2026-10-19'],
    rows: 12_000,
    share: 25 / 28,
    minCoverage: 0.8,
  };
  const comparison = {
    metric: 'roc_auc',
    higherIsBetter: true,
    holdout: { uri: 'u', sha256: 's', rows: 2000, firstDay: '2026-10-29', lastDay: '2026-11-04' },
    champion: { version: 'v1', value: 0.71, low: 0.69, high: 0.73, metrics: {} },
    challenger: { version: 'v2', value: 0.78, low: 0.76, high: 0.8, metrics: {} },
    rows: [],
    recommended: true,
    reason: 'better',
  } as Comparison;

  it('draws both models at their values with their intervals, and says whether the intervals overlap', async function () {
    const svg = await render(comparisonSvg(comparison, 'c0'));
    const sides = elements(svg, 'g', 'side');
    assert.deepEqual(
      sides.map((s) => [s['data-side'], Number(s['data-value']), Number(s['data-low']), Number(s['data-high'])]),
      [
        ['champion', 0.71, 0.69, 0.73],
        ['challenger', 0.78, 0.76, 0.8],
      ],
    );
    const desc = unescape(/<desc id="c0-desc">([^<]*)<\/desc>/.exec(svg)![1]!);
    assert.equal(
      desc,
      'roc_auc on the holdout 2026-10-29 to 2026-11-04 (2000 rows; higher is better): Champion v1 0.7100 [0.6900, 0.7300]; Challenger v2 0.7800 [0.7600, 0.8000]. The intervals do not overlap.',
    );
    // The points sit at their values on the axis: the challenger's right of the champion's, its interval's ends at the ticks' positions.
    const cx = [...svg.matchAll(/<circle cx="([\d.]+)"/g)].map((m) => Number(m[1]));
    assert.ok(cx[1]! > cx[0]!);
    const overlapping = await render(comparisonSvg({ ...comparison, challenger: { ...comparison.challenger, low: 0.7 } }, 'c1'));
    assert.match(overlapping, /The intervals overlap\./);
    const none = await render(comparisonSvg({ ...comparison, champion: { ...comparison.champion, low: null, high: null } }, 'c2'));
    assert.match(none, /Champion v1 0\.7100 no interval/);
  });

  it('draws one cell per training day, empty where there was no data, and the minimum coverage', async function () {
    const svg = await render(coverageSvg(coverage, 'k0'));
    const days = elements(svg, 'rect', 'day');
    assert.equal(days.length, 28);
    assert.deepEqual(
      days.filter((d) => d['data-data'] === 'no').map((d) => d['data-day']),
      coverage.missingDays,
    );
    assert.match(svg, /data-days-asked="28" data-days-with-data="25" data-share="0.8928571428571429" data-min-coverage="0.8"/);
    assert.match(svg, /minimum 80%/);
    assert.match(
      unescape(svg),
      /<desc id="k0-desc">trained on 25 of the 28 days asked \(2026-10-01\.\.2026-10-28, 89%; no data on 3 days: 2026-10-05, 2026-10-06, 2026-10-19\), 12000 rows; the minimum coverage is 80% of the days asked\.<\/desc>/,
    );
    // A year asked for with more missing days than listed: one bar of the share.
    const long = await render(
      coverageSvg(
        { ...coverage, firstDay: '2025-10-29', lastDay: '2026-10-28', daysAsked: 365, daysWithData: 300, missingDays: coverage.missingDays, share: 300 / 365 },
        'k1',
      ),
    );
    assert.equal(elements(long, 'rect', 'day').length, 0);
    assert.equal(elements(long, 'rect', 'share').length, 1);
  });
});
