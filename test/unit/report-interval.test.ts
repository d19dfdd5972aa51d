import assert from 'node:assert/strict';

import { intervalMethod, renderReportMarkdown, type EvaluationReport } from '../../engine/evaluation/report.js';

describe('the report names the method behind the interval', () => {
  const base = { metric: 'roc_auc', value: 0.81, low: 0.8, high: 0.82, confidence: 0.95, resamples: 200, seed: 0 };

  it('for each method, and as the bootstrap for reports from before the method was recorded', () => {
    assert.equal(intervalMethod({ ...base, method: 'delong' }), "interval by DeLong's variance");
    assert.equal(intervalMethod({ ...base, method: 'wilson' }), 'Wilson interval');
    assert.equal(intervalMethod({ ...base, method: 'clt' }), 'normal (central limit) interval');
    assert.equal(intervalMethod({ ...base, method: 'delta' }), 'delta-method interval');
    assert.equal(intervalMethod({ ...base, method: 'bootstrap' }), 'bootstrap interval (200 resamples, seed 0)');
    assert.equal(intervalMethod(base), 'bootstrap interval (200 resamples, seed 0)');
  });

  it('in the Significance section of the Markdown report', () => {
    const report = {
      modelId: 'm',
      task: 'binary',
      owner: 'o',
      verdict: { status: 'healthy', reasons: [] },
      window: { firstDay: '2026-11-01', lastDay: '2026-11-07', end: '2026-11-08T00:00:00Z', timezone: 'UTC' },
      snapshot: { files: [], missing: [], sha256: 'a'.repeat(64), rows: 0 },
      model: { sha256: 'b'.repeat(64), bytes: 1, artifactUri: 'file:///m.onnx' },
      thresholds: { metric: 'roc_auc', min: 0.7 },
      baseline: {},
      rows: 0,
      metrics: {},
      confidence: { ...base, method: 'delong', drop: { value: 0.04, low: 0.03, high: 0.05 } },
    } as unknown as EvaluationReport;
    const md = renderReportMarkdown(report);
    assert.match(
      md,
      /## Significance\n\nroc_auc 0\.8100, 95% interval by DeLong's variance \[0\.8000, 0\.8200\]\.\nDrop from the baseline: 0\.0400 \[0\.0300, 0\.0500\]\./,
    );
  });
});
