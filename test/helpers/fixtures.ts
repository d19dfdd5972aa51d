import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { modelSpec, type ModelSpec } from '../../domain/config.js';
import type { EvaluationSummary } from '../../domain/evaluation.js';
import { createEvaluationEngine, type WindowFile } from '../../engine/evaluation/evaluate.js';
import { Interned } from '../../engine/evaluation/intern.js';
import { sha256Hex } from '../../engine/util.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
export const fixture = (rel: string): string => `${FIXTURES}${rel}`;
export const fixtureBytes = (rel: string): Uint8Array => new Uint8Array(readFileSync(fixture(rel)));

/** A valid spec for a fixture model, with overrides. */
export function specFor(overrides: Partial<Record<keyof ModelSpec, unknown>> & { task: ModelSpec['task'] }): ModelSpec {
  return modelSpec.parse({
    id: 'fixture',
    owner: 'owner@example.com',
    artifact: '/dev/null',
    inputs: [{ name: 'input', columns: ['x1'] }],
    label: { column: 'y' },
    data: { uri: '/tmp/{date}.csv' },
    schedule: { every: '1d' },
    thresholds: { metric: overrides.task === 'regression' ? 'rmse' : 'accuracy', ...(overrides.task === 'regression' ? { max: 100 } : { min: 0.5 }) },
    ...overrides,
  });
}

export interface GoldenCase {
  model: string;
  data: string;
  task: ModelSpec['task'];
  label: string;
  positive?: string | number;
  input?: string;
  features?: string[];
  inputs?: Record<string, { column: string; type: string }>;
  rows: number;
  classes?: (string | number)[];
  metrics: Record<string, number | null>;
  reasons: Record<string, string>;
  warnings: Record<string, string>;
}

export function goldenModelCases(): GoldenCase[] {
  return (JSON.parse(readFileSync(fixture('golden/models.json'), 'utf8')) as { cases: GoldenCase[] }).cases;
}

/** The spec that feeds a golden case's model. */
export function specForCase(c: GoldenCase): ModelSpec {
  const types: Record<string, string> = { float32: 'float', float64: 'double', int64: 'int64', string: 'string' };
  const inputs = c.inputs
    ? Object.entries(c.inputs).map(([name, i]) => ({ name, type: types[i.type], columns: [i.column] }))
    : [{ name: c.input ?? 'input', columns: c.features }];
  return specFor({ task: c.task, inputs, label: { column: c.label, ...(c.positive !== undefined ? { positive: c.positive } : {}) } });
}

export function assertClose(actual: number | null | undefined, expected: number | null, rel: number, what: string): void {
  if (expected === null) {
    if (actual !== null) throw new Error(`${what}: expected null, got ${actual}`);
    return;
  }
  if (typeof actual !== 'number') throw new Error(`${what}: expected ${expected}, got ${actual}`);
  const err = Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-300);
  if (!(err <= rel || Math.abs(actual - expected) <= 1e-12))
    throw new Error(`${what}: expected ${expected}, got ${actual} (relative error ${err.toExponential(2)})`);
}

/** Codes per row into the column's distinct values in order of first appearance, as the evaluator's segments are. */
export function coded(values: readonly string[]): { codes: Int32Array; values: string[] } {
  const interned = new Interned();
  return { codes: Int32Array.from(values, (v) => interned.code(v)), values: interned.values };
}

/** One evaluation by a fresh engine of `threads` evaluation threads, closed afterwards. */
export async function evaluateWithThreads(
  threads: number,
  o: { spec: ModelSpec; model: Uint8Array; artifactName: string; files: WindowFile[] },
  engineOptions: { batchSize?: number } = {},
): Promise<EvaluationSummary> {
  const engine = createEvaluationEngine({ threads, ...engineOptions });
  try {
    return await engine.evaluate({ spec: o.spec, modelBytes: o.model, modelKey: sha256Hex(o.model), artifactName: o.artifactName, files: o.files });
  } finally {
    await engine.close();
  }
}
