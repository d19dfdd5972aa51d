/**
 * Turns the tables of a training snapshot into the builtin trainer's input: the model's float input
 * columns as numbers, one-column string inputs as categories, the label as class indices (or the
 * regression target). Rows with a missing or non-finite value are left out and counted.
 */
import type { ModelSpec } from '../../domain/config.js';
import type { Column, Table } from '../data/table.js';
import { canonicalLabel } from '../evaluation/model.js';
import { UpkeepError } from '../errors.js';
import type { BuiltinTrainInput } from './builtin.js';

export interface TrainingSet {
  input: BuiltinTrainInput;
  rows: number;
  droppedRows: number;
}

/** Which model inputs the builtin trainer can produce, or a message saying why not. */
export function builtinLayout(spec: ModelSpec): { numeric?: { name: string; columns: string[] }; categorical: { name: string; column: string }[] } {
  const floats = spec.inputs.filter((i) => i.type === 'float');
  const strings = spec.inputs.filter((i) => i.type === 'string');
  const bad = spec.inputs.filter((i) => !(i.type === 'float' || (i.type === 'string' && i.columns.length === 1)));
  if (floats.length > 1 || bad.length > 0) {
    throw new UpkeepError(
      'InvalidConfig',
      `model ${spec.id}: retrain.trainer builtin makes models with one float input and one-column string inputs; ${bad[0] ? `input ${bad[0].name} (${bad[0].type}, ${bad[0].columns.length} columns)` : 'several float inputs'} does not fit. Use a command trainer`,
    );
  }
  return {
    ...(floats[0] ? { numeric: { name: floats[0].name, columns: floats[0].columns } } : {}),
    categorical: strings.map((i) => ({ name: i.name, column: i.columns[0]! })),
  };
}

function column(t: Table, name: string, modelId: string): Column {
  const c = t.columns.get(name);
  if (!c) throw new UpkeepError('SchemaMismatch', `model ${modelId}: training file ${t.source} has no column ${name}`);
  return c;
}

function labelAt(c: Column, i: number): string | number | null {
  if (c.kind === 'string') return c.values[i] ?? null;
  if (c.nulls?.[i]) return null;
  const v = c.values[i]!;
  return Number.isFinite(v) ? v : null;
}

export function trainingSet(spec: ModelSpec, tables: Table[], params: BuiltinTrainInput['params']): TrainingSet {
  const layout = builtinLayout(spec);
  const numericNames = layout.numeric?.columns ?? [];
  // Filled in place (a million rows × 20 columns stay flat typed arrays), trimmed at the end.
  const capacity = tables.reduce((n, t) => n + t.rowCount, 0);
  const numeric = numericNames.map(() => new Float64Array(capacity));
  const categorical: string[][] = layout.categorical.map(() => []);
  const labels: (string | number)[] = [];
  let dropped = 0;
  for (const t of tables) {
    const nums = numericNames.map((n) => column(t, n, spec.id));
    nums.forEach((c, j) => {
      if (c.kind === 'string')
        throw new UpkeepError(
          'SchemaMismatch',
          `model ${spec.id}: training file ${t.source}: column ${numericNames[j]} holds text, the model input ${layout.numeric!.name} needs numbers`,
        );
    });
    const cats = layout.categorical.map((c) => column(t, c.column, spec.id));
    const label = column(t, spec.label.column, spec.id);
    if (spec.task === 'regression' && label.kind === 'string') {
      throw new UpkeepError(
        'SchemaMismatch',
        `model ${spec.id}: training file ${t.source}: label column ${spec.label.column} holds text, a regression target needs numbers`,
      );
    }
    // Column by column: which rows are usable, then copy those rows.
    const ok = new Uint8Array(t.rowCount).fill(1);
    for (let i = 0; i < t.rowCount; i++) if (labelAt(label, i) === null) ok[i] = 0;
    for (const c of nums) {
      const { values, nulls } = c as Exclude<Column, { kind: 'string' }>;
      for (let i = 0; i < t.rowCount; i++) if (ok[i] && (nulls?.[i] || !Number.isFinite(values[i]!))) ok[i] = 0;
    }
    const catValue = (c: Column, i: number): string | null => (c.kind === 'string' ? (c.values[i] ?? null) : c.nulls?.[i] ? null : String(c.values[i]));
    for (const c of cats) for (let i = 0; i < t.rowCount; i++) if (ok[i] && catValue(c, i) === null) ok[i] = 0;
    const start = labels.length;
    for (let i = 0; i < t.rowCount; i++) if (ok[i]) labels.push(labelAt(label, i)!);
    dropped += t.rowCount - (labels.length - start);
    const all = labels.length - start === t.rowCount;
    nums.forEach((c, j) => {
      const { values } = c as Exclude<Column, { kind: 'string' }>;
      const out = numeric[j]!;
      if (all) {
        out.set(values, start);
        return;
      }
      let row = start;
      for (let i = 0; i < t.rowCount; i++) if (ok[i]) out[row++] = values[i]!;
    });
    cats.forEach((c, j) => {
      for (let i = 0; i < t.rowCount; i++) if (ok[i]) categorical[j]!.push(catValue(c, i)!);
    });
  }
  const n = labels.length;
  if (n < 2) throw new UpkeepError('InsufficientData', `model ${spec.id}: the training window has ${n} usable rows`);

  let classes: (string | number)[] | undefined;
  let y: Int32Array | Float64Array;
  if (spec.task === 'regression') {
    y = Float64Array.from(labels.map(Number));
  } else {
    // Raw values first (cheap), canonical forms only for the few distinct ones.
    const raw = new Set(labels);
    const distinct = new Map<string, string | number>();
    for (const v of raw) if (!distinct.has(canonicalLabel(v))) distinct.set(canonicalLabel(v), v);
    const sorted = [...distinct.entries()].sort(([a], [b]) =>
      Number.isFinite(Number(a)) && Number.isFinite(Number(b)) ? Number(a) - Number(b) : a.localeCompare(b),
    );
    if (spec.task === 'binary') {
      const positive = canonicalLabel(spec.label.positive!);
      const negatives = sorted.filter(([k]) => k !== positive);
      if (!distinct.has(positive) || negatives.length !== 1) {
        throw new UpkeepError(
          'InsufficientData',
          `model ${spec.id}: a binary model needs exactly two classes in ${spec.label.column} with the positive class ${positive}; the training window has ${sorted.map(([k]) => k).join(', ')}`,
        );
      }
      classes = [negatives[0]![1], distinct.get(positive)!];
    } else {
      classes = sorted.map(([, v]) => v);
    }
    const byCanonical = new Map(classes.map((c, i) => [canonicalLabel(c), i]));
    const index = new Map([...raw].map((v) => [v, byCanonical.get(canonicalLabel(v))!]));
    y = new Int32Array(n);
    for (let i = 0; i < n; i++) y[i] = index.get(labels[i]!)!;
  }
  return {
    rows: n,
    droppedRows: dropped,
    input: {
      task: spec.task,
      features: {
        numeric: numeric.map((c) => c.slice(0, n)),
        ...(categorical.length ? { categorical: categorical.map((values, j) => ({ values, name: layout.categorical[j]!.name })) } : {}),
      },
      featureNames: numericNames,
      labels: y,
      ...(classes ? { classes } : {}),
      ...(params ? { params } : {}),
      ...(layout.numeric ? { numericInput: layout.numeric.name } : {}),
    },
  };
}
