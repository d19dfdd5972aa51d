import assert from 'node:assert/strict';
import { createEvaluationEngine } from '../../engine/evaluation/evaluate.js';
import { sha256Hex } from '../../engine/util.js';
import { fixtureBytes, specFor } from '../helpers/fixtures.js';

/**
 * One evaluation thread keeps 4 ONNX sessions; a worker may evaluate many more models. Six models
 * (the same graph, each with its own doc_string so their bytes and sha256 differ: six sessions)
 * evaluated in turn, twice round, in one engine of one thread: a model whose session was released
 * is loaded again from its bytes, never "was not loaded in this runner".
 */
describe('an evaluation thread alternating between more models than it keeps sessions for', function () {
  this.timeout(60_000);

  /** The model with a doc_string (ModelProto field 6, length-delimited) appended: valid protobuf, other bytes. */
  function variant(bytes: Uint8Array, i: number): Uint8Array {
    const doc = new TextEncoder().encode(`variant ${i}`);
    return new Uint8Array([...bytes, (6 << 3) | 2, doc.length, ...doc]);
  }

  it('evaluates six models in turn, each time with the same metrics as alone', async () => {
    const base = fixtureBytes('models/binary.onnx');
    const models = Array.from({ length: 6 }, (_, i) => variant(base, i));
    assert.equal(new Set(models.map(sha256Hex)).size, 6);
    const spec = specFor({ task: 'binary', inputs: [{ name: 'input', columns: ['x1', 'x2', 'x3', 'x4'] }], label: { column: 'y', positive: 1 } });
    const data = fixtureBytes('data/binary.csv');
    const engine = createEvaluationEngine({ threads: 1 });
    try {
      const seen: number[] = [];
      for (let round = 0; round < 2; round++) {
        for (const [i, modelBytes] of models.entries()) {
          const summary = await engine.evaluate({
            spec,
            modelBytes,
            modelKey: sha256Hex(modelBytes),
            artifactName: `binary-${i}.onnx`,
            files: [{ name: 'binary.csv', format: 'csv', load: async () => data }],
          });
          seen.push(summary.metrics.roc_auc!);
        }
      }
      assert.equal(seen.length, 12);
      assert.ok(seen[0]! > 0.5 && seen[0]! <= 1, `roc_auc ${seen[0]}`);
      for (const v of seen) assert.equal(v, seen[0]);
    } finally {
      await engine.close();
    }
  });
});
