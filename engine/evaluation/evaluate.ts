/**
 * Evaluation of one model on one window of files: the code path shared by the evaluateSnapshot
 * activity, the one-shot `upkeep evaluate` command and the benchmark.
 */
import type { ModelSpec } from '../../domain/config.js';
import { UpkeepError } from '../errors.js';
import type { Collected } from './evaluator.js';
import type { EvaluationSummary } from '../../domain/evaluation.js';
import { defaultThreads, mergeCollected, parquetRows, planShards, ShardPool, toShared, type ShardHandler } from './engine.js';
import { labelCountsOf, metricsOf } from './collected-metrics.js';
import type { PreparedModel } from './model.js';
import { assessDrift } from '../drift/assess.js';
import { EXACT_VALUES, mergeSketches, sketchBuffers, type ColumnSketch } from '../drift/sketch.js';
import { SketchFolder } from './fold.js';
import { WindowArrays } from './window-arrays.js';
import { textChunks } from '../data/text-chunks.js';
import { outputIssuesMessage } from './output-check.js';
import { isDataReadError } from '../data/errors.js';
import { resolveLimits } from '../../domain/limits.js';
import { labelledPart } from './labelled.js';
import { estimateWindow, fitEstimators, type ReferenceEstimators } from './estimators.js';
import { loggedSummary, loggedWarnings } from './logged.js';
import { declaredGatedOrPending, gateOnEstimate } from './declared-metrics.js';
import type { PendingDeclared } from './declared-bootstrap.js';
import { completePending } from './pending-bootstraps.js';
import { confidenceOf } from './primary-interval.js';
import { fillProbability, probabilityInput } from './deferred-metrics.js';
import { fillSegments, searchAsideInput, searchTransfer } from './segments/aside.js';

/** CSV and JSON Lines files larger than this are read and evaluated in chunks of whole records. */
export const TEXT_CHUNK_BYTES = 64 * 2 ** 20;
import type { ReferenceProfile } from '../drift/profile.js';
import { qualityOf } from './window-quality.js';
import { sortedSample } from '../drift/sample.js';
import { computeSlices } from './slices.js';
import { windowFairness } from './fairness/index.js';
import { baselineOf, capturedColumns, searchEvaluated, segmentPlan } from './segments/window.js';
import { expectedSearchRows, searchRate } from './segments/sample.js';

import type {
  EvaluateWindowOptions,
  EvaluationEngine,
  FinishedEvaluation,
  FinishInput,
  FinishWindowOptions,
  PendingInterval,
  ShardReply,
  WindowFile,
  WindowPartial,
} from './types.js';
import type { FileMetaData } from 'hyparquet';
import { columnsToRead, streamRowGroups } from './stream.js';

export type {
  EvaluateWindowOptions,
  EvaluationEngine,
  FinishedEvaluation,
  FinishWindowOptions,
  PendingInterval,
  ReferenceInput,
  WindowFile,
  WindowPartial,
} from './types.js';
export { toShared } from './engine.js';

/**
 * Small windows in the calling thread: at most `rows` rows (known from the files' counts) are
 * decoded, scored and finished by `handle` (shard-handler.ts) here, without starting a thread and
 * loading the evaluation code into it again. For a one-shot command; a worker keeps its event loop
 * free and leaves this out.
 */
export interface InlineWindows {
  rows: number;
  handle: ShardHandler;
}

/**
 * The default engine: worker threads decode and score shards in parallel (ONNX Runtime sessions
 * cached per model sha256 in each thread); at most two files of the window are held at once.
 */
export function createEvaluationEngine(opts: { threads?: number; batchSize?: number; textChunkBytes?: number; inline?: InlineWindows } = {}): EvaluationEngine {
  const pool = new ShardPool(opts.threads ?? defaultThreads());
  const { inline } = opts;
  /** The pool, or this thread for a window of at most `inline.rows` rows. */
  const runner = (rows: number | undefined): typeof pool.run =>
    inline && rows !== undefined && rows <= inline.rows
      ? (msg, transfer) => pool.runInline(inline.handle, msg, transfer)
      : (msg, transfer) => pool.run(msg, transfer);
  const batchSize = opts.batchSize ?? 65536;
  const textChunkBytes = opts.textChunkBytes ?? TEXT_CHUNK_BYTES;
  /**
   * Decodes and scores the files (or their row-group ranges) of `o`: the parts, in file order.
   * Parquet files that can be read by range stream a row group at a time, at most `threads + 1`
   * held at once; other files are read whole, at most two at once.
   */
  const collect = async (o: EvaluateWindowOptions): Promise<WindowPartial> => {
    const { spec } = o;
    const model = { spec, modelKey: o.modelKey, modelBytes: toShared(o.modelBytes), artifactName: o.artifactName };
    // The label is sketched too, for the quality checks; drift compares the watched columns.
    const labelCategorical = spec.task === 'regression' ? [] : [spec.label.column];
    const sketch = o.reference
      ? { columns: [...o.reference.watch, spec.label.column], categorical: [...o.reference.categorical, ...labelCategorical] }
      : undefined;
    // A sample of the rows' inputs when the reference carries estimators (or is being profiled).
    const sample = !!o.sampleRows || !!o.reference?.profile.estimators;
    const tasks: Promise<ShardReply & { ok: true }>[] = [];
    // With the files' row counts known, the rows are joined as they come in (see window-arrays.ts).
    const capacity = o.files.every((f) => f.rows !== undefined) ? o.files.reduce((n, f) => n + f.rows!, 0) : undefined;
    const run = runner(capacity);
    // Drift sketches folded as parts come in: bounded memory on a window of any size.
    const folder = sketch
      ? new SketchFolder(async (lists) => (await run({ op: 'fold', lists }, sketchBuffers(Object.values(lists).flat()))).sketches!)
      : undefined;
    const pending = new Set<Promise<unknown>>();
    let rowsDone = 0;
    let failed = false;
    const prepared = (await run({ op: 'prepare', ...model })).prepared!;
    const columns = columnsToRead(prepared, spec, sketch);
    // Columns kept per row: the declared slices'. The segment search keeps its own rows' (numeric ones by the reference's bins).
    const plan = o.segmentPlan ?? segmentPlan(spec, o.reference?.profile);
    const kept = capturedColumns(spec);
    const search = plan.columns.length > 0 ? { columns: plan.columns, bins: plan.bins, rate: searchRate(o.windowRows ?? capacity) } : undefined;
    const keep = { segments: kept, ...(search ? { search } : {}) };
    const searchRoom = (rows: number) => (search ? expectedSearchRows(rows, search.rate) : 0);
    let arrays = capacity !== undefined ? new WindowArrays(prepared.task, prepared.classes ?? [], capacity, kept, searchRoom(capacity)) : undefined;
    type Extra = {
      rowGroups?: { start: number; end: number };
      rowGroupFile?: { metadata: FileMetaData; fileBytes: number };
      firstRow?: number;
      lineOffset?: number;
    };
    const dispatch = (file: WindowFile, bytes: Uint8Array, extra: Extra, transfer?: ArrayBuffer[]): void => {
      const index = tasks.length;
      const p = run(
        {
          op: 'evaluate',
          ...model,
          file: { name: file.name, format: file.format, bytes, ...extra },
          batchSize,
          sketch,
          ...keep,
          ...(sample ? { sample } : {}),
        },
        transfer,
      ).then((r) => {
        folder?.add(index, r.collected!.rows, r.sketches ?? {});
        delete r.sketches;
        arrays?.add(index, r.collected!);
        rowsDone += r.collected!.rows;
        o.onProgress?.({ rowsDone, file: file.name });
        return r;
      });
      // Observed below, via Promise.all; meanwhile a failure stops the reading of further parts.
      p.catch(() => (failed = true));
      const settled: Promise<unknown> = p.then(
        () => pending.delete(settled),
        () => pending.delete(settled),
      );
      pending.add(settled);
      tasks.push(p);
    };
    const wholeFiles: Promise<unknown>[] = [];
    const readAll = async (): Promise<void> => {
      for (const file of o.files) {
        if (failed) break;
        if (file.format === 'parquet' && file.open) {
          const stream = await streamRowGroups(await file.open(), {
            modelId: spec.id,
            name: file.name,
            columns,
            ...(spec.limits ? { limits: spec.limits } : {}),
            ...(file.rowGroups ? { rowGroups: file.rowGroups } : {}),
          });
          if (stream) {
            try {
              for (let g = 0; g < stream.groups.length && !failed; g++) {
                while (pending.size > pool.threads) await Promise.race(pending);
                const one = await stream.next();
                dispatch(file, one.bytes, { rowGroupFile: { metadata: one.metadata, fileBytes: stream.fileBytes }, firstRow: one.firstRow });
              }
            } finally {
              await stream.close();
            }
            continue;
          }
        }
        if ((file.format === 'csv' || file.format === 'jsonl') && file.open) {
          // A large text file in chunks of whole records, each read by range.
          const limits = resolveLimits(spec.limits);
          const chunkBytes = Math.max(textChunkBytes, 2 * limits.max_line_bytes);
          const f = await file.open();
          try {
            if (f.size > chunkBytes) {
              const chunks = textChunks(f, {
                csv: file.format === 'csv',
                chunkBytes,
                lineLimit: limits.max_line_bytes,
                maxRows: limits.max_rows_per_file,
                source: file.name,
              });
              try {
                for await (const chunk of chunks) {
                  if (failed) break;
                  while (pending.size > pool.threads) await Promise.race(pending);
                  dispatch(file, chunk.bytes, { firstRow: chunk.rowOffset, lineOffset: chunk.lineOffset }, [chunk.bytes.buffer as ArrayBuffer]);
                }
              } catch (err) {
                if (isDataReadError(err)) throw new UpkeepError('UnreadableData', `model ${spec.id}: ${err.message}`, { cause: err });
                throw err;
              }
              continue;
            }
          } finally {
            await f.close();
          }
        }
        if (wholeFiles.length >= 2) await Promise.all(wholeFiles.splice(0, wholeFiles.length - 1));
        const bytes = toShared(await file.load());
        // A window of one Parquet file read whole: its footer gives the rows, so its shards are
        // joined as they come in too, instead of copied together at the end.
        if (!arrays && o.files.length === 1 && tasks.length === 0 && file.format === 'parquet') {
          // The footer is not trusted yet: a count beyond the limit is left to the reader to refuse.
          const rows = parquetRows(bytes, file.rowGroups);
          if (rows !== undefined && rows <= resolveLimits(spec.limits).max_rows_per_file) {
            // Nothing dispatched yet: the search takes its share of the rows the footer gives.
            if (search && o.windowRows === undefined) search.rate = searchRate(rows);
            arrays = new WindowArrays(prepared.task, prepared.classes ?? [], rows, kept, searchRoom(rows));
          }
        }
        const before = tasks.length;
        for (const rowGroups of planShards(file, bytes, pool.threads, file.rowGroups)) dispatch(file, bytes, rowGroups ? { rowGroups } : {});
        wholeFiles.push(Promise.allSettled(tasks.slice(before)));
      }
    };
    try {
      await readAll();
    } finally {
      // Never return, nor throw, while parts are still being scored: a caller that then closes the
      // engine would stop its threads in the middle of a task.
      await Promise.allSettled(tasks);
    }
    // In plan order, whatever order the threads finish in: the merge is then deterministic.
    const replies = await Promise.all(tasks);
    const fileColumns = new Set(replies.flatMap((r) => r.fileColumns ?? []));
    const sketches = folder ? await folder.result(replies.length) : replies.map(() => ({}));
    return { parts: arrays ? [arrays.result()] : replies.map((r) => r.collected!), sketches, fileColumns: [...fileColumns] };
  };
  /** Metrics, drift, quality and the interval from the partial results of one window, in order. */
  /** Whether parts of this many rows are finished in the calling thread (a small window, `inline`). */
  const inlined = (parts: { rows: number }[]): boolean => inline !== undefined && parts.reduce((n, c) => n + c.rows, 0) <= inline.rows;
  const finish = async (o: FinishWindowOptions, partials: WindowPartial[], started: number, detailed = false): Promise<FinishedEvaluation> => {
    const { spec } = o;
    const parts = partials.flatMap((p) => p.parts);
    const run = runner(parts.reduce((n, c) => n + c.rows, 0));
    const prepared = (await run({ op: 'prepare', spec, modelKey: o.modelKey, modelBytes: toShared(o.modelBytes), artifactName: o.artifactName })).prepared!;
    const sketches: Record<string, ColumnSketch[]> = {};
    for (const p of partials) for (const one of p.sketches) for (const [name, sk] of Object.entries(one)) (sketches[name] ??= []).push(sk);
    const fileColumns = [...new Set(partials.flatMap((p) => p.fileColumns))];
    const { reference, segmentPlan: plan } = o;
    // A second thread for a large binary window's brier and log_loss, and for its segment search (the search's rows taken from the part here).
    const twoThreads = pool.threads > 1 && !inlined(parts);
    const aside = twoThreads ? searchAsideInput(spec, prepared, parts, reference?.profile, detailed && plan !== undefined) : undefined;
    // Metrics, slices, the bootstrap, drift and quality are CPU work: done in an evaluation thread
    // (the arrays are moved there, not copied), so that this event loop keeps heartbeating.
    const transfer = [
      ...parts.flatMap((c) => [
        c.yTrueClass,
        c.yPredClass,
        c.proba,
        c.yTrueValue,
        c.yPredValue,
        c.sortedScores?.pos,
        c.sortedScores?.neg,
        ...(c.scoreRuns ?? []).flatMap((r) => [r.pos, r.neg]),
        ...Object.values(c.segments ?? {}).map((g) => g.codes),
        c.search?.position,
        ...Object.values(c.search?.columns ?? {}).map((g) => g.codes),
      ]),
      ...Object.values(sketches).flatMap((list) => list.map((k) => (k.kind === 'numeric' ? k.sorted : undefined))),
    ]
      .filter((a): a is NonNullable<typeof a> => a !== undefined && a.byteLength > 0 && !(a.buffer instanceof SharedArrayBuffer))
      .map((a) => a.buffer as ArrayBuffer);
    const side = twoThreads ? probabilityInput(prepared, parts, spec.thresholds.metric) : undefined;
    const finishing = run(
      {
        op: 'finish',
        spec,
        prepared,
        parts,
        sketches,
        fileColumns,
        reference,
        started,
        detailed,
        segmentPlan: plan,
        ...(side ? { deferProbability: true } : {}),
        ...(aside ? { searchAside: true } : {}),
      },
      [...new Set(transfer)],
    );
    const probability = side ? run({ op: 'probability', input: side }) : undefined;
    const searching = aside ? run({ op: 'search', input: aside }, searchTransfer(aside)) : undefined;
    // None is left running when another fails; the finishing thread's error is the one reported.
    const [finished, other, searched] = await Promise.allSettled([finishing, probability, searching]);
    if (finished.status === 'rejected') throw finished.reason;
    if (other.status === 'rejected') throw other.reason;
    if (searched.status === 'rejected') throw searched.reason;
    const done = finished.value.finished!;
    if (other.value) fillProbability(done.summary, other.value.probability!);
    if (searched.value) fillSegments(done.summary, spec, searched.value.segments ?? null);
    // The pending bootstraps' resample ranges in every evaluation thread.
    await completePending(done, pool.threads, run, started);
    return done;
  };
  const run = async (o: EvaluateWindowOptions, detailed = false): Promise<FinishedEvaluation> => {
    const started = Date.now();
    return finish(o, [await collect(o)], started, detailed);
  };
  return {
    evaluate: async (o) => (await run(o)).summary,
    evaluateDetailed: (o) => run(o, true),
    collect,
    finish: async (o, partials) => (await finish(o, partials, Date.now())).summary,
    // At most REFERENCE_SAMPLE_CAP rows: in this thread for a one-shot command (inline), else in an evaluation thread.
    importance: async (o, task) =>
      (
        await runner(task.sample.rows)(
          { op: 'importance', spec: o.spec, modelKey: o.modelKey, modelBytes: toShared(o.modelBytes), artifactName: o.artifactName, task },
          undefined,
        )
      ).importance!,
    close: () => pool.close(),
  };
}

/** Everything after inference, from the shards' results: runs inside an evaluation thread. */
export function finishEvaluation(o: FinishInput): FinishedEvaluation {
  const { spec, prepared } = o;
  const all = mergeCollected(prepared, o.parts);
  // Outputs that are not probabilities (or not numbers) fail the window, labelled or not: never estimated.
  if (all.outputIssues) {
    throw new UpkeepError('ModelOutputInvalid', outputIssuesMessage(spec.id, (prepared.probaOutput ?? prepared.valueOutput)!, all.rows, all.outputIssues));
  }
  // Realized metrics on the labelled rows; estimation on every scored row.
  const collected = labelledPart(all);
  const { summary, pending, pendingDeclared } = summarize(spec, prepared, collected, o.started, o.deferProbability);
  // The search's rows are done with after it, unless a reference's gaps are still to come from them.
  const searchOnce = !(o.detailed && o.segmentPlan);
  // Searched in another thread: the report's place, filled by the engine (fillSegments).
  if (o.searchAside) summary.segments = undefined;
  else searchEvaluated(summary, spec, prepared, all, o.reference?.profile, searchOnce);
  if (searchOnce) delete all.search;
  const unlabelled = all.unlabelled ?? 0;
  // The model's declared label delay (label.delay), when its spec has one.
  const delay = (spec.label as { delay?: unknown }).delay;
  summary.labels = { labelled: collected.rows, unlabelled, ...(typeof delay === 'string' ? { delay } : {}) };
  const logged = loggedSummary(spec, all.logged);
  if (logged) {
    summary.logged = logged;
    summary.warnings.push(...loggedWarnings(logged));
  }
  if (all.labelAbsent) {
    const files = all.labelAbsent;
    summary.warnings.push(
      `label column ${spec.label.column} is absent from ${files.length === 1 ? `file ${files[0]}` : `${files.length} files (${files.slice(0, 3).join(', ')}${files.length > 3 ? ', …' : ''})`}: ${files.length === 1 ? 'its' : 'their'} rows are unlabelled (scored for the estimate, not in the realized metrics)`,
    );
  }
  if (o.reference && all.rows > 0) {
    const current = Object.fromEntries(Object.entries(o.sketches).map(([k, v]) => [k, mergeSketches(v, EXACT_VALUES)]));
    summary.drift = assessDrift({
      reference: o.reference.columns,
      current,
      columns: o.reference.watch,
      settings: spec.monitor.drift,
      label: o.reference.label && collected.rows > 0 ? { reference: o.reference.label, current: labelSketch(collected, 'truth') } : undefined,
      prediction: o.reference.prediction ? { reference: o.reference.prediction, current: labelSketch(all, 'prediction') } : undefined,
      recognised: o.reference.recognised,
    });
    // Labels that have not come yet are not a quality problem of the label column, in the window or
    // in the reference (a rolling reference's recent days may not have theirs yet: no label distribution).
    const skipLabel = unlabelled > 0 || !o.reference.label;
    const required = [...prepared.inputs.flatMap((i) => i.columns), ...(skipLabel ? [] : [spec.label.column])];
    let profile = o.reference.profile;
    if (skipLabel) {
      delete current[spec.label.column];
      const { [spec.label.column]: _label, ...columns } = profile.columns;
      profile = { ...profile, columns };
    }
    summary.quality = qualityOf(
      profile,
      current,
      new Set(o.fileColumns.filter((c) => !(skipLabel && c === spec.label.column))),
      required,
      (o.reference.recognised ?? []).map((r) => r.column),
    );
    const estimators = o.reference.profile.estimators as ReferenceEstimators | undefined;
    const { estimated, multivariate, notes } = estimateWindow(
      estimators,
      prepared,
      all,
      collected,
      all.sample,
      spec.monitor.multivariate.domain_classifier,
      (spec.metrics ?? []).flatMap((d) => (d.kind === 'at_threshold' ? [d.threshold] : [])),
    );
    if (estimated) summary.estimated = estimated;
    gateOnEstimate(spec, prepared.classes, summary, prepared.positiveIndex);
    if (multivariate) summary.multivariate = multivariate;
    summary.warnings.push(...notes);
    if (!estimators && unlabelled > 0) {
      summary.warnings.push(
        referenceUnlabelled(profile)
          ? `no estimate for the ${unlabelled} unlabelled rows: the reference has no labelled rows to fit the estimators on; profile labelled reference data`
          : `no estimate for the ${unlabelled} unlabelled rows: the reference profile was made before estimators were fitted into it; profile the reference again (upkeep profile) to estimate`,
      );
    }
  } else if (unlabelled > 0) {
    summary.warnings.push(`no estimate for the ${unlabelled} unlabelled rows: estimation needs a reference (a stored profile, or --reference data or profile)`);
  }
  let fitted: FinishedEvaluation['estimators'];
  if (o.detailed && all.rows > 0) {
    const { estimators, notes } = fitEstimators(spec, prepared, all, collected, Object.keys(summary.metrics), all.sample);
    fitted = { fitted: estimators as Record<string, unknown>, notes };
  }
  summary.durationMs = Date.now() - o.started;
  const baseline = o.detailed && o.segmentPlan ? baselineOf(spec, all, o.segmentPlan) : undefined;
  const rest = {
    ...(pending ? { pendingInterval: pending } : {}),
    ...(pendingDeclared ? { pendingDeclared } : {}),
    ...(fitted ? { estimators: fitted } : {}),
    ...(baseline && { segmentBaseline: baseline }),
  };
  if (!o.detailed || collected.rows === 0) return { summary, ...rest };
  return { summary, label: labelSketch(collected, 'truth'), prediction: labelSketch(all, 'prediction'), ...rest };
}

/** Labels or predictions of the evaluated rows as a sketch: counts for classes, sorted values for regression. */
export function labelSketch(c: Collected, which: 'truth' | 'prediction'): ColumnSketch {
  if (c.task === 'regression') {
    const values = which === 'truth' ? c.yTrueValue! : c.yPredValue!;
    return { kind: 'numeric', sourceType: 'float', rows: values.length, nulls: 0, nonFinite: 0, sorted: sortedSample(values).sorted };
  }
  const idx = which === 'truth' ? c.yTrueClass! : c.yPredClass!;
  const n = new Float64Array(c.labels!.length);
  for (let i = 0; i < idx.length; i++) n[idx[i]!]!++;
  const present = c.labels!.map((l, i) => [l, n[i]!] as const).filter(([, k]) => k > 0);
  return { kind: 'categorical', sourceType: 'string', rows: idx.length, missing: 0, categories: present.map(([l]) => l), counts: present.map(([, k]) => k) };
}

/**
 * True labels outside the model's classes (text labels for a model of integer classes, a class the
 * model was never trained on): the metrics would be meaningless, so the window is failing.
 */
function unknownLabels(spec: ModelSpec, classes: string[], c: Collected): UpkeepError {
  const unknown = c.labels!.slice(classes.length);
  let rows = 0;
  for (const k of c.yTrueClass!) if (k >= classes.length) rows++;
  const list = (values: string[], n: number): string =>
    values
      .slice(0, n)
      .map((v) => JSON.stringify(v))
      .join(', ') + (values.length > n ? `, … (${values.length} in all)` : '');
  return new UpkeepError(
    'SchemaMismatch',
    `model ${spec.id}: label column ${spec.label.column} holds ${unknown.length} value${unknown.length === 1 ? '' : 's'} the model does not know, in ${rows} of ${c.rows} rows; the model's classes are ${list(classes, 10)} (check label.column and the labels' type: text vs numbers)`,
  );
}

/** The window's group columns that are slice columns (the sensitive ones are read with them: fairness). */
function onlySlices(c: Collected, slices: readonly string[]): Collected {
  if (!c.segments) return c;
  const kept = Object.entries(c.segments).filter(([k]) => slices.includes(k));
  return { ...c, segments: kept.length > 0 ? Object.fromEntries(kept) : undefined };
}

function summarize(
  spec: ModelSpec,
  prepared: PreparedModel,
  collected: Collected,
  started: number,
  deferProbability = false,
): { summary: EvaluationSummary; pending?: PendingInterval; pendingDeclared?: PendingDeclared[] } {
  // Outputs that are not probabilities (or not numbers): no metric computed from them means anything.
  if (collected.outputIssues) {
    throw new UpkeepError(
      'ModelOutputInvalid',
      outputIssuesMessage(spec.id, (prepared.probaOutput ?? prepared.valueOutput)!, collected.rows, collected.outputIssues),
    );
  }
  if (collected.rowsRead > 0 && collected.droppedRows / collected.rowsRead > spec.invalid_rows.max_share) {
    const detail = collected.invalid.map((i) => `${i.file} ${i.column}: ${i.nulls} missing, ${i.nan} NaN, ${i.infinite} infinite`).join('; ');
    throw new UpkeepError(
      'InvalidData',
      `model ${spec.id}: ${collected.droppedRows} of ${collected.rowsRead} rows (${((100 * collected.droppedRows) / collected.rowsRead).toFixed(1)}%) have missing or non-finite values, more than invalid_rows.max_share ${spec.invalid_rows.max_share} (${detail})`,
    );
  }
  const warnings: string[] = [];
  if (collected.droppedRows > 0) {
    warnings.push(
      `${collected.droppedRows} of ${collected.rowsRead} rows dropped before evaluation: ` +
        collected.invalid
          .map(
            (i) =>
              `${i.file} ${i.column} (${[i.nulls && `${i.nulls} missing`, i.nan && `${i.nan} NaN`, i.infinite && `${i.infinite} infinite`].filter(Boolean).join(', ')})`,
          )
          .join('; '),
    );
  }
  if (collected.labels && prepared.classes && collected.labels.length > prepared.classes.length) throw unknownLabels(spec, prepared.classes, collected);
  const m =
    collected.rows > 0
      ? metricsOf(collected, prepared.classes?.length ?? 0, prepared.positiveIndex, deferProbability)
      : { metrics: {}, undefinedMetrics: {}, metricWarnings: {} };
  const slices =
    collected.rows > 0
      ? computeSlices(onlySlices(collected, spec.monitor.segments), {
          metric: spec.thresholds.metric,
          overall: m.metrics[spec.thresholds.metric] ?? null,
          nClasses: prepared.classes?.length ?? 0,
          positiveIndex: prepared.positiveIndex,
          settings: spec.monitor.slices,
          columns: spec.monitor.segments,
        })
      : undefined;
  const fairness = windowFairness(
    spec,
    collected,
    {
      nClasses: prepared.classes?.length ?? 0,
      positiveIndex: prepared.positiveIndex,
      classes: prepared.classes,
    },
    true,
  );
  const ci = collected.rows > 0 ? confidenceOf(spec, prepared, collected, m.metrics[spec.thresholds.metric]) : {};
  // Declared business metrics, on the same rows, with their gates (declared-metrics.ts).
  // A large window's resampled ones are left pending, for the engine to spread over its threads.
  const { gated, pending: pendingDeclared } = declaredGatedOrPending(spec, prepared.classes, prepared.positiveIndex, collected, true);
  const summary: EvaluationSummary = {
    rows: collected.rows,
    rowsRead: collected.rowsRead,
    droppedRows: collected.droppedRows,
    invalid: collected.invalid,
    ...m,
    warnings,
    ...(slices ? { slices } : {}),
    ...(ci.confidence ? { confidence: ci.confidence } : {}),
    ...(gated.length > 0 ? { gated } : {}),
    ...(collected.labels
      ? {
          classes: prepared.classes,
          ...labelCountsOf(collected.yTrueClass!, collected.yPredClass!, collected.labels, prepared.classes!.length),
        }
      : {}),
    durationMs: Date.now() - started,
  };
  // Fairness gaps join whatever else the evaluation gates (declared business metrics).
  if (fairness) Object.assign(summary, { fairness: fairness.report, gated: [...(summary.gated ?? []), ...fairness.gated] });
  // The declared metrics' bootstraps left for the engine's threads: the window's, then each large group's.
  const later = [...(pendingDeclared ? [pendingDeclared] : []), ...(fairness?.pending ?? [])];
  return { summary, ...(ci.pending ? { pending: ci.pending } : {}), ...(later.length > 0 ? { pendingDeclared: later } : {}) };
}

/** A reference profiled from rows none of which had its label: no estimator could be fitted on it. */
export function referenceUnlabelled(profile: Pick<ReferenceProfile, 'label' | 'rows'>): boolean {
  // Profiles keep no label distribution when no row had a label (reference.ts); earlier ones kept an empty one.
  return profile.rows > 0 && (!profile.label || profile.label.distribution.count === 0);
}
