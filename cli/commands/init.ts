/**
 * `upkeep init`: writes a commented upkeep.yaml from an ONNX model and, optionally, a data sample.
 * What cannot be inferred is written as `null  # TODO: …`, so the file does not load until it is
 * filled in, and the loader's error names the field.
 */
import { explainLoadFailure, onnxHeadProblem, ONNX_HEAD_BYTES } from '../../engine/evaluation/model-file.js';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { isMap, isSeq, parseDocument, type Node, type YAMLSeq } from 'yaml';
import { MODEL_ID_PATTERN } from '../../domain/config.js';
import type { Task } from '../../domain/metrics.js';
import { readTable, type Table } from '../../engine/data/read-table.js';
import { isDataReadError } from '../../engine/data/errors.js';
import { readRegularFileSync } from '../../engine/open-regular.js';
import { DEFAULT_LIMITS } from '../../domain/limits.js';
import { MAX_CONFIG_BYTES } from '../../engine/config/load.js';
import { UpkeepError } from '../../engine/errors.js';
import { canonicalLabel } from '../../engine/evaluation/model.js';
import { readOnnxGraphFacts } from '../../engine/evaluation/onnx-graph.js';
import { createInProcessRunner } from '../../engine/evaluation/in-process-runner.js';
import type { ValueInfo } from '../../engine/evaluation/runner.js';
import { sha256Hex } from '../../engine/util.js';
import { DEFAULT_PRIMARY } from '../one-shot.js';
import { writeOutputFile } from '../output.js';
import { namePattern } from '../../engine/data/date-pattern.js';
import { recogniseColumn } from '../../engine/drift/recognise.js';
import { bindQuery, queryProblem, redactSqlUri, sqlKind, sqlUriProblem } from '../../domain/sql.js';
import type { SqlConnect } from '../../engine/data/sql/connection.js';
import { connectSql } from '../../engine/data/sql/connect.js';
import { dataWindow, dayBounds } from '../../engine/data/window.js';
import type { Column } from '../../engine/data/table.js';

export interface InitOptions {
  onnx: string;
  data?: string;
  out: string;
  id?: string;
  owner?: string;
  force?: boolean;
  /** With a database URI as `data`: the query read for each day ({start}, {end}); a sample of its last days is read. */
  query?: string;
  /** How to reach the database (connectSql by default; tests give a fake). */
  connect?: SqlConnect;
  /** The end of the sample's days (default now). */
  at?: Date;
}

/** Rows of a query's sample: enough to tell the label's values, read from the last SAMPLE_DAYS days. */
export const SAMPLE_ROWS = 10_000;
const SAMPLE_DAYS = 7;

const TENSOR_TO_SPEC: Record<string, string> = { float32: 'float', float64: 'double', int64: 'int64', string: 'string' };
const LABEL_NAMES = ['label', 'target', 'y', 'class', 'outcome'];

/** A YAML scalar: plain when unambiguous, else JSON-quoted (JSON is valid YAML). */
function scalar(v: string | number): string {
  if (typeof v === 'number') return String(v);
  return /^[A-Za-z_][A-Za-z0-9_.@-]*$/.test(v) && !/^(true|false|null|yes|no|on|off|y|n)$/i.test(v) ? v : JSON.stringify(v);
}
const flow = (vs: (string | number)[]): string => `[${vs.map(scalar).join(', ')}]`;
const shapeText = (v: ValueInfo): string =>
  `[${(v.shape ?? []).map((d) => (typeof d === 'number' && d >= 0 ? d : typeof d === 'string' && d ? d : 'N')).join(', ')}]`;
const todo = (what: string): string => `null  # TODO: ${what}`;

interface ModelFacts {
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  classes?: (string | number)[];
}

async function readModel(file: string): Promise<ModelFacts> {
  // only a regular file, within the default size cap (a FIFO would block, a device never end)
  const bytes = readRegularFileSync(file, {
    what: 'cannot read model file',
    type: 'InvalidModel',
    maxBytes: DEFAULT_LIMITS.max_model_bytes,
    limitName: 'limits.max_model_bytes',
  })!;
  const problem = onnxHeadProblem(bytes.subarray(0, ONNX_HEAD_BYTES), bytes.length);
  if (problem) throw new UpkeepError('InvalidModel', `model ${path.basename(file)}: ${problem}`);
  let facts;
  try {
    facts = readOnnxGraphFacts(bytes);
  } catch (err) {
    throw new UpkeepError('InvalidModel', `model ${path.basename(file)}: not a readable ONNX model (${(err as Error).message})`);
  }
  const runner = createInProcessRunner();
  try {
    const info = await runner.load(sha256Hex(bytes), bytes);
    return { ...info, ...(facts.classLabels ? { classes: facts.classLabels } : {}) };
  } catch (err) {
    throw new UpkeepError('InvalidModel', `model ${path.basename(file)}: ONNX Runtime cannot load it: ${explainLoadFailure((err as Error).message)}`);
  } finally {
    await runner.close();
  }
}

async function readSample(file: string): Promise<Table> {
  const bytes = readRegularFileSync(file, { what: 'cannot read data sample', maxBytes: DEFAULT_LIMITS.max_file_bytes, limitName: 'limits.max_file_bytes' })!;
  try {
    return await readTable(bytes, { source: path.basename(file) });
  } catch (err) {
    if (isDataReadError(err)) throw new UpkeepError('UnreadableData', `data sample ${err.message}`);
    throw err;
  }
}

/** Rows [0, n) of the batches joined into one table. */
function joinBatches(batches: Table[], source: string): Table {
  const rowCount = batches.reduce((n, b) => n + b.rowCount, 0);
  const columns = new Map<string, Column>();
  for (const [name, first] of batches[0]!.columns) {
    const parts = batches.map((b) => b.columns.get(name)!);
    if (first.kind === 'string') columns.set(name, { kind: 'string', values: parts.flatMap((p) => p.values as (string | null)[]) });
    else {
      const values = first.kind === 'number' ? new Float64Array(rowCount) : new Uint8Array(rowCount);
      const nulls = new Uint8Array(rowCount);
      let at = 0;
      for (const p of parts) {
        if (p.kind === 'string') continue;
        values.set(p.values, at);
        if (p.nulls) nulls.set(p.nulls, at);
        at += p.values.length;
      }
      if (first.kind === 'number') columns.set(name, { kind: 'number', sourceType: first.sourceType, values: values as Float64Array, nulls });
      else columns.set(name, { kind: 'boolean', values: values as Uint8Array, nulls });
    }
  }
  return { source, rowCount, columns };
}

/**
 * A sample of a query's rows: its last SAMPLE_DAYS days (UTC) in one read, at most SAMPLE_ROWS
 * rows; with none, the columns it would give (then the label is found by name only).
 */
export async function sampleFromQuery(uri: string, query: string, opts: { id: string; connect?: SqlConnect; at?: Date }): Promise<Table> {
  const server = redactSqlUri(uri);
  const problem = sqlUriProblem(uri) ?? queryProblem(query);
  if (problem) throw new UpkeepError('InvalidConfig', `${sqlUriProblem(uri) ? `--data ${server}` : '--query'}: ${problem}`);
  const window = dataWindow({ template: uri, end: opts.at ?? new Date(), days: SAMPLE_DAYS, timezone: 'UTC' });
  const params: [Date, Date] = [dayBounds(window.firstDay, 'UTC').start, dayBounds(window.lastDay, 'UTC').end];
  const read = { text: bindQuery(query), params, timeoutMs: 120_000 };
  const conn = await (opts.connect ?? connectSql)(uri, { model: opts.id, connectTimeoutMs: 30_000 });
  try {
    const batches: Table[] = [];
    let rows = 0;
    for await (const batch of conn.batches({ ...read, batchRows: SAMPLE_ROWS })) {
      batches.push(batch);
      rows += batch.rowCount;
      // Enough: leaving the loop ends the read.
      if (rows >= SAMPLE_ROWS) break;
    }
    if (rows > 0) return joinBatches(batches, server);
    const columns = await conn.columns(read);
    const empty = new Map<string, Column>(
      columns.map((c): [string, Column] => [
        c.name,
        c.kind === 'string'
          ? { kind: 'string', values: [] }
          : c.kind === 'number'
            ? { kind: 'number', sourceType: 'float', values: new Float64Array(0) }
            : { kind: 'boolean', values: new Uint8Array(0) },
      ]),
    );
    return { source: server, rowCount: 0, columns: empty };
  } finally {
    await conn.close().catch(() => undefined);
  }
}

/** Distinct canonical values of a column (at most `limit` + 1 are collected). */
function distinct(table: Table, column: string, limit = 1000): Set<string> {
  const col = table.columns.get(column)!;
  const out = new Set<string>();
  for (let i = 0; i < table.rowCount && out.size <= limit; i++) {
    if (col.kind === 'string') {
      const v = col.values[i];
      if (v !== null && v !== undefined) out.add(v);
    } else if (!col.nulls?.[i]) out.add(canonicalLabel(col.kind === 'boolean' ? col.values[i] === 1 : col.values[i]!));
  }
  return out;
}

/** The label column: not a feature, values among the classes (classifiers), or a conventional name. */
function pickLabel(table: Table, taken: Set<string>, classes?: string[]): string | undefined {
  const free = [...table.columns.keys()].filter((c) => !taken.has(c));
  const named = free.filter((c) => LABEL_NAMES.includes(c.toLowerCase()));
  if (classes) {
    const known = new Set(classes);
    const fits = free.filter((c) => {
      const vs = distinct(table, c);
      return vs.size > 0 && [...vs].every((v) => known.has(v));
    });
    return fits.find((c) => named.includes(c)) ?? (fits.length === 1 ? fits[0] : undefined) ?? (fits.length === 0 && named.length === 1 ? named[0] : undefined);
  }
  return named.length === 1 ? named[0] : undefined;
}

/**
 * data/churn/2026-11-20.parquet → data/churn/{date}.parquet, 20-11-2026.csv → {dd}-{mm}-{yyyy}.csv
 * (any way engine/data/date-pattern.ts reads a date); a file in a dated folder (Hive-style
 * dt=2026-11-20/part-0.parquet, or 2026/11/20/) → every file of that kind in each day's folder,
 * dt={date}/*.parquet; undated names are kept.
 */
export function datePattern(file: string): { uri: string; dated: boolean; pattern?: true } {
  const dir = path.posix.dirname(file);
  const base = path.posix.basename(file);
  const join = (folder: string, name: string): string => (folder === '.' ? name : `${folder}/${name}`);
  const named = namePattern(base);
  if (named) return { uri: join(datedFolder(dir) ?? dir, named.pattern), dated: true };
  const folder = datedFolder(dir);
  if (folder) return { uri: join(folder, `*${path.posix.extname(base)}`), dated: true, pattern: true };
  return { uri: join(dir, base), dated: false };
}

/** The folder path with its date as placeholders, when its last folder (or last three: yyyy/mm/dd) is a date. */
function datedFolder(dir: string): string | undefined {
  const parts = dir.split('/');
  const last = parts[parts.length - 1]!;
  const named = namePattern(last);
  if (named) return [...parts.slice(0, -1), named.pattern].join('/');
  const [y, m, d] = parts.slice(-3);
  if (parts.length >= 3 && /^(19|20)\d{2}$/.test(y!) && /^(0[1-9]|1[0-2])$/.test(m!) && /^(0[1-9]|[12]\d|3[01])$/.test(d!)) {
    return [...parts.slice(0, -3), '{yyyy}', '{mm}', '{dd}'].join('/');
  }
  return undefined;
}

const relative = (from: string, to: string): string => path.relative(from, to).split(path.sep).join('/');

export async function initCommand(o: InitOptions): Promise<void> {
  const out = path.resolve(o.out);
  // An existing config gets this model added to its list (the rest kept as it is); --force replaces the file.
  const existing =
    existsSync(out) && !o.force
      ? readRegularFileSync(out, { what: 'cannot read config', type: 'InvalidConfig', maxBytes: MAX_CONFIG_BYTES, limitName: 'the config size cap' })!
      : undefined;
  const { text, todos, id, model } = await initConfigText({ ...o, out });
  const todoList = todos.length ? ` with ${todos.length} TODO${todos.length > 1 ? 's' : ''} to fill in:\n${todos.map((t) => `  - ${t}`).join('\n')}` : '';
  if (existing) {
    writeOutputFile(out, addModelToConfig(Buffer.from(existing).toString('utf8'), o.out, model, id), 'config', 0o644);
    console.log(`added model ${id} to ${o.out}${todoList}`);
  } else {
    writeOutputFile(out, text, 'config', 0o644);
    console.log(`wrote ${o.out}${todoList}`);
  }
  console.log(`then check it: upkeep check --config ${o.out}`);
}

/**
 * An existing config with one more model at the end of its `models:` list, everything else kept
 * byte for byte, comments included: yaml's Document API finds the list and its last item, the new
 * model's text goes after it at the list's indentation, and the result is parsed again to check it
 * (a flow list, `models: []`, is rewritten by the Document API instead). A model id the file
 * already has is refused, naming the file and --id.
 */
export function addModelToConfig(existing: string, fileName: string, modelYaml: string, id: string): string {
  const doc = parseDocument(existing);
  const refuse = (why: string): never => {
    throw new UpkeepError('InvalidConfig', `${fileName} already exists and ${why}: fix it, or pass --out <another file> (--force replaces it)`);
  };
  if (doc.errors.length > 0) refuse(`is not valid YAML (${doc.errors[0]!.message.split('\n')[0]})`);
  const models = doc.get('models', true);
  if (!isSeq(models)) return refuse(`has no models: list to add ${id} to`);
  const ids = models.items.map((m) => (isMap(m) ? m.get('id') : undefined));
  if (ids.includes(id))
    throw new UpkeepError(
      'InvalidConfig',
      `${fileName} already has a model with id ${id}: pass --id <another id> to add this one beside it (--force replaces the whole file)`,
    );
  const added = parseDocument(modelYaml).get('models', true) as YAMLSeq;
  const addedIds = (text: string): unknown[] | undefined => {
    const d = parseDocument(text);
    const m = d.get('models', true);
    return d.errors.length === 0 && isSeq(m) ? m.items.map((x) => (isMap(x) ? x.get('id') : undefined)) : undefined;
  };
  const last = models.items.at(-1) as Node | undefined;
  if (!models.flow && last?.range) {
    // The list's indentation: the column of the last item's `-`.
    const lineStart = existing.lastIndexOf('\n', last.range[0] - 1) + 1;
    const dash = existing.lastIndexOf('-', last.range[0] - 1);
    const indent = dash >= lineStart ? dash - lineStart : -1;
    // After the line where the last item's content ends.
    const endOfLine = existing.indexOf('\n', Math.max(last.range[1] - 1, 0));
    if (indent >= 0) {
      const at = endOfLine === -1 ? existing.length : endOfLine + 1;
      const body = modelYaml
        .split('\n')
        .slice(1)
        .filter((l, i, all) => i < all.length - 1 || l !== '');
      const shift = (l: string): string => (l === '' ? l : `${' '.repeat(indent)}${l.slice(2)}`);
      const block = [`${' '.repeat(indent)}# Added by upkeep init.`, ...body.map(shift)].join('\n') + '\n';
      const text = `${existing.slice(0, at)}${endOfLine === -1 ? '\n' : ''}${block}${existing.slice(at)}`;
      const after = addedIds(text);
      if (after && after.length === ids.length + 1 && after.at(-1) === id) return text;
    }
  }
  const item = added.items[0] as Node;
  item.commentBefore = ` Added by upkeep init.${item.commentBefore ? `\n${item.commentBefore}` : ''}`;
  models.flow = false;
  models.items.push(item);
  return doc.toString({ lineWidth: 0 });
}

/** The config text and the TODOs it contains (the file is not written). */
export async function initConfigText(o: InitOptions): Promise<{ text: string; todos: string[]; id: string; model: string }> {
  const model = await readModel(o.onnx);
  const database = o.data !== undefined && sqlKind(o.data) !== undefined;
  if (o.query !== undefined && !database)
    throw new UpkeepError('InvalidConfig', '--query needs --data <postgres://user@host:port/db or duckdb:[///path/file.duckdb]>');
  if (database && o.query === undefined)
    throw new UpkeepError('InvalidConfig', `--data ${redactSqlUri(o.data!)} is a database: give the query to read with --query`);
  const idGuess = o.id ?? path.basename(o.onnx).replace(/\.onnx$/i, '');
  const sample = !o.data
    ? undefined
    : database
      ? await sampleFromQuery(o.data, o.query!, { id: idGuess, connect: o.connect, at: o.at })
      : await readSample(o.data);
  const outDir = path.dirname(path.resolve(o.out));
  const todos: string[] = [];
  const need = (field: string, what: string): string => {
    todos.push(`${field}: ${what}`);
    return todo(what);
  };

  // Outputs and task.
  const isFloat = (v: ValueInfo): boolean => v.type === 'float32' || v.type === 'float64';
  const labelOut = model.outputs.find((v) => v.isTensor && (v.type === 'int64' || v.type === 'string' || v.type === 'int32') && v.shape?.length === 1);
  const probaOut = model.outputs.find((v) => v.isTensor && isFloat(v) && v.shape?.length === 2 && v.shape[1] !== 1);
  const valueOut = !labelOut && !probaOut ? model.outputs.find((v) => v.isTensor && isFloat(v)) : undefined;
  const classes = model.classes?.map(canonicalLabel);
  const width = typeof probaOut?.shape?.[1] === 'number' ? probaOut.shape[1] : undefined;
  let task: Task | undefined;
  if (valueOut) task = 'regression';
  else if (classes) task = classes.length === 2 ? 'binary' : 'multiclass';
  else if (width !== undefined) task = width === 2 ? 'binary' : 'multiclass';

  const id =
    o.id ??
    path
      .basename(o.onnx)
      .replace(/\.onnx$/i, '')
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[^a-z0-9]+/, '');
  if (!MODEL_ID_PATTERN.test(id)) throw new UpkeepError('InvalidConfig', `cannot make a model id from ${path.basename(o.onnx)}: pass --id`);

  // Inputs: one float tensor [N, k] takes k columns; several named inputs take one column each.
  const columns = sample ? [...sample.columns.keys()] : [];
  const numeric = sample ? columns.filter((c) => sample.columns.get(c)!.kind === 'number') : [];
  const firstLabel = sample ? pickLabel(sample, new Set(), classes) : undefined;
  const inputLines: string[] = [];
  const used = new Set<string>();
  const inputPlan = model.inputs.map((input) => {
    const k = typeof input.shape?.[1] === 'number' ? input.shape[1] : undefined;
    return { input, k, type: TENSOR_TO_SPEC[input.type ?? ''], cols: undefined as string[] | undefined };
  });
  if (sample && inputPlan.length > 1) {
    for (const p of inputPlan) if (columns.includes(p.input.name)) p.cols = [p.input.name];
  } else if (sample && inputPlan.length === 1) {
    const p = inputPlan[0]!;
    const candidates = numeric.filter((c) => c !== firstLabel);
    if (p.k !== undefined && candidates.length === p.k) p.cols = candidates;
    else if (p.k === 1 && columns.includes(p.input.name)) p.cols = [p.input.name];
  }
  for (const p of inputPlan) p.cols?.forEach((c) => used.add(c));
  inputPlan.forEach((p, i) => {
    inputLines.push(`      - name: ${scalar(p.input.name)}    # ${p.input.type} ${shapeText(p.input)}`);
    inputLines.push(`        type: ${p.type ?? need(`inputs[${i}].type`, `element type ${p.input.type} has no upkeep type (float, double, int64, string)`)}`);
    const n = p.k === undefined ? 'its' : `its ${p.k}`;
    if (p.cols) {
      if (inputPlan.length === 1 && p.cols.length > 1)
        inputLines.push(`        # In the sample's column order: check it is the order the model was trained with.`);
      inputLines.push(`        columns: ${flow(p.cols)}`);
    } else {
      const hint = sample ? ` (the sample's numeric columns: ${numeric.filter((c) => c !== firstLabel).join(', ') || 'none'})` : '';
      inputLines.push(`        columns: ${need(`inputs[${i}].columns`, `the data columns that fill ${n} columns, in training order${hint}`)}`);
    }
  });

  const label = sample ? pickLabel(sample, used, classes) : undefined;
  const lines: string[] = [];
  const emit = (s: string): void => void lines.push(s);

  const sampleName = o.data ? (database ? `a sample of ${redactSqlUri(o.data)}` : path.basename(o.data)) : '';
  emit(`# Written by \`upkeep init\` from ${path.basename(o.onnx)}${o.data ? ` and ${sampleName}` : ''}.`);
  emit('# Fill in each value marked TODO (the file does not load until then), then run `upkeep check`.');
  emit('# Paths are relative to this file. All keys: upkeep.example.yaml and docs/configuration.md.');
  emit('version: 1');
  emit('');
  emit('# Snapshots, reports and model cards are written here.');
  emit('store: .upkeep/store');
  emit('# Schedules of models that leave this file are paused (or: prune, keep).');
  emit('# schedules: { orphans: pause }');
  emit("# A daily watchdog tells each model's owner and approvers, and these people, when nobody is watching it.");
  emit('# watchdog: { platform: [ml-platform@example.com] }');
  emit('');
  emit('models:');
  const firstModelLine = lines.length;
  emit(`  - id: ${id}`);
  emit(`    owner: ${o.owner ? scalar(o.owner) : need('owner', 'who is accountable for this model (e.g. an email address)')}`);
  emit(`    task: ${task ?? need('task', 'binary, multiclass or regression')}`);
  emit(`    artifact: ${scalar(relative(outDir, path.resolve(o.onnx)))}`);
  emit(`    # The model's inputs (${model.inputs.map((i) => `${i.name} ${i.type} ${shapeText(i)}`).join(', ')}).`);
  emit('    inputs:');
  lines.push(...inputLines);
  emit(`    # The model's outputs: ${model.outputs.map((v) => `${v.name} ${v.isTensor ? `${v.type} ${shapeText(v)}` : '(not a tensor)'}`).join(', ')}.`);
  emit('    outputs:');
  if (task === 'regression' && valueOut) emit(`      value: ${scalar(valueOut.name)}`);
  else {
    if (labelOut) emit(`      label: ${scalar(labelOut.name)}`);
    if (probaOut) emit(`      probabilities: ${scalar(probaOut.name)}`);
    if (!probaOut && task !== 'regression')
      emit(`      probabilities: ${need('outputs.probabilities', 'the output with the class probabilities [N, classes]')}`);
  }
  if (task !== 'regression') {
    if (classes) emit(`    # Class labels recorded by the model, in probability-column order: ${flow(model.classes!)}.`);
    else emit(`    classes: ${need('classes', `the class labels in probability-column order${width ? ` (${width} of them)` : ''}`)}`);
  }
  emit('    label:');
  emit(
    `      column: ${label ? scalar(label) : need('label.column', `the data column with the true label${classes ? ` (values among ${classes.join(', ')})` : ''}`)}`,
  );
  if (task === 'binary') {
    if (classes) {
      emit(`      # The second class, as in scikit-learn (the probability column of predict_proba[:, 1]); check it.`);
      const raw = model.classes![1]!;
      emit(`      positive: ${scalar(raw)}`);
    } else emit(`      positive: ${need('label.positive', 'the positive class')}`);
  }
  emit('    data:');
  if (database) {
    emit('      # A database: the query is read for each day of the window, {start} and {end} bound to that day (docs/sql-sources.md).');
    emit(`      uri: ${scalar(redactSqlUri(o.data!))}`);
    emit(`      query: ${JSON.stringify(o.query)}`);
    if (sqlKind(o.data!) === 'postgres') emit('      # The password: PGPASSWORD, ~/.pgpass or password_file: /run/secrets/…, never here.');
  } else if (o.data) {
    const { uri, dated, pattern } = datePattern(relative(outDir, path.resolve(o.data)));
    if (pattern) emit("      # Every matching file in each day's folder, in name order (* and ? match within the file name).");
    else
      emit(
        dated
          ? '      # One file per day; {date} is YYYY-MM-DD ({yyyy}, {mm} and {dd} spell it any other way).'
          : '      # One file that always holds the current data; use {date} (YYYY-MM-DD) in the name for one file per day.',
      );
    emit(`      uri: ${scalar(uri)}`);
  } else {
    emit(`      uri: ${need('data.uri', 'the labelled data, e.g. data/{date}.parquet with one file per day')}`);
  }
  emit('      window:');
  emit('        days: 7    # each evaluation reads the 7 whole days before it runs');
  const recognised = sample ? [...sample.columns].flatMap(([name, col]) => (name === label ? [] : (recogniseColumn(name, col) ?? []))) : [];
  if (recognised.length > 0) {
    // What the profile will record: dates, timestamps and ids bring new values in every window.
    emit('    # Recognised in the sample and never drift-tested (list one under monitor.numeric or monitor.categorical to watch it):');
    for (const r of recognised) emit(`    #   ${r.column}: ${r.kind}, ${r.why}`);
  }
  emit('    schedule:');
  emit('      every: 1d    # or cron: "0 6 * * *"');
  emit('      timezone: UTC');
  emit('    thresholds:');
  if (task) {
    const metric = DEFAULT_PRIMARY[task];
    emit(`      metric: ${metric}`);
    if (task === 'regression')
      emit(`      max: ${need('thresholds.max', `the largest acceptable ${metric} (e.g. what it was at training time plus a margin)`)}`);
    else emit(`      min: ${need('thresholds.min', `the smallest acceptable ${metric} (e.g. what it was at training time minus a margin)`)}`);
  } else {
    emit(`      metric: ${need('thresholds.metric', 'the primary metric, e.g. roc_auc, f1_macro or rmse')}`);
    emit(`      min: ${need('thresholds.min', 'the smallest acceptable value (or max: for an error metric)')}`);
  }
  emit('    min_rows: 100  # fewer labelled rows in a window give insufficient-data');
  emit('');
  return { text: `${lines.join('\n')}\n`, todos, id, model: `models:\n${lines.slice(firstModelLine).join('\n')}\n` };
}
