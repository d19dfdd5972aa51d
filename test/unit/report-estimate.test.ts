import assert from 'node:assert/strict';

import type { EvaluationSummary } from '../../domain/evaluation.js';
import { buildReport, renderReportMarkdown } from '../../engine/evaluation/report.js';
import { specFor } from '../helpers/fixtures.js';

describe('the report of a window with labels still to come', () => {
  const spec = specFor({ task: 'binary', thresholds: { metric: 'roc_auc', min: 0.7 }, label: { column: 'y', positive: 1 } });
  const evaluation = (reliable: boolean): EvaluationSummary => ({
    rows: 40,
    rowsRead: 1000,
    droppedRows: 0,
    invalid: [],
    metrics: { roc_auc: 0.8 },
    undefinedMetrics: {},
    metricWarnings: {},
    warnings: [],
    labels: { labelled: 40, unlabelled: 960 },
    estimated: {
      method: 'cbpe',
      rows: 1000,
      metrics: { roc_auc: { value: 0.66, lower: 0.63, upper: 0.69, method: 'cbpe' }, accuracy: { value: 0.7, lower: 0.68, upper: 0.72, method: 'cbpe' } },
      reliability: reliable
        ? { reliable: true, referenceError: 0.012, windowError: 0.03 }
        : { reliable: false, referenceError: 0.11, why: 'the scores are poorly calibrated on the reference' },
      blindSpot: 'a change in how the label depends on the inputs that leaves the scores unchanged',
    },
    multivariate: {
      domainClassifier: { auc: 0.74, threshold: 0.55, alert: true, features: [{ column: 'x2', importance: 0.7 }], rows: { reference: 500, current: 1000 } },
    },
    durationMs: 1,
  });
  const report = (reliable: boolean) =>
    buildReport({
      model: { modelId: 'm', spec, artifactUri: 'file:///m.onnx', artifactSha256: 'b'.repeat(64), artifactBytes: 1 },
      snapshot: { uri: '', sha256: 'a'.repeat(64), rows: 1000, files: [], missing: [], firstDay: '2026-11-01', lastDay: '2026-11-07', windowEnd: 'x' } as never,
      evaluation: evaluation(reliable),
      verdict: { status: 'degraded', reasons: ['estimated roc_auc 0.66 is below the minimum 0.7'], basis: 'estimated' },
    });

  it('carries the estimate per metric, the label coverage and multivariate drift in its JSON', () => {
    const r = report(true);
    assert.deepEqual(r.estimated, {
      roc_auc: { value: 0.66, lower: 0.63, upper: 0.69, method: 'cbpe' },
      accuracy: { value: 0.7, lower: 0.68, upper: 0.72, method: 'cbpe' },
    });
    assert.deepEqual(r.labels, { labelled: 40, unlabelled: 960 });
    assert.equal(r.multivariate?.domainClassifier?.auc, 0.74);
  });

  it('shows realized and estimated side by side, the band, the method, reliability and the blind spot', () => {
    const md = renderReportMarkdown(report(true));
    assert.match(md, /40 labelled rows evaluated \(1000 read, 0 dropped, 960 scored without a label yet\)/);
    assert.match(md, /\| metric \| realized \(40 rows\) \| estimated \(1000 rows\) \| band \| baseline \| note \|/);
    assert.match(md, /\| roc_auc \(primary\) \| 0\.8000 \| 0\.6600 \| \[0\.6300, 0\.6900\] \| — \|/);
    assert.match(md, /\| accuracy \| — \| 0\.7000 \| \[0\.6800, 0\.7200\] \|/);
    assert.match(md, /Estimated by confidence-based performance estimation \(CBPE\) on 1000 scored rows.*The verdict was judged on it/);
    assert.match(md, /Reliability: the method's assumption holds \(calibration error 0\.0120 on the reference, 0\.0300 on this window's labelled rows\)/);
    assert.match(md, /\nBlind spot: a change in how the label depends on the inputs that leaves the scores unchanged\n/);
    assert.match(
      md,
      /## Multivariate drift\n\n- domain classifier: cross-validated AUC 0\.7400 .*\*\*told apart\*\*; the columns that separate them most: x2 \(0\.7000\)/,
    );
  });

  it('counts the classes of the labelled rows only, and shows no class table when no row has its label yet', () => {
    const r = report(true);
    r.evaluation!.labelCounts = { '0': 30, '1': 10 };
    r.evaluation!.predictionCounts = { '0': 28, '1': 12 };
    assert.match(
      renderReportMarkdown(r),
      /## Classes\n\nOn the 40 labelled rows \(the 960 without a label yet are not counted\)\.\n\n\| class \| true rows \| predicted rows \|/,
    );
    r.evaluation!.rows = 0;
    r.evaluation!.labels = { labelled: 0, unlabelled: 1000 };
    r.evaluation!.labelCounts = { '0': 0, '1': 0 };
    r.evaluation!.predictionCounts = {};
    assert.doesNotMatch(renderReportMarkdown(r), /## Classes/);
  });

  it('says plainly when the estimate is unreliable and why', () => {
    const md = renderReportMarkdown(report(false));
    assert.match(md, /Reliability: \*\*unreliable\*\*: the scores are poorly calibrated on the reference \(calibration error 0\.1100 on the reference\)/);
  });

  it('leaves out the window calibration error when there were too few labelled rows to measure it', () => {
    const r = report(true);
    r.evaluation!.estimated!.reliability.windowError = null;
    assert.match(renderReportMarkdown(r), /Reliability: the method's assumption holds \(calibration error 0\.0120 on the reference\)\./);
  });
});
