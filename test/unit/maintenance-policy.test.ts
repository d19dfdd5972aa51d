import assert from 'node:assert/strict';
import type { ConfidenceSummary, VerdictStatus } from '../../domain/evaluation.js';
import { describeCoverage, trainingCoverage, type CandidateInfo, type LastRetrainRequest } from '../../domain/maintenance.js';
import { compareOnHoldout, retrainRequest, shouldRetrain, type CompareInput } from '../../workflows/policy.js';

const HOLDOUT: CompareInput['holdout'] = {
  uri: 'file:///store/holdout.json',
  sha256: 'f'.repeat(64),
  rows: 800,
  firstDay: '2026-03-01',
  lastDay: '2026-03-07',
};
const CHAMPION = 'aaaaaaaaaaaa';
const CHALLENGER = 'bbbbbbbbbbbb';

type Summary = CompareInput['champion']['summary'];
const summary = (metrics: Record<string, number | null>, extra: Partial<Summary> = {}): Summary => ({ metrics, undefinedMetrics: {}, ...extra });
const interval = (metric: string, low: number, high: number): ConfidenceSummary => ({
  metric,
  value: (low + high) / 2,
  low,
  high,
  confidence: 0.95,
  resamples: 200,
  seed: 0,
});

function compare(metric: string, champion: Summary, challenger: Summary, minImprovement = 0) {
  return compareOnHoldout({
    metric,
    minImprovement,
    holdout: HOLDOUT,
    champion: { version: CHAMPION, summary: champion },
    challenger: { version: CHALLENGER, summary: challenger },
  });
}

describe('the retrain trigger policy', function () {
  const expected: Record<VerdictStatus, Record<'degraded' | 'failing' | 'never', boolean>> = {
    healthy: { degraded: false, failing: false, never: false },
    'insufficient-data': { degraded: false, failing: false, never: false },
    warning: { degraded: false, failing: false, never: false },
    degraded: { degraded: true, failing: false, never: false },
    failing: { degraded: true, failing: true, never: false },
  };
  for (const [status, byOn] of Object.entries(expected) as [VerdictStatus, Record<'degraded' | 'failing' | 'never', boolean>][]) {
    for (const [on, want] of Object.entries(byOn) as ['degraded' | 'failing' | 'never', boolean][]) {
      it(`${want ? 'asks' : 'does not ask'} for a retrain on ${/^[aeiou]/.test(status) ? 'an' : 'a'} ${status} verdict with retrain.on ${on}`, function () {
        assert.equal(shouldRetrain(status, on), want);
      });
    }
  }
});

describe('the champion-challenger comparison on the holdout', function () {
  it('recommends a challenger that is better by more than min_improvement and says by how much', function () {
    const c = compare('roc_auc', summary({ roc_auc: 0.75 }), summary({ roc_auc: 0.875 }), 0.0625);
    assert.equal(c.recommended, true);
    assert.equal(c.higherIsBetter, true);
    assert.equal(c.reason, `challenger ${CHALLENGER} roc_auc 0.875 vs champion 0.75 (+0.125 better): recommended`);
    assert.deepEqual(c.holdout, HOLDOUT);
    assert.deepEqual(c.champion, { version: CHAMPION, value: 0.75, low: null, high: null, metrics: { roc_auc: 0.75 } });
    assert.deepEqual(c.challenger, { version: CHALLENGER, value: 0.875, low: null, high: null, metrics: { roc_auc: 0.875 } });
  });

  it('does not recommend a challenger equal to the champion', function () {
    const c = compare('roc_auc', summary({ roc_auc: 0.8 }), summary({ roc_auc: 0.8 }));
    assert.equal(c.recommended, false);
    assert.equal(c.reason, `challenger ${CHALLENGER} roc_auc 0.8 is not better than champion ${CHAMPION} 0.8 by more than 0: not recommended`);
  });

  it('does not recommend a challenger whose improvement equals min_improvement', function () {
    const c = compare('roc_auc', summary({ roc_auc: 0.75 }), summary({ roc_auc: 0.8125 }), 0.0625);
    assert.equal(c.recommended, false);
    assert.equal(c.reason, `challenger ${CHALLENGER} roc_auc 0.8125 is not better than champion ${CHAMPION} 0.75 by more than 0.0625: not recommended`);
  });

  it('does not recommend a challenger that is better by less than min_improvement', function () {
    const c = compare('roc_auc', summary({ roc_auc: 0.75 }), summary({ roc_auc: 0.78125 }), 0.0625);
    assert.equal(c.recommended, false);
  });

  it('treats a lower log_loss as better', function () {
    const c = compare('log_loss', summary({ log_loss: 0.5 }), summary({ log_loss: 0.25 }), 0.125);
    assert.equal(c.higherIsBetter, false);
    assert.equal(c.recommended, true);
    assert.equal(c.reason, `challenger ${CHALLENGER} log_loss 0.25 vs champion 0.5 (+0.25 better): recommended`);
    assert.deepEqual(c.rows, [{ metric: 'log_loss', champion: 0.5, challenger: 0.25, delta: -0.25, better: 'challenger' }]);
  });

  it('does not recommend a challenger with a higher log_loss', function () {
    const c = compare('log_loss', summary({ log_loss: 0.25 }), summary({ log_loss: 0.5 }));
    assert.equal(c.recommended, false);
    assert.equal(c.reason, `challenger ${CHALLENGER} log_loss 0.5 is not better than champion ${CHAMPION} 0.25 by more than 0: not recommended`);
    assert.deepEqual(c.rows, [{ metric: 'log_loss', champion: 0.25, challenger: 0.5, delta: 0.25, better: 'champion' }]);
  });

  it('does not recommend when the challenger metric is undefined and gives the reason', function () {
    const c = compare(
      'roc_auc',
      summary({ roc_auc: 0.8, accuracy: 0.75 }),
      summary({ roc_auc: null, accuracy: 0.875 }, { undefinedMetrics: { roc_auc: 'only one class in the holdout' } }),
    );
    assert.equal(c.recommended, false);
    assert.equal(c.reason, `roc_auc is undefined on the holdout for challenger ${CHALLENGER} (only one class in the holdout): not recommended`);
    assert.equal(c.challenger.value, null);
    assert.deepEqual(c.rows[0], { metric: 'roc_auc', champion: 0.8, challenger: null, delta: null, better: null });
  });

  it('does not recommend when the champion metric is undefined, even against a defined challenger', function () {
    const c = compare('roc_auc', summary({ roc_auc: null }, { undefinedMetrics: { roc_auc: 'no positive labels' } }), summary({ roc_auc: 0.9 }));
    assert.equal(c.recommended, false);
    assert.equal(c.reason, `roc_auc is undefined on the holdout for champion ${CHAMPION} (no positive labels): not recommended`);
  });

  it('leaves the parenthesis out when no reason for the undefined metric was recorded', function () {
    const c = compare('roc_auc', summary({ roc_auc: null }), summary({ roc_auc: 0.9 }));
    assert.equal(c.reason, `roc_auc is undefined on the holdout for champion ${CHAMPION}: not recommended`);
  });

  it('tabulates shared metrics with the primary metric first, the delta and the side each favours', function () {
    const c = compare(
      'roc_auc',
      summary({ accuracy: 0.875, log_loss: 0.5, roc_auc: 0.75, f1: 0.5, average_precision: 0.625 }),
      summary({ accuracy: 0.75, log_loss: 0.25, roc_auc: 0.875, f1: 0.5, brier: 0.125 }),
    );
    assert.deepEqual(c.rows, [
      { metric: 'roc_auc', champion: 0.75, challenger: 0.875, delta: 0.125, better: 'challenger' },
      { metric: 'accuracy', champion: 0.875, challenger: 0.75, delta: -0.125, better: 'champion' },
      { metric: 'log_loss', champion: 0.5, challenger: 0.25, delta: -0.25, better: 'challenger' },
      { metric: 'f1', champion: 0.5, challenger: 0.5, delta: 0, better: 'same' },
    ]);
  });

  it('says the confidence intervals overlap when they do', function () {
    const c = compare(
      'roc_auc',
      summary({ roc_auc: 0.75 }, { confidence: interval('roc_auc', 0.7, 0.8) }),
      summary({ roc_auc: 0.875 }, { confidence: interval('roc_auc', 0.78, 0.9) }),
    );
    assert.equal(c.recommended, true);
    assert.equal(c.reason, `challenger ${CHALLENGER} roc_auc 0.875 vs champion 0.75 (+0.125 better; the confidence intervals overlap): recommended`);
    assert.equal(c.champion.low, 0.7);
    assert.equal(c.champion.high, 0.8);
    assert.equal(c.challenger.low, 0.78);
    assert.equal(c.challenger.high, 0.9);
  });

  it('says the confidence intervals do not overlap when they are disjoint', function () {
    const c = compare(
      'roc_auc',
      summary({ roc_auc: 0.75 }, { confidence: interval('roc_auc', 0.7, 0.8) }),
      summary({ roc_auc: 0.875 }, { confidence: interval('roc_auc', 0.85, 0.9) }),
    );
    assert.equal(c.reason, `challenger ${CHALLENGER} roc_auc 0.875 vs champion 0.75 (+0.125 better; the confidence intervals do not overlap): recommended`);
  });

  it('counts intervals that only touch as overlapping', function () {
    const c = compare(
      'roc_auc',
      summary({ roc_auc: 0.75 }, { confidence: interval('roc_auc', 0.7, 0.8) }),
      summary({ roc_auc: 0.875 }, { confidence: interval('roc_auc', 0.8, 0.9) }),
    );
    assert.match(c.reason, /; the confidence intervals overlap\)/);
  });

  it('mentions the intervals in a refusal too', function () {
    const c = compare(
      'roc_auc',
      summary({ roc_auc: 0.75 }, { confidence: interval('roc_auc', 0.7, 0.8) }),
      summary({ roc_auc: 0.8125 }, { confidence: interval('roc_auc', 0.76, 0.86) }),
      0.125,
    );
    assert.equal(c.recommended, false);
    assert.equal(
      c.reason,
      `challenger ${CHALLENGER} roc_auc 0.8125 is not better than champion ${CHAMPION} 0.75 by more than 0.125; the confidence intervals overlap: not recommended`,
    );
  });

  it('ignores intervals of another metric and intervals on one side only', function () {
    const otherMetric = compare(
      'roc_auc',
      summary({ roc_auc: 0.75 }, { confidence: interval('accuracy', 0.7, 0.8) }),
      summary({ roc_auc: 0.875 }, { confidence: interval('accuracy', 0.85, 0.9) }),
    );
    assert.equal(otherMetric.reason, `challenger ${CHALLENGER} roc_auc 0.875 vs champion 0.75 (+0.125 better): recommended`);
    assert.equal(otherMetric.champion.low, null);
    const oneSide = compare('roc_auc', summary({ roc_auc: 0.75 }, { confidence: interval('roc_auc', 0.7, 0.8) }), summary({ roc_auc: 0.875 }));
    assert.equal(oneSide.reason, `challenger ${CHALLENGER} roc_auc 0.875 vs champion 0.75 (+0.125 better): recommended`);
  });
});

describe('whether an evaluation asks for a retrain', function () {
  const now = Date.parse('2026-03-02T12:00:00.000Z');
  const DAY = 86_400_000;
  const last = (outcome: LastRetrainRequest['outcome'], at: string, champion = 'aaaaaaaaaaaa'): LastRetrainRequest => ({
    modelId: 'm',
    outcome,
    at,
    champion,
    workflowId: 'upkeep-retrain-m',
  });
  const ask = (over: Partial<Parameters<typeof retrainRequest>[0]>) =>
    retrainRequest({ status: 'degraded', on: 'degraded', evaluatedVersion: 'aaaaaaaaaaaa', last: null, cooldownMs: DAY, now, ...over });

  it('asks when the model degraded and it never had a request', function () {
    assert.deepEqual(ask({}), { ask: true, why: '' });
  });

  it('does not ask again within the cooldown after a rejection, and asks after it', function () {
    const rejected = last('retrain-rejected', '2026-03-02T06:00:00.000Z');
    assert.deepEqual(ask({ last: rejected }), {
      ask: false,
      why: 'the last retrain request closed retrain-rejected at 2026-03-02T06:00:00.000Z, within the cooldown',
    });
    assert.equal(ask({ last: rejected, now: now + DAY }).ask, true);
  });

  it('does not ask for a version that is no longer the champion', function () {
    const promoted = last('promoted', '2026-02-01T00:00:00.000Z', 'bbbbbbbbbbbb');
    assert.deepEqual(ask({ last: promoted }), { ask: false, why: 'version aaaaaaaaaaaa is no longer the champion (bbbbbbbbbbbb since the last request)' });
    assert.equal(ask({ last: promoted, evaluatedVersion: 'bbbbbbbbbbbb' }).ask, true);
  });

  it('does not ask when the verdict does not call for it', function () {
    assert.deepEqual(ask({ status: 'warning' }), { ask: false, why: 'retrain.on is degraded' });
  });
});

describe('the comparison: a candidate that still fails the threshold or trained on too little', function () {
  const day = (d: number): string => `2026-02-${String(d).padStart(2, '0')}`;
  /** A 28-day training window (Feb 1..28) with files on `withData` of its days, 150 rows each. */
  const coverageOf = (withData: number, rowsUsed?: number) => {
    const files = Array.from({ length: withData }, (_, i) => ({ date: day(28 - i), rows: 150 }));
    const missing = Array.from({ length: 28 - withData }, (_, i) => ({ date: day(i + 1) }));
    return trainingCoverage({ firstDay: day(1), lastDay: day(28), rows: 150 * withData, files, missing }, 28, 0.8, rowsUsed);
  };
  const candidate = (withData: number): CandidateInfo => ({
    version: CHALLENGER,
    trainer: 'builtin logistic regression',
    modelType: 'logistic regression (builtin trainer)',
    championModelType: 'tree ensemble classifier (TreeEnsembleClassifier, by skl2onnx)',
    training: coverageOf(withData),
  });
  const compareWith = (metric: string, champion: number, challenger: number, extra: Partial<CompareInput>) =>
    compareOnHoldout({
      metric,
      minImprovement: 0,
      holdout: HOLDOUT,
      champion: { version: CHAMPION, summary: summary({ [metric]: champion }) },
      challenger: { version: CHALLENGER, summary: summary({ [metric]: challenger }) },
      ...extra,
    });

  it('measures the days with data and names the missing ones: 3 of 28 days, 450 rows', function () {
    const c = coverageOf(3);
    assert.equal(c.daysWithData, 3);
    assert.equal(c.share, 3 / 28);
    assert.equal(c.missingDays.length, 25);
    assert.ok(
      describeCoverage(c).startsWith(
        'trained on 3 of the 28 days asked (2026-02-01..2026-02-28, 11%; no data on 25 days: 2026-02-01, 2026-02-02, 2026-02-03, 2026-02-04, 2026-',
      ),
      describeCoverage(c),
    );
    assert.match(describeCoverage(c), /2026-02-25\), 450 rows$/);
    assert.match(describeCoverage(coverageOf(28, 4000)), /trained on 28 of the 28 days asked .*100%\), 4000 of 4200 rows \(200 dropped\)$/);
  });

  it("does not recommend a better candidate that still fails the model's threshold (brier 0.2213 > 0.18), and says so", function () {
    const c = compareWith('brier', 0.25, 0.2213, { thresholds: { max: 0.18 }, candidate: candidate(28) });
    assert.equal(c.better, true);
    assert.equal(c.recommended, false);
    assert.equal(c.stillFails, 'brier 0.2213 is above the maximum 0.18');
    assert.deepEqual(c.concerns, ["it still fails the model's threshold: brier 0.2213 is above the maximum 0.18"]);
    assert.match(c.reason, /\+0\.0287 better\), but not recommended: it still fails the model's threshold: brier 0\.2213 is above the maximum 0\.18$/);
  });

  it('does not recommend a candidate trained on fewer days than retrain.min_coverage asks (3 of 28), and names the days', function () {
    const c = compareWith('roc_auc', 0.7, 0.8, { thresholds: { min: 0.72 }, candidate: candidate(3) });
    assert.equal(c.better, true);
    assert.equal(c.recommended, false);
    assert.deepEqual(c.concerns, ['it trained on 3 of the 28 days asked (11%), below retrain.min_coverage 80%']);
    assert.match(c.reason, /not recommended: .*; trained on 3 of the 28 days asked .*no data on 25 days: 2026-02-01/);
    assert.equal(c.candidate?.championModelType, 'tree ensemble classifier (TreeEnsembleClassifier, by skl2onnx)');
  });

  it('recommends a candidate above min_coverage but still says it trained on fewer days than asked', function () {
    const c = compareWith('roc_auc', 0.7, 0.8, { thresholds: { min: 0.72 }, candidate: candidate(25) });
    assert.equal(c.recommended, true);
    assert.match(c.reason, /: recommended; trained on 25 of the 28 days asked .*89%; no data on 3 days: 2026-02-01, 2026-02-02, 2026-02-03\), 3750 rows$/);
  });

  it('keeps the old verdict when the request was compared before these checks (no thresholds, no candidate)', function () {
    const c = compareWith('brier', 0.25, 0.2213, {});
    assert.equal(c.recommended, true);
    assert.equal(c.concerns, undefined);
  });
});
