import assert from 'node:assert/strict';
import { coded } from '../helpers/fixtures.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../../engine/config/load.js';
import { isUpkeepError } from '../../engine/errors.js';
import { assessFairness, fairnessGated, type FairnessData } from '../../engine/evaluation/fairness/index.js';
import { fairnessSpec, groupColumns } from '../../domain/fairness-config.js';
import { gapValues, type FairnessReport } from '../../domain/fairness.js';
import { judgeGates, failedGateNames } from '../../domain/gates.js';
import { modelYaml } from '../helpers/config-text.js';
import { fairnessMarkdown } from '../../engine/evaluation/fairness/markdown.js';
import { fairnessSection } from '../../engine/pictures/fairness-html.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const golden = JSON.parse(readFileSync(path.join(here, '../fixtures/golden/fairness.json'), 'utf8')) as {
  cases: {
    name: string;
    task: 'binary' | 'multiclass' | 'regression';
    positive?: number;
    columns: Record<string, string[]>;
    yTrue: number[];
    yPred: number[];
    proba?: number[];
    families: Record<string, Record<string, number | Record<string, number>>>;
  }[];
};

function dataOf(c: (typeof golden.cases)[number]): FairnessData {
  if (c.task === 'regression') return { task: 'regression', yTrue: Float64Array.from(c.yTrue), yPred: Float64Array.from(c.yPred) };
  const k = c.proba!.length / c.yTrue.length;
  const base = { yTrue: Int32Array.from(c.yTrue), yPred: Int32Array.from(c.yPred), proba: Float64Array.from(c.proba!), nClasses: k };
  return c.task === 'binary' ? { task: 'binary', ...base, positive: c.positive! } : { task: 'multiclass', ...base };
}

function run(c: (typeof golden.cases)[number], metric: string, opts: { resamples?: number; min?: number; seed?: number } = {}): FairnessReport {
  const families = Object.keys(c.families);
  const spec = fairnessSpec.parse({
    columns: families.filter((f) => !f.includes(',')),
    intersections: families.filter((f) => f.includes(',')).map((f) => f.split(',')),
    min_group_rows: opts.min ?? 1,
  });
  const columns = Object.fromEntries(Object.entries(c.columns).map(([k, v]) => [k, coded(v)]));
  return assessFairness(dataOf(c), { metric, spec, columns, resamples: opts.resamples ?? 0, confidence: 0.95, seed: opts.seed ?? 0 });
}

const close = (actual: number | null | undefined, expected: number, what: string): void => {
  assert.ok(typeof actual === 'number' && Math.abs(actual - expected) <= 1e-12, `${what}: ${actual} vs fairlearn's ${expected}`);
};

describe('fairness across groups', function () {
  describe('matches fairlearn on golden windows', function () {
    for (const c of golden.cases) {
      const metrics = c.task === 'binary' ? ['roc_auc', 'accuracy'] : c.task === 'multiclass' ? ['accuracy', 'f1_macro'] : ['mae'];
      for (const metric of metrics) {
        it(`${c.name}: per-group rates, ${metric} per group, and the gaps between groups`, function () {
          const report = run(c, metric);
          for (const family of report.families) {
            const want = c.families[family.name]!;
            assert.equal(family.groups.length, Object.keys(want.rows as Record<string, number>).length);
            for (const g of family.groups) {
              assert.equal(g.rows, (want.rows as Record<string, number>)[g.value], `${family.name} ${g.value} rows`);
              close(g.metric, (want[metric] as Record<string, number>)[g.value]!, `${family.name} ${g.value} ${metric}`);
              if (c.task === 'binary') {
                close(g.selectionRate, (want.selection_rate as Record<string, number>)[g.value]!, `${g.value} selection rate`);
                close(g.truePositiveRate, (want.true_positive_rate as Record<string, number>)[g.value]!, `${g.value} TPR`);
                close(g.falsePositiveRate, (want.false_positive_rate as Record<string, number>)[g.value]!, `${g.value} FPR`);
              } else assert.equal(g.selectionRate, undefined);
            }
            close(family.gaps.metric_gap?.value, want[`${metric}_gap`] as number, `${family.name} ${metric} gap`);
            if (c.task === 'binary') {
              close(family.gaps.demographic_parity_difference?.value, want.demographic_parity_difference as number, `${family.name} DPD`);
              close(family.gaps.demographic_parity_ratio?.value, want.demographic_parity_ratio as number, `${family.name} DPR`);
              close(family.gaps.equalized_odds_difference?.value, want.equalized_odds_difference as number, `${family.name} EOD`);
            } else {
              assert.equal(family.gaps.demographic_parity_difference, undefined);
              assert.match(report.notDefined!, /binary models only/);
            }
          }
        });
      }
    }
  });

  it('leaves small groups out of the gaps, reports them as small, and says why a gap has too few groups', function () {
    const c = golden.cases[0]!;
    // Intersections have groups of 182..539 rows: with min_group_rows 300 only the largest ones count.
    const report = run(c, 'accuracy', { min: 300 });
    const inter = report.families.find((f) => f.name === 'sex,race')!;
    const judged = inter.groups.filter((g) => !g.small);
    assert.deepEqual(
      judged.map((g) => g.value),
      ['M & A', 'F & A', 'M & B'],
    );
    const rates = judged.map((g) => g.selectionRate!);
    close(inter.gaps.demographic_parity_difference!.value, Math.max(...rates) - Math.min(...rates), 'DPD over the large groups');
    const strict = run(c, 'accuracy', { min: 10_000 });
    const sex = strict.families.find((f) => f.name === 'sex')!;
    assert.equal(sex.gaps.metric_gap!.value, null);
    assert.match(sex.gaps.metric_gap!.why!, /fewer than two groups of sex have at least 10000 rows \(0 do\)/);
    const gated = fairnessGated(strict, fairnessSpec.parse({ columns: ['sex'], min_group_rows: 10_000, gates: { metric_gap: { max: 0.01 } } }));
    const outcomes = judgeGates(gated.filter((g) => g.name === 'metric_gap[sex]'));
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['not-judged'],
    );
  });

  it('gives every gap a seeded bootstrap interval around it, the same for the same seed', function () {
    const c = golden.cases[0]!;
    const a = run(c, 'roc_auc', { resamples: 60, seed: 7 });
    const b = run(c, 'roc_auc', { resamples: 60, seed: 7 });
    const other = run(c, 'roc_auc', { resamples: 60, seed: 8 });
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.families[0]!.gaps.metric_gap, other.families[0]!.gaps.metric_gap);
    for (const f of a.families) {
      for (const [name, gap] of Object.entries(f.gaps)) {
        assert.ok(gap.low! <= gap.value! + 0.02 && gap.high! >= gap.value! - 0.02, `${f.name} ${name}: ${gap.low} .. ${gap.value} .. ${gap.high}`);
        assert.ok(gap.low! < gap.high!, `${f.name} ${name} has a width`);
      }
      for (const g of f.groups) assert.ok(g.metricLow! <= g.metric! && g.metric! <= g.metricHigh!);
    }
  });

  it('covers the true demographic parity difference about 95% of the time (resampling within groups)', function () {
    this.timeout(60_000);
    // Two groups of 400 and 600 with selection rates 0.30 and 0.42: the true difference is 0.12.
    let rngState = 12345;
    const uniform = (): number => {
      rngState = (Math.imul(rngState, 1103515245) + 12345) >>> 0;
      return rngState / 2 ** 32;
    };
    const spec = fairnessSpec.parse({ columns: ['g'] });
    let covered = 0;
    const trials = 120;
    for (let t = 0; t < trials; t++) {
      const n = 1000;
      const group = Int32Array.from({ length: n }, (_, i) => (i < 400 ? 0 : 1));
      const yPred = Int32Array.from(group, (g) => (uniform() < (g === 0 ? 0.3 : 0.42) ? 1 : 0));
      const yTrue = Int32Array.from(yPred, () => (uniform() < 0.5 ? 1 : 0));
      const proba = new Float64Array(2 * n);
      yPred.forEach((p, i) => proba.set(p ? [0.2, 0.8] : [0.8, 0.2], 2 * i));
      const r = assessFairness(
        { task: 'binary', yTrue, yPred, proba, nClasses: 2, positive: 1 },
        { metric: 'accuracy', spec, columns: { g: { codes: group, values: ['a', 'b'] } }, resamples: 200, confidence: 0.95, seed: t },
      );
      const gap = r.families[0]!.gaps.demographic_parity_difference!;
      if (gap.low! <= 0.12 && 0.12 <= gap.high!) covered++;
    }
    assert.ok(covered / trials >= 0.88 && covered / trials <= 0.99, `coverage ${covered}/${trials}`);
  });

  it('draws groups of 20,000 rows or more from their closed-form standard errors, agreeing with resampling their rows', function () {
    this.timeout(60_000);
    let state = 777;
    const uniform = (): number => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state / 2 ** 32;
    };
    const n = 50_000;
    const group = Int32Array.from({ length: n }, (_, i) => (i < 22_000 ? 0 : 1));
    const yTrue = Int32Array.from(group, () => (uniform() < 0.4 ? 1 : 0));
    const score = Float64Array.from(yTrue, (y, i) => Math.min(0.999, Math.max(0.001, 0.3 + 0.35 * y + 0.05 * group[i]! + 0.9 * (uniform() - 0.5))));
    const yPred = Int32Array.from(score, (p) => (p >= 0.5 ? 1 : 0));
    const proba = new Float64Array(2 * n);
    score.forEach((p, i) => proba.set([1 - p, p], 2 * i));
    const spec = fairnessSpec.parse({ columns: ['g'] });
    const data: FairnessData = { task: 'binary', yTrue, yPred, proba, nClasses: 2, positive: 1 };
    const opts = { metric: 'roc_auc', spec, columns: { g: { codes: group, values: ['a', 'b'] } }, resamples: 400, confidence: 0.95, seed: 3 };
    const auto = assessFairness(data, opts).families[0]!;
    const rows = assessFairness(data, { ...opts, method: 'bootstrap' }).families[0]!;
    assert.ok(
      auto.groups.every((g) => g.interval === 'normal (delong standard error)'),
      JSON.stringify(auto.groups),
    );
    assert.ok(rows.groups.every((g) => g.interval === 'bootstrap'));
    for (const [name, a] of Object.entries(auto.gaps)) {
      const b = rows.gaps[name as keyof typeof rows.gaps]!;
      assert.equal(a.value, b.value);
      const width = b.high! - b.low!;
      assert.ok(
        Math.abs(a.low! - b.low!) < 0.15 * width && Math.abs(a.high! - b.high!) < 0.15 * width,
        `${name}: [${a.low}, ${a.high}] vs [${b.low}, ${b.high}]`,
      );
    }
  });

  it('rarely fails a gap gate on groups the model treats alike: the interval keeps noise from being confirmed', function () {
    this.timeout(60_000);
    // Two groups of 100 rows, the same selection and error rates: any gap is noise. The point estimate
    // of the equalized odds difference exceeds 0.1 in about half the windows; the judged gate fails in few.
    let state = 4242;
    const uniform = (): number => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state / 2 ** 32;
    };
    const spec = fairnessSpec.parse({
      columns: ['g'],
      gates: { demographic_parity_difference: { max: 0.1 }, equalized_odds_difference: { max: 0.1 }, metric_gap: { max: 0.1 } },
    });
    const trials = 150;
    let over = 0;
    const failed: Record<string, number> = {};
    for (let t = 0; t < trials; t++) {
      const n = 200;
      const group = Int32Array.from({ length: n }, (_, i) => (i < 100 ? 0 : 1));
      const yPred = Int32Array.from(group, () => (uniform() < 0.4 ? 1 : 0));
      const yTrue = Int32Array.from(yPred, (p) => (uniform() < (p ? 0.7 : 0.3) ? 1 : 0));
      const proba = new Float64Array(2 * n);
      yPred.forEach((p, i) => proba.set(p ? [0.2, 0.8] : [0.8, 0.2], 2 * i));
      const r = assessFairness(
        { task: 'binary', yTrue, yPred, proba, nClasses: 2, positive: 1 },
        { metric: 'accuracy', spec, columns: { g: { codes: group, values: ['a', 'b'] } }, resamples: 200, confidence: 0.95, seed: t },
      );
      if (r.families[0]!.gaps.equalized_odds_difference!.value! > 0.1) over++;
      for (const name of failedGateNames(judgeGates(fairnessGated(r, spec)))) failed[name] = (failed[name] ?? 0) + 1;
    }
    assert.ok(over / trials > 0.3, `the raw equalized odds difference exceeded 0.1 in ${over} of ${trials}`);
    for (const [name, k] of Object.entries(failed)) assert.ok(k / trials <= 0.05, `${name} failed in ${k} of ${trials} unchanged windows`);
  });

  it('turns the configured gates into named fairness gates that fail the verdict on a confirmed gap', function () {
    const c = golden.cases[0]!;
    const report = run(c, 'roc_auc', { resamples: 50 });
    const spec = fairnessSpec.parse({
      columns: ['sex', 'race'],
      gates: { demographic_parity_difference: { max: 0.05 }, demographic_parity_ratio: { min: 0.5 }, metric_gap: { max: 0.5 } },
    });
    const gated = fairnessGated({ ...report, families: report.families.filter((f) => !f.name.includes(',')) }, spec);
    assert.deepEqual(
      gated.map((g) => g.name),
      [
        'demographic_parity_difference[sex]',
        'demographic_parity_ratio[sex]',
        'metric_gap[sex]',
        'demographic_parity_difference[race]',
        'demographic_parity_ratio[race]',
        'metric_gap[race]',
      ],
    );
    assert.ok(gated.every((g) => g.kind === 'fairness' && g.interval?.method === 'bootstrap'));
    assert.equal(gated.find((g) => g.name === 'demographic_parity_ratio[sex]')!.lowerIsBetter, false);
    const failed = failedGateNames(judgeGates(gated));
    // sex's DPD is about 0.12 with an interval well above 0.05; the metric gaps are far below 0.5.
    assert.ok(failed.includes('demographic_parity_difference[sex]'), failed.join(', '));
    assert.ok(!failed.includes('metric_gap[sex]') && !failed.includes('metric_gap[race]'));
    assert.equal(gapValues(report)['metric_gap[sex]'], report.families[0]!.gaps.metric_gap!.value);
  });

  it("shows hostile group values escaped in the report's Markdown and HTML, small groups marked", function () {
    const hostile = '<img src=x onerror=alert(1)>|**x**';
    const values = Array.from({ length: 300 }, (_, i) => (i < 150 ? hostile : i < 290 ? 'b' : 'tiny'));
    const n = values.length;
    const yPred = Int32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const yTrue = Int32Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 1 : 0));
    const proba = new Float64Array(2 * n);
    yPred.forEach((p, i) => proba.set(p ? [0.3, 0.7] : [0.6, 0.4], 2 * i));
    const r = assessFairness(
      { task: 'binary', yTrue, yPred, proba, nClasses: 2, positive: 1 },
      { metric: 'accuracy', spec: fairnessSpec.parse({ columns: ['g'] }), columns: { g: coded(values) }, resamples: 20, confidence: 0.95, seed: 0 },
    );
    const md = fairnessMarkdown(r).join('\n');
    assert.doesNotMatch(md, /(?<!\\)<img|(?<!\\)\|\*\*x/);
    assert.ok(md.includes('\\<img src=x onerror=alert(1)\\>\\|\\*\\*x\\*\\*'), md);
    assert.match(md, /tiny \(small\) \| 10 \|/);
    const page = fairnessSection(r);
    assert.ok(!page.includes('<img') && page.includes('&#60;img src=x'), page);
  });

  describe('models[].fairness in upkeep.yaml', function () {
    const configError = (extra: string, task = 'binary'): string => {
      try {
        parseConfig(
          `models:${modelYaml({ extra })
            .replace('task: binary', `task: ${task}`)
            .replace('metric: roc_auc, min: 0.7', task === 'regression' ? 'metric: mae, max: 1' : 'metric: roc_auc, min: 0.7')}`,
          { name: 'upkeep.yaml', baseDir: '/srv/upkeep' },
        );
      } catch (err) {
        assert.ok(isUpkeepError(err, 'InvalidConfig'));
        return err.message;
      }
      assert.fail('expected the config to be refused');
    };

    it('reads the sensitive columns with the slice columns, each once, and defaults min_group_rows to 100', function () {
      const config = parseConfig(
        `models:${modelYaml({ extra: '    monitor: { segments: [region, sex] }\n    fairness: { columns: [sex, age_band], intersections: [[sex, race]], gates: { equalized_odds_difference: { max: 0.1 } } }\n' })}`,
        { name: 'upkeep.yaml', baseDir: '/srv/upkeep' },
      );
      const m = config.models[0]!;
      assert.equal(m.fairness!.min_group_rows, 100);
      assert.deepEqual(groupColumns(m), ['region', 'sex', 'age_band', 'race']);
    });

    it('refuses a gap gate the task does not define, unknown gates, duplicates and one-column intersections, naming model and field', function () {
      assert.equal(
        configError('    fairness: { columns: [sex], gates: { demographic_parity_difference: { max: 0.1 } } }\n', 'regression').split('\n')[0],
        'upkeep.yaml: models[0] (churn): fairness.gates.demographic_parity_difference: demographic_parity_difference needs a binary model (it rests on the positive class); this model is regression',
      );
      assert.match(
        configError('    fairness: { columns: [sex], gates: { parity: { max: 0.1 } } }\n'),
        /models\[0\] \(churn\): fairness\.gates: unknown key parity/,
      );
      assert.match(configError('    fairness: { columns: [sex, sex] }\n'), /models\[0\] \(churn\): fairness\.columns\[1\]: duplicate column sex/);
      assert.match(
        configError('    fairness: { columns: [sex], intersections: [[sex]] }\n'),
        /fairness\.intersections\[0\]: an intersection needs at least two columns/,
      );
      assert.match(configError('    fairness: { columns: [] }\n'), /fairness\.columns: name at least one sensitive column/);
      assert.match(
        configError('    fairness: { columns: [sex], gates: { demographic_parity_ratio: { min: 1.5 } } }\n'),
        /fairness\.gates\.demographic_parity_ratio\.min/,
      );
    });
  });
});
