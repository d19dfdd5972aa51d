import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixture } from '../helpers/fixtures.js';

const BIN = fileURLToPath(new URL('../../bin/upkeep.mjs', import.meta.url));

function upkeep(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, HOME: '/nonexistent' }, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A binary model (test/fixtures/models/binary.onnx) declaring a cost matrix and a recall@precision gate. */
function config(matrix: string): string {
  return `store: store
models:
  - id: fraud
    owner: risk@example.com
    task: binary
    artifact: ${JSON.stringify(fixture('models/binary.onnx'))}
    inputs: [{ name: input, columns: [x1, x2, x3, x4] }]
    label: { column: y, positive: 1 }
    data: { uri: "data/{date}.csv" }
    schedule: { every: 1d }
    thresholds: { metric: roc_auc, min: 0.5 }
    metrics:
      - name: fraud_cost
        kind: cost_matrix
        matrix: ${matrix}
        gate: { max: 100 }
      - { name: recall_at_p95, kind: recall_at_precision, precision: 0.95, gate: { min: 0.9 } }
`;
}

describe('upkeep evaluate with declared business metrics and their gates', function () {
  this.timeout(120_000);
  let dir: string;
  before(function () {
    dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-business-'));
    writeFileSync(path.join(dir, 'upkeep.yaml'), config('{ 1: { 1: 0, 0: 50 }, 0: { 1: 5, 0: 0 } }'));
    writeFileSync(path.join(dir, 'bad.yaml'), config('{ 1: { 1: 0, 2: 50 }, 2: { 1: 5, 2: 0 } }'));
  });
  after(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  const evaluate = (file: string, format: string) =>
    upkeep(['evaluate', '--model', 'fraud', '--config', path.join(dir, file), '--data', fixture('data/binary.csv'), '--format', format]);

  it('degrades the verdict on the failing gate, names it, and shows both metrics in the JSON, Markdown and HTML reports', function () {
    const json = evaluate('upkeep.yaml', 'json');
    assert.equal(json.status, 0, json.stderr); // degraded is below --fail-on failing
    const out = JSON.parse(json.stdout);
    assert.equal(out.verdict.status, 'degraded');
    assert.deepEqual(out.verdict.failedGates, ['recall_at_p95']);
    assert.match(out.verdict.reasons[0], /^recall_at_p95 0\.\d+ is below the minimum 0\.9$/);
    assert.ok(!out.verdict.reasons.some((r: string) => r.startsWith('fraud_cost')), 'the passing gate is not a reason to degrade');
    const [cost, recall] = out.evaluation.gated;
    assert.equal(cost.name, 'fraud_cost');
    assert.equal(cost.kind, 'business');
    assert.deepEqual(cost.gate, { max: 100 });
    assert.equal(cost.lowerIsBetter, true);
    // The cost read off the catalogue's own recall and precision: 50 per missed positive, 5 per false alarm.
    const positives = out.evaluation.labelCounts['1'];
    const flagged = out.evaluation.predictionCounts['1'];
    const tp = Math.round(out.metrics.recall * positives);
    assert.equal(Math.round(out.metrics.precision * flagged), tp);
    assert.ok(Math.abs(cost.value - (50 * (positives - tp) + 5 * (flagged - tp)) / out.rows) < 1e-12, `cost ${cost.value}`);
    assert.ok(cost.interval.low < cost.value && cost.value < cost.interval.high);
    assert.equal(cost.interval.method, 'bootstrap');
    assert.equal(recall.name, 'recall_at_p95');
    assert.ok(recall.value < 0.9 && recall.interval.high < 0.9, `recall ${recall.value} [${recall.interval.low}, ${recall.interval.high}]`);

    const md = evaluate('upkeep.yaml', 'md');
    assert.match(md.stdout, /## Business metrics\n\nFailed gates: \*\*recall_at_p95\*\*\./);
    assert.match(md.stdout, /\| recall_at_p95 \| 0\.\d+ \| 95% bootstrap \\\[[\d.]+, [\d.]+\\\] \| min 0\.9 \| — \| — \| min: failed \|/);
    assert.match(md.stdout, /\| fraud_cost \| [\d.]+ \| 95% bootstrap .* \| max 100 \| — \| — \| max: passed \|/);
    const html = evaluate('upkeep.yaml', 'html');
    assert.match(html.stdout, /<section id="business"><h2>Business metrics<\/h2><p>Failed gates: recall_at_p95\.<\/p>/);
    assert.match(html.stdout, /<td>recall_at_p95<\/td>.*?<td>min: failed<\/td>/);
  });

  it('judges the cost matrix on its CBPE estimate when the window has no labels, and says the curve metric waits for them', function () {
    const lines = readFileSync(fixture('data/binary.csv'), 'utf8').trimEnd().split('\n');
    const window = path.join(dir, 'unlabelled.csv');
    writeFileSync(window, lines.map((l) => l.slice(0, l.lastIndexOf(','))).join('\n'));
    const args = ['--reference', fixture('data/binary.csv'), '--format', 'json', '--fail-on', 'never'];
    const est = upkeep(['evaluate', '--model', 'fraud', '--config', path.join(dir, 'upkeep.yaml'), '--data', window, ...args]);
    assert.equal(est.status, 0, est.stderr);
    const out = JSON.parse(est.stdout);
    assert.equal(out.verdict.basis, 'estimated');
    const e = out.evaluation.estimated.confusion as number[][];
    const [cost, recall] = out.evaluation.gated;
    assert.equal(cost.estimated, true);
    assert.ok(Math.abs(cost.value - (5 * e[0]![1]! + 50 * e[1]![0]!) / out.evaluation.estimated.rows) < 1e-12, `estimated cost ${cost.value}`);
    assert.ok(out.verdict.reasons.includes(`estimated fraud_cost ${Number(cost.value.toPrecision(4))} is at or below the maximum 100`));
    assert.equal(recall.value, null);
    assert.ok(out.verdict.reasons.some((x: string) => x.startsWith('estimated recall_at_p95: not judged (recall_at_precision cannot be estimated')));
  });

  it('lists each declared metric and its gate in upkeep check', function () {
    const r = upkeep(['check', '--config', path.join(dir, 'upkeep.yaml')]);
    assert.match(r.stdout, /fraud metric fraud_cost: cost matrix over 2 classes, average per row, lower is better; max 100\n/);
    assert.match(r.stdout, /fraud metric recall_at_p95: recall at precision ≥ 0\.95, higher is better; min 0\.9\n/);
  });

  it('fails the window with a clear reason when the matrix names a class the model does not have', function () {
    const r = evaluate('bad.yaml', 'json');
    assert.equal(r.status, 1);
    const out = JSON.parse(r.stdout);
    assert.equal(out.verdict.status, 'failing');
    assert.deepEqual(out.verdict.reasons, [
      'SchemaMismatch: model fraud: metrics[0] (fraud_cost): the matrix names class "2", which the model does not have (its classes: "0", "1")',
    ]);
    assert.match(r.stderr, /verdict failing/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    const check = upkeep(['check', '--config', path.join(dir, 'bad.yaml')]);
    assert.equal(check.status, 1);
    assert.match(check.stdout, /^FAIL fraud: metrics\[0\] \(fraud_cost\): the matrix names class "2", which the model does not have/m);
  });
  // Issue 24's "done when": a cost matrix, a recall@precision gate and a fairness gap gate on one
  // model, evaluated end to end; the verdict names each gate that failed, and only those.
  it('names every failing gate of one model: its cost matrix, its recall@precision and its fairness gap', function () {
    // The model predicts positive mostly for high x1: a group made of high-x1 rows is selected far more often.
    const lines = readFileSync(fixture('data/binary.csv'), 'utf8').trimEnd().split('\n');
    const rows = lines.slice(1).map((l, i) => `${l},${Number(l.split(',')[0]) > 0 === (i % 10 !== 0) ? 'F' : 'M'}`);
    writeFileSync(path.join(dir, 'window.csv'), [`${lines[0]},sex`, ...rows].join('\n') + '\n');
    const yaml = config('{ 1: { 1: 0, 0: 50 }, 0: { 1: 5, 0: 0 } }')
      .replace('gate: { max: 100 }', 'gate: { max: 1 }')
      .concat('    fairness:\n      columns: [sex]\n      gates: { demographic_parity_difference: { max: 0.1 }, metric_gap: { max: 0.9 } }\n');
    writeFileSync(path.join(dir, 'all.yaml'), yaml);
    const r = upkeep(['evaluate', '--model', 'fraud', '--config', path.join(dir, 'all.yaml'), '--data', path.join(dir, 'window.csv'), '--format', 'json']);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.verdict.status, 'degraded');
    assert.deepEqual(out.verdict.failedGates, ['fraud_cost', 'recall_at_p95', 'demographic_parity_difference[sex]']);
    for (const name of out.verdict.failedGates) {
      assert.ok(
        out.verdict.reasons.some((x: string) => x.startsWith(`${name} `)),
        `a reason names ${name}: ${out.verdict.reasons.join(' | ')}`,
      );
    }
    // The metric gap passes its (loose) gate: judged, not named.
    const gap = out.evaluation.gated.find((g: { name: string }) => g.name === 'metric_gap[sex]');
    assert.ok(gap && gap.value !== null && gap.value <= 0.9, JSON.stringify(gap));
    assert.deepEqual(
      out.evaluation.gated.map((g: { kind: string }) => g.kind),
      ['business', 'business', 'fairness', 'fairness'],
    );
    // Per group: both declared metrics on the group's rows with their intervals; their gaps reported, not gated.
    const fairness = out.evaluation.fairness;
    assert.deepEqual(
      fairness.declared.map((d: { name: string }) => d.name),
      ['fraud_cost', 'recall_at_p95'],
    );
    const family = fairness.families[0];
    const judged = family.groups.filter((g: { small: boolean }) => !g.small);
    assert.ok(judged.length === 2, JSON.stringify(family.groups.map((g: { value: string; rows: number }) => [g.value, g.rows])));
    for (const g of judged) {
      const [gc, gr] = g.declared;
      assert.ok(typeof gc.value === 'number' && gc.low <= gc.value && gc.value <= gc.high, JSON.stringify(gc));
      assert.ok(gr.value === null ? typeof gr.why === 'string' : gr.value >= 0 && gr.value <= 1, JSON.stringify(gr));
    }
    // The window's cost per row is the row-weighted mean of the groups' (no group left out by the cap).
    const whole = out.evaluation.gated[0].value;
    const mixed = judged.reduce((s: number, g: { rows: number; declared: { value: number }[] }) => s + g.rows * g.declared[0]!.value, 0) / out.rows;
    assert.ok(Math.abs(mixed - whole) < 1e-9, `${mixed} vs ${whole}`);
    assert.equal(
      family.declaredGaps[0].value,
      Math.max(...judged.map((g: { declared: { value: number }[] }) => g.declared[0]!.value)) -
        Math.min(...judged.map((g: { declared: { value: number }[] }) => g.declared[0]!.value)),
    );
    const md = upkeep(['evaluate', '--model', 'fraud', '--config', path.join(dir, 'all.yaml'), '--data', path.join(dir, 'window.csv'), '--format', 'md']);
    assert.match(
      md.stdout,
      /\| group \| rows \| roc_auc \| interval \| selection rate \| true positive rate \| false positive rate \| fraud_cost \| recall_at_p95 \|/,
    );
    assert.match(md.stdout, /\| sex \| fraud_cost gap \| [\d.]+ \| — \| [FM] \/ [FM] \|/);
  });
});
