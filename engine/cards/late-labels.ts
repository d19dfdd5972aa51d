/** A stored report as the estimated-vs-realized view reads it (domain/late-labels.ts estimatedVsRealized). */
import type { WindowEvaluation } from '../../domain/late-labels.js';
import type { EvaluationReport } from '../evaluation/report.js';

export function windowEvaluation(r: Pick<EvaluationReport, 'window' | 'verdict' | 'metrics' | 'workflow' | 'evaluation'>, metric: string): WindowEvaluation {
  const realized = r.metrics?.[metric];
  const e = r.evaluation?.estimated?.metrics[metric];
  return {
    key: r.window.firstDay && r.window.lastDay ? `${r.window.firstDay}..${r.window.lastDay}` : `@${r.window.end}`,
    windowEnd: r.window.end,
    ...(r.workflow?.startedAt ? { ranAt: r.workflow.startedAt } : {}),
    verdict: r.verdict.status,
    ...(r.verdict.basis ? { basis: r.verdict.basis } : {}),
    realized: typeof realized === 'number' ? realized : null,
    ...(e && typeof e.value === 'number' ? { estimate: { value: e.value, lower: e.lower, upper: e.upper } } : {}),
  };
}
