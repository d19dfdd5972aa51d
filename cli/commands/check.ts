/**
 * `upkeep check`: validates the config, checks each model artifact against its spec (the checks
 * the evaluation makes before reading data) and reads the most recent file of the current window
 * (with a file pattern, the last match of the most recent day) to check its columns and label
 * values. Read-only: nothing is written, Temporal is not needed.
 */
import { declaredClassProblem, declaredMetricLines } from '../../domain/business-config.js';
import { reviewDeciders, reviewPolicy } from '../../domain/review.js';
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
import { bindQuery, redactSqlUri } from '../../domain/sql.js';
import { durationMs } from '../../domain/duration.js';
import type { SqlColumn, SqlConnect } from '../../engine/data/sql/connection.js';
import { connectSql } from '../../engine/data/sql/connect.js';
import { dayBounds } from '../../engine/data/window.js';
import { describeRouting, routingFor } from '../../engine/notify/route.js';
import { checkChannel } from '../../engine/notify/channels/index.js';
import type { UpkeepConfig } from '../../domain/config.js';
import { tierLines } from '../../domain/governance.js';
import { openStore } from '../../engine/store/open.js';
import { ownerCheckLines as ownerLines } from './handover.js';

/** One line: `ok <model>: …` or the problem, naming the model, file and column. */
export async function checkModel(
  spec: ModelSpec,
  runner: InferenceRunner,
  at = new Date(),
  source: DataSource = createDataSource(),
  connect: SqlConnect = connectSql,
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
  // A cost or value matrix must name the model's own classes (the config alone cannot know them).
  const mismatch = declaredClassProblem(spec, classes);
  if (mismatch) return fail(mismatch.replace(`model ${spec.id}: `, ''));

  if (spec.data.query !== undefined) return checkQuery(spec, artifactName, at, connect);
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
  // Labels joined by key from data.labels: the file holds the key, not the label.
  const joinedFrom = spec.data.labels ? (spec.data.key ?? spec.data.labels.key) : undefined;
  if (joinedFrom !== undefined && !have.includes(spec.data.key ?? joinedFrom))
    return fail(`file ${file}: no column ${spec.data.key ?? joinedFrom} (data.key), which the labels of data.labels are joined by`);
  if (!label && !spec.label.delay && joinedFrom === undefined)
    return fail(
      `file ${file}: no column ${spec.label.column} (${columnsWord(have.length)}${didYouMean(
        spec.label.column,
        have.filter((c) => !wanted.includes(c) && c.length <= 100),
      )}; if its labels come later, declare label.delay: docs/late-labels.md)`,
    );
  const unlabelled = label ? (missingLabels(label, table.rowCount)?.reduce((n, m) => n + m, 0) ?? 0) : table.rowCount;
  // Late labels (docs/late-labels.md): what the evaluation will do with them, said rather than failed.
  const late = 'not known yet: scored and estimated, see docs/late-labels.md';
  const labels =
    joinedFrom !== undefined
      ? `columns as declared; label ${spec.label.column} joined by ${spec.data.key ?? joinedFrom} from data.labels`
      : !label
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

/**
 * A model whose data is a query: the columns the query would give for the window's last day,
 * asked of the database without reading a row (connection.ts `columns`), against the inputs and
 * the label; and who answered.
 */
async function checkQuery(spec: ModelSpec, artifactName: string, at: Date, connect: SqlConnect): Promise<{ ok: boolean; line: string }> {
  const server = redactSqlUri(spec.data.uri);
  // The reader's messages name the model already.
  const fail = (msg: string) => ({ ok: false, line: `FAIL ${spec.id}: ${msg.replace(`model ${spec.id}: `, '')}` });
  const window = dataWindow({ template: spec.data.uri, end: at, days: spec.data.window.days, timezone: spec.schedule.timezone });
  const { start, end } = dayBounds(window.lastDay, window.timezone);
  const timeoutMs = durationMs(resolveLimits(spec.limits).read_timeout);
  let columns: SqlColumn[];
  let identity: string;
  try {
    const conn = await connect(spec.data.uri, {
      model: spec.id,
      ...(spec.data.password_file ? { passwordFile: spec.data.password_file } : {}),
      connectTimeoutMs: Math.min(timeoutMs, 30_000),
    });
    identity = conn.identity;
    try {
      columns = await conn.columns({ text: bindQuery(spec.data.query!), params: [start, end], timeoutMs });
    } finally {
      await conn.close().catch(() => undefined);
    }
  } catch (err) {
    const message = (err as Error).message.replace(`model ${spec.id}: `, '');
    return fail(message.startsWith(server) ? message : `${server}: ${message}`);
  }
  const kinds = new Map(columns.map((c) => [c.name, c]));
  const names = columns.map((c) => c.name);
  const listed = columns.map((c) => `${c.name} ${c.dbType}`).join(', ');
  for (const input of spec.inputs) {
    for (const column of input.columns) {
      const c = kinds.get(column);
      if (!c) return fail(`${server}: the query gives no column ${column} (it gives ${names.join(', ') || 'none'})`);
      const wants = input.type === 'string' ? 'string' : 'number';
      if (c.kind !== wants && !(wants === 'number' && c.kind === 'boolean'))
        return fail(
          `${server}: column ${column} is ${c.dbType} (${c.kind}), but input ${input.name} (${input.type}) needs ${wants === 'string' ? 'text' : 'numbers'}`,
        );
    }
  }
  const key = spec.data.labels ? (spec.data.key ?? spec.data.labels.key) : undefined;
  if (key !== undefined && !kinds.has(key))
    return fail(
      `${server}: the query gives no column ${key} (data.key), which the labels of data.labels are joined by (it gives ${names.join(', ') || 'none'})`,
    );
  const label = kinds.get(spec.label.column);
  let labels: string;
  if (label) {
    if (spec.task === 'regression' && label.kind !== 'number')
      return fail(`${server}: label column ${spec.label.column} is ${label.dbType} (${label.kind}), but a regression label needs numbers`);
    labels = 'columns and label as declared';
  } else if (spec.data.labels) {
    labels = `columns as declared; label ${spec.label.column} joined by ${spec.data.labels.key ?? spec.data.key} from data.labels`;
  } else if (spec.label.delay) {
    labels = `columns as declared; no label column ${spec.label.column} (labels not known yet: scored and estimated, see docs/late-labels.md)`;
  } else {
    return fail(
      `${server}: the query gives no column ${spec.label.column}, the label (it gives ${names.join(', ') || 'none'}; if its labels come later, declare label.delay or data.labels: docs/late-labels.md)`,
    );
  }
  return {
    ok: true,
    line: `ok   ${spec.id}: ${artifactName} matches its spec; query on ${identity}: ${columns.length} column${columns.length === 1 ? '' : 's'} (${listed}), ${labels}; no rows read`,
  };
}

/** A model's routes (docs/channels.md), one line each under its check line; none when no channel is declared. */
export function routeLines(config: Pick<UpkeepConfig, 'notify'>, spec: Pick<ModelSpec, 'id' | 'notify'>): string[] {
  if (Object.keys(config.notify.channels).length === 0) return [];
  const lines = describeRouting(routingFor(config.notify, spec));
  if (lines.length === 0) return [`     ${spec.id} routes: none (the webhook and the worker's log only)`];
  return lines.map((l) => `     ${spec.id} ${l.startsWith('quiet ') ? '' : 'route: '}${l}`);
}

/** Each declared channel: `ok channel <name> (<type>)`, or what keeps it from delivering (found without sending). */
export async function channelLines(config: Pick<UpkeepConfig, 'notify'>, configDir: string): Promise<{ bad: number; lines: string[] }> {
  const lines: string[] = [];
  let bad = 0;
  for (const [name, spec] of Object.entries(config.notify.channels)) {
    const problem = await checkChannel(name, spec, configDir);
    if (problem) bad++;
    lines.push(problem ? `FAIL ${problem}` : `ok channel ${name} (${spec.type})`);
  }
  return { bad, lines };
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
  let store: ReturnType<typeof openStore> | undefined;
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
  const channels = await channelLines(config, path.dirname(path.resolve(file)));
  bad += channels.bad;
  for (const line of channels.lines) console.log(line);
  try {
    for (const spec of models) {
      // Anything else (e.g. an unsupported URI) is this model's problem, not the end of the check.
      const r = await checkModel(spec, runner, new Date(), source).catch((err: unknown) => ({ ok: false, line: `FAIL ${spec.id}: ${(err as Error).message}` }));
      if (!r.ok) bad++;
      console.log(r.line);
      for (const line of routeLines(config, spec)) console.log(line);
      for (const line of tierLines(spec)) console.log(line);
      for (const line of declaredMetricLines(spec.metrics)) console.log(`     ${spec.id} metric ${line}`);
      // The owner the trail names (an accepted handover) against the config's (docs/governance.md#handover).
      const owners = await ownerLines((store ??= openStore(config)), spec);
      if (!owners.ok) bad++;
      for (const line of owners.lines) console.log(line);
      const review = reviewPolicy(spec.review, spec.tier?.review_every);
      if (review)
        console.log(
          `     ${spec.id} periodic review: every ${review.every}, attested by ${reviewDeciders(spec.owner, review).join(' or ')}, ${review.questions.length} question${review.questions.length === 1 ? '' : 's'}; escalated after ${review.escalate_after}`,
        );
    }
  } finally {
    await runner.close();
  }
  if (bad > 0) process.exitCode = 1;
}
