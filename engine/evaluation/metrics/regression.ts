/** Regression metrics (scikit-learn definitions: docs/statistics/metrics.md). */
import { CompensatedSum, FLOAT64_EPS } from '../../math/sum.js';
import { REGRESSION_METRICS, type RegressionMetricName } from './names.js';
import { allFinite } from './numeric.js';
import { ResultBuilder } from './result.js';
import type { MetricsResult, RegressionInput } from './types.js';

export function regressionMetrics(input: RegressionInput): MetricsResult<RegressionMetricName> {
  const { yTrue, yPred } = input;
  if (yTrue.length !== yPred.length) {
    throw new RangeError(`yTrue has ${yTrue.length} rows but yPred has ${yPred.length}`);
  }
  const r = new ResultBuilder(REGRESSION_METRICS);
  const n = yTrue.length;
  if (n === 0) {
    r.nullifyAll(REGRESSION_METRICS, 'No rows to evaluate (scikit-learn raises on empty input).');
    return r.build();
  }
  if (!allFinite(yTrue) || !allFinite(yPred)) {
    r.nullifyAll(REGRESSION_METRICS, 'yTrue or yPred contains NaN or infinity (scikit-learn raises on non-finite input).');
    return r.build();
  }

  const abs = new CompensatedSum();
  const sq = new CompensatedSum();
  const pct = new CompensatedSum();
  const sumTrue = new CompensatedSum();
  let constant = true;
  const first = yTrue[0] as number;
  for (let i = 0; i < n; i++) {
    const t = yTrue[i] as number;
    const p = yPred[i] as number;
    const e = p - t;
    abs.add(Math.abs(e));
    sq.add(e * e);
    pct.add(Math.abs(e) / Math.max(Math.abs(t), FLOAT64_EPS));
    sumTrue.add(t);
    if (t !== first) constant = false;
  }
  const sse = sq.value();
  r.value('mae', abs.value() / n);
  r.value('rmse', Math.sqrt(sse / n));
  r.value('mape', pct.value() / n);

  if (n < 2) {
    r.nullify('r2', 'R² is not well-defined with fewer than two samples (scikit-learn returns NaN).');
  } else if (constant) {
    r.nullify(
      'r2',
      `y_true is constant (${first}), so R² is undefined (zero total variance). scikit-learn's ` +
        `force_finite convention would report 1.0 for perfect predictions and 0.0 otherwise — or, when the ` +
        `float mean of the constant is not exactly the constant, a meaningless huge negative number.`,
    );
  } else {
    const mean = sumTrue.value() / n;
    const sst = new CompensatedSum();
    for (let i = 0; i < n; i++) {
      const d = (yTrue[i] as number) - mean;
      sst.add(d * d);
    }
    const denom = sst.value();
    if (sse === 0) r.value('r2', 1);
    else r.value('r2', 1 - sse / denom);
  }
  return r.build();
}
