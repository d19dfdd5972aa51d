import assert from 'node:assert/strict';
import { coded } from '../helpers/fixtures.js';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { declaredMetricSpec } from '../../domain/business-config.js';
import type { ModelSpec } from '../../domain/config.js';
import { fairnessSpec } from '../../domain/fairness-config.js';
import { gapValues, groupDeclaredCount, MAX_DECLARED_VALUES, MAX_GROUP_DECLARED, type FairnessReport } from '../../domain/fairness.js';
import type { Collected } from '../../engine/evaluation/evaluator.js';
import { windowFairness } from '../../engine/evaluation/fairness/index.js';
import { fairnessMarkdown } from '../../engine/evaluation/fairness/markdown.js';
import { fairnessSection } from '../../engine/pictures/fairness-html.js';
import { completeGroupDeclared, declaredSamples } from '../../engine/evaluation/declared-bootstrap.js';
import { resampleRanges } from '../../engine/evaluation/significance/interval.js';

interface Expected {
  value: number | null;
  bootstrap?: { low: number; high: number };
  closed?: { method: string; low: number; high: number };
}

interface Case {
  name: string;
  task: 'binary' | 'multiclass' | 'regression';
  positive?: number;
  classes?: string[];
  columns: Record<string, string[]>;
  yTrue: number[];
  yPred: number[];
  proba?: number[];
  significance: { resamples: number; confidence: number; seed: number };
  declared: Record<string, unknown>[];
  families: Record<string, { declared: Record<string, { groups: Record<string, Expected>; gap: number; between: [string, string] }> }>;
}

const golden = JSON.parse(readFileSync(fileURLToPath(new URL('../fixtures/golden/fairness.json', import.meta.url)), 'utf8')) as { cases: Case[] };

function specOf(c: Pick<Case, 'task' | 'declared' | 'significance'>, families: string[], method: 'bootstrap' | 'analytic' | 'auto', min = 1): ModelSpec {
  return {
    id: 'loans',
    task: c.task,
    metrics: c.declared.map(({ matrixInOrder: _m, ...d }) => declaredMetricSpec.parse(d)),
    thresholds: { metric: c.task === 'regression' ? 'mae' : 'accuracy' },
    monitor: { significance: { ...c.significance, method } },
    fairness: fairnessSpec.parse({
      columns: families.filter((f) => !f.includes(',')),
      intersections: families.filter((f) => f.includes(',')).map((f) => f.split(',')),
      min_group_rows: min,
    }),
  } as unknown as ModelSpec;
}

function collectedOf(c: Pick<Case, 'task' | 'columns' | 'yTrue' | 'yPred' | 'proba'>): Collected {
  const segments = Object.fromEntries(Object.entries(c.columns).map(([k, v]) => [k, coded(v)]));
  const n = c.yTrue.length;
  const base = { task: c.task, rows: n, rowsRead: n, droppedRows: 0, invalid: [], segments };
  if (c.task === 'regression') return { ...base, yTrueValue: Float64Array.from(c.yTrue), yPredValue: Float64Array.from(c.yPred) };
  return { ...base, yTrueClass: Int32Array.from(c.yTrue), yPredClass: Int32Array.from(c.yPred), proba: Float64Array.from(c.proba!) };
}

function run(c: Case, method: 'bootstrap' | 'analytic' | 'auto', min = 1): FairnessReport {
  const spec = specOf(c, Object.keys(c.families), method, min);
  const k = c.task === 'binary' ? 2 : c.task === 'multiclass' ? 3 : 0;
  return windowFairness(spec, collectedOf(c), { nClasses: k, positiveIndex: c.positive, classes: c.classes })!.report;
}

const near = (actual: number | null | undefined, expected: number, tol: number, what: string): void =>
  assert.ok(
    typeof actual === 'number' && Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)),
    `${what}: got ${actual}, reference ${expected}`,
  );

describe('declared business metrics per fairness group (engine/evaluation/fairness/declared.ts)', function () {
  for (const c of golden.cases) {
    it(`${c.name}: each group's declared values and bootstrap intervals equal scikit-learn's on the group's rows, and their gaps MetricFrame.difference()`, function () {
      const report = run(c, 'bootstrap');
      assert.deepEqual(
        report.declared!.map((d) => d.name),
        c.declared.map((d) => d.name),
      );
      for (const f of report.families) {
        const want = c.families[f.name]!.declared;
        report.declared!.forEach((d, i) => {
          const w = want[d.name]!;
          assert.equal(d.perRow, c.declared[i]!.per === 'window' ? true : undefined, `${d.name} per row`);
          for (const g of f.groups) {
            const e = w.groups[g.value]!;
            const got = g.declared![i]!;
            near(got.value, e.value!, 1e-12, `${f.name} ${g.value} ${d.name}`);
            assert.equal(got.method, 'bootstrap');
            near(got.low, e.bootstrap!.low, 1e-9, `${f.name} ${g.value} ${d.name} low`);
            near(got.high, e.bootstrap!.high, 1e-9, `${f.name} ${g.value} ${d.name} high`);
          }
          near(f.declaredGaps![i]!.value, w.gap, 1e-12, `${f.name} ${d.name} gap`);
          // The ends: the groups with the highest and the lowest value (fairlearn's idxmax / idxmin; a tie may name another group of the same value).
          const [hi, lo] = f.declaredGaps![i]!.between!;
          assert.equal(w.groups[hi]!.value, w.groups[w.between[0]]!.value, `${f.name} ${d.name} highest`);
          assert.equal(w.groups[lo]!.value, w.groups[w.between[1]]!.value, `${f.name} ${d.name} lowest`);
        });
      }
    });

    it(`${c.name}: closed forms per group where one exists (Wilson, CLT, delta), as on the whole window`, function () {
      const report = run(c, 'analytic');
      let checked = 0;
      for (const f of report.families) {
        const want = c.families[f.name]!.declared;
        report.declared!.forEach((d, i) => {
          for (const g of f.groups) {
            const e = want[d.name]!.groups[g.value]!.closed;
            if (!e) continue;
            const got = g.declared![i]!;
            assert.equal(got.method, e.method, `${g.value} ${d.name}`);
            near(got.low, e.low, 1e-9, `${f.name} ${g.value} ${d.name} closed low`);
            near(got.high, e.high, 1e-9, `${f.name} ${g.value} ${d.name} closed high`);
            checked++;
          }
        });
      }
      assert.ok(checked > 0, 'some closed form checked');
    });
  }

  const handmade = (): Case => {
    // Group "none" has no positive label; group "all" has positives and negatives.
    const n = 60;
    const g = Array.from({ length: n }, (_, i) => (i < 20 ? 'none' : i < 58 ? 'all' : 'tiny'));
    const yTrue = g.map((v, i) => (v === 'none' ? 0 : i % 2));
    const s = yTrue.map((y, i) => (y ? 0.55 + (i % 7) / 20 : 0.1 + (i % 9) / 20));
    return {
      name: 'handmade',
      task: 'binary',
      positive: 1,
      classes: ['0', '1'],
      columns: { group: g },
      yTrue,
      yPred: s.map((v) => (v >= 0.5 ? 1 : 0)),
      proba: s.flatMap((v) => [1 - v, v]),
      significance: { resamples: 50, confidence: 0.9, seed: 1 },
      declared: [
        { name: 'r_at_p', kind: 'recall_at_precision', precision: 0.8 },
        { name: 'cost', kind: 'cost_matrix', per: 'window', matrix: { 0: { 0: 0, 1: 1 }, 1: { 0: 10, 1: 0 } }, gate: { max: 1 } },
      ],
      families: {},
    };
  };

  it('gives a metric a group cannot have (no positive label) as null with the reason, never NaN; its gap says which group', function () {
    const c = handmade();
    const spec = specOf(c, ['group'], 'bootstrap', 5);
    const report = windowFairness(spec, collectedOf(c), { nClasses: 2, positiveIndex: 1, classes: c.classes })!.report;
    const f = report.families[0]!;
    const none = f.groups.find((g) => g.value === 'none')!;
    assert.equal(none.declared![0]!.value, null);
    assert.match(none.declared![0]!.why!, /positive/);
    assert.equal(none.declared![0]!.low, undefined);
    // The cost is defined there (a window total, averaged per row: 2 false positives of cost 1 in 20 rows).
    assert.equal(none.declared![1]!.value, 0.1);
    assert.equal(f.declaredGaps![0]!.value, null);
    assert.match(f.declaredGaps![0]!.why!, /r_at_p is undefined in a group \(none\)/);
    assert.equal(typeof f.declaredGaps![1]!.value, 'number');
    // A small group (under min_group_rows) gets no declared values and stays out of the gaps.
    const tiny = f.groups.find((g) => g.value === 'tiny')!;
    assert.equal(tiny.small, true);
    assert.equal(tiny.declared, undefined);
    assert.ok(!JSON.stringify(report).includes('NaN') && !JSON.stringify(report).includes('null,null'));
    // The group values are not gated: only the whole window's declared metrics carry gates.
    assert.ok(windowFairness(spec, collectedOf(c), { nClasses: 2, positiveIndex: 1, classes: c.classes })!.gated.every((g) => g.kind === 'fairness'));
    // A gap is reported by name beside the gated ones, for trends and the promotion comparison.
    assert.ok('cost:gap[group]' in gapValues(report) && 'r_at_p:gap[group]' in gapValues(report));
  });

  it("leaves a large group's resamples pending in an evaluation and, spread over ranges, gives the one-call intervals bit for bit", function () {
    // The handmade window repeated to 45,000 rows: group "all" has 28,500 (resampled by the engine's threads), "none" 15,000.
    const c = handmade();
    const times = 750;
    const big: Case = {
      ...c,
      columns: { group: Array(times).fill(c.columns.group).flat() },
      yTrue: Array(times).fill(c.yTrue).flat(),
      yPred: Array(times).fill(c.yPred).flat(),
      proba: Array(times).fill(c.proba).flat(),
      significance: { resamples: 9, confidence: 0.9, seed: 4 },
    };
    const spec = specOf(big, ['group'], 'bootstrap', 5);
    const model = { nClasses: 2, positiveIndex: 1, classes: big.classes };
    const whole = windowFairness(spec, collectedOf(big), model)!;
    const deferred = windowFairness(spec, collectedOf(big), model, true)!;
    assert.equal(deferred.pending.length, 1, 'one group of 20,000 rows or more');
    const job = deferred.pending[0]!;
    const all = deferred.report.families[0]!.groups[job.at!.group]!;
    assert.equal(all.rows, 28_500);
    assert.deepEqual(job.names, ['r_at_p', 'cost'], 'both resampled (method: bootstrap)');
    assert.ok(
      all.declared!.every((v) => typeof v.value === 'number' && v.low === undefined),
      'values now, intervals once the resamples are in',
    );
    const chunks = resampleRanges(job.resamples, 2).map((range) => declaredSamples(job.cells, job.rows, job.seed, range));
    completeGroupDeclared(deferred.report, job, chunks);
    assert.deepEqual(deferred.report, whole.report);
    assert.deepEqual(deferred.gated, whole.gated);
  });

  it('reports at most MAX_GROUP_DECLARED metrics per group, saying how many more there are', function () {
    const c = handmade();
    c.declared = Array.from({ length: MAX_GROUP_DECLARED + 2 }, (_, i) => ({ name: `f1_${i}`, kind: 'at_threshold', metric: 'f1', threshold: i / 20 }));
    const report = windowFairness(specOf(c, ['group'], 'bootstrap'), collectedOf(c), { nClasses: 2, positiveIndex: 1, classes: c.classes })!.report;
    assert.equal(report.declared!.length, MAX_GROUP_DECLARED);
    assert.equal(report.omittedDeclared, 2);
    assert.ok(report.families[0]!.groups.every((g) => g.declared!.length === MAX_GROUP_DECLARED));
    // Many columns and intersections: fewer per group, so that the report stays small whatever the groups.
    assert.equal(groupDeclaredCount(12, 2), 10);
    assert.equal(groupDeclaredCount(3, 15), 2, '15 × 30 groups × 2 ≤ 1,000 values');
    assert.equal(groupDeclaredCount(12, 40), 1, 'at least one');
    const cols = Array.from({ length: 10 }, (_, i) => `c${i}`);
    const wide = { ...c, columns: Object.fromEntries(cols.map((k, i) => [k, c.columns.group!.map((v, r) => (r % (i + 2) === 0 ? `${v}!` : v))])) };
    const spec = specOf(wide, cols, 'bootstrap');
    spec.fairness!.intersections = [0, 2, 4, 6, 8].map((i) => [cols[i]!, cols[i + 1]!]);
    const r = windowFairness(spec, collectedOf(wide), { nClasses: 2, positiveIndex: 1, classes: c.classes })!.report;
    assert.equal(r.declared!.length, 2);
    assert.equal(r.omittedDeclared, c.declared.length - 2);
    const values = r.families.reduce((n, f) => n + f.groups.reduce((m, g) => m + (g.declared?.length ?? 0), 0), 0);
    assert.ok(values > 0 && values <= MAX_DECLARED_VALUES, String(values));
  });

  it("shows the declared values, intervals and gaps in the report's Markdown and HTML, hostile group values escaped", async function () {
    const c = handmade();
    c.columns = { group: c.columns.group!.map((v) => (v === 'all' ? '<img src=x onerror=alert(1)>|x' : v)) };
    const report = windowFairness(specOf(c, ['group'], 'bootstrap', 5), collectedOf(c), { nClasses: 2, positiveIndex: 1, classes: c.classes })!.report;
    const md = fairnessMarkdown(report).join('\n');
    assert.match(
      md,
      /\| group \| rows \| accuracy \| interval \| selection rate \| true positive rate \| false positive rate \| r_at_p \| cost \(per row\) \|/,
    );
    assert.match(md, /\| group \| r_at_p gap \| — \| — \| — \| r_at_p is undefined in a group \(none\) \|/);
    assert.match(md, /— \(.*positive.*\)/);
    assert.ok(md.includes('\\<img src=x onerror=alert(1)\\>\\|x') && !/[^\\]<img/.test(md), md);
    const all = report.families[0]!.groups.find((g) => g.value.startsWith('<img'))!;
    const cost = all.declared![1]!;
    const fmt = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(4));
    assert.ok(md.includes(`${fmt(cost.value!)} \\[${fmt(cost.low!)}, ${fmt(cost.high!)}\\]`), md);
    const html = fairnessSection(report);
    assert.ok(!html.includes('<img') && html.includes('&#60;img src=x onerror=alert(1)&#62;|x'), html);
    assert.match(html, /<th scope="col">cost \(per row\)<\/th>/);
    // The web model page's fairness tables: the same rows, through hono's escaping.
    const { fairnessSection: webSection } = await import('../../cli/web/fairness-section.js');
    const page = String(await webSection({ evaluation: { fairness: report } } as never, undefined));
    assert.ok(!page.includes('<img') && page.includes('&lt;img src=x onerror=alert(1)&gt;|x'), page);
    assert.match(page, /<th>r_at_p<\/th><th>cost \(per row\)<\/th>/);
    assert.ok(page.includes(`<td>${fmt(cost.value!)} [${fmt(cost.low!)}, ${fmt(cost.high!)}]</td>`), page);
  });
});
