/**
 * Living model cards: what a model is, which version runs and how it got there, how it has been
 * doing, and what people decided about it. One JSON document (the record) and a Markdown rendering
 * of it (for people), in the style of the evaluation report.
 *
 * Pure: no I/O, no clock. Every list is sorted explicitly, so the same input gives the same bytes
 * whatever order the registry, the report store or the audit trail listed things in.
 */
export { buildModelCard } from './build.js';
export { renderModelCardMarkdown } from './markdown.js';
export {
  MAX_LOG_ENTRIES,
  MAX_TREND_POINTS,
  type CardChampionPeriod,
  type CardConditions,
  type CardCurrent,
  type CardDecision,
  type CardDetails,
  type CardDriftedColumn,
  type CardLineageEntry,
  type CardLogEntry,
  type CardReportPoint,
  type CardTrendPoint,
  type CardWatchdogFinding,
  type ModelCard,
  type ModelCardInput,
} from './types.js';
