import assert from 'node:assert/strict';
import { createEvaluationEngine } from '../../engine/evaluation/evaluate.js';
import { progressText } from '../../cli/commands/evaluate.js';
import { evaluateOnce, type OneShotProgress } from '../../cli/one-shot.js';
import { countLine, createProgress, withProgress, type ProgressStream } from '../../cli/progress.js';
import { fixture, fixtureBytes, specFor } from '../helpers/fixtures.js';

/** A stream that keeps what is written; a terminal when `tty`. */
function stream(tty: boolean, columns?: number): ProgressStream & { text: string } {
  const s = {
    text: '',
    isTTY: tty,
    ...(columns ? { columns } : {}),
    write(chunk: string): boolean {
      s.text += chunk;
      return true;
    },
  };
  return s;
}

describe('progress on long commands', () => {
  it('writes not a byte when stderr is piped', async () => {
    const piped = stream(false);
    const result = await withProgress(
      async (p) => {
        assert.equal(p.enabled, false);
        for (let i = 0; i <= 100; i++) p.update(countLine('syncing schedules', i, 100), i === 100);
        return 'done';
      },
      { stream: piped },
    );
    assert.equal(result, 'done');
    assert.equal(piped.text, '');
  });

  it('rewrites one line on a terminal, at most once per interval, forced updates at once, and clears it at the end', () => {
    const tty = stream(true);
    let t = 1000;
    const p = createProgress({ stream: tty, intervalMs: 100, now: () => t });
    p.update('a 1'); // shown: the first
    t += 50;
    p.update('a 2'); // too soon
    t += 60;
    p.update('a 3'); // 110ms after the first: shown
    t += 10;
    p.update('a 4', true); // forced
    p.done();
    p.update('a 5', true); // after done: ignored
    assert.equal(tty.text, '\r\x1b[Ka 1\r\x1b[Ka 3\r\x1b[Ka 4\r\x1b[K');
  });

  it("clears the line also when the work fails, and never writes past the terminal's width", async () => {
    const tty = stream(true, 10);
    await assert.rejects(
      withProgress(
        async (p) => {
          p.update('a very long progress line');
          throw new Error('boom');
        },
        { stream: tty },
      ),
      /boom/,
    );
    assert.equal(tty.text, '\r\x1b[Ka very lo\r\x1b[K');
  });

  it('writes nothing at the end when nothing was shown', () => {
    const tty = stream(true);
    createProgress({ stream: tty }).done();
    assert.equal(tty.text, '');
  });

  it('counts with a total and a percentage, or without one', () => {
    assert.equal(countLine('syncing schedules', 3, 12, 'models'), 'syncing schedules: 3/12 models (25%)');
    assert.equal(countLine('exporting', 1234567), 'exporting: 1,234,567');
  });

  it("follows a one-shot evaluation: the files read, then the rows scored up to the window's rows", async function () {
    this.timeout(60_000);
    const engine = createEvaluationEngine({ threads: 1, batchSize: 256 });
    const seen: OneShotProgress[] = [];
    try {
      const spec = specFor({ task: 'binary', inputs: [{ name: 'input', columns: ['x1', 'x2', 'x3', 'x4'] }], label: { column: 'y', positive: 1 } });
      const file = fixture('data/binary.csv');
      const { report } = await evaluateOnce({
        spec,
        modelBytes: fixtureBytes('models/binary.onnx'),
        dataUris: [file, file],
        engine,
        progress: (p) => seen.push(p),
      });
      const reading = seen.filter((p) => p.phase === 'reading');
      const scoring = seen.filter((p) => p.phase === 'evaluating');
      assert.deepEqual(
        reading.map((p) => [p.filesRead, p.files]),
        [
          [1, 2],
          [2, 2],
        ],
      );
      assert.ok(scoring.length >= 2, `${scoring.length} updates`);
      const last = scoring.at(-1)!;
      assert.equal(last.rowsDone, report.snapshot.rows);
      assert.equal(last.rows, report.snapshot.rows);
      assert.ok(
        scoring.every((p, i) => i === 0 || p.rowsDone >= scoring[i - 1]!.rowsDone),
        'rows only grow',
      );
      assert.equal(report.snapshot.rows, 2000);
      assert.equal(progressText('churn', last), 'churn: evaluating: 2,000/2,000 rows (100%), binary.csv');
      assert.equal(progressText('churn', reading[0]!), 'churn: reading: 1/2 files (50%)');
    } finally {
      await engine.close();
    }
  });
});
