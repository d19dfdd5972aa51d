/**
 * Drift ranked by what it costs, on real data: scikit-learn's breast-cancer data as the false-alarm
 * fixtures split it (split 0: its logistic regression, its reference half). In a window from the
 * other half, the input scikit-learn's permutation importance puts first and the one it finds the
 * least use for (scripts/fixtures/golden_importance.py) are each shifted by one reference standard
 * deviation: both drift. The important one must be listed first, and the verdict must follow the
 * importance floor: with monitor.drift.importance_floor between their importances, only the
 * important column's drift raises the warning, and a window where only the unimportant one drifts
 * raises none (it does without the floor).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEvaluationEngine, type EvaluationEngine, type WindowFile } from '../../engine/evaluation/evaluate.js';
import { withImportance } from '../../engine/evaluation/importance/attach.js';
import { profileReferenceData, referenceFromProfile } from '../../engine/evaluation/reference.js';
import type { ReferenceInput } from '../../engine/evaluation/types.js';
import { createFileStore } from '../../engine/store/file-store.js';
import { buildReport, renderReportMarkdown } from '../../engine/evaluation/report.js';
import { renderReportHtml } from '../../engine/pictures/report-html.js';
import { sha256Hex } from '../../engine/util.js';
import { decideVerdict } from '../../workflows/policy.js';
import { evaluateOnce } from '../../cli/one-shot.js';
import { modelPageHtml } from '../../cli/web/model-page.js';
import type { EvaluationSummary } from '../../domain/evaluation.js';
import type { ModelSpec } from '../../domain/config.js';
import { FIXTURES, specFor } from '../helpers/fixtures.js';

const DIR = join(FIXTURES, 'data/false-alarms');
const splits = JSON.parse(readFileSync(join(DIR, 'splits.json'), 'utf8')) as {
  label: string;
  features: string[];
  splits: { model: string; reference: number[] }[];
};
const real = (JSON.parse(readFileSync(join(FIXTURES, 'golden/importance.json'), 'utf8')) as { real: Real }).real;
interface Real {
  model: string;
  important: string;
  unimportant: string;
  mean: Record<string, number>;
  std: Record<string, number>;
}
const lines = readFileSync(join(DIR, 'data.csv'), 'utf8').trimEnd().split('\n');
const header = lines[0]!.split(',');
const rows = lines.slice(1).map((l) => l.split(','));
const split = splits.splits[0]!;
const inReference = new Set(split.reference);
const others = rows.map((_, i) => i).filter((i) => !inReference.has(i));

/** Between the two columns' importances (log_loss: 0.044 and ~0). */
const FLOOR = 0.01;

function specWith(floor?: number): ModelSpec {
  return specFor({
    task: 'binary',
    inputs: [{ name: 'input', columns: splits.features }],
    label: { column: splits.label, positive: 1 },
    thresholds: { metric: 'log_loss', max: 10 },
    monitor: { drift: { ...(floor !== undefined ? { importance_floor: floor } : {}) } },
  });
}

function stdOf(feature: string): number {
  const j = header.indexOf(feature);
  const v = split.reference.map((i) => Number(rows[i]![j]));
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length);
}

function csvFile(name: string, indices: number[], shifted: string[] = []): WindowFile {
  const cols = shifted.map((f) => ({ j: header.indexOf(f), delta: stdOf(f) }));
  const body = indices.map((i) => {
    const cells = [...rows[i]!];
    for (const { j, delta } of cols) cells[j] = String(Number(cells[j]) + delta);
    return cells.join(',');
  });
  const bytes = new TextEncoder().encode([header.join(','), ...body].join('\n') + '\n');
  return { name, format: 'csv', load: async () => bytes };
}

function verdictOf(spec: ModelSpec, summary: EvaluationSummary) {
  return decideVerdict({
    model: { primaryMetric: 'log_loss', thresholds: spec.thresholds, baseline: {}, minRows: 1 },
    snapshot: { rows: summary.rows, files: [{ date: '2026-01-01' }] as never, missing: [], firstDay: '2026-01-01', lastDay: '2026-01-01' },
    evaluation: summary,
  });
}

/** The verdict's drift reason naming `column`, if any. */
const line0 = (s: EvaluationSummary): string | undefined => verdictOf(specWith(), s).reasons.find((r) => r.startsWith('drift in'));
const names = (reasons: string[], column: string): boolean => reasons.some((r) => r.startsWith('drift in') && new RegExp(`(^|[ ,])${column} \\(`).test(r));

describe('drift ranked by importance on real data (breast cancer)', function () {
  this.timeout(300_000);
  const bytes = new Uint8Array(readFileSync(join(FIXTURES, 'models/false-alarms', split.model)));
  const key = sha256Hex(bytes);
  let engine: EvaluationEngine;
  let dir: string;
  let reference: ReferenceInput;
  const model = { modelId: 'cancer', artifactSha256: key };
  const base = (spec: ModelSpec) => ({ spec, modelBytes: bytes, modelKey: key, artifactName: split.model });

  before(async () => {
    engine = createEvaluationEngine({ threads: 1 });
    dir = mkdtempSync(join(tmpdir(), 'upkeep-importance-'));
    const { profile } = await profileReferenceData({
      ...base(specWith()),
      files: [csvFile('reference.csv', split.reference)],
      engine,
      createdAt: '2026-01-01T00:00:00.000Z',
      source: 'reference.csv',
    });
    reference = referenceFromProfile(profile, specWith());
  });
  after(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The window evaluated and given its importances, as the evaluation activity does. */
  async function evaluate(spec: ModelSpec, shifted: string[]): Promise<EvaluationSummary> {
    const o = { ...base(spec), reference: referenceFromProfile(reference.profile, spec) };
    const summary = await engine.evaluate({ ...o, files: [csvFile('window.csv', others, shifted)] });
    return withImportance({ store: createFileStore(join(dir, 'store')), engine }, model, o, summary);
  }

  it('lists the important column first, its importance near scikit-learn’s, its estimated effect larger', async () => {
    const summary = await evaluate(specWith(), [real.unimportant, real.important]);
    const drift = summary.drift!;
    for (const c of [real.important, real.unimportant]) assert.ok(drift.alarm!.columns.includes(c), `${c} should drift: ${JSON.stringify(drift.alarm)}`);
    const imp = drift.importance!;
    assert.ok(imp.ranked.indexOf(real.important) < imp.ranked.indexOf(real.unimportant), `ranked: ${imp.ranked.join(', ')}`);
    assert.equal(imp.ranked[0], real.important);
    assert.equal(imp.rows, split.reference.length);
    // Another row order than scikit-learn's (the sample is kept in hash order), so other permutations:
    // the means agree within the spread of 5 repeats on each side.
    for (const c of [real.important, real.unimportant]) {
      const ours = imp.columns[c]!;
      const bound = 3 * (ours.std + real.std[c]!) + 1e-3;
      assert.ok(Math.abs(ours.importance - real.mean[c]!) <= bound, `${c}: ${ours.importance} vs scikit-learn ${real.mean[c]} (bound ${bound})`);
    }
    assert.ok(imp.columns[real.important]!.effect! > imp.columns[real.unimportant]!.effect!, JSON.stringify(imp.columns[real.important]));
    assert.ok(imp.columns[real.important]!.effect! > 0);
    if (process.env.UPKEEP_SHOW_IMPORTANCE)
      console.log(JSON.stringify({ ranked: imp.ranked, important: imp.columns[real.important], unimportant: imp.columns[real.unimportant] }), line0(summary));
    // Without a floor both columns raise the warning, the important one named first.
    const reasons = verdictOf(specWith(), summary).reasons;
    const line = reasons.find((r) => r.startsWith('drift in'))!;
    assert.ok(line.indexOf(`${real.important} (`) < line.indexOf(`${real.unimportant} (`), line);
    assert.match(line, /importance /);
  });

  it('raises the drift warning from the important column only when the unimportant one is below the floor', async () => {
    const spec = specWith(FLOOR);
    const both = await evaluate(spec, [real.unimportant, real.important]);
    assert.equal(both.drift!.importance!.columns[real.unimportant]!.below_floor, true);
    assert.equal(both.drift!.importance!.columns[real.important]!.below_floor, undefined);
    const v = verdictOf(spec, both);
    assert.equal(v.status, 'warning');
    assert.ok(names(v.reasons, real.important), v.reasons.join('\n'));
    assert.ok(!names(v.reasons, real.unimportant), v.reasons.join('\n'));
    // The unimportant column alone: drifted and reported, but no warning from it under the floor; one without the floor.
    const alone = await evaluate(spec, [real.unimportant]);
    assert.ok(alone.drift!.alarm!.columns.includes(real.unimportant));
    assert.ok(!names(verdictOf(spec, alone).reasons, real.unimportant), verdictOf(spec, alone).reasons.join('\n'));
    const noFloor = await evaluate(specWith(), [real.unimportant]);
    assert.ok(names(verdictOf(specWith(), noFloor).reasons, real.unimportant));
  });

  it('lists drift in that order, with each importance, in the stored report (Markdown, HTML)', async () => {
    const spec = specWith(FLOOR);
    const summary = await evaluate(spec, [real.unimportant, real.important]);
    const report = buildReport({
      model: { modelId: 'cancer', spec, artifactSha256: key, artifactUri: 'file:///m.onnx', version: 'v1', source: 'config' } as never,
      snapshot: {
        uri: 'file:///s',
        sha256: '0'.repeat(64),
        rows: summary.rows,
        files: [],
        missing: [],
        firstDay: '2026-01-01',
        lastDay: '2026-01-01',
        windowEnd: '2026-01-02T00:00:00Z',
      } as never,
      evaluation: summary,
      verdict: verdictOf(spec, summary),
    });
    assert.deepEqual(report.drift!.importance!.ranked, summary.drift!.importance!.ranked);
    const md = renderReportMarkdown(report);
    const lines = md.split('\n');
    const head = lines.findIndex((l) => l.startsWith('| column | test |'));
    const end = lines.findIndex((l, i) => i > head && !l.startsWith('|'));
    const table = lines.slice(head, end);
    const at = (c: string): number => table.findIndex((l) => l.startsWith(`| ${c.replace(/_/g, '\\_')} |`) || l.startsWith(`| ${c} |`));
    assert.ok(at(real.important) >= 0 && at(real.important) < at(real.unimportant), table.join('\n'));
    assert.match(table[0]!, /importance \| effect on log\\?_loss \|/);
    assert.match(table[at(real.unimportant)]!, /\(below floor\)/);
    const html = renderReportHtml(report);
    assert.ok(html.indexOf(`${real.important}: importance`) < html.indexOf(`${real.unimportant}: importance`));
    assert.match(html, /below the importance floor/);
    // The web model page's drift table: the same order, an importance cell per row.
    const page = String(
      await modelPageHtml(
        { user: 'a@example.com', csrf: 'x' },
        {
          spec,
          trail: { ok: true, links: 0, rehashed: 0, problems: [], problemCount: 0 },
          latest: report,
          timeline: [],
          omitted: 0,
          findings: [],
          windows: [],
          chart: { metric: 'log_loss', points: [], min: null, max: null, changes: [] },
          strip: { windows: [], rows: [], omitted: 0 },
        },
      ),
    );
    const row = (c: string): number => page.indexOf(`<td>${c}</td>`);
    assert.ok(row(real.important) > 0 && row(real.important) < row(real.unimportant), 'important first on the page');
    assert.match(page, /<th>Importance<\/th><th>Effect on log_loss<\/th>/);
    assert.match(page.slice(row(real.unimportant)), /^[^\n]*\(below floor\)/);
  });

  it('ranks drift in a one-shot evaluation too (upkeep evaluate --reference)', async () => {
    const spec = specWith(FLOOR);
    const file = join(dir, 'window.csv');
    writeFileSync(file, await csvFile('window.csv', others, [real.unimportant, real.important]).load());
    const { report } = await evaluateOnce({ spec, modelBytes: bytes, dataUris: [file], engine, reference: referenceFromProfile(reference.profile, spec) });
    assert.equal(report.drift!.importance!.ranked[0], real.important);
    assert.equal(report.verdict.status, 'warning');
    assert.ok(names(report.verdict.reasons, real.important) && !names(report.verdict.reasons, real.unimportant), report.verdict.reasons.join('\n'));
  });

  it('measures once per model version and reference: a second window reads the stored importances', async () => {
    const a = await evaluate(specWith(), [real.important]);
    const b = await evaluate(specWith(FLOOR), []);
    assert.deepEqual(a.drift!.importance!.stored, b.drift!.importance!.stored);
    assert.equal(a.drift!.importance!.columns[real.important]!.importance, b.drift!.importance!.columns[real.important]!.importance);
  });

  it('refuses stored importances that were altered: the window is judged without the ranking, and says why', async () => {
    const a = await evaluate(specWith(), [real.important]);
    const stored = a.drift!.importance!.stored!;
    const file = new URL(stored.uri);
    const text = readFileSync(file, 'utf8');
    try {
      writeFileSync(file, text.replace('"drops":{', '"drops":{"x":["a"],'));
      const b = await evaluate(specWith(FLOOR), [real.important]);
      assert.equal(b.drift!.importance, undefined);
      assert.ok(
        b.warnings.some((w) => /no importance ranking: model cancer: stored importances .* \(altered in the store\?\)/.test(w)),
        b.warnings.join('\n'),
      );
    } finally {
      writeFileSync(file, text);
    }
  });
});
