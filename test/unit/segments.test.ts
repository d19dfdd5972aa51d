import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { parseConfig } from '../../engine/config/load.js';
import { isUpkeepError } from '../../engine/errors.js';
import { holm, segmentTest, type Moments } from '../../engine/evaluation/segments/stats.js';
import { searchSegments, segmentBaseline, members, whereKey, type CodedColumn } from '../../engine/evaluation/segments/search.js';
import { parseReferenceProfile } from '../../engine/drift/profile-parse.js';
import { codeColumn, segmentLabel } from '../../engine/evaluation/segments/columns.js';
import { quantileEdges, segmentPlan } from '../../engine/evaluation/segments/plan.js';
import { excessLoss, lossAndTested, lossKind, rowLoss } from '../../engine/evaluation/segments/loss.js';
import { sampleRows, searchWindow } from '../../engine/evaluation/segments/window.js';
import type { Collected } from '../../engine/evaluation/evaluator.js';
import type { ReferenceProfile } from '../../engine/drift/profile.js';
import { modelSpec } from '../../domain/config.js';
import { segmentRowsCsv } from '../../engine/evaluation/segments/export.js';
import { segmentMarkdown } from '../../engine/evaluation/segments/render.js';
import { markdownText } from '../../domain/escape.js';
import type { Column, Table } from '../../engine/data/table.js';
import type { WeakSegment } from '../../domain/segments.js';
import { modelYaml } from '../helpers/config-text.js';

// Golden file: scripts/fixtures/golden_segments.py (statsmodels).
interface ZGolden {
  segment: number[];
  rest: number[];
  z: number;
  p: number;
  low: number;
  high: number;
  diff: number;
}
interface Golden {
  ztests: ZGolden[];
  holm: { p: number[]; adjusted: number[] }[];
  search: {
    a: number[];
    b: number[];
    loss: number[];
    minRows: number;
    alpha: number;
    tested: number;
    segments: { where: [string, number][]; rows: number; z: number; p: number; low: number; high: number; pAdjusted: number }[];
  };
}
const golden = JSON.parse(readFileSync(fileURLToPath(new URL('../fixtures/golden/segments.json', import.meta.url)), 'utf8')) as Golden;

function momentsOf(xs: number[]): Moments {
  let sum = 0;
  let sumSq = 0;
  for (const x of xs) {
    sum += x;
    sumSq += x * x;
  }
  return { n: xs.length, sum, sumSq };
}

const close = (actual: number, expected: number, tol: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected}`);

/** A column of codes 0..k-1 whose conditions name the code, as the golden file does. */
function column(name: string, codes: number[]): CodedColumn {
  const k = Math.max(...codes) + 1;
  return { name, codes: Uint8Array.from(codes), conditions: Array.from({ length: k }, (_, v) => ({ column: name, value: String(v) })) };
}

function spec(extra: Record<string, unknown> = {}): ReturnType<typeof modelSpec.parse> {
  return modelSpec.parse({
    id: 'churn',
    owner: 'o@example.com',
    task: 'binary',
    artifact: 'm.onnx',
    inputs: [
      { name: 'x', columns: ['age', 'income'] },
      { name: 'plan', type: 'string', columns: ['plan'] },
    ],
    label: { column: 'y', positive: 1 },
    data: { uri: 'data/{date}.csv' },
    schedule: { every: '1d' },
    thresholds: { metric: 'accuracy', min: 0.5 },
    segments: { search: true },
    ...extra,
  });
}

describe('weak segment search', function () {
  it('tests a segment against the rest as statsmodels ztest_ind(usevar=unequal, alternative=larger) and zconfint_diff do', function () {
    for (const [i, g] of golden.ztests.entries()) {
      const seg = momentsOf(g.segment);
      const rest = momentsOf(g.rest);
      const all = { n: seg.n + rest.n, sum: seg.sum + rest.sum, sumSq: seg.sumSq + rest.sumSq };
      const t = segmentTest(seg, all, 0.95);
      close(t.z, g.z, 1e-9, `case ${i} z`);
      close(t.p, g.p, 1e-9, `case ${i} p`);
      close(t.low, g.low, 1e-9, `case ${i} low`);
      close(t.high, g.high, 1e-9, `case ${i} high`);
      close(t.diff, g.diff, 1e-12, `case ${i} diff`);
    }
  });

  it('adjusts p-values as statsmodels multipletests(method=holm), ties and ones included', function () {
    for (const g of golden.holm) {
      const adjusted = holm(g.p);
      g.adjusted.forEach((q, i) => close(adjusted[i]!, q, 1e-12, `p ${g.p[i]}`));
    }
    // Candidates counted but not computed (p = 1) only make the correction stricter.
    assert.deepEqual([...holm([0.01, 0.02], 4)], [0.04, 0.06]);
  });

  it('tests every value and pair cell with enough rows, Holm over all of them, as the golden search does', function () {
    const s = golden.search;
    const columns = [column('a', s.a), column('b', s.b)];
    const r = searchSegments(Float64Array.from(s.loss), columns, {
      minRows: s.minRows,
      maxSegments: 1000,
      pairs: true,
      alpha: s.alpha,
      confidence: 0.95,
      report: 50,
    });
    assert.equal(r.tested, s.tested);
    const expected = s.segments.filter((g) => g.pAdjusted <= s.alpha);
    assert.equal(r.significant, expected.length);
    assert.ok(expected.length > 0, 'the planted cell is found');
    for (const f of r.worst) {
      const key = f.where.map((w) => `${w.column}=${'value' in w ? w.value : ''}`).join('&');
      const g = expected.find((e) => e.where.map(([c, v]) => `${c}=${v}`).join('&') === key);
      assert.ok(g, `segment ${key} is significant in the golden file too`);
      assert.equal(f.rows, g.rows);
      close(f.z, g.z, 1e-8, `${key} z`);
      close(f.p, g.p, 1e-8, `${key} p`);
      close(f.pAdjusted, g.pAdjusted, 1e-8, `${key} adjusted p`);
      close(f.low, g.low, 1e-8, `${key} low`);
      assert.equal(members(columns, f.key).length, f.rows);
    }
    // The planted cell (a = 3 and b = 1) ranks first: the highest lower bound of the difference.
    assert.equal(segmentLabel(r.worst[0]!.where), 'a = "3" and b = "1"');
  });

  it('spends the budget on single columns first, then on whole pairs of columns, never beyond it', function () {
    const s = golden.search;
    const columns = [column('a', s.a), column('b', s.b)];
    const settings = { minRows: s.minRows, pairs: true, alpha: s.alpha, confidence: 0.95, report: 3 };
    // 5 + 4 values: the 20 cells of the pair do not fit in 28.
    assert.equal(searchSegments(Float64Array.from(s.loss), columns, { ...settings, maxSegments: 28 }).tested, 9);
    assert.equal(searchSegments(Float64Array.from(s.loss), columns, { ...settings, maxSegments: 29 }).tested, s.tested);
    assert.equal(searchSegments(Float64Array.from(s.loss), columns, { ...settings, maxSegments: 1000, pairs: false }).tested, 9);
  });

  it('reports nothing on a window where no segment differs (seeded: 200 windows, at most 5% with a finding)', function () {
    let seed = 12345;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    let alarms = 0;
    for (let run = 0; run < 200; run++) {
      const n = 3000;
      const a = Array.from({ length: n }, () => Math.floor(random() * 6));
      const b = Array.from({ length: n }, () => Math.floor(random() * 5));
      const loss = Float64Array.from({ length: n }, () => (random() < 0.15 ? 1 : 0));
      const r = searchSegments(loss, [column('a', a), column('b', b)], {
        minRows: 50,
        maxSegments: 1000,
        pairs: true,
        alpha: 0.05,
        confidence: 0.95,
        report: 3,
      });
      if (r.significant > 0) alarms++;
    }
    assert.ok(alarms <= 10, `${alarms} of 200 unchanged windows reported a segment`);
  });

  it('bins a numeric column by the reference quantiles and codes categories by their most frequent values', function () {
    assert.deepEqual(quantileEdges([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 5), [3, 5, 7, 9]);
    assert.deepEqual(quantileEdges([0, 0, 0, 1, 1], 4), [1]);
    assert.deepEqual(quantileEdges([0, 0, 0, 0, 1], 4), []);
    const binned = codeColumn('age', { codes: Int32Array.from([0, 1, 2, 1]), values: ['0', '(missing)', '2'] }, 1, [30, 50]);
    assert.deepEqual(
      binned.conditions.map((c) => segmentLabel([c])),
      ['age < 30', 'age in [30, 50)', 'age ≥ 50', 'age is missing'],
    );
    assert.deepEqual([...binned.codes], [0, 3, 2, 3]);
    const cat = codeColumn('plan', { codes: Int32Array.from([0, 1, 1, 2, 1, 0]), values: ['a', 'b', 'c'] }, 2);
    assert.deepEqual(cat.conditions, [
      { column: 'plan', value: 'b' },
      { column: 'plan', value: 'a' },
    ]);
    // The rows in no searched value are coded conditions.length.
    assert.deepEqual([...cat.codes], [1, 0, 0, 2, 0, 1]);
  });

  it('plans string inputs as categories and numeric inputs by the reference bins, saying why a column is left out', function () {
    const none = segmentPlan(spec());
    assert.deepEqual(none.columns, ['plan']);
    assert.deepEqual(
      none.skipped.map((s) => s.column),
      ['age', 'income'],
    );
    const values = Array.from({ length: 100 }, (_, i) => i);
    const numeric = (uniques: number) => ({ kind: 'numeric', uniques, sample: { values, exact: true } });
    const profile = { columns: { age: numeric(100), income: numeric(5), plan: { kind: 'categorical' } } } as unknown as ReferenceProfile;
    const plan = segmentPlan(spec(), profile);
    assert.deepEqual(plan.columns, ['age', 'income', 'plan']);
    assert.deepEqual(plan.bins, { age: [10, 20, 30, 40, 50, 60, 70, 80, 90] });
    assert.deepEqual(segmentPlan(spec({ segments: { search: false } }), profile).columns, []);
    assert.deepEqual(segmentPlan(spec({ segments: {} }), profile).columns, ['age', 'income', 'plan'], 'on unless the config turns it off');
  });

  it('picks the loss from the primary metric and finds a planted weak segment in a window of collected rows', function () {
    assert.equal(lossKind('binary', 'roc_auc'), 'log_loss');
    assert.equal(lossKind('binary', 'f1'), 'error');
    assert.equal(lossKind('regression', 'mae'), 'absolute_error');
    assert.equal(lossKind('regression', 'r2'), 'squared_error');
    const n = 4000;
    const plans = ['basic', 'student', 'family'];
    const codes = Int32Array.from({ length: n }, (_, i) => i % 3);
    const yTrue = Int32Array.from({ length: n }, (_, i) => (i * 7919) % 2);
    // Right on every row but a third of the students.
    const yPred = Int32Array.from(yTrue, (y, i) => (codes[i] === 1 && i % 9 < 3 ? 1 - y : y));
    const proba = new Float64Array(2 * n);
    yPred.forEach((p, i) => {
      proba[2 * i + p] = 0.9;
      proba[2 * i + 1 - p] = 0.1;
    });
    const c: Collected = {
      task: 'binary',
      rows: n,
      rowsRead: n,
      droppedRows: 0,
      invalid: [],
      yTrueClass: yTrue,
      yPredClass: yPred,
      proba,
      labels: ['0', '1'],
      search: { rows: n, position: Int32Array.from({ length: n }, (_, i) => i), columns: { plan: { codes: Uint8Array.from(codes), values: plans } } },
    };
    assert.deepEqual([...rowLoss(c, 'error').subarray(0, 6)], [0, 1, 0, 0, 0, 0]);
    const report = searchWindow(c, { spec: spec(), plan: segmentPlan(spec()), nClasses: 2, positiveIndex: 1, overall: 0.9, confidence: 0.95 })!;
    assert.equal(report.loss, 'error');
    assert.equal(report.worst[0]!.label, 'plan = "student"');
    assert.equal(report.worst[0]!.rows, 1333);
    close(report.worst[0]!.metric!, 1 - 1 / 3, 0.01, 'the segment accuracy');
    assert.ok(report.worst[0]!.pAdjusted < 1e-6);
    assert.equal(report.tested, 3);
    assert.equal(report.sampledFrom, undefined);
    // A window larger than the search's rows is searched on a seeded sample: the same rows every time, the same weak segment.
    const options = { spec: spec(), plan: segmentPlan(spec()), nClasses: 2, positiveIndex: 1, overall: 0.9, confidence: 0.95 };
    const half = Math.floor(c.rows / 2);
    const sampled = searchWindow(c, options, half)!;
    assert.equal(sampled.rows, half);
    assert.equal(sampled.sampledFrom, c.rows);
    assert.equal(sampled.worst[0]!.label, 'plan = "student"');
    assert.ok(Math.abs(sampled.worst[0]!.rows - 1333 / 2) < 100, `${sampled.worst[0]!.rows} sampled rows of the segment`);
    assert.deepEqual(searchWindow(c, options, half), sampled);
    // Against a reference that had the same gap: not grown, unless the reference measured it on fewer
    // rows than min_rows (200), which is then no baseline and the segment is tested on its own gap.
    const student = report.worst[0]!;
    const withBaseline = (rows: number) =>
      searchWindow(c, {
        ...options,
        baseline: { loss: 'error', statistic: report.statistic, gaps: { [whereKey(student.where)]: [rows, student.diff.value, 1e-4] } },
      })!;
    const known = withBaseline(1000);
    assert.equal(known.againstReference, 1);
    assert.equal(known.significant, 0, 'a gap the reference had is not news');
    const thin = withBaseline(50);
    assert.equal(thin.againstReference, 0);
    assert.equal(thin.worst[0]!.label, 'plan = "student"');
    assert.equal(thin.worst[0]!.referenceGap, undefined);
  });

  it('samples rows without replacement, ascending, each row as likely as another', function () {
    const n = 100_000;
    const m = 20_000;
    const idx = sampleRows(n, m, 7);
    assert.equal(idx.length, m);
    for (let i = 1; i < m; i++) assert.ok(idx[i]! > idx[i - 1]!, `row ${idx[i]} after ${idx[i - 1]}`);
    assert.ok(idx[0]! >= 0 && idx[m - 1]! < n);
    // Each decile of the rows holds about a tenth of the sample (binomial sd ≈ 42 rows).
    const deciles = new Array<number>(10).fill(0);
    for (const r of idx) deciles[Math.floor((10 * r) / n)]!++;
    for (const d of deciles) assert.ok(Math.abs(d - m / 10) < 250, `deciles ${deciles.join(', ')}`);
    assert.deepEqual(sampleRows(n, m, 7), idx);
    assert.notDeepEqual(sampleRows(n, m, 8), idx);
  });

  it('computes the binary log loss and its excess in one pass as the two functions do', function () {
    const n = 1000;
    const proba = new Float32Array(2 * n);
    const yTrue = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const p = ((i * 7919) % 1000) / 1000;
      proba[2 * i] = 1 - p;
      proba[2 * i + 1] = p;
      yTrue[i] = (i * 31) % 3 === 0 ? 1 : 0;
    }
    const c = {
      task: 'binary',
      rows: n,
      rowsRead: n,
      droppedRows: 0,
      invalid: [],
      yTrueClass: yTrue,
      yPredClass: yTrue,
      proba,
      labels: ['0', '1'],
    } as Collected;
    const { losses, tested } = lossAndTested(c, 'log_loss');
    const loss = rowLoss(c, 'log_loss');
    const excess = excessLoss(c, 'log_loss', loss);
    for (let i = 0; i < n; i++) {
      close(losses[i]!, loss[i]!, 1e-12, `loss of row ${i}`);
      close(tested[i]!, excess[i]!, 1e-12, `excess of row ${i}`);
    }
  });

  it('validates models[].segments at load, naming the model and the field', function () {
    const refuse = (extra: string): string => {
      try {
        parseConfig(`models:${modelYaml({ extra })}`, { name: 'upkeep.yaml', baseDir: '/srv/upkeep' });
      } catch (err) {
        assert.ok(isUpkeepError(err, 'InvalidConfig'));
        return err.message;
      }
      return assert.fail('expected the config to be refused');
    };
    assert.match(refuse('    segments: { min_rows: 5 }'), /models\[0\] \(churn\): segments\.min_rows: /);
    assert.match(refuse('    segments: { max_segments: 0 }'), /models\[0\] \(churn\): segments\.max_segments: /);
    assert.match(refuse('    segments: { columns: [a, a] }'), /models\[0\] \(churn\): segments\.columns\[1\]: column a is listed twice/);
    assert.match(refuse('    segments: { columns: [y] }'), /segments\.columns\[0\]: y is the label column/);
    assert.match(refuse('    segments: { serch: true }'), /unknown key serch/);
    const ok = parseConfig(`models:${modelYaml({ extra: '    segments: { pairs: false, columns: [a] }' })}`, { name: 'upkeep.yaml', baseDir: '/srv/upkeep' });
    assert.deepEqual(ok.models[0]!.segments, {
      search: true,
      min_rows: 200,
      max_segments: 1000,
      pairs: false,
      columns: ['a'],
      bins: 10,
      alpha: 0.05,
      report: 3,
    });
  });
});

describe('weak segment search against the reference', function () {
  const s = golden.search;
  const columns = (): CodedColumn[] => [column('a', s.a), column('b', s.b)];
  const settings = { minRows: s.minRows, maxSegments: 1000, pairs: true, alpha: s.alpha, confidence: 0.95, report: 3 };

  it('judges a segment by how much its gap grew since the reference: a gap it always had is not a finding', function () {
    const loss = Float64Array.from(s.loss);
    const baseline = segmentBaseline(loss, columns(), settings);
    assert.equal(Object.keys(baseline).length, s.tested);
    // The same rows as reference: every gap is what it was, nothing grew.
    const same = searchSegments(loss, columns(), settings, (key) => baseline[key]);
    assert.equal(same.significant, 0);
    assert.equal(same.againstReference, s.tested);
    // A reference where no segment differed: the planted cell is found again, its reference gap reported.
    const flat = searchSegments(loss, columns(), settings, () => ({ diff: 0, variance: 1e-6 }));
    assert.equal(segmentLabel(flat.worst[0]!.where), 'a = "3" and b = "1"');
    assert.equal(flat.worst[0]!.referenceGap, 0);
  });

  it('refuses a stored profile whose segment gaps are not [rows, gap, variance] of finite numbers', function () {
    const profile = (segments: unknown): unknown => ({
      schema: 'upkeep.reference-profile/v1',
      rows: 1,
      columns: {},
      createdAt: '2026-01-01T00:00:00.000Z',
      source: 'test',
      settings: {},
      segments,
    });
    assert.equal(
      parseReferenceProfile(profile({ loss: 'error', statistic: 'excess_loss', gaps: { k: [40, 0.1, 0.01] } }), 'ref.json').segments!.gaps.k![0],
      40,
    );
    assert.throws(
      () => parseReferenceProfile(profile({ loss: 'error', statistic: 'excess_loss', gaps: { k: [1, 'x', 0] } }), 'ref.json'),
      /segments\.gaps\["k"\] must be \[rows, gap, variance\]/,
    );
    assert.throws(() => parseReferenceProfile(profile({ loss: 'error', statistic: 'excess_loss', gaps: { k: [1, 0, -1] } }), 'ref.json'), /segments\.gaps/);
    assert.throws(() => parseReferenceProfile(profile([]), 'ref.json'), /segments must be/);
  });
});

describe('weak segment export', function () {
  it('lists the rows of each segment by key, or by file and row, with hostile values quoted and defused', function () {
    const table = {
      source: 'w.csv',
      rowCount: 4,
      columns: new Map<string, unknown>([
        ['plan', { kind: 'string', values: ['student', 'basic', 'student', null] }],
        ['age', { kind: 'number', values: Float64Array.from([20, 35, 50, NaN]) }],
        ['id', { kind: 'string', values: ['=HYPERLINK("x")', 'b', 'c"d', 'e'] }],
      ]) as Map<string, Column>,
    } as Table;
    const seg = (where: WeakSegment['where']): WeakSegment => ({
      where,
      label: segmentLabel(where),
      rows: 0,
      metric: null,
      loss: 0,
      restLoss: 0,
      diff: { value: 0, low: 0, high: 0 },
      z: 0,
      p: 0,
      pAdjusted: 0,
    });
    const segments = [seg([{ column: 'plan', value: 'student' }]), seg([{ column: 'age', low: 30 }]), seg([{ column: 'plan', missing: true }])];
    const byKey = segmentRowsCsv({ modelId: 'churn', tables: [{ name: 'w.csv', table }], segments, key: 'id' });
    assert.equal(
      byKey.csv,
      [
        'segment,key',
        '"plan = ""student""","\'=HYPERLINK(""x"")"',
        '"age ≥ 30","b"',
        '"plan = ""student""","c""d"',
        '"age ≥ 30","c""d"',
        '"plan is missing","e"',
        '',
      ].join('\n'),
    );
    const byRow = segmentRowsCsv({ modelId: 'churn', tables: [{ name: 'w.csv', table }], segments: segments.slice(0, 1) });
    assert.equal(byRow.csv, 'segment,file,row\n"plan = ""student""","w.csv",1\n"plan = ""student""","w.csv",3\n');
    assert.throws(
      () => segmentRowsCsv({ modelId: 'churn', tables: [{ name: 'w.csv', table }], segments, key: 'row_id' }),
      /model churn: file w\.csv has no key column row_id \(data\.key\)/,
    );
  });
  it('says which named columns it did not search and why, escaped, instead of dropping them silently', function () {
    const report = {
      loss: 'log_loss',
      metric: 'roc_auc',
      overall: 0.8,
      overallLoss: 0.5,
      statistic: 'excess_loss',
      rows: 1000,
      columns: ['a'],
      skipped: [{ column: 'nope<b>', reason: 'not in the reference profile' }],
      tested: 10,
      againstReference: 10,
      correction: 'holm',
      alpha: 0.05,
      confidence: 0.95,
      significant: 0,
      worst: [],
    } as const;
    const text = segmentMarkdown(report as unknown as Parameters<typeof segmentMarkdown>[0], markdownText).join('\n');
    assert.match(text, /Not searched: nope\\<b\\> \(not in the reference profile\)\./);
  });
});
