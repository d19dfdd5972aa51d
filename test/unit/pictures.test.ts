import assert from 'node:assert/strict';
import { assessDrift } from '../../engine/drift/assess.js';
import { benjaminiHochberg } from '../../engine/drift/chance.js';
import { mergeSketches, sketchColumn, type ColumnSketch } from '../../engine/drift/sketch.js';
import { correctedTest, distributionPicture, distributionSvg, fitLabel } from '../../engine/pictures/distribution.js';
import { metricPicture, renderReportHtml } from '../../engine/pictures/report-html.js';
import { COLOURS, escapeXml, formatNumber } from '../../engine/pictures/svg.js';
import type { EvaluationReport } from '../../engine/evaluation/report.js';
import type { DriftColumnReport, DriftReport } from '../../domain/reports.js';
import { rng } from '../../scripts/bench/data.js';

function numeric(values: number[], sourceType: 'int' | 'float' = 'float'): ColumnSketch {
  const v = Float64Array.from(values);
  return sketchColumn({ kind: 'number', sourceType, values: v }, v.length);
}
function categorical(counts: Record<string, number>): ColumnSketch {
  return {
    kind: 'categorical',
    sourceType: 'string',
    rows: Object.values(counts).reduce((a, b) => a + b, 0),
    missing: 0,
    categories: Object.keys(counts),
    counts: Object.values(counts),
  };
}

/** A drift report with a shifted numeric column, a steady one, a few-valued one and categories with an unseen one. */
function driftReport(): DriftReport {
  const u = rng(11);
  const normal = (n: number, mean: number): number[] => Array.from({ length: n }, () => mean + Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()));
  const plan = (extra: Record<string, number>) => categorical({ basic: 500, plus: 270, pro: 230, ...extra });
  return assessDrift({
    reference: { age: numeric(normal(2000, 0)), income: numeric(normal(2000, 3)), visits: numeric([1, 1, 2, 2, 2, 3, 4, 4], 'int'), plan: plan({}) },
    current: {
      age: numeric(normal(1500, 0.7)),
      income: numeric(normal(1500, 3)),
      visits: numeric([1, 2, 2, 3, 3, 3, 5], 'int'),
      plan: categorical({ basic: 300, plus: 270, pro: 100, 'enterprise <b>': 80 }),
    },
    columns: ['age', 'income', 'visits', 'plan'],
    settings: { share: 0.5, columns: {} },
  });
}

interface Bar {
  side: string;
  row: number;
  count: number;
  share: number;
  height: number;
  width: number;
  fill: string;
}
function bars(svg: string): Bar[] {
  return [...svg.matchAll(/<rect ([^>]*data-side="[^"]+"[^>]*)>/g)].map((m) => {
    const a = Object.fromEntries([...m[1]!.matchAll(/([\w-]+)="([^"]*)"/g)].map((x) => [x[1]!, x[2]!]));
    return {
      side: a['data-side']!,
      row: Number(a['data-row']),
      count: Number(a['data-count']),
      share: Number(a['data-share']),
      height: Number(a.height),
      width: Number(a.width),
      fill: a.fill!,
    };
  });
}

/** The counts a stored distribution holds, in the order the picture draws them ("other" last). */
function storedCounts(c: DriftColumnReport): { reference: number[]; current: number[] } {
  const d = c.distribution!;
  if (d.kind === 'categories' && d.other) return { reference: [...d.reference, d.other.reference], current: [...d.current, d.other.current] };
  return { reference: d.reference, current: d.current };
}

describe('pictures of one report (engine/pictures)', function () {
  const drift = driftReport();

  for (const column of ['age', 'income', 'visits', 'plan']) {
    it(`${column}: every bar's count is the report's, and its length is its share`, function () {
      const c = drift.columns[column]!;
      const p = distributionPicture(column, c, drift.alarm);
      const b = bars(p.svg!);
      const want = storedCounts(c);
      for (const side of ['reference', 'current'] as const) {
        const mine = b.filter((x) => x.side === side).sort((x, y) => x.row - y.row);
        assert.deepEqual(
          mine.map((x) => x.count),
          want[side],
          `${side} counts`,
        );
        const total = want[side].reduce((s, x) => s + x, 0);
        mine.forEach((x, i) => assert.ok(Math.abs(x.share - want[side][i]! / total) < 1e-5, `${side} share ${i}`));
        // Bars are drawn to scale: length / share is one constant per picture (to the 0.1 px the SVG keeps).
        const size = (x: Bar): number => (c.kind === 'categorical' ? x.width : x.height);
        const biggest = mine.reduce((m, x) => (x.share > m.share ? x : m));
        for (const x of mine) assert.ok(Math.abs(size(x) - (size(biggest) * x.share) / biggest.share) <= 0.15, `${side} bar ${x.row} drawn to scale`);
      }
      // The table alternative holds the same counts.
      const cells = [...p.table.matchAll(/<tr><td>[^<]*<\/td><td>([^<]*)<\/td><td>[^<]*<\/td><td>([^<]*)<\/td>/g)].map((m) => [m[1]!, m[2]!]);
      assert.deepEqual(
        cells.map(([r]) => Number(r!.replace(/,/g, ''))),
        want.reference,
      );
      assert.deepEqual(
        cells.map(([, k]) => Number(k!.replace(/,/g, ''))),
        want.current,
      );
      assert.match(p.svg!, /^<svg [^>]*role="img"[^>]*aria-label="Distribution of /);
      assert.match(p.svg!, /<title id="[^"]+">[^<]+<\/title><desc id="[^"]+">[^<]+<\/desc>/);
    });
  }

  it("the caption gives the deciding test's statistic against its threshold, and the corrected threshold", function () {
    const age = drift.columns.age!;
    const figure = distributionSvg('age', age, drift.alarm);
    assert.equal(age.drifted, true);
    assert.equal(age.test, 'wasserstein'); // Evidently's choice above 1,000 reference rows
    assert.ok(figure.includes(`wasserstein ${formatNumber(age.score)} ≥ threshold ${formatNumber(age.threshold)}: drifted`));
    const visits = drift.columns.visits!;
    assert.equal(visits.test, 'chisquare');
    const line = `chisquare p-value ${formatNumber(visits.score)} ${visits.drifted ? '<' : '≥'} threshold 0.05`;
    assert.ok(distributionPicture('visits', visits).statistic.startsWith(line));
    assert.ok(distributionSvg('visits', visits).includes(escapeXml(line)));
    const income = drift.columns.income!;
    assert.equal(income.drifted, false);
    assert.ok(distributionSvg('income', income, drift.alarm).includes(`: not drifted`));
    // The corrected threshold admits exactly the p-values Benjamini–Hochberg rejects.
    const names = Object.keys(drift.alarm!.p_values);
    const rejected = benjaminiHochberg(
      names.map((n) => drift.alarm!.p_values[n]),
      drift.alarm!.level,
    );
    for (const [i, name] of names.entries()) {
      if (!drift.columns[name]) continue;
      const t = correctedTest(name, drift.columns[name]!, drift.alarm!)!;
      assert.equal(t.pValue !== null && t.pValue <= t.threshold, rejected.has(i), name);
      assert.equal(t.confirmed, drift.alarm!.columns.includes(name), name);
    }
    const t = correctedTest('age', age, drift.alarm!)!;
    assert.ok(
      figure.includes(
        `alarm p-value ${formatNumber(t.pValue)} ≤ corrected threshold ${formatNumber(t.threshold)} (Benjamini–Hochberg, q 0.05, ${drift.alarm!.tested} tests): confirmed`,
      ),
    );
  });

  it('a category unseen in the reference is marked (colour, "new", the table), and its name is escaped', function () {
    const plan = drift.columns.plan!;
    const p = distributionPicture('plan', plan, drift.alarm);
    const d = plan.distribution!;
    assert.equal(d.kind, 'categories');
    const i = d.kind === 'categories' ? d.categories.indexOf('enterprise <b>') : -1;
    assert.ok(i >= 0);
    const bar = bars(p.svg!).find((b) => b.side === 'current' && b.row === i)!;
    assert.equal(bar.fill, COLOURS.unseen);
    assert.equal(bar.count, 80);
    assert.ok(p.svg!.includes('enterprise &#60;b&#62;'));
    assert.ok(!p.svg!.includes('<b>'));
    assert.match(p.svg!, /new<\/text>/);
    assert.ok(p.table.includes('enterprise &#60;b&#62; (unseen in reference)'));
  });

  it('category labels are cut by their drawn width, not their length', function () {
    assert.equal(fitLabel('basic', 18), 'basic');
    assert.equal(fitLabel('iiiiiiiiiiiiiiiiiiiiiiiiiiiiii', 18), 'iiiiiiiiiiiiiiiiiiiiiiiiiiiiii');
    const wide = fitLabel('W'.repeat(30), 18);
    assert.ok(wide.endsWith('…') && wide.length <= 12, wide);
    const cjk = fitLabel('日本語のカテゴリ名前です長い', 18);
    assert.ok(cjk.endsWith('…') && [...cjk].length <= 10, cjk);
    assert.ok(fitLabel('city_with_a_long_name_here', 18).endsWith('…'));
  });

  it('a report from before distributions were stored: the caption and a note, no picture', function () {
    const { distribution: _d, ...old } = drift.columns.age!;
    const p = distributionPicture('age', old);
    assert.equal(p.svg, undefined);
    assert.match(p.notes[0]!, /No distribution in this report/);
    assert.match(distributionSvg('age', old), /<figcaption><strong>age<\/strong> — wasserstein 0\.\d+ ≥ threshold 0\.1: drifted/);
    assert.ok(!distributionSvg('age', old).includes('<table'), 'no empty table');
  });

  it('a large window drawn from its sketch says so: points, values per point, and the bound on each bar', function () {
    const u = rng(17);
    const values = Float64Array.from({ length: 120_000 }, () => u() * 10);
    const parts = [0, 1, 2].map((p) => numeric(Array.from(values.subarray(p * 40_000, (p + 1) * 40_000))) as Extract<ColumnSketch, { kind: 'numeric' }>);
    const big = mergeSketches(parts, 1000);
    const c = assessDrift({
      reference: { x: numeric(Array.from({ length: 3000 }, () => u() * 10)) },
      current: { x: big },
      columns: ['x'],
      settings: { share: 0.5, columns: {} },
    }).columns.x!;
    assert.ok(c.current_sketch);
    const p = distributionPicture('x', c);
    const note = p.notes.find((n) => n.startsWith('Large window'))!;
    assert.ok(note.includes(`counts ${c.current_sketch.points.toLocaleString('en-US')} sketch points`), note);
    assert.ok(note.includes(`within ±${formatNumber(200 * c.current_sketch.max_cdf_error, 2)}%`), note);
    assert.match(note, /within ±0\.00\d+% of the window's\./);
    assert.match(p.table, /counts are of the points the test saw/);
  });

  function report(over: Partial<EvaluationReport> = {}): EvaluationReport {
    return {
      schema: 'upkeep.evaluation-report/v1',
      modelId: 'churn<script>',
      owner: 'ml@example.com',
      task: 'binary',
      verdict: { status: 'degraded', reasons: ['roc_auc 0.81 is below the minimum 0.85'] },
      window: { firstDay: '2026-11-01', lastDay: '2026-11-07', end: '2026-11-08T06:00:00.000Z', timezone: 'UTC' },
      model: { artifactUri: 'file:///m.onnx', sha256: 'a'.repeat(64), bytes: 100 },
      thresholds: { metric: 'roc_auc', min: 0.85, max_drop: 0.05 },
      baseline: { roc_auc: 0.88 },
      snapshot: { uri: 'file:///s', sha256: 'b'.repeat(64), rows: 3500, files: [], missing: [] } as unknown as EvaluationReport['snapshot'],
      rows: 3500,
      metrics: { roc_auc: 0.8123, accuracy: 0.77 },
      confidence: { metric: 'roc_auc', value: 0.8123, low: 0.79, high: 0.834, confidence: 0.95, resamples: 0, seed: 0, method: 'delong' },
      estimated: { roc_auc: { value: 0.83, lower: 0.8, upper: 0.86, method: 'cbpe' } },
      drift,
      ...over,
    };
  }

  it('the primary metric: realized and estimated with their intervals, the minimum, the baseline and the allowed drop', function () {
    const p = metricPicture(report());
    const attr = (name: string, kind: string) => p.svg!.match(new RegExp(`data-kind="${kind}"[^>]*?${name}="([^"]+)"`))?.[1];
    assert.equal(Number(p.svg!.match(/<circle [^>]*data-kind="realized" data-value="([^"]+)"/)![1]), 0.8123);
    assert.equal(Number(p.svg!.match(/<path [^>]*data-kind="estimated" data-value="([^"]+)"/)![1]), 0.83);
    assert.equal(Number(attr('data-low', 'realized')), 0.79);
    assert.equal(Number(attr('data-high', 'realized')), 0.834);
    assert.equal(Number(attr('data-low', 'estimated')), 0.8);
    assert.equal(Number(attr('data-high', 'estimated')), 0.86);
    const rules = Object.fromEntries([...p.svg!.matchAll(/data-rule="([^"]+)" data-value="([^"]+)"/g)].map((m) => [m[1], Number(m[2])]));
    assert.deepEqual(rules, { minimum: 0.85, baseline: 0.88, 'allowed drop': 0.88 - 0.05 });
    assert.match(p.table, /<td>realized<\/td><td>0\.8123<\/td><td>\[0\.79, 0\.834\]<\/td><td>95% interval by DeLong/);
    // No realized value (every label late): the estimate alone.
    const late = metricPicture(report({ metrics: { roc_auc: null }, confidence: undefined }));
    assert.deepEqual(
      late.marks.map((m) => m.kind),
      ['estimated'],
    );
  });

  it('the page: self-contained (no script, no URL to fetch), escaped, every drift column pictured', function () {
    const html = renderReportHtml(report());
    assert.ok(!/<script/i.test(html));
    assert.ok(!/\b(src|href)=/i.test(html), 'nothing to load');
    assert.deepEqual([...new Set(html.match(/https?:\/\/[^\s"'<>)]+/g))], ['http://www.w3.org/2000/svg'], 'the only URL is the SVG namespace');
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">/);
    assert.ok(html.includes('<h1>churn&#60;script&#62; '));
    assert.equal(
      (html.match(/<figure class="distribution/g) ?? []).length,
      Object.keys(drift.columns).length + (drift.label ? 1 : 0) + (drift.prediction ? 1 : 0),
    );
    // The drifted column leads.
    assert.ok(html.indexOf('data-column="age"') < html.indexOf('data-column="income"'));
    assert.equal(renderReportHtml(report()), html, 'same report, same bytes');
  });

  it('a failed window: the failure, no metric picture, no drift pictures', function () {
    const html = renderReportHtml(
      report({
        verdict: { status: 'failing', reasons: ['schema break'] },
        failure: { type: 'SchemaBreak', message: 'column age <missing>' },
        metrics: {},
        confidence: undefined,
        estimated: undefined,
        drift: undefined,
        rows: 0,
      }),
    );
    assert.match(html, /<section id="failure"><h2>Failure<\/h2><p><code>SchemaBreak<\/code> column age &#60;missing&#62;<\/p><\/section>/);
    assert.ok(!html.includes('<svg'));
    assert.match(html, /No drift check in this evaluation/);
  });
});
