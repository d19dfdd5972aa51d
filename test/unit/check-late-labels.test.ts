import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { checkModel } from '../../cli/commands/check.js';
import { createInProcessRunner } from '../../engine/evaluation/in-process-runner.js';
import type { InferenceRunner } from '../../engine/evaluation/runner.js';
import { fixture, specFor } from '../helpers/fixtures.js';

// `upkeep check` reads the latest file of the window: a feed whose labels come late has no label
// column there yet, or an empty one. The evaluation scores such rows and estimates them, so check
// says so instead of failing the model.
describe('upkeep check on a latest file whose labels are not known yet', function () {
  this.timeout(30_000);
  let dir: string;
  let runner: InferenceRunner;
  before(() => {
    runner = createInProcessRunner();
  });
  after(() => runner.close());
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-check-late-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const at = new Date('2026-12-07T06:00:00Z');
  const check = (text: string, label: Record<string, unknown> = { column: 'y', delay: '30d' }) => {
    writeFileSync(path.join(dir, '2026-12-06.csv'), text);
    const spec = specFor({
      task: 'binary',
      artifact: pathToFileURL(fixture('models/binary.onnx')).href,
      inputs: [{ name: 'input', columns: ['x1', 'x2', 'x3', 'x4'] }],
      label: { positive: 1, ...label },
      data: { uri: `${pathToFileURL(dir).href}/{date}.csv` },
    });
    return checkModel(spec, runner, at);
  };
  const rows = ['0.1,0.2,0.3,0.4', '-1,1,0.5,-0.5', '0.3,-0.2,1.1,0.9'];

  it('accepts a file without the label column of a model with label.delay, saying the labels are not known yet (and the nearest name)', async function () {
    const r = await check(`x1,x2,x3,x4,Y\n${rows.join(',\n')},\n`);
    assert.equal(r.ok, true, r.line);
    assert.match(
      r.line,
      /2026-12-06\.csv: 3 rows, columns as declared; no label column y \(labels not known yet: scored and estimated, see docs\/late-labels\.md — did you mean Y\?\)/,
    );
    const plain = await check(`x1,x2,x3,x4\n${rows.join('\n')}\n`);
    assert.equal(plain.ok, true, plain.line);
    assert.match(plain.line, /no label column y \(labels not known yet: scored and estimated, see docs\/late-labels\.md\)$/);
  });

  it('fails a file without the label column when the model declares no label.delay (a misspelt column, more likely)', async function () {
    const r = await check(`x1,x2,x3,x4,Y\n${rows.join(',\n')},\n`, { column: 'y' });
    assert.equal(r.ok, false);
    assert.match(
      r.line,
      /^FAIL fixture: file 2026-12-06\.csv: no column y \(the file has 5 columns — did you mean Y\?; if its labels come later, declare label\.delay: docs\/late-labels\.md\)$/,
    );
  });

  it('accepts an empty label column, and counts the empty labels of a partly labelled file', async function () {
    const empty = await check(`x1,x2,x3,x4,y\n${rows.map((r) => `${r},`).join('\n')}\n`);
    assert.equal(empty.ok, true, empty.line);
    assert.match(empty.line, /3 rows, columns as declared; label column y empty \(labels not known yet/);
    const partly = await check(`x1,x2,x3,x4,y\n${rows[0]},1\n${rows[1]},\n${rows[2]},0\n`);
    assert.equal(partly.ok, true, partly.line);
    assert.match(partly.line, /3 rows, columns and labels as declared, 1 labels empty \(not known yet/);
    const full = await check(`x1,x2,x3,x4,y\n${rows[0]},1\n${rows[1]},0\n${rows[2]},0\n`);
    assert.match(full.line, /3 rows, columns and labels as declared$/);
  });

  it('still fails labels the model does not know, and a missing input column', async function () {
    const unknown = await check(`x1,x2,x3,x4,y\n${rows[0]},yes\n${rows[1]},\n${rows[2]},no\n`);
    assert.equal(unknown.ok, false);
    assert.match(unknown.line, /label column y has values the model does not know \(2\)/);
    const noInput = await check(`x1,x2,x3,y\n0.1,0.2,0.3,1\n`);
    assert.equal(noInput.ok, false);
    assert.match(noInput.line, /no column x4/);
  });
});
