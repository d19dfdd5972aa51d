/** Fairness of one evaluated window, when the model declares models[].fairness. */
import type { ModelSpec } from '../../../domain/config.js';
import type { FairnessReport } from '../../../domain/fairness.js';
import type { GatedValue } from '../../../domain/gates.js';
import type { Collected } from '../evaluator.js';
import { assessFairness, type FairnessData } from './assess.js';
import { fairnessGated } from './gates.js';
import { groupDeclared } from './declared.js';
import type { PendingDeclared } from '../declared-bootstrap.js';

export { assessFairness, type FairnessData } from './assess.js';
export { fairnessGated } from './gates.js';

/** The report and the gated gaps; undefined without fairness settings or labelled rows. */
export function windowFairness(
  spec: ModelSpec,
  c: Collected,
  model: { nClasses: number; positiveIndex?: number | undefined; classes?: readonly string[] | undefined },
  defer = false,
): { report: FairnessReport; gated: GatedValue[]; pending: PendingDeclared[] } | undefined {
  const f = spec.fairness;
  if (!f || c.rows === 0 || !c.segments) return undefined;
  const data: FairnessData =
    c.task === 'regression'
      ? { task: 'regression', yTrue: c.yTrueValue!, yPred: c.yPredValue! }
      : c.task === 'binary'
        ? { task: 'binary', yTrue: c.yTrueClass!, yPred: c.yPredClass!, proba: c.proba!, nClasses: model.nClasses, positive: model.positiveIndex! }
        : { task: 'multiclass', yTrue: c.yTrueClass!, yPred: c.yPredClass!, proba: c.proba!, nClasses: model.nClasses };
  const { resamples, confidence, seed, method } = spec.monitor.significance;
  // In an evaluation (`defer`), large groups' declared resamples are left for the engine's threads.
  const declared = groupDeclared(spec, model.classes, model.positiveIndex, c, model.nClasses, defer);
  const report = assessFairness(data, {
    metric: spec.thresholds.metric,
    spec: f,
    columns: c.segments,
    resamples,
    confidence,
    seed,
    ...(method ? { method } : {}),
    ...(declared ? { declared } : {}),
  });
  return { report, gated: fairnessGated(report, f), pending: declared?.pending ?? [] };
}
