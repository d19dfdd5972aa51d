/**
 * The verdict as the Temporal UI shows it in the workflow's current details: a first line naming
 * the model, the status and the deciding reason, then the reasons and the report. Pure, so the
 * workflow stays deterministic.
 */
import type { Verdict } from '../domain/evaluation.js';

export function verdictDetails(modelId: string, verdict: Verdict, reportUri: string): string {
  const [first] = verdict.reasons;
  const lines = [`${modelId}: ${verdict.status}${first ? ` — ${first}` : ''}`, ''];
  for (const reason of verdict.reasons) lines.push(`- ${reason}`);
  lines.push(`- report: ${reportUri}`);
  return lines.join('\n');
}
