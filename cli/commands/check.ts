/**
 * `upkeep check`: validates the config, checks each model artifact against its spec (the checks
 * the evaluation makes before reading data) and reads the most recent file of the current window
 * (with a file pattern, the last match of the most recent day) to check its columns and label
 * values. Read-only: nothing is written, Temporal is not needed.
 */
import { columnsWord } from '../../domain/escape.js';
import { readModelFile } from '../../engine/evaluation/model-file.js';
import { resolveLimits } from '../../domain/limits.js';
import path from 'node:path';
import { loadConfig, warnUnauthenticated } from '../../engine/config/load.js';
import { readTable } from '../../engine/data/read-table.js';
import { baseName, type DataSource } from '../../engine/data/source.js';
import { createDataSource } from '../../engine/data/sources.js';
import { dataWindow } from '../../engine/data/window.js';
import { dayFiles, isFilePattern } from '../../engine/data/file-pattern.js';
import { UpkeepError } from '../../engine/errors.js';
import { canonicalLabel, prepareModel } from '../../engine/evaluation/model.js';
import { allMissing, missingLabels } from '../../engine/evaluation/row-helpers.js';
import { createInProcessRunner } from '../../engine/evaluation/in-process-runner.js';
import type { InferenceRunner } from '../../engine/evaluation/runner.js';
import { sha256Hex } from '../../engine/util.js';
import type { ModelSpec } from '../../domain/config.js';
import { readDirectory } from '../../engine/watchdog/directory.js';
import { commandConfig } from '../context.js';
import { didYouMean } from '../../domain/suggest.js';

/** One line: `ok <model>: …` or the problem, naming the model, file and column. */
export async function checkModel(
  spec: ModelSpec,
  runner: InferenceRunner,
  at = new Date(),
  source: DataSource = createDataSource(),
): Promise<{ ok: boolean; line: string }> {
  const fail = (msg: string) => ({ ok: false, line: `FAIL ${spec.id}: ${msg}` });
  const artifactName = baseName(spec.artifact);
  let bytes: Uint8Array | undefined;
  try {
    bytes = await readModelFile(source, spec.artifact, { what: 'artifact', maxBytes: resolveLimits(spec.limits).max_model_bytes });
  } catch (err) {
    if (err instanceof UpkeepError) return fail(err.message);
    throw err;
  }
  if (!bytes) return fail(`artifact ${spec.artifact} does not exist`);
  let classes: string[] | undefined;
  try {
    classes = (await prepareModel(spec, bytes, sha256Hex(bytes), runner, artifactName)).classes;
  } catch (err) {
    if (err instanceof UpkeepError) return fail(err.message);
    throw err;
  }

  const window = dataWindow({ template: spec.data.uri, end: at, days: spec.data.window.days, timezone: spec.schedule.timezone });
  let latest: { date: string; uri: string; bytes: Uint8Array } | undefined;
  let present = 0;
  let fileCount = 0;
  const pattern = isFilePattern(spec.data.uri);
  for (const day of [...window.days].reverse()) {
    let has = false;
    try {
      // Newest first: the last match of the most recent day with data is the file read.
      for (const uri of (await dayFiles(source, day.uri)).reverse()) {
        // A listed file is there; a plain one is read to know (as the window reads it).
        if (pattern && latest) {
          has = true;
          fileCount++;
          continue;
        }
        const b = await source.read(uri, { maxBytes: spec.limits?.max_file_bytes });
        if (!b) continue;
        has = true;
        fileCount++;
        latest ??= { date: day.date, uri, bytes: b };
      }
    } catch (err) {
      if (err instanceof UpkeepError) return fail(err.message);
      throw err;
    }
    if (has) present++;
  }
  const span = `${window.firstDay}..${window.lastDay}`;
  if (!latest) return fail(`no data file in the window ${span} (${spec.data.uri})`);

  const file = baseName(latest.uri);
  let table;
  try {
    table = await readTable(latest.bytes, {
      source: file,
      ...(spec.data.format ? { format: spec.data.format } : {}),
      ...(spec.limits ? { limits: spec.limits } : {}),
    });
  } catch (err) {
    return fail(`file ${file}: ${(err as Error).message}`);
  }
  const have = table.fileColumns ?? [...table.columns.keys()];
  // The label column may be absent when its labels come late (label.delay): see below.
  const wanted = spec.inputs.flatMap((i) => i.columns);
  const missing = wanted.filter((c) => !have.includes(c));
  // the file's own column names are not shown: a header may be the first line of another file (credentials)
  if (missing.length > 0)
    return fail(
      `file ${file}: no column ${missing.join(', ')} (${columnsWord(have.length)}${didYouMean(
        missing[0]!,
        have.filter((c) => c.length <= 100),
      )})`,
    );

  const label = table.columns.get(spec.label.column);
  // Without label.delay an absent label column is more likely misspelt than late: it fails, as before.
  if (!label && !spec.label.delay)
    return fail(
      `file ${file}: no column ${spec.label.column} (${columnsWord(have.length)}${didYouMean(
        spec.label.column,
        have.filter((c) => !wanted.includes(c) && c.length <= 100),
      )}; if its labels come later, declare label.delay: docs/late-labels.md)`,
    );
  const unlabelled = label ? (missingLabels(label, table.rowCount)?.reduce((n, m) => n + m, 0) ?? 0) : table.rowCount;
  // Late labels (docs/late-labels.md): what the evaluation will do with them, said rather than failed.
  const late = 'not known yet: scored and estimated, see docs/late-labels.md';
  const labels = !label
    ? `columns as declared; no label column ${spec.label.column} (labels ${late}${didYouMean(
        spec.label.column,
        have.filter((c) => !wanted.includes(c) && c.length <= 100),
      )})`
    : unlabelled === table.rowCount && table.rowCount > 0
      ? `columns as declared; label column ${spec.label.column} empty (labels ${late})`
      : unlabelled > 0
        ? `columns and labels as declared, ${unlabelled} labels empty (${late})`
        : 'columns and labels as declared';
  const values = label && !allMissing(label) ? label : undefined;
  if (values && spec.task === 'regression') {
    if (values.kind !== 'number') return fail(`file ${file}: label column ${spec.label.column} is not numeric`);
  } else if (values && classes) {
    const label = values;
    const known = new Set(classes);
    const unknown = new Set<string>();
    for (let i = 0; i < table.rowCount && unknown.size < 5; i++) {
      let v: string | undefined;
      // An empty label is not known yet, not a class.
      if (label.kind === 'string') v = label.values[i] || undefined;
      else if (!label.nulls?.[i]) v = canonicalLabel(label.kind === 'boolean' ? label.values[i] === 1 : label.values[i]!);
      if (v !== undefined && !known.has(v)) unknown.add(v);
    }
    if (unknown.size > 0)
      return fail(
        `file ${file}: label column ${spec.label.column} has values the model does not know (${unknown.size === 5 ? 'at least 5' : unknown.size}); its classes are ${classes.join(', ')}`,
      );
  }
  // Asked to retrain without a trainer: it never will (there is no default trainer); said, not failed.
  const noTrainer =
    spec.retrain.on !== 'never' && !spec.retrain.trainer
      ? `; retrain.on is ${spec.retrain.on} but there is no retrain.trainer, so it will be reported, never retrained`
      : '';
  return {
    ok: true,
    line: `ok   ${spec.id}: ${artifactName} matches its spec; ${pattern ? `${fileCount} files on ${present} of ${window.days.length} days` : `${present} of ${window.days.length} files`} in ${span}; ${file}: ${table.rowCount} rows, ${labels}${noTrainer}`,
  };
}

export async function checkCommand(o: { config?: string; model?: string }): Promise<void> {
  const file = commandConfig(o.config);
  const config = await loadConfig(file);
  warnUnauthenticated(config, path.basename(file));
  const models = o.model ? config.models.filter((m) => m.id === o.model) : config.models;
  if (models.length === 0)
    throw new UpkeepError(
      'UnknownModel',
      `${path.basename(file)}: no model with id ${o.model} (known: ${config.models.map((m) => m.id).join(', ')})${didYouMean(
        o.model ?? '',
        config.models.map((m) => m.id),
      )}`,
    );
  console.log(`${path.basename(file)}: valid, ${config.models.length} model${config.models.length > 1 ? 's' : ''}`);
  const runner = createInProcessRunner();
  const source = createDataSource(config.s3);
  let bad = 0;
  if (config.watchdog.directory) {
    // The watchdog reads it on every run: a broken file would fail the run.
    const people = await readDirectory(config.watchdog.directory).catch((err: unknown) => (err as Error).message);
    if (typeof people === 'string') bad++;
    console.log(
      typeof people === 'string'
        ? `FAIL ${people}`
        : `ok watchdog.directory ${path.basename(config.watchdog.directory)}: ${people.size} ${people.size === 1 ? 'person' : 'people'}`,
    );
  }
  try {
    for (const spec of models) {
      // Anything else (e.g. an unsupported URI) is this model's problem, not the end of the check.
      const r = await checkModel(spec, runner, new Date(), source).catch((err: unknown) => ({ ok: false, line: `FAIL ${spec.id}: ${(err as Error).message}` }));
      if (!r.ok) bad++;
      console.log(r.line);
    }
  } finally {
    await runner.close();
  }
  if (bad > 0) process.exitCode = 1;
}
