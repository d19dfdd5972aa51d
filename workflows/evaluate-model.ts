import { ActivityFailure, ApplicationFailure, patched, proxyActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import {
  DATA_ERROR_TYPES,
  TemporalScheduledStartTime,
  UpkeepModelId,
  UpkeepVerdict,
  type EvaluateModelInput,
  type EvaluateModelResult,
  type EvaluationFailure,
  type EvaluationSummary,
  type TrendSummary,
} from './definitions.js';
import { decideVerdict, LOWER_IS_BETTER } from './policy.js';

const { resolveModel, snapshotWindow, writeReport, assessTrend } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '2s', maximumInterval: '1 minute', maximumAttempts: 10 },
});

const { evaluateSnapshot } = proxyActivities<Activities>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '5s', maximumInterval: '2 minutes', maximumAttempts: 5 },
});

/** A non-retryable data error from evaluation becomes a failing window instead of a failed workflow. */
function dataFailure(err: unknown): EvaluationFailure | undefined {
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type && DATA_ERROR_TYPES.includes(err.cause.type)) {
    return { type: err.cause.type, message: err.cause.message };
  }
  return undefined;
}

/**
 * Evaluates one model on the data window that ends at the schedule's scheduled time, writes the
 * report and records the verdict as a search attribute. History holds references and summaries.
 */
export async function evaluateModel(input: EvaluateModelInput): Promise<EvaluateModelResult> {
  const info = workflowInfo();
  const scheduled = info.typedSearchAttributes.get(TemporalScheduledStartTime);
  const windowEnd = input.windowEnd ?? (scheduled ?? info.startTime).toISOString();
  upsertSearchAttributes([{ key: UpkeepModelId, value: input.modelId }]);

  const model = await resolveModel({ modelId: input.modelId });
  const snapshot = await snapshotWindow({ model, windowEnd });

  let evaluation: EvaluationSummary | undefined;
  let failure: EvaluationFailure | undefined;
  if (snapshot.files.length > 0) {
    try {
      evaluation = await evaluateSnapshot({ model, snapshot });
    } catch (err) {
      failure = dataFailure(err);
      if (!failure) throw err;
    }
  }

  const { spec } = model;
  const metric = spec.thresholds.metric;
  let trend: TrendSummary | undefined;
  const value = evaluation?.metrics[metric];
  if (patched('assess-trend') && typeof value === 'number') {
    trend = await assessTrend({
      modelId: model.modelId,
      metric,
      higherIsBetter: !LOWER_IS_BETTER.has(metric),
      current: { windowEnd, value },
      settings: spec.monitor.trend,
    });
  }
  const verdict = decideVerdict({
    model: { primaryMetric: metric, thresholds: spec.thresholds, baseline: spec.baseline, minRows: spec.min_rows },
    snapshot,
    evaluation,
    failure,
    trend,
  });
  const report = await writeReport({
    model,
    snapshot,
    evaluation,
    failure,
    verdict,
    workflow: { workflowId: info.workflowId, runId: info.runId, startedAt: info.startTime.toISOString() },
    ...(trend ? { trend } : {}),
  });
  upsertSearchAttributes([{ key: UpkeepVerdict, value: verdict.status }]);

  return {
    modelId: model.modelId,
    verdict,
    windowEnd,
    firstDay: snapshot.firstDay,
    lastDay: snapshot.lastDay,
    rows: evaluation?.rows ?? 0,
    metrics: evaluation?.metrics ?? {},
    artifactSha256: model.artifactSha256,
    snapshot: { uri: snapshot.uri, sha256: snapshot.sha256, rows: snapshot.rows, files: snapshot.files.length, missing: snapshot.missing.length },
    report,
  };
}
