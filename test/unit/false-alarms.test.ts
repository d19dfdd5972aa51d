/**
 * How often upkeep raises something when nothing changed, on real data: scikit-learn's breast-cancer
 * data in random halves (scripts/fixtures/make_false_alarm_fixtures.py). The reference half is
 * profiled with upkeep's own code and the model; each window from the other half is evaluated and
 * judged by the verdict policy. Unchanged windows may raise something at most 10% of the time; a
 * window with one important feature shifted by one reference standard deviation must be caught.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEvaluationEngine, type EvaluationEngine, type WindowFile } from '../../engine/evaluation/evaluate.js';
import { profileReferenceData, referenceFromProfile } from '../../engine/evaluation/reference.js';
import { sha256Hex } from '../../engine/util.js';
import { decideVerdict } from '../../workflows/policy.js';
import type { EvaluationSummary } from '../../domain/evaluation.js';
import { FIXTURES, specFor } from '../helpers/fixtures.js';

interface Split {
  model: string;
  reference: number[];
  unchanged: number[][];
  shift: { feature: string; delta: number; windows: number[][] };
}
interface Splits {
  window_rows: number;
  label: string;
  features: string[];
  splits: Split[];
}

const DIR = join(FIXTURES, 'data/false-alarms');
const fixture = JSON.parse(readFileSync(join(DIR, 'splits.json'), 'utf8')) as Splits;
const lines = readFileSync(join(DIR, 'data.csv'), 'utf8').trimEnd().split('\n');
const header = lines[0]!.split(',');
const rows = lines.slice(1);

const spec = specFor({
  task: 'binary',
  inputs: [{ name: 'input', columns: fixture.features }],
  label: { column: fixture.label, positive: 1 },
  thresholds: { metric: 'roc_auc' },
});

function modelOf(split: Split) {
  const modelBytes = new Uint8Array(readFileSync(join(FIXTURES, 'models/false-alarms', split.model)));
  return { spec, modelKey: sha256Hex(modelBytes), modelBytes, artifactName: split.model };
}

/** Rows of data.csv as a CSV file, one column optionally shifted. */
function csvFile(name: string, indices: number[], shift?: { feature: string; delta: number }): WindowFile {
  const col = shift ? header.indexOf(shift.feature) : -1;
  const body = indices.map((i) => {
    if (col < 0) return rows[i]!;
    const cells = rows[i]!.split(',');
    cells[col] = String(Number(cells[col]) + shift!.delta);
    return cells.join(',');
  });
  const bytes = new TextEncoder().encode([header.join(','), ...body].join('\n') + '\n');
  return { name, format: 'csv', load: async () => bytes };
}

function raised(summary: EvaluationSummary): string[] {
  const verdict = decideVerdict({
    model: { primaryMetric: 'roc_auc', thresholds: spec.thresholds, baseline: {}, minRows: 1 },
    snapshot: { rows: summary.rows, files: [{ date: '2026-01-01' }] as never, missing: [], firstDay: '2026-01-01', lastDay: '2026-01-01' },
    evaluation: summary,
  });
  return verdict.status === 'healthy' ? [] : verdict.reasons.filter((r) => r.startsWith('drift') || r.startsWith('quality') || r.includes(' drift'));
}

describe('false alarms on real data (breast cancer, random halves)', function () {
  this.timeout(300_000);
  const unchanged: EvaluationSummary[] = [];
  const shifted: { split: number; feature: string; summary: EvaluationSummary }[] = [];
  before(async () => {
    // One split at a time: its model is profiled on the reference half, then scores its windows.
    const engine: EvaluationEngine = createEvaluationEngine({ threads: 1 });
    try {
      for (const [k, split] of fixture.splits.entries()) {
        const model = modelOf(split);
        const { profile } = await profileReferenceData({
          ...model,
          files: [csvFile(`reference-${k}.csv`, split.reference)],
          engine,
          createdAt: '2026-01-01T00:00:00.000Z',
          source: `reference-${k}.csv`,
        });
        const reference = referenceFromProfile(profile, spec);
        const evaluate = (file: WindowFile) => engine.evaluate({ ...model, files: [file], reference });
        for (const [w, indices] of split.unchanged.entries()) unchanged.push(await evaluate(csvFile(`unchanged-${k}-${w}.csv`, indices)));
        for (const [w, indices] of split.shift.windows.entries()) {
          shifted.push({ split: k, feature: split.shift.feature, summary: await evaluate(csvFile(`shifted-${k}-${w}.csv`, indices, split.shift)) });
        }
      }
    } finally {
      await engine.close();
    }
  });

  it('raises something on at most 10% of unchanged windows, and each column is still reported', () => {
    let alarms = 0;
    let uncorrected = 0;
    for (const summary of unchanged) {
      assert.equal(summary.rows, fixture.window_rows);
      assert.equal(Object.keys(summary.drift!.columns).length, fixture.features.length);
      // The rules before the corrections: any column's own test, label or prediction drift, more than 1% out of range.
      const d = summary.drift!;
      if (d.drifted_columns.length > 0 || d.label?.drifted || d.prediction?.drifted || summary.quality!.outOfRange.some((o) => o.share > 0.01)) uncorrected++;
      const why = raised(summary);
      if (why.length > 0) alarms++;
      if (process.env.UPKEEP_SHOW_ALARMS && why.length > 0) console.log(why);
    }
    const windows = unchanged.length;
    if (process.env.UPKEEP_SHOW_ALARMS) console.log({ windows, alarms, uncorrected });
    assert.equal(windows, fixture.splits.length * fixture.splits[0]!.unchanged.length);
    // Without the corrections most of these windows would have raised something: those findings are information now.
    assert.ok(uncorrected > windows / 2, `${uncorrected} of ${windows} windows by the uncorrected rules`);
    assert.ok(alarms <= 0.1 * windows, `${alarms} of ${windows} unchanged windows raised something`);
  });

  it('catches a one-standard-deviation shift of the most important feature every time', () => {
    assert.equal(shifted.length, fixture.splits.length * fixture.splits[0]!.shift.windows.length);
    for (const { split, feature, summary } of shifted) {
      assert.ok(summary.drift!.alarm!.columns.includes(feature), `split ${split}: ${feature} not confirmed: ${JSON.stringify(summary.drift!.alarm)}`);
      assert.ok(raised(summary).length > 0, `split ${split}: a shifted window raised nothing`);
    }
  });
});
