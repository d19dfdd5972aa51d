import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createFileDataSource } from '../../engine/data/source.js';
import type { RangeFile } from '../../engine/open-regular.js';
import { createEvaluationEngine, type EvaluationEngine, type WindowFile } from '../../engine/evaluation/evaluate.js';
import { sha256Hex } from '../../engine/util.js';
import { UpkeepError } from '../../engine/errors.js';
import type { EvaluationSummary } from '../../domain/evaluation.js';
import { fixtureBytes, specFor } from '../helpers/fixtures.js';
import { rng } from '../../scripts/bench/data.js';

const CHUNK = 64 * 1024;

/** Rows for models/binary.onnx (x1..x4, y) with a quoted region that holds commas, quotes and line breaks. */
function rows(n: number, seed: number): { x: number[]; y: number; region: string }[] {
  const u = rng(seed);
  return Array.from({ length: n }, () => {
    const x = [0, 1, 2, 3].map(() => Math.round((u() * 4 - 2) * 1e6) / 1e6);
    const logit = x.reduce((s, v, j) => s + (j + 1) * 0.4 * v, -0.2);
    return { x, y: u() < 1 / (1 + Math.exp(-logit)) ? 1 : 0, region: ['north', 'south, "deep"', 'east\nwest', 'centre'][Math.floor(u() * 4)]! };
  });
}

const csv = (rs: ReturnType<typeof rows>): string =>
  'x1,x2,x3,x4,y,region\n' + rs.map((r) => `${r.x.join(',')},${r.y},"${r.region.replace(/"/g, '""')}"`).join('\n') + '\n';
const jsonl = (rs: ReturnType<typeof rows>): string =>
  rs.map((r) => JSON.stringify({ x1: r.x[0], x2: r.x[1], x3: r.x[2], x4: r.x[3], y: r.y, region: r.region })).join('\n') + '\n';

describe('large CSV and JSON Lines files evaluated in chunks of whole records', function () {
  this.timeout(120_000);
  let dir: string;
  let engine: EvaluationEngine;
  const data = createFileDataSource();
  const modelBytes = fixtureBytes('models/binary.onnx');
  const spec = specFor({
    task: 'binary',
    inputs: [{ name: 'input', columns: ['x1', 'x2', 'x3', 'x4'] }],
    label: { column: 'y', positive: 1 },
    monitor: { segments: ['region'], significance: { resamples: 0 } },
    limits: { max_line_bytes: 4096 },
  });
  const model = { spec, modelBytes, modelKey: sha256Hex(modelBytes), artifactName: 'binary.onnx' };
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-chunks-'));
    engine = createEvaluationEngine({ threads: 2, textChunkBytes: CHUNK });
  });
  after(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The file as the activity reads it (by range, counting the reads), and as read whole. */
  function files(name: string, text: string, n: number): { chunked: WindowFile; whole: WindowFile; reads: number[] } {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    const uri = pathToFileURL(file).href;
    const reads: number[] = [];
    const format = name.endsWith('.csv') ? ('csv' as const) : ('jsonl' as const);
    const load = async () => (await data.read(uri))!;
    const open = async (): Promise<RangeFile> => {
      const f = (await data.open!(uri))!;
      return { size: f.size, close: () => f.close(), read: (s, e, into, at) => (reads.push(e - s), f.read(s, e, into, at)) };
    };
    return { chunked: { name, format, rows: n, load, open }, whole: { name, format, rows: n, load }, reads };
  }

  const same = (a: EvaluationSummary, b: EvaluationSummary): void => {
    assert.equal(a.rows, b.rows);
    assert.deepEqual(a.labelCounts, b.labelCounts);
    assert.deepEqual(a.predictionCounts, b.predictionCounts);
    const slices = (x: EvaluationSummary) => x.slices!.worst.map((s) => [s.column, s.value, s.rows]).sort();
    assert.equal(slices(a).length, 4);
    assert.deepEqual(slices(a), slices(b));
    assert.deepEqual(a.slices!.columns, b.slices!.columns);
    for (const [k, v] of Object.entries(b.metrics)) assert.ok(Math.abs((a.metrics[k] ?? NaN) - (v ?? NaN)) < 1e-9, `${k}: ${a.metrics[k]} vs ${v}`);
  };

  for (const [name, text] of [
    ['window.csv', csv],
    ['window.jsonl', jsonl],
  ] as const) {
    it(`${name}: read in chunks by range, it gives the summary of the file read whole`, async () => {
      const n = 6000;
      const f = files(name, text(rows(n, 3)), n);
      const chunked = await engine.evaluate({ ...model, files: [f.chunked] });
      const whole = await engine.evaluate({ ...model, files: [f.whole] });
      assert.ok(f.reads.length > 3, `read in ${f.reads.length} ranges`);
      assert.ok(Math.max(...f.reads) <= CHUNK, 'no read larger than a chunk');
      assert.equal(chunked.rows, n);
      same(chunked, whole);
      assert.ok(
        chunked.slices!.worst.some((s) => s.value === 'east\nwest'),
        'a value with a line break is one slice',
      );
    });
  }

  it('names the row of the file, not of the chunk, when a value is wrong', async () => {
    const rs = rows(6000, 4);
    const lines = csv(rs).split('\n');
    // Data row 5000 (the region of earlier rows may span two lines: find it by its values).
    const target = rs[4999]!.x.join(',');
    const at = lines.findIndex((l) => l.startsWith(target));
    lines[at] = lines[at]!.replace(/^[^,]+/, 'oops');
    const f = files('bad.csv', lines.join('\n'), rs.length);
    await assert.rejects(
      engine.evaluate({ ...model, files: [f.chunked] }),
      (e: unknown) => e instanceof UpkeepError && /column x1 holds text \(first in row 5000\)/.test(e.message),
    );
  });

  it('stops reading a file once a part of it has failed', async () => {
    const rs = rows(30_000, 7);
    const lines = csv(rs).split('\n');
    const at = lines.findIndex((l) => l.startsWith(rs[9]!.x.join(',')));
    lines[at] = lines[at]!.replace(/^[^,]+/, 'oops');
    const text = lines.join('\n');
    const f = files('early.csv', text, rs.length);
    await assert.rejects(engine.evaluate({ ...model, files: [f.chunked] }), /in row 10\)/);
    const chunks = Math.ceil(Buffer.byteLength(text) / CHUNK);
    assert.ok(f.reads.length < chunks - 3, `${f.reads.length} of about ${chunks} chunks read`);
  });

  it('names the line of the file when a JSON line is broken, and refuses a line longer than the limit', async () => {
    const lines = jsonl(rows(6000, 5)).split('\n');
    lines[4499] = '{"x1": 1, broken';
    const f = files('bad.jsonl', lines.join('\n'), 6000);
    await assert.rejects(
      engine.evaluate({ ...model, files: [f.chunked] }),
      (e: unknown) => e instanceof UpkeepError && /bad\.jsonl.*line 4500/.test(e.message),
    );
    const long = jsonl(rows(2000, 6)).split('\n');
    long[1500] = `{"x1": 1, "pad": "${'z'.repeat(CHUNK + 10)}"}`;
    const g = files('long.jsonl', long.join('\n'), 2000);
    await assert.rejects(
      engine.evaluate({ ...model, files: [g.chunked] }),
      (e: unknown) => e instanceof UpkeepError && /long\.jsonl.*more than limits\.max_line_bytes/.test(e.message),
    );
  });
});
