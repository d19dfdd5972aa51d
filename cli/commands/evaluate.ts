/** What `upkeep evaluate` and `upkeep profile` do (in this process, no Temporal); loaded when one runs. */
import { readModelFile } from '../../engine/evaluation/model-file.js';
import { resolveLimits } from '../../domain/limits.js';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig, findModel } from '../../engine/config/load.js';
import type { ModelSpec } from '../../domain/config.js';
import type { VerdictStatus } from '../../domain/evaluation.js';
import { baseName, type DataSource } from '../../engine/data/source.js';
import { createDataSource } from '../../engine/data/sources.js';
import { renderReportMarkdown, type EvaluationReport } from '../../engine/evaluation/report.js';
import { readTables } from '../../engine/data/snapshot-files.js';
import { segmentRowsCsv } from '../../engine/evaluation/segments/export.js';
import { parseReferenceProfile } from '../../engine/drift/profile.js';
import type { ReferenceProfile } from '../../engine/drift/profile-schema.js';
import { profileReferenceData, referenceFromData, referenceFromProfile } from '../../engine/evaluation/reference.js';
import { UpkeepError } from '../../engine/errors.js';
import { createEvaluationEngine, referenceUnlabelled, type EvaluationEngine, type ReferenceInput } from '../../engine/evaluation/evaluate.js';
import { createInProcessRunner } from '../../engine/evaluation/in-process-runner.js';
import type { InferenceRunner } from '../../engine/evaluation/runner.js';
import { profileKey } from '../../engine/store/keys.js';
import { sha256Hex } from '../../engine/util.js';
import { openStore } from '../../engine/store/open.js';
import type { ArtifactStore } from '../../engine/store/store.js';
import { writeOutputFile } from '../output.js';
import { commandConfig } from '../context.js';
import { adHocSpec, evaluateOnce, queryWindowFiles, windowFiles, withQueryData, type OneShotProgress } from '../one-shot.js';
import type { SqlConnect } from '../../engine/data/sql/connection.js';
import { redactSqlUri } from '../../domain/sql.js';
import { countLine, withProgress } from '../progress.js';

export interface EvaluateOptions extends ModelOptions {
  at?: Date;
  reference?: string[];
  format: 'json' | 'md' | 'html';
  /** Write the report here instead of standard output. */
  out?: string;
  /** Write the rows of the weak segments found here (CSV). */
  segmentsExport?: string;
  failOn?: FailOn;
}

export type FailOn = 'warning' | 'degraded' | 'failing' | 'never';

/**
 * How bad each verdict is for `--fail-on`. insufficient-data ranks with failing: a CI gate must
 * not pass a model on a window it could not judge.
 */
const SEVERITY: Record<VerdictStatus, number> = { healthy: 0, warning: 1, degraded: 2, failing: 3, 'insufficient-data': 3 };

/** Whether `status` trips the `--fail-on` threshold (exit status 1). */
export function failsGate(status: VerdictStatus, failOn: FailOn): boolean {
  return failOn !== 'never' && SEVERITY[status] >= SEVERITY[failOn];
}

/** One line of `upkeep evaluate`'s progress. */
export function progressText(modelId: string, p: OneShotProgress): string {
  if (p.phase === 'reading') return `${countLine(`${modelId}: reading`, p.filesRead, p.files, 'files')}${p.date ? `, day ${p.date}` : ''}`;
  return `${countLine(`${modelId}: evaluating`, p.rowsDone, p.rows, 'rows')}, ${p.file}`;
}

/**
 * Windows of at most this many rows are evaluated in this thread: starting evaluation threads and
 * loading the code into each would take longer than the work (most of a small file's time).
 */
export const INLINE_ROWS = 50_000;

/** The command's evaluation engine: threads for a large window, this thread for a small one. */
function commandEngine(): EvaluationEngine {
  return createEvaluationEngine({
    inline: { rows: INLINE_ROWS, handle: async (msg) => (await import('../../engine/evaluation/shard-handler.js')).handle(msg) },
  });
}

export async function evaluateCommand(o: EvaluateOptions): Promise<void> {
  const runner = createInProcessRunner();
  const engine = commandEngine();
  try {
    const found = await modelForCommand(o, runner, ['task', 'label', 'features', 'data']);
    const { bytes, store, data } = found;
    // --data <database URI> --query <sql>: the window is read by that query, day by day.
    const spec = withQueryData(found.spec, o.data, o.query);
    const reference = await loadReference({ spec, bytes, engine, uris: o.reference, configStore: store });
    // On a terminal, the files read and the rows scored so far; nothing when stderr is piped.
    const { report } = await withProgress((progress) =>
      evaluateOnce({
        spec,
        modelBytes: bytes,
        dataUris: o.query === undefined ? o.data : undefined,
        at: o.at,
        engine,
        reference,
        data,
        ...(o.connect ? { connect: o.connect } : {}),
        progress: (p) => progress.update(progressText(spec.id, p)),
      }),
    );
    const unlabelled = report.labels?.unlabelled ?? 0;
    if (unlabelled > 0 && !report.estimated && !reference?.profile.estimators) {
      // Said on stderr too: the JSON or Markdown on stdout may go to a file or a pipe.
      console.error(
        noEstimateMessage(report.modelId, unlabelled, reference ? (referenceUnlabelled(reference.profile) ? 'unlabelled' : 'old') : undefined, !o.onnx),
      );
    }
    let text: string;
    if (o.format === 'json') {
      const { rows, metrics, verdict, ...rest } = report;
      text = `${JSON.stringify({ rows, metrics, verdict, ...rest }, null, 2)}\n`;
    } else if (o.format === 'html') {
      text = (await import('../../engine/pictures/report-html.js')).renderReportHtml(report);
    } else {
      text = renderReportMarkdown(report);
    }
    if (o.out) {
      writeOutputFile(o.out, text, 'report');
      console.log(`wrote ${o.out}`);
    } else {
      process.stdout.write(text);
    }
    if (o.segmentsExport) await exportSegments(o.segmentsExport, spec, report, o.data);
    const failOn = o.failOn ?? 'failing';
    if (failsGate(report.verdict.status, failOn)) {
      console.error(`upkeep: ${report.modelId}: verdict ${report.verdict.status} (--fail-on ${failOn})`);
      process.exitCode = 1;
    }
  } finally {
    await runner.close();
    await engine.close();
  }
}

export interface ProfileOptions extends ModelOptions {
  /** With a query: the end of the window read (default now). */
  at?: Date;
  out?: string;
}

export async function profileCommand(o: ProfileOptions): Promise<void> {
  const runner = createInProcessRunner();
  const engine = createEvaluationEngine();
  try {
    const found = await modelForCommand(o, runner, ['task', 'label', 'features']);
    const { bytes, store } = found;
    const spec = withQueryData(found.spec, o.data, o.query);
    const sha = sha256Hex(bytes);
    let files;
    let source: string;
    if (spec.data.query !== undefined && (o.query !== undefined || !o.data?.length)) {
      // A query (given, or the model's): the days of its window ending --at (default now).
      const at = o.at ?? new Date();
      const server = redactSqlUri(spec.data.uri);
      ({ files } = await queryWindowFiles(spec, at, o.connect));
      source = `${server}: ${spec.data.window.days} days to ${at.toISOString()}`;
      if (files.length === 0) throw new UpkeepError('InvalidData', `model ${spec.id}: ${source}: the query gives no rows; nothing stored`);
    } else {
      if (!o.data?.length)
        throw new UpkeepError('InvalidConfig', `model ${spec.id}: give --data <reference data files>, or --data <database URI> --query <sql>`);
      files = await windowFiles(o.data, spec.data.format);
      source = o.data.join(', ');
    }
    const { profile, estimatorNotes } = await profileReferenceData({
      spec,
      modelBytes: bytes,
      modelKey: sha,
      artifactName: baseName(spec.artifact),
      files,
      engine,
      createdAt: new Date().toISOString(),
      source,
    });
    // Stored, it would replace the version's profile with one that fits no estimator and gives no baseline.
    if (referenceUnlabelled(profile)) {
      throw new UpkeepError(
        'InvalidData',
        `model ${spec.id}: ${source}: no row has its label (label column ${spec.label.column} is empty): a reference needs labelled rows (its baseline metrics and the estimates are fitted on them); nothing stored`,
      );
    }
    for (const note of estimatorNotes) console.error(`upkeep: ${spec.id}: ${note}`);
    const text = `${JSON.stringify(profile)}\n`;
    if (store) console.log(`stored ${(await store.put(profileKey(spec.id, sha), text)).uri}`);
    if (o.out) {
      writeOutputFile(o.out, text, 'profile');
      console.log(`wrote ${o.out}`);
    }
    const metric = spec.thresholds.metric;
    console.log(
      `${spec.id}: ${profile.rows} rows, ${Object.keys(profile.columns).length} columns profiled; ${metric} on this data ${profile.baselineMetrics?.[metric]?.toFixed(4) ?? '—'} (model ${sha.slice(0, 12)})`,
    );
    const note = estimatorNote(profile);
    if (note) console.log(note);
    const recognised = profile.recognised ?? [];
    if (recognised.length > 0) {
      console.log(
        `recognised, not drift-tested: ${recognised.map((r) => `${r.column} (${r.kind})`).join(', ')}; name one in monitor.numeric or monitor.categorical to watch it`,
      );
    }
  } finally {
    await runner.close();
    await engine.close();
  }
}

/** Why unlabelled rows got no estimate, and what to run: a model of the config can have its profile stored. */
export function noEstimateMessage(modelId: string, unlabelled: number, reference: 'old' | 'unlabelled' | undefined, configured: boolean): string {
  const profile = configured ? `upkeep profile --model ${modelId} --data <labelled data the model was not trained on>, or ` : '';
  if (reference === 'unlabelled')
    return `upkeep: ${modelId}: ${unlabelled} rows have no label yet and neither has any row of the reference: estimating needs labelled reference data`;
  return reference === 'old'
    ? `upkeep: ${modelId}: ${unlabelled} rows have no label yet and the reference carries no fitted estimator (a profile made before them): profile the reference again, or give --reference data files`
    : `upkeep: ${modelId}: ${unlabelled} rows have no label yet; estimating their performance needs a reference: ${profile}--reference <data files or a profile .json>`;
}

/**
 * Said when a profile carries a performance estimator: it learns from these rows how good the
 * model's scores are, so rows the model was trained on make every estimate as good as the fit
 * (a random forest's training RMSE, half its real one), and nothing in the rows tells them apart.
 */
export function estimatorNote(profile: Pick<ReferenceProfile, 'estimators'>): string | undefined {
  const method = profile.estimators?.cbpe ? 'CBPE' : profile.estimators?.dle ? 'DLE' : undefined;
  if (!method) return undefined;
  return `estimated performance (${method}) is fitted on these rows: give data the model was not trained on (a test split, or recent labelled production data), or the estimates of unlabelled windows come out as good as the training fit (docs/late-labels.md#which-reference)`;
}

export interface ModelOptions {
  config?: string;
  model?: string;
  onnx?: string;
  task?: 'binary' | 'multiclass' | 'regression';
  label?: string;
  features?: string[];
  data?: string[];
  positiveLabel?: string;
  classes?: string[];
  metric?: string;
  min?: number;
  max?: number;
  minRows?: number;
  categorical?: string[];
  segments?: string[];
  /** With --data <database URI>: the query read for each day of the window ({start} and {end} bound). */
  query?: string;
  /** How to reach the database (connectSql by default; tests give a fake). */
  connect?: SqlConnect;
}

/**
 * The model a command works on: from the config (`--model`, with its store) or any ONNX file
 * (`--onnx` with the options in `required`); `--categorical` and `--segments` add watched columns.
 */
async function modelForCommand(
  o: ModelOptions,
  runner: InferenceRunner,
  required: (keyof ModelOptions)[],
): Promise<{ spec: ModelSpec; bytes: Uint8Array; store?: ArtifactStore; data: DataSource }> {
  let spec: ModelSpec;
  let bytes: Uint8Array;
  let store: ArtifactStore | undefined;
  let data = createDataSource();
  if (o.onnx) {
    for (const key of required) {
      if (!o[key]) throw new UpkeepError('InvalidConfig', `--onnx needs --${key}`);
    }
    ({ spec, bytes } = await adHocSpec({
      onnx: o.onnx,
      task: o.task!,
      label: o.label!,
      features: o.features!,
      positiveLabel: o.positiveLabel,
      classes: o.classes,
      metric: o.metric,
      min: o.min,
      max: o.max,
      minRows: o.minRows ?? 1,
      runner,
    }));
  } else {
    if (!o.model) throw new UpkeepError('InvalidConfig', 'give --model <id> (with --config) or --onnx <file>');
    const configPath = commandConfig(o.config);
    const config = await loadConfig(configPath);
    spec = findModel(config, o.model, path.basename(configPath));
    data = createDataSource(config.s3);
    const read = await readModelFile(data, spec.artifact, { what: `model ${spec.id}: artifact`, maxBytes: resolveLimits(spec.limits).max_model_bytes });
    if (!read) throw new UpkeepError('InvalidModel', `model ${spec.id}: artifact ${spec.artifact} does not exist`);
    bytes = read;
    store = openStore(config);
  }
  const add = (have: string[], more?: string[]): string[] => [...new Set([...have, ...(more ?? [])])];
  spec = { ...spec, monitor: { ...spec.monitor, categorical: add(spec.monitor.categorical, o.categorical), segments: add(spec.monitor.segments, o.segments) } };
  return { spec, bytes, data, ...(store ? { store } : {}) };
}

/** --reference: a profile JSON, or data files (exact); without it, the profile stored for the model version. */
async function loadReference(o: {
  spec: ModelSpec;
  bytes: Uint8Array;
  engine: EvaluationEngine;
  uris?: string[];
  configStore?: ArtifactStore;
}): Promise<ReferenceInput | undefined> {
  const { spec, bytes, engine } = o;
  if (o.uris && o.uris.length > 0) {
    if (o.uris.length === 1 && o.uris[0]!.endsWith('.json')) {
      const uri = o.uris[0]!.includes('://') ? o.uris[0]! : pathToFileURL(path.resolve(o.uris[0]!)).href;
      const text = await createDataSource().read(uri, { what: 'reference profile' });
      if (!text) throw new UpkeepError('InvalidConfig', `reference profile ${o.uris[0]} does not exist`);
      let json: unknown;
      try {
        json = JSON.parse(new TextDecoder().decode(text));
      } catch (err) {
        throw new UpkeepError('InvalidConfig', `reference profile ${o.uris[0]} is not JSON: ${(err as Error).message}`);
      }
      return referenceFromProfile(parseReferenceProfile(json, o.uris[0]), spec);
    }
    return referenceFromData({
      spec,
      modelBytes: bytes,
      modelKey: sha256Hex(bytes),
      artifactName: baseName(spec.artifact),
      files: await windowFiles(o.uris, spec.data.format),
      engine,
      createdAt: new Date().toISOString(),
      source: o.uris.join(', '),
    });
  }
  const stored = await o.configStore?.tryGet(profileKey(spec.id, sha256Hex(bytes)));
  if (!stored) return undefined;
  return referenceFromProfile(parseReferenceProfile(JSON.parse(new TextDecoder().decode(stored))), spec);
}

/** --segments-export: the rows of the reported weak segments, read again from the window's files. */
async function exportSegments(out: string, spec: ModelSpec, report: EvaluationReport, data: string[] | undefined): Promise<void> {
  const segments = report.evaluation?.segments;
  if (!segments)
    throw new UpkeepError(
      'InvalidData',
      `model ${spec.id}: no segment search in this evaluation (segments.search is off, or too few labelled rows): nothing to export`,
    );
  if (spec.data.query !== undefined && !data?.length)
    throw new UpkeepError('InvalidConfig', `model ${spec.id}: --segments-export reads files; give the window as --data <files>`);
  const uris = data?.length ? data : report.snapshot.files.map((f) => f.sourceUri);
  const files = await windowFiles(uris, spec.data.format);
  const tables = await readTables(files, `model ${spec.id}: segments export`, undefined, spec.limits);
  const { csv, rows } = segmentRowsCsv({
    modelId: spec.id,
    tables: tables.map((table, i) => ({ name: files[i]!.name, table })),
    segments: segments.worst,
    ...(spec.data.key ? { key: spec.data.key } : {}),
  });
  writeOutputFile(out, csv, 'segments export');
  console.error(`wrote ${out}: ${rows} rows of ${segments.worst.length} weak segment${segments.worst.length === 1 ? '' : 's'}`);
}
