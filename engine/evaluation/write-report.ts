/** An evaluation's report kept in the store: the spec in force, the Markdown and HTML renderings, then the JSON. */
import type { EvaluationFailure, EvaluationSummary, ReportRef, ResolvedModel, SnapshotRef, TrendSummary, Verdict } from '../../domain/evaluation.js';
import { reportKeys, specKey } from '../store/keys.js';
import type { ArtifactStore } from '../store/store.js';
import { sha256Hex } from '../util.js';
import { inlineDistributions } from './distributions.js';
import { buildReport, renderReportMarkdown, type EvaluationReport } from './report.js';

export interface ReportInput {
  model: ResolvedModel;
  snapshot: SnapshotRef;
  evaluation?: EvaluationSummary;
  failure?: EvaluationFailure;
  verdict: Verdict;
  workflow: { workflowId: string; runId: string; startedAt: string };
  trend?: TrendSummary;
}

/**
 * Writes the JSON report and its Markdown rendering, and the HTML page when given its renderer
 * (engine/pictures/report-html.ts sits above this folder: the caller passes it in). Same input,
 * same bytes: safe to retry.
 */
export async function writeReport(store: ArtifactStore, input: ReportInput, renderHtml?: (report: EvaluationReport) => string): Promise<ReportRef> {
  // The config in force, as the audit trail cites it: owner, approvers, thresholds, schedule.
  const specJson = `${JSON.stringify(input.model.spec, null, 2)}\n`;
  const spec = await store.put(specKey(input.model.modelId, sha256Hex(specJson)), specJson, { ifAbsent: true });
  // The distributions the evaluation stored apart (out of workflow history) go back into their columns.
  const evaluation = input.evaluation ? await inlineDistributions(store, input.model.modelId, input.evaluation) : undefined;
  const report = { ...buildReport({ ...input, evaluation }), spec: { uri: spec.uri, sha256: spec.sha256 } };
  const key = reportKeys(input.model.modelId, input.snapshot.windowEnd, input.workflow.runId);
  const markdown = await store.put(key.markdown, renderReportMarkdown(report));
  const html = renderHtml ? await store.put(key.html, renderHtml(report)) : undefined;
  // JSON last: its presence means the report is complete.
  const json = await store.put(key.json, `${JSON.stringify(report, null, 2)}\n`);
  return { jsonUri: json.uri, markdownUri: markdown.uri, ...(html ? { htmlUri: html.uri } : {}), sha256: json.sha256, spec: report.spec };
}
