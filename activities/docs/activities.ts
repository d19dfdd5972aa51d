import type { ActivityDeps } from '../index.js';
import type { EvaluationFailure, EvaluationSummary, ReportRef, ResolvedModel, SnapshotRef, Verdict } from '../../workflows/definitions.js';
import { buildReport, renderReportMarkdown } from './report.js';

/** 2026-11-25T06:00:00.000Z -> 20261125T060000Z: sorts by time, safe in keys. */
export function compactTime(iso: string): string {
  return iso.replace(/[-:]/g, '').replace(/\.\d+/, '');
}

export function createDocsActivities(deps: Pick<ActivityDeps, 'store'>) {
  return {
    /** Writes the JSON report and its Markdown rendering. Same input, same bytes: safe to retry. */
    async writeReport(input: {
      model: ResolvedModel;
      snapshot: SnapshotRef;
      evaluation?: EvaluationSummary;
      failure?: EvaluationFailure;
      verdict: Verdict;
      workflow: { workflowId: string; runId: string; startedAt: string };
    }): Promise<ReportRef> {
      const report = buildReport(input);
      const key = `reports/${input.model.modelId}/${compactTime(input.snapshot.windowEnd)}_${input.workflow.runId}`;
      const markdown = await deps.store.put(`${key}.md`, renderReportMarkdown(report));
      // JSON last: its presence means the report is complete.
      const json = await deps.store.put(`${key}.json`, `${JSON.stringify(report, null, 2)}\n`);
      return { jsonUri: json.uri, markdownUri: markdown.uri, sha256: json.sha256 };
    },
  };
}
