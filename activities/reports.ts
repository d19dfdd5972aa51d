/** The report activities: the trend of the primary metric, and the evaluation report kept in the store. */
import type { ActivityDeps } from './deps.js';
import type { ReportRef, TrendSummary } from '../domain/evaluation.js';
import { assessTrend, type TrendQuery } from '../engine/cards/assess-trend.js';
import { writeReport, type ReportInput } from '../engine/evaluation/write-report.js';
import { renderReportHtml } from '../engine/pictures/report-html.js';

export function createDocsActivities(deps: Pick<ActivityDeps, 'store'>) {
  return {
    /** Slow decline: the primary metric over this model's stored reports plus the current window. */
    async assessTrend(input: TrendQuery): Promise<TrendSummary> {
      return assessTrend(deps.store, input);
    },

    /** Writes the JSON report, its Markdown rendering and its HTML page with the pictures. Same input, same bytes: safe to retry. */
    async writeReport(input: ReportInput): Promise<ReportRef> {
      return writeReport(deps.store, input, renderReportHtml);
    },
  };
}
