import assert from 'node:assert/strict';
import { createEvaluationEngine, type EvaluationEngine, type WindowFile } from '../../engine/evaluation/evaluate.js';
import type { EvaluationSummary } from '../../domain/evaluation.js';
import { sha256Hex } from '../../engine/util.js';
import { fixtureBytes, goldenModelCases, specForCase, type GoldenCase } from '../helpers/fixtures.js';

/** A CSV file given as text. */
const csv = (name: string, text: string): WindowFile => ({ name, format: 'csv', load: async () => new TextEncoder().encode(text) });

/** The fixture's CSV split in lines; `blank(i)` says which data rows lose their label (the last column). */
function variants(c: GoldenCase): { header: string; rows: string[] } {
  const [header, ...rows] = new TextDecoder().decode(fixtureBytes(c.data)).trimEnd().split('\n');
  return { header: header!, rows };
}
const withoutLabel = (line: string): string => line.slice(0, line.lastIndexOf(',') + 1);

async function evaluate(engine: EvaluationEngine, c: GoldenCase, files: WindowFile[]): Promise<EvaluationSummary> {
  const bytes = fixtureBytes(c.model);
  return engine.evaluate({ spec: specForCase(c), modelBytes: bytes, modelKey: sha256Hex(bytes), artifactName: 'm.onnx', files });
}

describe('windows whose labels are not all known yet', function () {
  let one: EvaluationEngine;
  let two: EvaluationEngine;
  before(() => {
    one = createEvaluationEngine({ threads: 1, batchSize: 97 });
    two = createEvaluationEngine({ threads: 2, batchSize: 53 });
  });
  after(async () => {
    await one.close();
    await two.close();
  });

  for (const model of ['models/binary.onnx', 'models/multiclass.onnx', 'models/regression.onnx']) {
    it(`${model}: realized metrics on the labelled half with their count, the same in shards`, async function () {
      const c = goldenModelCases().find((g) => g.model === model && g.data.endsWith('.csv'))!;
      const label = c.label;
      const { header, rows } = variants(c);
      assert.ok(header.endsWith(`,${label}`), 'the label is the last column');
      const half = rows.map((r, i) => (i % 2 === 1 ? withoutLabel(r) : r));
      const labelled = rows.filter((_, i) => i % 2 === 0);
      const expected = await evaluate(one, c, [csv('labelled.csv', [header, ...labelled].join('\n'))]);
      // One file, and the same rows in three files evaluated in two threads.
      const whole = await evaluate(one, c, [csv('half.csv', [header, ...half].join('\n'))]);
      const thirds = [0, 1, 2].map((k) => half.slice(Math.floor((k * half.length) / 3), Math.floor(((k + 1) * half.length) / 3)));
      const sharded = await evaluate(
        two,
        c,
        thirds.map((t, k) => csv(`half-${k}.csv`, [header, ...t].join('\n'))),
      );
      for (const s of [whole, sharded]) {
        assert.equal(s.rows, labelled.length);
        assert.deepEqual(s.labels, { labelled: labelled.length, unlabelled: rows.length - labelled.length });
        assert.equal(s.droppedRows, 0);
        assert.deepEqual(s.invalid, []);
        assert.deepEqual(s.metrics, expected.metrics);
        assert.deepEqual(s.labelCounts, expected.labelCounts);
        assert.deepEqual(s.confidence, expected.confidence);
      }
      assert.ok(whole.warnings.some((w) => w.startsWith(`no estimate for the ${rows.length - labelled.length} unlabelled rows: estimation needs a reference`)));
    });
  }

  it('reads an empty label column of a regression window as unlabelled rows, not as text', async function () {
    const c = goldenModelCases().find((g) => g.model === 'models/regression.onnx' && g.data.endsWith('.csv'))!;
    const { header, rows } = variants(c);
    const s = await evaluate(one, c, [csv('none.csv', [header, ...rows.map(withoutLabel)].join('\n'))]);
    assert.equal(s.rows, 0);
    assert.deepEqual(s.labels, { labelled: 0, unlabelled: rows.length });
    assert.deepEqual(s.metrics, {});
  });
});
