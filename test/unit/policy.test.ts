import assert from 'node:assert/strict';
import { decideVerdict, estimatedRowsText, type VerdictInput } from '../../workflows/policy.js';

const snapshot = (files = 7, missing = 0): VerdictInput['snapshot'] => ({
  rows: files * 100,
  firstDay: '2026-11-18',
  lastDay: '2026-11-24',
  files: Array.from({ length: files }, (_, i) => ({ date: `d${i}`, sourceUri: '', uri: '', sha256: '', bytes: 0, rows: 100 })),
  missing: Array.from({ length: missing }, (_, i) => ({ date: `2026-11-2${i}`, sourceUri: '' })),
});
const evaluation = (
  metrics: Record<string, number | null>,
  rows = 700,
  extra: Partial<NonNullable<VerdictInput['evaluation']>> = {},
): VerdictInput['evaluation'] => ({
  rows,
  rowsRead: rows,
  droppedRows: 0,
  metrics,
  undefinedMetrics: {},
  ...extra,
});
const model = (thresholds: VerdictInput['model']['thresholds'], baseline: Record<string, number> = {}, minRows = 100): VerdictInput['model'] => ({
  primaryMetric: thresholds.metric,
  thresholds,
  baseline,
  minRows,
});

describe('the verdict policy', function () {
  const cases: { name: string; input: VerdictInput; status: string; first: string | RegExp }[] = [
    {
      name: 'healthy when the metric clears its minimum',
      input: { model: model({ metric: 'roc_auc', min: 0.7 }), snapshot: snapshot(), evaluation: evaluation({ roc_auc: 0.81 }) },
      status: 'healthy',
      first: 'roc_auc 0.81 is at or above the minimum 0.7',
    },
    {
      name: 'degraded below the minimum',
      input: { model: model({ metric: 'roc_auc', min: 0.7 }), snapshot: snapshot(), evaluation: evaluation({ roc_auc: 0.65 }) },
      status: 'degraded',
      first: 'roc_auc 0.65 is below the minimum 0.7',
    },
    {
      name: 'degraded when the drop from the baseline is too large, even above the minimum',
      input: {
        model: model({ metric: 'roc_auc', min: 0.7, max_drop: 0.05 }, { roc_auc: 0.85 }),
        snapshot: snapshot(),
        evaluation: evaluation({ roc_auc: 0.78 }),
      },
      status: 'degraded',
      first: 'roc_auc drop of 0.07 from the baseline 0.85 is more than the allowed 0.05',
    },
    {
      name: 'degraded when an error metric rises above its maximum',
      input: { model: model({ metric: 'rmse', max: 2 }), snapshot: snapshot(), evaluation: evaluation({ rmse: 2.5 }) },
      status: 'degraded',
      first: 'rmse 2.5 is above the maximum 2',
    },
    {
      name: 'degraded when an error metric rises too far above its baseline',
      input: { model: model({ metric: 'log_loss', max_drop: 0.1 }, { log_loss: 0.4 }), snapshot: snapshot(), evaluation: evaluation({ log_loss: 0.6 }) },
      status: 'degraded',
      first: 'log_loss rise of 0.2 from the baseline 0.4 is more than the allowed 0.1',
    },
    {
      name: 'insufficient-data when no file of the window exists',
      input: { model: model({ metric: 'roc_auc', min: 0.7 }), snapshot: snapshot(0, 7) },
      status: 'insufficient-data',
      first: 'no data files in window 2026-11-18..2026-11-24',
    },
    {
      name: 'insufficient-data below min_rows',
      input: { model: model({ metric: 'roc_auc', min: 0.7 }, {}, 1000), snapshot: snapshot(), evaluation: evaluation({ roc_auc: 0.9 }, 700) },
      status: 'insufficient-data',
      first: '700 labelled rows in window 2026-11-18..2026-11-24, fewer than min_rows 1000',
    },
    {
      name: 'insufficient-data naming the files of a one-shot evaluation, which has no window',
      input: {
        model: model({ metric: 'roc_auc', min: 0.7 }),
        snapshot: { ...snapshot(1), firstDay: '', lastDay: '', files: [{ ...snapshot(1).files[0]!, sourceUri: 'file:///data/2026-12-05.parquet' }] },
        evaluation: evaluation({ roc_auc: null }, 0),
      },
      status: 'insufficient-data',
      first: 'no labelled rows in 2026-12-05.parquet',
    },
    {
      name: 'insufficient-data, never healthy, when the primary metric is undefined',
      input: {
        model: model({ metric: 'roc_auc', min: 0.7 }),
        snapshot: snapshot(),
        evaluation: evaluation({ roc_auc: null }, 700, { undefinedMetrics: { roc_auc: 'Only one class is present in y_true' } }),
      },
      status: 'insufficient-data',
      first: 'roc_auc is undefined on this window: Only one class is present in y_true',
    },
    {
      name: 'failing when the data could not be evaluated',
      input: {
        model: model({ metric: 'roc_auc', min: 0.7 }),
        snapshot: snapshot(),
        failure: { type: 'SchemaMismatch', message: 'model m: file f.csv: column x is missing' },
      },
      status: 'failing',
      first: 'SchemaMismatch: model m: file f.csv: column x is missing',
    },
    {
      name: 'still healthy with missing days and dropped rows, which are listed after the decision',
      input: {
        model: model({ metric: 'roc_auc', min: 0.7 }),
        snapshot: snapshot(5, 2),
        evaluation: evaluation({ roc_auc: 0.8 }, 500, { rowsRead: 510, droppedRows: 10 }),
      },
      status: 'healthy',
      first: 'roc_auc 0.8 is at or above the minimum 0.7',
    },
  ];
  for (const c of cases) {
    it(`is ${c.name}`, function () {
      const v = decideVerdict(c.input);
      assert.equal(v.status, c.status);
      if (typeof c.first === 'string') assert.equal(v.reasons[0], c.first);
      else assert.match(v.reasons[0]!, c.first);
    });
  }

  it('lists missing days and dropped rows as reasons', function () {
    const v = decideVerdict({
      model: model({ metric: 'roc_auc', min: 0.7 }),
      snapshot: snapshot(5, 2),
      evaluation: evaluation({ roc_auc: 0.8 }, 500, { rowsRead: 510, droppedRows: 10 }),
    });
    assert.deepEqual(v.reasons.slice(1), [
      '2 of 7 files missing from window 2026-11-18..2026-11-24: 2026-11-20, 2026-11-21',
      '10 of 510 rows dropped for missing or non-finite values',
    ]);
  });

  it('says days without rows for a window read by a query, not missing files', function () {
    const db = 'postgres://upkeep@db:5432/analytics';
    const queried = (files: number, missing: number): VerdictInput['snapshot'] => {
      const s = snapshot(files, missing);
      return { ...s, files: s.files.map((f) => ({ ...f, sourceUri: db })), missing: s.missing.map((m) => ({ ...m, sourceUri: db })) };
    };
    const some = decideVerdict({ model: model({ metric: 'roc_auc', min: 0.7 }), snapshot: queried(5, 2), evaluation: evaluation({ roc_auc: 0.8 }, 500) });
    assert.equal(some.reasons[1], '2 of 7 days of window 2026-11-18..2026-11-24 without rows from the query: 2026-11-20, 2026-11-21');
    const none = decideVerdict({ model: model({ metric: 'roc_auc', min: 0.7 }), snapshot: queried(0, 7) });
    assert.equal(none.status, 'insufficient-data');
    assert.equal(none.reasons[0], 'no rows from the query in window 2026-11-18..2026-11-24');
  });
});

describe('the verdict policy on a metric better than its baseline', function () {
  it('says so instead of reporting a negative drop', function () {
    const v = decideVerdict({
      model: { primaryMetric: 'roc_auc', thresholds: { metric: 'roc_auc', max_drop: 0.05 }, baseline: { roc_auc: 0.8 }, minRows: 1 },
      snapshot: { rows: 10, firstDay: 'a', lastDay: 'b', files: [{ date: 'a', sourceUri: '', uri: '', sha256: '', bytes: 0, rows: 10 }], missing: [] },
      evaluation: { rows: 10, rowsRead: 10, droppedRows: 0, metrics: { roc_auc: 0.83 }, undefinedMetrics: {} },
    });
    assert.deepEqual(v, { status: 'healthy', reasons: ['roc_auc 0.83 is no worse than the baseline 0.8'] });
  });
});

describe('the verdict policy with current conditions', function () {
  const base = {
    model: model({ metric: 'roc_auc', min: 0.7, max_drop: 0.05 }, { roc_auc: 0.8 }),
    snapshot: snapshot(),
  };
  const ci = (low: number, high: number, drop?: [number, number]) => ({
    metric: 'roc_auc',
    value: (low + high) / 2,
    low,
    high,
    confidence: 0.95,
    resamples: 200,
    seed: 0,
    ...(drop ? { drop: { value: 0, low: drop[0], high: drop[1] } } : {}),
  });

  it('is a warning, not degraded, when the interval of a metric below its minimum still contains the minimum', function () {
    const v = decideVerdict({
      ...base,
      model: model({ metric: 'roc_auc', min: 0.7 }),
      evaluation: evaluation({ roc_auc: 0.69 }, 700, { confidence: ci(0.66, 0.72) }),
    });
    assert.equal(v.status, 'warning');
    assert.equal(v.reasons[0], 'roc_auc 0.69 is below the minimum 0.7, but its 95% interval [0.66, 0.72] still contains it');
  });

  it('never says "no threshold is configured" beside a breach that the interval does not confirm, for a minimum, a maximum or a drop', function () {
    const rmse = (low: number, high: number) => ({ ...ci(low, high), metric: 'rmse' });
    const cases: { name: string; input: VerdictInput; reason: string }[] = [
      {
        name: 'rmse above its maximum',
        input: { ...base, model: model({ metric: 'rmse', max: 70 }), evaluation: evaluation({ rmse: 70.86 }, 700, { confidence: rmse(68.1, 73.4) }) },
        reason: 'rmse 70.86 is above the maximum 70, but its 95% interval [68.1, 73.4] still contains it',
      },
      {
        name: 'roc_auc below its minimum',
        input: { ...base, model: model({ metric: 'roc_auc', min: 0.7 }), evaluation: evaluation({ roc_auc: 0.69 }, 700, { confidence: ci(0.66, 0.72) }) },
        reason: 'roc_auc 0.69 is below the minimum 0.7, but its 95% interval [0.66, 0.72] still contains it',
      },
      {
        name: 'rmse rise beyond the allowed drop',
        input: {
          ...base,
          model: model({ metric: 'rmse', max_drop: 5 }, { rmse: 60 }),
          evaluation: evaluation({ rmse: 66 }, 700, { confidence: { ...rmse(63, 69), drop: { value: 6, low: 3, high: 9 } } }),
        },
        reason: 'rmse rise of 6 from the baseline 60 is more than the allowed 5, but the 95% interval of the rise [3, 9] still contains the allowed 5',
      },
    ];
    for (const c of cases) {
      const v = decideVerdict(c.input);
      assert.equal(v.status, 'warning', c.name);
      assert.deepEqual(v.reasons, [c.reason], c.name);
    }
  });

  it('says "no threshold is configured" only when none is, and names a max_drop without a baseline', function () {
    const none = decideVerdict({ ...base, model: model({ metric: 'rmse' }), evaluation: evaluation({ rmse: 70.86 }) });
    assert.deepEqual([none.status, none.reasons], ['healthy', ['rmse 70.86: no threshold is configured']]);
    // A registry version whose baseline lacks the metric: the drop cannot be measured.
    const noBaseline = decideVerdict({ ...base, model: model({ metric: 'rmse', max_drop: 5 }), evaluation: evaluation({ rmse: 70.86 }) });
    assert.deepEqual(noBaseline.reasons, ['rmse 70.86: thresholds.max_drop has no baseline value of rmse to measure from']);
  });

  it('is degraded when the whole interval is below the minimum', function () {
    const v = decideVerdict({
      ...base,
      model: model({ metric: 'roc_auc', min: 0.7 }),
      evaluation: evaluation({ roc_auc: 0.65 }, 700, { confidence: ci(0.62, 0.68) }),
    });
    assert.equal(v.status, 'degraded');
  });

  it('is a warning when the interval of the drop still contains the allowed drop', function () {
    const v = decideVerdict({ ...base, evaluation: evaluation({ roc_auc: 0.74 }, 700, { confidence: ci(0.71, 0.77, [0.03, 0.09]) }) });
    assert.equal(v.status, 'warning');
    assert.match(
      v.reasons[0]!,
      /^roc_auc drop of 0\.06 from the baseline 0\.8 is more than the allowed 0\.05, but the 95% interval of the drop \[0\.03, 0\.09\] still contains the allowed 0\.05$/,
    );
  });

  it('is a warning on dataset drift, naming the drifted columns and their tests', function () {
    const drift = {
      columns: {
        x1: { kind: 'numeric' as const, test: 'wasserstein', threshold: 0.1, score: 0.31, drifted: true, reference_rows: 5000, current_rows: 5000 },
        x2: { kind: 'numeric' as const, test: 'wasserstein', threshold: 0.1, score: 0.02, drifted: false, reference_rows: 5000, current_rows: 5000 },
      },
      dataset_drift: true,
      share_drifted: 0.5,
      drift_share: 0.5,
      drifted_columns: ['x1'],
    };
    const v = decideVerdict({ ...base, evaluation: evaluation({ roc_auc: 0.8 }, 700, { drift }) });
    assert.equal(v.status, 'warning');
    assert.equal(v.reasons[0], 'dataset drift: 1 of 2 columns drifted: x1 (wasserstein 0.31)');
  });

  it('lets the corrected family decide when the summary carries it, keeping each column as information', function () {
    const columns = {
      x1: { kind: 'numeric' as const, test: 'ks', threshold: 0.05, score: 0.03, drifted: true, reference_rows: 300, current_rows: 100 },
      x2: { kind: 'numeric' as const, test: 'ks', threshold: 0.05, score: 1e-9, drifted: true, reference_rows: 300, current_rows: 100 },
    };
    const alarm = (confirmed: string[]) => ({
      method: 'benjamini-hochberg' as const,
      level: 0.05,
      tested: 2,
      p_values: { x1: 0.03, x2: 1e-9 },
      columns: confirmed,
      label: false,
      prediction: false,
      raised: confirmed.length > 0,
    });
    const drift = (confirmed: string[]) => ({
      columns,
      dataset_drift: true,
      share_drifted: 1,
      drift_share: 0.5,
      drifted_columns: ['x1', 'x2'],
      alarm: alarm(confirmed),
    });
    const quiet = decideVerdict({ ...base, evaluation: evaluation({ roc_auc: 0.8 }, 700, { drift: drift([]) }) });
    assert.equal(quiet.status, 'healthy');
    const loud = decideVerdict({ ...base, evaluation: evaluation({ roc_auc: 0.8 }, 700, { drift: drift(['x2']) }) });
    assert.equal(loud.status, 'warning');
    assert.equal(loud.reasons[0], 'drift in x2 (ks 1e-9) (significant after Benjamini-Hochberg at 0.05 over 2 tests; dataset drift: 2 of 2 columns)');
  });

  it('never turns the verdict on an information-only quality finding', function () {
    const quality = {
      schemaBreak: false,
      issues: [{ severity: 'info' as const, column: 'x1', message: 'column x1: 1.0% of values outside the reference range' }],
    } as unknown as NonNullable<NonNullable<VerdictInput['evaluation']>['quality']>;
    assert.equal(decideVerdict({ ...base, evaluation: evaluation({ roc_auc: 0.8 }, 700, { quality }) }).status, 'healthy');
  });

  it('is failing on a schema break, naming the column, before looking at metrics', function () {
    const quality = {
      schemaBreak: true,
      issues: [{ severity: 'break' as const, column: 'x3', message: 'column x3: required column is missing from the current data' }],
    } as unknown as NonNullable<NonNullable<VerdictInput['evaluation']>['quality']>;
    const v = decideVerdict({ ...base, evaluation: evaluation({ roc_auc: 0.8 }, 700, { quality }) });
    assert.deepEqual(v, { status: 'failing', reasons: ['schema: column x3: required column is missing from the current data'] });
  });

  it('is a warning on a slow decline even when every threshold passes', function () {
    const trend = {
      metric: 'roc_auc',
      declining: true,
      slopePerWeek: -0.004,
      since: '2026-09-14',
      pValue: 0.01,
      points: 8,
      message: 'roc_auc falling 0.004 per week since 2026-09-14',
    };
    const v = decideVerdict({ ...base, evaluation: evaluation({ roc_auc: 0.8 }), trend });
    assert.equal(v.status, 'warning');
    assert.equal(v.reasons[0], 'slow decline: roc_auc falling 0.004 per week since 2026-09-14');
  });
});

describe('the verdict on an estimate (labels not yet known)', function () {
  const estimated = (value: number, reliable = true, rows = 900): NonNullable<VerdictInput['evaluation']>['estimated'] => ({
    method: 'cbpe',
    rows,
    metrics: { roc_auc: { value, lower: value - 0.02, upper: value + 0.02, method: 'cbpe' } },
    reliability: reliable
      ? { reliable: true, referenceError: 0.01 }
      : { reliable: false, referenceError: 0.12, why: 'the scores are poorly calibrated on the reference' },
    blindSpot: 'a change in the relation between inputs and labels that leaves the scores unchanged',
  });
  const few = (est: ReturnType<typeof estimated>, labelled = 12): VerdictInput['evaluation'] =>
    evaluation({ roc_auc: 0.9 }, labelled, { estimated: est, labels: { labelled, unlabelled: 900 - labelled } });

  it('is degraded with basis estimated when too few labels and the estimate breaches the minimum', function () {
    const v = decideVerdict({ model: model({ metric: 'roc_auc', min: 0.7 }), snapshot: snapshot(), evaluation: few(estimated(0.62)) });
    assert.equal(v.status, 'degraded');
    assert.equal(v.basis, 'estimated');
    assert.equal(v.reasons[0], 'estimated roc_auc 0.62 is below the minimum 0.7');
    assert.match(v.reasons[1]!, /^judged on the estimate \(CBPE on 900 scored rows, band \[0\.6, 0\.64\]\): 12 labelled rows, fewer than min_rows 100$/);
  });

  it('judges a window without any label on the estimate, the drop from the baseline too', function () {
    const v = decideVerdict({
      model: model({ metric: 'roc_auc', max_drop: 0.05 }, { roc_auc: 0.85 }),
      snapshot: snapshot(),
      evaluation: evaluation({}, 0, { estimated: estimated(0.84), labels: { labelled: 0, unlabelled: 900 } }),
    });
    assert.equal(v.status, 'healthy');
    assert.equal(v.basis, 'estimated');
    assert.equal(v.reasons[0], 'estimated roc_auc drop of 0.01 from the baseline 0.85 is within the allowed 0.05');
  });

  it('gives only a warning, naming why, when the estimate is unreliable', function () {
    const v = decideVerdict({ model: model({ metric: 'roc_auc', min: 0.7 }), snapshot: snapshot(), evaluation: few(estimated(0.62, false)) });
    assert.equal(v.status, 'warning');
    assert.equal(v.basis, 'estimated');
    assert.equal(v.reasons[0], 'the estimate is unreliable: the scores are poorly calibrated on the reference (calibration error on the reference 0.12)');
    assert.equal(v.reasons[1], 'estimated roc_auc 0.62 is below the minimum 0.7');
  });

  it('lets the realized metric decide when the labels suffice, the estimate reported beside it', function () {
    const v = decideVerdict({ model: model({ metric: 'roc_auc', min: 0.7 }), snapshot: snapshot(), evaluation: few(estimated(0.62), 500) });
    assert.equal(v.status, 'healthy');
    assert.equal(v.basis, 'realized');
    assert.equal(v.reasons[0], 'roc_auc 0.9 is at or above the minimum 0.7');
  });

  it('stays insufficient-data with too few labels and no estimate', function () {
    const v = decideVerdict({ model: model({ metric: 'roc_auc', min: 0.7 }), snapshot: snapshot(), evaluation: evaluation({ roc_auc: 0.9 }, 12) });
    assert.equal(v.status, 'insufficient-data');
    assert.equal(v.basis, undefined);
  });

  it('warns on multivariate drift, naming the columns that separate the window from the reference', function () {
    const v = decideVerdict({
      model: model({ metric: 'roc_auc', min: 0.7 }),
      snapshot: snapshot(),
      evaluation: evaluation({ roc_auc: 0.8 }, 700, {
        multivariate: {
          reconstruction: { error: 1.9, lower: 1.0, upper: 1.2, alert: true, components: 3, rows: 700 },
          domainClassifier: {
            auc: 0.71,
            threshold: 0.55,
            alert: true,
            features: [
              { column: 'x2', importance: 0.6 },
              { column: 'x1', importance: 0.3 },
            ],
            rows: { reference: 900, current: 700 },
          },
        },
      }),
    });
    assert.equal(v.status, 'warning');
    assert.deepEqual(v.reasons.slice(0, 2), [
      "multivariate drift: reconstruction error 1.9 is outside the reference's range [1, 1.2]",
      'multivariate drift: a classifier tells the window from the reference (cross-validated AUC 0.71, above 0.55); the columns that separate them most: x2, x1',
    ]);
  });
});

describe('the alert of an estimated verdict', function () {
  it('says how many of the estimated rows have no label yet, and no more than that when none has', function () {
    assert.equal(estimatedRowsText(1200, 1200), '1200 rows without labels');
    assert.equal(estimatedRowsText(223, 127), '223 rows, 127 of them without labels yet');
    assert.equal(estimatedRowsText(undefined, undefined), 'all rows without labels');
  });
});
