import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../engine/config/load.js';
import { datePattern } from '../../cli/commands/init.js';
import { fixture } from '../helpers/fixtures.js';

const BIN = fileURLToPath(new URL('../../bin/upkeep.mjs', import.meta.url));
const MODEL_FOR_CONFIG = fileURLToPath(new URL('../../examples/models/churn.onnx', import.meta.url));

function upkeep(args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, HOME: '/nonexistent' }, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs `upkeep init` in `dir` and returns the file's text and the TODO fields it reported. */
function init(dir: string, args: string[]): { text: string; todos: string[] } {
  const r = upkeep(['init', ...args], dir);
  assert.equal(r.status, 0, r.stderr);
  const todos = [...r.stdout.matchAll(/^ {2}- ([^:]+):/gm)].map((m) => m[1]!);
  return { text: readFileSync(path.join(dir, 'upkeep.yaml'), 'utf8'), todos };
}

/** Replaces each `null  # TODO: …` of `field` with `value`. */
function fill(text: string, values: Record<string, string>): string {
  let out = text;
  for (const [field, value] of Object.entries(values)) {
    const re = new RegExp(`^(\\s*${field}: )null  # TODO: .*$`, 'm');
    assert.match(out, re, `a TODO for ${field}`);
    out = out.replace(re, `$1${value}`);
  }
  assert.doesNotMatch(out, /# TODO:/);
  return out;
}

describe('upkeep init and upkeep check', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-init-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes to the --config file when no --out is given (every command takes --config), and prints its version', function () {
    const r = upkeep(['init', '--onnx', MODEL_FOR_CONFIG, '--config', 'sub.yaml'], dir);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^wrote sub\.yaml/m);
    assert.ok(existsSync(path.join(dir, 'sub.yaml')));
    assert.ok(!existsSync(path.join(dir, 'upkeep.yaml')));
    const v = upkeep(['--version'], dir);
    assert.equal(v.status, 0, v.stderr);
    assert.match(v.stdout.trim(), /^\d+\.\d+\.\d+$/);
  });

  it('turns a dated file name into a {date} pattern', function () {
    assert.deepEqual(datePattern('data/churn/2026-11-20.parquet'), { uri: 'data/churn/{date}.parquet', dated: true });
    assert.deepEqual(datePattern('sample.csv'), { uri: 'sample.csv', dated: false });
    assert.deepEqual(datePattern('exports/20-11-2026.csv'), { uri: 'exports/{dd}-{mm}-{yyyy}.csv', dated: true });
  });

  it('writes a config for a float-tensor classifier and a dated Parquet sample that loads and checks once the TODOs are filled', async function () {
    mkdirSync(path.join(dir, 'data', 'churn'), { recursive: true });
    copyFileSync(fixture('models/binary.onnx'), path.join(dir, 'churn.onnx'));
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    copyFileSync(fixture('data/binary.parquet'), path.join(dir, 'data', 'churn', `${yesterday}.parquet`));
    const { text, todos } = init(dir, ['--onnx', 'churn.onnx', '--data', `data/churn/${yesterday}.parquet`]);
    assert.deepEqual(todos, ['owner', 'thresholds.min']);
    const out = path.join(dir, 'upkeep.yaml');
    await assert.rejects(loadConfig(out), (err: Error) => {
      assert.match(err.message, /upkeep\.yaml: models\[0\] \(churn\): owner: /);
      assert.match(err.message, /models\[0\] \(churn\): thresholds\.min: /);
      return true;
    });
    const unfilled = upkeep(['check'], dir);
    assert.equal(unfilled.status, 2);
    assert.match(unfilled.stderr, /owner: [\s\S]*thresholds\.min: /);

    const again = upkeep(['init', '--onnx', 'churn.onnx'], dir);
    assert.equal(again.status, 2);
    assert.equal(
      again.stderr,
      'upkeep: upkeep.yaml already has a model with id churn: pass --id <another id> to add this one beside it (--force replaces the whole file)\n',
    );
    assert.equal(readFileSync(out, 'utf8'), text, 'unchanged');

    writeFileSync(out, fill(text, { owner: 'churn-owners@example.com', min: '0.7' }));
    const spec = (await loadConfig(out)).models[0]!;
    assert.equal(spec.task, 'binary');
    assert.deepEqual(spec.inputs, [{ name: 'input', type: 'float', columns: ['x1', 'x2', 'x3', 'x4'] }]);
    assert.deepEqual(spec.outputs, { label: 'label', probabilities: 'probabilities' });
    assert.deepEqual(spec.label, { column: 'y', positive: 1 });
    assert.ok(spec.data.uri.endsWith('/data/churn/{date}.parquet'), spec.data.uri);
    assert.deepEqual(spec.thresholds, { metric: 'roc_auc', min: 0.7 });

    const ok = upkeep(['check'], dir);
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, new RegExp(`^ok {3}churn: churn\\.onnx matches its spec; 1 of 7 files in .*; ${yesterday}\\.parquet: 1000 rows`, 'm'));

    // A misspelt label column and labels the model does not know: one line each, exit 1.
    writeFileSync(out, readFileSync(out, 'utf8').replace('column: "y"', 'column: why'));
    const missing = upkeep(['check', '--model', 'churn'], dir);
    assert.equal(missing.status, 1);
    assert.match(
      missing.stdout,
      new RegExp(
        `^FAIL churn: file ${yesterday}\\.parquet: no column why \\(the file has 5 columns; if its labels come later, declare label\\.delay: docs/late-labels\\.md\\)$`,
        'm',
      ),
    );
    writeFileSync(out, readFileSync(out, 'utf8').replace('column: why', 'column: x1'));
    const labels = upkeep(['check', '--config', out], os.tmpdir());
    assert.equal(labels.status, 1);
    assert.match(labels.stdout, /^FAIL churn: file .*\.parquet: label column x1 has values the model does not know \(at least 5\); its classes are 0, 1$/m);
  });

  it('adds a second model to an existing config, keeping the rest of the file as written, comments included', async function () {
    copyFileSync(fixture('models/binary.onnx'), path.join(dir, 'churn.onnx'));
    copyFileSync(fixture('models/regression.onnx'), path.join(dir, 'price.onnx'));
    copyFileSync(fixture('data/binary.csv'), path.join(dir, 'sample.csv'));
    const first = init(dir, ['--onnx', 'churn.onnx', '--data', 'sample.csv', '--owner', 'me@example.com']);
    const out = path.join(dir, 'upkeep.yaml');
    // What a person makes of it: the TODO filled, a comment and a setting of their own.
    const mine = `${fill(first.text, { min: '0.7' })}# churn is retrained by the data team (ask #ml-churn)\nweb: { session_ttl: 8h }  # short sessions\n`;
    writeFileSync(out, mine);
    const r = upkeep(['init', '--onnx', 'price.onnx', '--owner', 'pricing@example.com'], dir);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^added model price to upkeep\.yaml with \d+ TODOs? to fill in:/);
    const both = readFileSync(out, 'utf8');
    // Byte for byte what it was, with the new model inserted after the last one.
    const at = both.indexOf('  # Added by upkeep init.\n');
    assert.ok(at > 0, both);
    assert.equal(both.slice(0, at) + both.slice(at + both.length - mine.length), mine);
    assert.match(both, /^ {4}# The model's outputs: /m, "the new model's comments too");
    const filled = both.replace(
      /^(\s*(?:max|min|column|uri|inputs|columns): )null {2}# TODO: .*$/gm,
      (_, key: string) => `${key}${key.trim() === 'max:' ? '10' : key.trim() === 'uri:' ? 'sample.csv' : key.trim() === 'column:' ? 'y' : '["x1"]'}`,
    );
    const config = await loadConfig((writeFileSync(out, filled), out));
    assert.deepEqual(
      config.models.map((m) => [m.id, m.owner, m.task]),
      [
        ['churn', 'me@example.com', 'binary'],
        ['price', 'pricing@example.com', 'regression'],
      ],
    );
    assert.equal(config.web.session_ttl, '8h');

    // The same id again is refused, and the file is left as it was.
    const dup = upkeep(['init', '--onnx', 'price.onnx'], dir);
    assert.equal(dup.status, 2);
    assert.match(dup.stderr, /^upkeep: upkeep\.yaml already has a model with id price: pass --id <another id>/);
    assert.equal(readFileSync(out, 'utf8'), filled);
    const third = upkeep(['init', '--onnx', 'price.onnx', '--id', 'price-eu'], dir);
    assert.equal(third.status, 0, third.stderr);
    assert.match(readFileSync(out, 'utf8'), /^ {2}- id: price-eu$/m);
  });

  it('turns a sample in a Hive-style folder into a file pattern that check reads', async function () {
    copyFileSync(fixture('models/binary.onnx'), path.join(dir, 'churn.onnx'));
    const day = (back: number) => new Date(Date.now() - back * 86_400_000).toISOString().slice(0, 10);
    for (const back of [1, 2]) mkdirSync(path.join(dir, 'labels', `dt=${day(back)}`), { recursive: true });
    copyFileSync(fixture('data/binary.parquet'), path.join(dir, 'labels', `dt=${day(1)}`, 'part-00000.parquet'));
    copyFileSync(fixture('data/binary.zstd.parquet'), path.join(dir, 'labels', `dt=${day(1)}`, 'part-00001.parquet'));
    copyFileSync(fixture('data/binary.parquet'), path.join(dir, 'labels', `dt=${day(2)}`, 'part-00000.parquet'));
    writeFileSync(path.join(dir, 'labels', `dt=${day(1)}`, '_SUCCESS'), '');
    const { text } = init(dir, ['--onnx', 'churn.onnx', '--data', `labels/dt=${day(1)}/part-00000.parquet`, '--owner', 'me@example.com']);
    assert.match(text, /^ {6}uri: "labels\/dt=\{date\}\/\*\.parquet"$/m);
    writeFileSync(path.join(dir, 'upkeep.yaml'), fill(text, { min: '0.7' }));
    const ok = upkeep(['check'], dir);
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /^ok {3}churn: churn\.onnx matches its spec; 3 files on 2 of 7 days in .*; part-00001\.parquet: 1000 rows/m);
  });

  it('maps named inputs to columns of the same name and finds a string label among the model classes', async function () {
    copyFileSync(fixture('models/multi_input.onnx'), path.join(dir, 'multi_input.onnx'));
    copyFileSync(fixture('data/multi_input.csv'), path.join(dir, 'sample.csv'));
    const { text, todos } = init(dir, ['--onnx', 'multi_input.onnx', '--data', 'sample.csv', '--owner', 'me@example.com', '--id', 'plans']);
    assert.deepEqual(todos, ['thresholds.min']);
    const out = path.join(dir, 'upkeep.yaml');
    writeFileSync(out, fill(text, { min: '0.6' }));
    const spec = (await loadConfig(out)).models[0]!;
    assert.equal(spec.id, 'plans');
    assert.deepEqual(spec.inputs, [
      { name: 'age', type: 'float', columns: ['age'] },
      { name: 'visits', type: 'int64', columns: ['visits'] },
      { name: 'plan', type: 'string', columns: ['plan'] },
    ]);
    assert.deepEqual(spec.label, { column: 'churn', positive: 'yes' });
    const ok = upkeep(['check'], dir);
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /^ok {3}plans: multi_input\.onnx matches its spec; 1 of 1 files in .*; sample\.csv: 1000 rows/m);
  });

  it('leaves the input columns to fill when the sample has more numeric columns than the input takes, and names them', function () {
    copyFileSync(fixture('models/binary.onnx'), path.join(dir, 'binary.onnx'));
    const rows = readFileSync(fixture('data/binary.csv'), 'utf8').trimEnd().split('\n');
    writeFileSync(path.join(dir, 'sample.csv'), rows.map((r, i) => `${r},${i === 0 ? 'customer_id' : i}`).join('\n'));
    const r = upkeep(['init', '--onnx', 'binary.onnx', '--data', 'sample.csv'], dir);
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      r.stdout,
      /^ {2}- inputs\[0\]\.columns: the data columns that fill its 4 columns, in training order \(the sample's numeric columns: x1, x2, x3, x4, customer_id\)$/m,
    );
    assert.doesNotMatch(r.stdout, /label\.column/);
    const text = readFileSync(path.join(dir, 'upkeep.yaml'), 'utf8');
    assert.match(text, /^ {6}column: "y"$/m);
    // Row numbers are recognised as an identifier, as the reference profile will record them.
    assert.match(text, /^ {4}# Recognised in the sample and never drift-tested \(list one under monitor\.numeric or monitor\.categorical to watch it\):$/m);
    assert.match(text, /^ {4}# {3}customer_id: identifier, all \d+ integers are distinct and rise with the rows: row numbers or ids, not a measurement$/m);
  });

  it('without a data sample, marks the columns, label and data as TODOs; a value-only model is a regression', async function () {
    copyFileSync(fixture('models/regression.onnx'), path.join(dir, 'regression.onnx'));
    const { text, todos } = init(dir, ['--onnx', 'regression.onnx']);
    assert.deepEqual(todos, ['inputs[0].columns', 'owner', 'label.column', 'data.uri', 'thresholds.max']);
    assert.match(text, /task: regression/);
    assert.match(text, /value: variable/);
    const out = path.join(dir, 'upkeep.yaml');
    await assert.rejects(loadConfig(out), /inputs\[0\]\.columns: [\s\S]*label\.column: [\s\S]*data\.uri: /);
    writeFileSync(out, fill(text, { columns: '[r1, r2, r3]', owner: 'me@example.com', column: 'target', uri: 'data/{date}.csv', max: '5' }));
    const spec = (await loadConfig(out)).models[0]!;
    assert.equal(spec.task, 'regression');
    assert.deepEqual(spec.outputs, { value: 'variable' });
    const check = upkeep(['check'], dir);
    assert.equal(check.status, 1);
    assert.match(check.stdout, /^FAIL regression: no data file in the window \d{4}-\d{2}-\d{2}\.\.\d{4}-\d{2}-\d{2} \(.*\/data\/\{date\}\.csv\)$/m);
  });
});
