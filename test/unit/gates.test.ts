import assert from 'node:assert/strict';
import { failedGateNames, judgeGates, type GatedValue } from '../../domain/gates.js';
import { decideVerdict, type VerdictInput } from '../../workflows/policy.js';

const gated = (over: Partial<GatedValue>): GatedValue => ({ name: 'g', kind: 'business', value: 0.5, lowerIsBetter: false, gate: {}, ...over });

describe('gates beyond the primary metric (domain/gates.ts)', function () {
  it('passes, fails, or calls uncertain a breach its interval still reaches, for min and max', () => {
    const level = { level: 0.95, method: 'bootstrap' };
    const out = judgeGates([
      gated({ name: 'recall@p', value: 0.82, gate: { min: 0.8 } }),
      gated({ name: 'recall@p2', value: 0.7, gate: { min: 0.8 }, interval: { low: 0.6, high: 0.79, ...level } }),
      gated({ name: 'recall@p3', value: 0.7, gate: { min: 0.8 }, interval: { low: 0.6, high: 0.85, ...level } }),
      gated({ name: 'cost', value: 1200, lowerIsBetter: true, gate: { max: 1000 }, interval: { low: 900, high: 1500, ...level } }),
      gated({ name: 'gap', kind: 'fairness', value: 0.3, lowerIsBetter: true, gate: { max: 0.1 } }),
    ]);
    assert.deepEqual(
      out.map((o) => [o.name, o.bound, o.status]),
      [
        ['recall@p', 'min', 'passed'],
        ['recall@p2', 'min', 'failed'],
        ['recall@p3', 'min', 'uncertain'],
        ['cost', 'max', 'uncertain'],
        ['gap', 'max', 'failed'],
      ],
    );
    assert.equal(out[2]!.text, 'recall@p3 0.7 is below the minimum 0.8, but its 95% interval [0.6, 0.85] still contains it');
    assert.deepEqual(failedGateNames(out), ['recall@p2', 'gap']);
  });

  it('measures max_drop from the baseline in the worse direction, and says when there is none', () => {
    const out = judgeGates([
      gated({ name: 'a', value: 0.7, baseline: 0.8, gate: { max_drop: 0.05 } }),
      gated({ name: 'b', value: 0.78, baseline: 0.8, gate: { max_drop: 0.05 } }),
      gated({ name: 'c', value: 130, lowerIsBetter: true, baseline: 100, gate: { max_drop: 20 }, drop: { value: 30, low: 10, high: 50 } }),
      gated({ name: 'd', value: 0.7, gate: { max_drop: 0.05 } }),
    ]);
    assert.deepEqual(
      out.map((o) => o.status),
      ['failed', 'passed', 'uncertain', 'not-judged'],
    );
    assert.match(out[2]!.text, /^c rise of 30 from the baseline 100 is more than the allowed 20/);
  });

  it('never judges a value that is undefined or rests on too few rows', () => {
    const out = judgeGates([
      gated({ name: 'u', value: null, why: 'no positive label', gate: { min: 0.5 } }),
      gated({ name: 's', kind: 'fairness', value: 0.9, small: true, why: 'group sex=x has 12 rows', lowerIsBetter: true, gate: { max: 0.1 } }),
    ]);
    assert.deepEqual(
      out.map((o) => [o.status, o.text]),
      [
        ['not-judged', 'u: not judged (no positive label)'],
        ['not-judged', 's: not judged (group sex=x has 12 rows)'],
      ],
    );
  });

  it('degrades the verdict and names each failing gate, while the primary metric passes', () => {
    const input: VerdictInput = {
      model: { primaryMetric: 'roc_auc', thresholds: { metric: 'roc_auc', min: 0.7 }, baseline: {}, minRows: 100 },
      snapshot: {
        rows: 700,
        firstDay: '2026-11-18',
        lastDay: '2026-11-24',
        files: [{ date: 'd', sourceUri: '', uri: '', sha256: '', bytes: 0, rows: 700 }],
        missing: [],
      },
      evaluation: {
        rows: 700,
        rowsRead: 700,
        droppedRows: 0,
        metrics: { roc_auc: 0.9 },
        undefinedMetrics: {},
        gated: [gated({ name: 'cost', value: 5, lowerIsBetter: true, gate: { max: 3 } }), gated({ name: 'recall@p', value: 0.9, gate: { min: 0.8 } })],
      },
    };
    const v = decideVerdict(input);
    assert.equal(v.status, 'degraded');
    assert.deepEqual(v.failedGates, ['cost']);
    assert.equal(v.reasons[0], 'cost 5 is above the maximum 3');
    const healthy = decideVerdict({ ...input, evaluation: { ...input.evaluation!, gated: [gated({ name: 'recall@p', value: 0.9, gate: { min: 0.8 } })] } });
    assert.equal(healthy.status, 'healthy');
    assert.equal(healthy.failedGates, undefined);
    assert.ok(healthy.reasons.includes('recall@p 0.9 is at or above the minimum 0.8'));
  });
});
