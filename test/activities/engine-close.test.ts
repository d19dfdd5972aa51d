import assert from 'node:assert/strict';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { createEvaluationEngine } from '../../engine/evaluation/evaluate.js';
import { sha256Hex } from '../../engine/util.js';
import { fixtureBytes, specFor } from '../helpers/fixtures.js';
import { rng } from '../../scripts/bench/data.js';

describe('closing the evaluation engine during an evaluation', function () {
  this.timeout(60_000);

  it('lets the running task finish before it stops the threads, and fails the evaluation as closed', async () => {
    const rows = 300_000;
    const u = rng(5);
    const x = [0, 1, 2, 3].map(() => Float64Array.from({ length: rows }, () => u() * 4 - 2));
    const y = Int32Array.from({ length: rows }, () => (u() < 0.5 ? 1 : 0));
    const bytes = new Uint8Array(
      parquetWriteBuffer({
        columnData: [
          ...x.map((data, j) => ({ name: `x${j + 1}`, data, type: 'DOUBLE' as const, nullable: false })),
          { name: 'y', data: y, type: 'INT32' as const, nullable: false },
        ],
        rowGroupSize: rows,
      }),
    );
    const modelBytes = fixtureBytes('models/binary.onnx');
    const spec = specFor({ task: 'binary', inputs: [{ name: 'input', columns: ['x1', 'x2', 'x3', 'x4'] }], label: { column: 'y', positive: 1 } });
    // One thread and small batches: the one task takes long enough to be running when close() comes.
    const engine = createEvaluationEngine({ threads: 1, batchSize: 64 });
    const running = engine.evaluate({
      spec,
      modelBytes,
      modelKey: sha256Hex(modelBytes),
      artifactName: 'binary.onnx',
      files: [{ name: 'g.parquet', format: 'parquet', load: async () => bytes }],
    });
    running.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 400));
    const t0 = Date.now();
    await engine.close();
    const waited = Date.now() - t0;
    // Stopped mid-run, the thread would have exited with an error (or ONNX Runtime would abort the
    // process); finished, its result is refused because the engine is closed.
    await assert.rejects(running, /evaluation engine is closed/);
    assert.ok(waited > 0, `close waited ${waited} ms for the running task`);
  });
});
