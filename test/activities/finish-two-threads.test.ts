import assert from 'node:assert/strict';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { EvaluationSummary } from '../../domain/evaluation.js';
import { DEFER_PROBABILITY_ROWS } from '../../engine/evaluation/deferred-metrics.js';
import { createEvaluationEngine, type EvaluationEngine } from '../../engine/evaluation/evaluate.js';
import { profileReferenceData, referenceFromProfile } from '../../engine/evaluation/reference.js';
import type { WindowFile } from '../../engine/evaluation/types.js';
import { sha256Hex } from '../../engine/util.js';
import { rng } from '../../scripts/bench/data.js';
import { fixtureBytes, specFor } from '../helpers/fixtures.js';

/** A Parquet file for models/binary.onnx (x1..x4, y, region); every `unlabelledEvery`-th label missing (0: none). */
function window(rows: number, seed: number, unlabelledEvery: number): Uint8Array {
  const u = rng(seed);
  const x = [0, 1, 2, 3].map(() => new Float64Array(rows));
  const y: (number | null)[] = [];
  const region: string[] = [];
  for (let r = 0; r < rows; r++) {
    let logit = -0.2;
    for (let j = 0; j < 4; j++) {
      const v = Math.round((u() * 4 - 2) * 1e4) / 1e4;
      x[j]![r] = v;
      logit += (j + 1) * 0.4 * v;
    }
    const label = u() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
    y.push(unlabelledEvery > 0 && r % unlabelledEvery === 0 ? null : label);
    region.push(['north', 'south', 'east'][Math.floor(u() * 3)]!);
  }
  return new Uint8Array(
    parquetWriteBuffer({
      columnData: [
        ...x.map((data, j) => ({ name: `x${j + 1}`, data, type: 'DOUBLE' as const, nullable: false })),
        { name: 'y', data: y, type: 'INT32' as const },
        { name: 'region', data: region, type: 'STRING' as const },
      ],
      rowGroupSize: 40_000,
    }),
  );
}

const withoutTime = (s: EvaluationSummary): string => {
  const { durationMs: _, ...rest } = s;
  return JSON.stringify(rest);
};

describe("a large binary window's finishing step in two threads", function () {
  this.timeout(180_000);
  const modelBytes = fixtureBytes('models/binary.onnx');
  const modelKey = sha256Hex(modelBytes);
  const rows = DEFER_PROBABILITY_ROWS + 20_000;
  let two: EvaluationEngine;
  let one: EvaluationEngine;
  before(() => {
    two = createEvaluationEngine({ threads: 2 });
    one = createEvaluationEngine({ threads: 1 });
  });
  after(async () => {
    await two.close();
    await one.close();
  });

  for (const [what, unlabelledEvery, metric, search] of [
    ['every label known, the DeLong interval', 0, 'roc_auc', false],
    ['a fifth of the labels still to come', 5, 'roc_auc', false],
    ['log_loss as the primary metric (not deferred)', 0, 'log_loss', false],
    ['the segment search in a second thread too (segments/aside.ts)', 5, 'roc_auc', true],
    ['the segment search beside log_loss as the primary metric', 0, 'log_loss', true],
  ] as const) {
    it(`writes the summary one thread writes, to the byte: ${what}`, async () => {
      const bytes = window(rows, 11, unlabelledEvery);
      const spec = specFor({
        id: 'two',
        task: 'binary',
        inputs: [{ name: 'input', columns: ['x1', 'x2', 'x3', 'x4'] }],
        label: { column: 'y', positive: 1 },
        thresholds: metric === 'log_loss' ? { metric, max: 2 } : { metric, min: 0.5 },
        monitor: { segments: ['region'] },
        segments: { search, columns: ['x1', 'x2', 'region'], min_rows: 100 },
      });
      const files = (): WindowFile[] => [{ name: 'w.parquet', format: 'parquet', load: async () => bytes, rows }];
      const model = { spec, modelBytes, modelKey, artifactName: 'binary.onnx' };
      // The search's numeric columns are binned by a reference profile's quantiles.
      const reference = search
        ? referenceFromProfile(
            (
              await profileReferenceData({
                ...model,
                files: [{ name: 'ref.parquet', format: 'parquet', load: async () => window(5000, 5, 0) }],
                engine: one,
                createdAt: '2026-11-01T00:00:00Z',
                source: 'ref.parquet',
              })
            ).profile,
            spec,
          )
        : undefined;
      const opts = { ...model, ...(reference ? { reference } : {}) };
      const got = await two.evaluate({ ...opts, files: files() });
      const want = await one.evaluate({ ...opts, files: files() });
      assert.equal(withoutTime(got), withoutTime(want));
      assert.equal(typeof got.metrics.brier, 'number');
      assert.equal(typeof got.metrics.log_loss, 'number');
      assert.equal(got.labels?.unlabelled, unlabelledEvery ? Math.ceil(rows / unlabelledEvery) : 0);
      assert.ok(got.confidence, 'the interval was computed');
      if (search) {
        assert.ok(got.segments, 'the search ran');
        assert.equal(got.segments.rows, rows - got.labels!.unlabelled);
        assert.equal(got.segments.overall, got.metrics[metric], "the report's whole-window metric is the summary's");
        assert.deepEqual(Object.keys(got).indexOf('segments'), Object.keys(want).indexOf('segments'));
      } else assert.equal(got.segments, undefined);
    });
  }
});
