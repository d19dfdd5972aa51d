import {
  ActivityFailure,
  ApplicationFailure,
  getExternalWorkflowHandle,
  ParentClosePolicy,
  patched,
  proxyActivities,
  setCurrentDetails,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { ApplicationFailureCategory, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../activities/index.js';
import { EVALUATION, STEP } from './activity-options.js';
import {
  attachEvidenceSignal,
  retrainWorkflowId,
  TemporalScheduledStartTime,
  UpkeepModelId,
  UpkeepVerdict,
  type EvaluateModelInput,
  type EvaluateModelResult,
} from './definitions.js';
import { noTrainerMessage, stakeholders, type RetrainEvidence } from '../domain/maintenance.js';
import {
  DATA_ERROR_TYPES,
  type EvaluationFailure,
  type EvaluationSummary,
  type ResolvedModel,
  type SnapshotRef,
  type TrendSummary,
  type Verdict,
} from '../domain/evaluation.js';
import { durationMs } from '../domain/duration.js';
import { verdictNotificationDetails } from '../domain/notify-details.js';
import { createTrailWriter } from './trail-writer.js';
import { decideVerdict, estimatedRowsText, retrainRequest, shouldRetrain } from './policy.js';
import { lowerIsBetter } from '../domain/metrics.js';
import { retrainModel } from './retrain-model.js';
import { verdictDetails } from './summary.js';
import { estimateErrorLine, evaluateMaturedWindows, firstEvaluation } from './late-labels.js';
import { estimateErrors, maturedAt, maturedEntryId, recordedEstimates, trendPoint, type EstimateError } from '../domain/late-labels.js';

const { resolveModel, resolveVersion, snapshotWindow, writeReport, assessTrend, lastRetrainRequest, verdictEvents } = proxyActivities<Activities>(STEP);

/** A window end may be this much after the workflow's start (a client's clock a little ahead). */
const FUTURE_SLACK_MS = 3_600_000;

/** A scheduled run that starts this much later than its scheduled time is a backfill. */
const BACKFILL_AGE_MS = 86_400_000;

const { evaluateSnapshot, planEvaluationShards, evaluateShard, mergeEvaluationShards } = proxyActivities<Activities>(EVALUATION);

/**
 * The window in one activity, or, when the model sets evaluation.shard_rows and the window has
 * more rows, planned into shards that run on any worker of the queue and are merged exactly.
 * History holds the plan, the stored partials' keys and the summary.
 */
async function evaluateWindow(model: ResolvedModel, snapshot: SnapshotRef, reference: SnapshotRef | undefined): Promise<EvaluationSummary> {
  const shardRows = model.spec.evaluation?.shard_rows;
  const against = reference ? { reference } : {};
  if (shardRows === undefined || snapshot.rows <= shardRows || !patched('evaluation-shards')) return evaluateSnapshot({ model, snapshot, ...against });
  const plan = await planEvaluationShards({ model, snapshot, ...against });
  const results = await Promise.all(
    plan.map((shard) => {
      // Each shard is sent only its own files, renumbered.
      const used = [...new Set(shard.parts.map((p) => p.file))];
      const parts = shard.parts.map((p) => ({ ...p, file: used.indexOf(p.file) }));
      return evaluateShard({
        model,
        snapshot: { sha256: snapshot.sha256, files: used.map((i) => snapshot.files[i]!) },
        shard: { ...shard, parts },
        ...against,
      });
    }),
  );
  return mergeEvaluationShards({ model, snapshot: { sha256: snapshot.sha256 }, shards: results.map(({ key, index }) => ({ key, index })), ...against });
}

/** A non-retryable data error from evaluation becomes a failing window instead of a failed workflow. */
function dataFailure(err: unknown): EvaluationFailure | undefined {
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type && DATA_ERROR_TYPES.includes(err.cause.type)) {
    return { type: err.cause.type, message: err.cause.message };
  }
  return undefined;
}

/**
 * A run whose model left the config (a schedule not yet paused by `schedules sync`) ends at once
 * with one line naming the model and the config; the same command as before (fail the workflow),
 * without the activity's stack: the message says all there is.
 */
function modelGone(err: unknown): ApplicationFailure | undefined {
  if (!(err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === 'UnknownModel')) return undefined;
  const message = `${err.cause.message}: this run ends here; \`upkeep schedules sync\` pauses or prunes the schedule`;
  const failure = ApplicationFailure.create({ type: 'UnknownModel', message, nonRetryable: true, category: ApplicationFailureCategory.BENIGN });
  failure.stack = `UnknownModel: ${message}`;
  return failure;
}

/**
 * Starts the model's retrain request, or attaches this evidence to the one already pending. A child
 * workflow cannot be started with USE_EXISTING, so "already started" is answered with a signal; if
 * the pending request closes in between, a new one is started.
 */
async function requestRetrain(modelId: string, evidence: RetrainEvidence): Promise<'started' | 'attached'> {
  const workflowId = retrainWorkflowId(modelId);
  for (let attempt = 0; ; attempt++) {
    try {
      await startChild(retrainModel, { workflowId, args: [{ modelId, evidence }], parentClosePolicy: ParentClosePolicy.ABANDON });
      return 'started';
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    try {
      await getExternalWorkflowHandle(workflowId).signal(attachEvidenceSignal, evidence);
      return 'attached';
    } catch (err) {
      if (attempt >= 2) throw err;
    }
  }
}

/**
 * Evaluates one model on the data window that ends at the schedule's scheduled time, writes the
 * report and records the verdict as a search attribute. History holds references and summaries.
 */
export async function evaluateModel(input: EvaluateModelInput): Promise<EvaluateModelResult> {
  const info = workflowInfo();
  const scheduled = info.typedSearchAttributes.get(TemporalScheduledStartTime);
  const windowEnd = input.windowEnd ?? (scheduled ?? info.startTime).toISOString();
  // Whoever may start workflows chooses the input: a window that has not ended yet (by the
  // workflow's own clock) would be recorded as an evaluation of days that have not happened.
  const end = Date.parse(windowEnd);
  if (typeof windowEnd !== 'string' || Number.isNaN(end) || end > info.startTime.getTime() + FUTURE_SLACK_MS) {
    throw ApplicationFailure.create({
      type: 'InvalidRequest',
      nonRetryable: true,
      message: `model ${String(input.modelId)}: windowEnd ${JSON.stringify(windowEnd)} is not a time at or before the workflow's start (${info.startTime.toISOString()})`,
    });
  }
  upsertSearchAttributes([{ key: UpkeepModelId, value: input.modelId }]);

  let model = await resolveModel({ modelId: input.modelId }).catch((err: unknown) => {
    throw modelGone(err) ?? err;
  });
  // A window whose labels matured (started by the model's scheduled run, docs/late-labels.md): the
  // first evaluation is read back from the trail, and the version it evaluated is evaluated again.
  // Only new runs carry `matured`: no recorded history takes this path, so it needs no patch marker.
  const first = input.matured ? await firstEvaluation(model.modelId, windowEnd, input.matured.entry) : undefined;
  if (first?.version && first.version !== (model.version ?? model.artifactSha256.slice(0, 12))) {
    model = await resolveVersion({ modelId: model.modelId, version: first.version });
  }
  const snapshot = await snapshotWindow({ model, windowEnd });

  let evaluation: EvaluationSummary | undefined;
  let failure: EvaluationFailure | undefined;
  if (snapshot.files.length > 0) {
    try {
      // A rolling reference (`reference: { rolling: 28d }`): the days before the window, kept as
      // a snapshot of their own. Only such models run the extra activity, so older histories replay.
      const rolling = typeof model.spec.reference === 'object' && patched('rolling-reference');
      const reference = rolling ? await snapshotWindow({ model, windowEnd, reference: true }) : undefined;
      evaluation = await evaluateWindow(model, snapshot, reference);
    } catch (err) {
      failure = dataFailure(err);
      if (!failure) throw err;
    }
  }

  const { spec } = model;
  const metric = spec.thresholds.metric;
  let trend: TrendSummary | undefined;
  const value = evaluation?.metrics[metric];
  // The trend's point: the realized value where the labels give one, the estimate otherwise (marked).
  const point = trendPoint(evaluation, metric, spec.min_rows);
  const trended = typeof value === 'number' || (point !== undefined && patched('trend-estimated'));
  if (patched('assess-trend') && trended && point) {
    trend = await assessTrend({
      modelId: model.modelId,
      metric,
      higherIsBetter: !lowerIsBetter(metric),
      // Its days and version: a window evaluated again replaces its point, and only this version's
      // evaluations make the series (arguments only: replay compares no activity input).
      current: {
        windowEnd,
        value: point.value,
        firstDay: snapshot.firstDay,
        lastDay: snapshot.lastDay,
        model: model.artifactSha256,
        ...(point.estimated ? { estimated: true } : {}),
      },
      settings: spec.monitor.trend,
    });
  }
  // The estimate and multivariate drift can change the verdict (and so what follows it): judged only
  // by executions that record the marker; a summary without them records none.
  const estimates = !!(evaluation?.estimated || evaluation?.multivariate) && patched('estimated-verdict');
  const verdict = decideVerdict({
    model: { primaryMetric: metric, thresholds: spec.thresholds, baseline: model.baseline ?? spec.baseline, minRows: spec.min_rows },
    snapshot,
    evaluation: evaluation && !estimates ? withoutEstimates(evaluation) : evaluation,
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
  // User metadata, not a command: recorded histories replay unchanged.
  setCurrentDetails(verdictDetails(model.modelId, verdict, report.jsonUri));

  let retrain: 'started' | 'attached' | undefined;
  let matured: string[] | undefined;
  // A re-evaluation: the first estimate beside what the labels now show.
  const estimateError: Record<string, EstimateError> | undefined = first ? estimateErrors(first.estimated, evaluation?.metrics ?? {}) : undefined;
  if (patched('maintenance')) {
    // Notifications get a short retry budget here: a webhook that is down must not hold the
    // evaluation open past the next scheduled one.
    const trail = createTrailWriter(model.modelId, { notifyRetries: 'short' });
    const estimatedVerdict = verdict.basis === 'estimated';
    const estimate = evaluation?.estimated?.metrics[metric];
    const shown =
      estimatedVerdict && typeof estimate?.value === 'number'
        ? `, estimated ${metric} ${estimate.value.toFixed(4)}${typeof estimate.lower === 'number' && typeof estimate.upper === 'number' ? ` (${estimate.lower.toFixed(4)}..${estimate.upper.toFixed(4)})` : ''}`
        : typeof value === 'number'
          ? `, ${metric} ${value.toFixed(4)}`
          : '';
    const headline = `${verdict.status}${estimatedVerdict ? ' (estimated)' : ''}: window ${snapshot.firstDay}..${snapshot.lastDay}${shown}`;
    const evaluated = model.version ?? model.artifactSha256.slice(0, 12);
    const what = first
      ? `evaluated ${evaluated} again, its labels matured: ${headline}${estimateErrorLine(estimateError!, metric)}`
      : `evaluated ${evaluated}: ${headline}`;
    const labels = evaluation?.labels ? { ...evaluation.labels, ...(spec.label.delay ? { delay: spec.label.delay } : {}) } : undefined;
    trail.record(
      'evaluation',
      what,
      {
        details: {
          verdict: verdict.status,
          // The version evaluated: staleness counts only evaluations of the current champion.
          version: model.version ?? model.artifactSha256.slice(0, 12),
          reasons: verdict.reasons,
          report: report.jsonUri,
          reportSha256: report.sha256,
          snapshot: { uri: snapshot.uri, sha256: snapshot.sha256 },
          ...(report.spec ? { config: report.spec } : {}),
          ...(typeof value === 'number' ? { metric, value } : {}),
          windowEnd,
          // Late labels (docs/late-labels.md): what the window's labels covered and what was estimated,
          // so a later run finds the window again when its labels mature and keeps the estimate's error.
          ...(verdict.basis ? { basis: verdict.basis } : {}),
          ...(labels ? { labels } : {}),
          ...(evaluation?.estimated ? { estimated: recordedEstimates(evaluation.estimated.metrics) } : {}),
          ...(first ? { matured: { entry: first.entry, report: first.report, verdict: first.verdict, basis: first.basis }, estimateError } : {}),
        },
      },
      // Named after the first evaluation and timed when its labels were due: whichever run records it, there is one entry.
      first ? { id: maturedEntryId(first.entry), at: maturedAt(first.windowEnd, spec.label.delay) ?? trail.now() } : undefined,
    );
    // A spec resolved before retraining existed (an execution older than this code) has no `retrain`.
    // A backfill re-evaluates the past: it never asks for a retrain.
    // A re-evaluation of matured labels is about a past window too.
    const backfill = first !== undefined || (scheduled !== undefined && info.startTime.getTime() - scheduled.getTime() > BACKFILL_AGE_MS);
    const severe = !backfill && shouldRetrain(verdict.status, spec.retrain?.on ?? 'never');
    // A model without a trainer is reported, never retrained (specs recorded before trainers had no
    // default always carry one, so they replay as they ran).
    const noTrainer = severe && !spec.retrain.trainer ? noTrainerMessage(model.modelId) : undefined;
    if (verdict.status === 'degraded' || verdict.status === 'failing') {
      // An estimated degradation goes to the same people, and says plainly that it is an estimate.
      const status = estimatedVerdict ? `${verdict.status} (estimated: too few labels known yet)` : verdict.status;
      const late = first ? ` (labels matured for the window ending ${windowEnd})` : '';
      trail.notify(
        verdict.status,
        stakeholders(spec),
        `${model.modelId} is ${status}${late}${noTrainer ? ' (not retrained: it has no retrain.trainer)' : ''}`,
        `${estimatedVerdict ? `Estimated${typeof estimate?.value === 'number' ? ` ${metric} ${estimate.value.toFixed(4)}` : ''} from the model's scores on ${estimatedRowsText(evaluation?.estimated?.rows, labels?.unlabelled)}; realized metrics follow when the labels arrive.\n` : ''}${verdict.reasons.join('\n')}\nReport: ${report.markdownUri}${noTrainer ? `\nNot retrained: ${noTrainer}` : ''}`,
        // What channels show (docs/channels.md): the verdict and its numbers. Event content only, no command.
        verdictNumbers(verdict, spec.thresholds, evaluation, windowEnd, report.jsonUri),
      );
    }
    // A warning, or healthy again after degraded / failing: sent only where the model's routes ask
    // for it (docs/channels.md), never for a backfill or a re-evaluation of matured labels.
    // model.routes says whether any route wants them (absent in a model resolved before routes: ask).
    const routed = verdict.status === 'warning' ? model.routes?.warning : model.routes?.recovered;
    if ((verdict.status === 'warning' || verdict.status === 'healthy') && !backfill && routed !== false && patched('verdict-events')) {
      const extra = await verdictEvents({ modelId: model.modelId, verdict: verdict.status, windowEnd, workflowId: info.workflowId });
      const numbers = verdictNumbers(verdict, spec.thresholds, evaluation, windowEnd, report.jsonUri);
      if (extra.warning)
        trail.notify('warning', stakeholders(spec), `${model.modelId} has a warning`, `${verdict.reasons.join('\n')}\nReport: ${report.markdownUri}`, numbers);
      if (extra.recovered)
        trail.notify(
          'recovered',
          stakeholders(spec),
          `${model.modelId} is healthy again`,
          `Healthy after ${extra.recovered.previous}${extra.recovered.windowEnd ? ` (window ending ${extra.recovered.windowEnd})` : ''}: window ${snapshot.firstDay}..${snapshot.lastDay}${typeof value === 'number' ? `, ${metric} ${value.toFixed(4)}` : ''}\nReport: ${report.markdownUri}`,
          { ...numbers, verdict: 'healthy', previous: extra.recovered.previous },
        );
    }
    if (noTrainer) trail.record('evaluation', `no retrain requested: ${noTrainer}`, { details: { windowEnd } });
    const wanted = severe && !noTrainer;
    const decision = wanted
      ? retrainRequest({
          status: verdict.status,
          on: spec.retrain.on,
          evaluatedVersion: model.version,
          last: await lastRetrainRequest({ modelId: model.modelId }),
          cooldownMs: durationMs(spec.retrain.cooldown),
          now: Date.now(),
        })
      : undefined;
    if (decision && !decision.ask) trail.record('evaluation', `no retrain requested: ${decision.why}`, { details: { windowEnd } });
    if (decision?.ask) {
      retrain = await requestRetrain(model.modelId, {
        source: 'evaluation',
        at: new Date(Date.now()).toISOString(),
        reason: verdict.reasons[0] ?? verdict.status,
        workflowId: info.workflowId,
        runId: info.runId,
        windowEnd,
        ...(model.version ? { version: model.version } : {}),
        verdict,
        metrics: evaluation?.metrics ?? {},
        reportUri: report.jsonUri,
      });
    }
    // The past windows whose labels have matured since (the scheduled run's, never a re-evaluation's).
    const delay = spec.label?.delay;
    if (!first && delay && patched('late-labels')) {
      matured = await evaluateMaturedWindows(model.modelId, delay, windowEnd, (end, why) =>
        trail.record('failure', `the window ending ${end} was not evaluated again with its matured labels: ${why}`, { details: { windowEnd: end } }),
      );
    }
    await trail.close(`evaluation of the window ending ${windowEnd} (${verdict.status})`);
  }

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
    ...(retrain ? { retrain } : {}),
    ...(matured?.length ? { matured } : {}),
    ...(estimateError ? { estimateError } : {}),
  };
}

/** The numbers a verdict's notification carries for channels (domain/notify-details.ts), with its reasons and window. */
function verdictNumbers(
  verdict: Verdict,
  thresholds: { metric: string; min?: number | undefined; max?: number | undefined },
  evaluation: EvaluationSummary | undefined,
  windowEnd: string,
  report: string,
): Record<string, unknown> {
  return { ...verdictNotificationDetails({ verdict, metric: thresholds.metric, thresholds, evaluation, report }), reasons: verdict.reasons, windowEnd };
}

/** The summary as executions before `estimated-verdict` judged it: no estimate, no multivariate drift. */
function withoutEstimates(e: EvaluationSummary): EvaluationSummary {
  const { estimated: _e, multivariate: _m, ...rest } = e;
  return rest;
}
