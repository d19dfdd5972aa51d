/**
 * Validation of a stored reference profile read back from JSON.
 */
import { UpkeepError } from '../errors.js';
import { REFERENCE_PROFILE_SCHEMA, type ReferenceProfile } from './profile-schema.js';

/** Checks the shape of a parsed profile JSON and returns it typed; throws UpkeepError('InvalidData') naming the problem. */
export function parseReferenceProfile(value: unknown, where = 'reference profile'): ReferenceProfile {
  const fail = (msg: string): never => {
    throw new UpkeepError('InvalidData', `${where}: ${msg}`);
  };
  if (!isObject(value)) return fail('not a JSON object');
  if (value.schema !== REFERENCE_PROFILE_SCHEMA) {
    return fail(`unsupported schema ${JSON.stringify(value.schema)} (expected ${REFERENCE_PROFILE_SCHEMA})`);
  }
  if (!isCount(value.rows)) fail('rows must be a non-negative integer');
  if (typeof value.createdAt !== 'string') fail('createdAt must be a string');
  if (typeof value.source !== 'string') fail('source must be a string');
  if (!isObject(value.settings)) fail('settings must be an object');
  if (!isObject(value.columns)) return fail('columns must be an object');
  for (const [name, col] of Object.entries(value.columns)) checkColumnProfile(col, `column ${JSON.stringify(name)}`, fail);
  if (value.label !== undefined) {
    if (!isObject(value.label) || typeof value.label.column !== 'string') fail('label must be { column, distribution }');
    checkColumnProfile((value.label as Record<string, unknown>).distribution, 'label', fail);
  }
  if (value.prediction !== undefined) {
    if (!isObject(value.prediction)) fail('prediction must be { distribution }');
    checkColumnProfile((value.prediction as Record<string, unknown>).distribution, 'prediction', fail);
  }
  if (value.baselineMetrics !== undefined) {
    if (!isObject(value.baselineMetrics)) fail('baselineMetrics must be an object');
    for (const [name, v] of Object.entries(value.baselineMetrics as Record<string, unknown>)) {
      if (v !== null && !(typeof v === 'number' && Number.isFinite(v))) fail(`baseline metric ${name} must be a number or null`);
    }
  }
  if (value.recognised !== undefined) {
    if (!Array.isArray(value.recognised)) fail('recognised must be a list');
    for (const [i, r] of (value.recognised as unknown[]).entries()) {
      if (!isObject(r) || typeof r.column !== 'string' || !RECOGNISED_KINDS.has(r.kind as string) || typeof r.why !== 'string')
        fail(`recognised[${i}] must be { column, kind: 'date' | 'timestamp' | 'identifier', why }`);
    }
  }
  if (value.estimators !== undefined && !isObject(value.estimators)) fail('estimators must be an object');
  if (value.segments !== undefined) {
    const s = value.segments;
    if (!isObject(s) || !isObject(s.gaps) || typeof s.loss !== 'string' || typeof s.statistic !== 'string') fail('segments must be { loss, statistic, gaps }');
    for (const [key, g] of Object.entries((s as { gaps: Record<string, unknown> }).gaps)) {
      if (!Array.isArray(g) || g.length !== 3 || !g.every((x) => typeof x === 'number' && Number.isFinite(x)) || !((g[2] as number) >= 0))
        fail(`segments.gaps[${JSON.stringify(key.slice(0, 80))}] must be [rows, gap, variance] of finite numbers`);
    }
  }
  return value as unknown as ReferenceProfile;
}

const RECOGNISED_KINDS = new Set(['date', 'timestamp', 'identifier']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

function checkCounts(counts: unknown, what: string, fail: (msg: string) => never): void {
  if (!isObject(counts)) fail(`${what}: counts must be an object`);
  for (const [k, n] of Object.entries(counts as Record<string, unknown>)) {
    if (!isCount(n)) fail(`${what}: count of ${JSON.stringify(k)} must be a non-negative integer`);
  }
}

function checkColumnProfile(col: unknown, what: string, fail: (msg: string) => never): void {
  if (!isObject(col)) return fail(`${what}: not an object`);
  if (!isCount(col.count) || !isCount(col.nulls) || !isCount(col.uniques)) fail(`${what}: count, nulls and uniques must be non-negative integers`);
  if (typeof col.nullRate !== 'number' || !(col.nullRate >= 0 && col.nullRate <= 1)) fail(`${what}: nullRate must be in [0, 1]`);
  if (col.kind === 'categorical') {
    checkCounts(col.counts, what, fail);
    if (col.otherCount !== undefined && !isCount(col.otherCount)) fail(`${what}: otherCount must be a non-negative integer`);
    return;
  }
  if (col.kind !== 'numeric') return fail(`${what}: kind must be 'numeric' or 'categorical'`);
  if (col.sourceType !== 'int' && col.sourceType !== 'float') fail(`${what}: sourceType must be 'int' or 'float'`);
  if (!isCount(col.nonFinite)) fail(`${what}: nonFinite must be a non-negative integer`);
  for (const key of ['min', 'max', 'mean', 'std'] as const) {
    const v = col[key];
    if (col.count === 0 ? v !== null : !(typeof v === 'number' && Number.isFinite(v))) {
      fail(`${what}: ${key} must be ${col.count === 0 ? 'null for an empty column' : 'a finite number'}`);
    }
  }
  const sample = col.sample;
  if (!isObject(sample) || !Array.isArray(sample.values) || typeof sample.exact !== 'boolean') {
    return fail(`${what}: sample must be { values: number[], exact: boolean }`);
  }
  const values = sample.values as unknown[];
  let prev = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < prev) fail(`${what}: sample.values must be finite numbers in ascending order (index ${i})`);
    prev = v as number;
  }
  if (sample.exact && values.length !== col.count) fail(`${what}: an exact sample must hold all ${col.count} values, found ${values.length}`);
  if (col.counts !== undefined) checkCounts(col.counts, what, fail);
}
