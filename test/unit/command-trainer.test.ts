import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import {
  CommandTrainerError,
  fillPlaceholders,
  runCommandTrainer,
  type CommandTrainerFailure,
  type CommandTrainerHeartbeat,
  type CommandTrainerOptions,
} from '../../engine/training/command.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURE_MODEL = fileURLToPath(new URL('../fixtures/models/binary.onnx', import.meta.url));
const PYTHON_TRAINER = path.join(REPO, 'examples/trainers/train_sklearn.py');

/** Fake trainers: Node scripts run with process.execPath. */
const TRAINERS = {
  // Records its argv in <cwd>/argv.json, prints two lines and copies the model given as argv[2] to argv[3].
  'copy.mjs': `
    import { copyFileSync, writeFileSync } from 'node:fs';
    writeFileSync('argv.json', JSON.stringify(process.argv.slice(2)));
    console.log('training on ' + process.argv[4]);
    copyFileSync(process.argv[2], process.argv[3]);
    console.log('wrote model');
  `,
  // Alternates stdout and stderr lines with pauses, so their order of arrival is known.
  'chatty.mjs': `
    import { writeFileSync } from 'node:fs';
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    for (let i = 0; i < 6; i++) {
      (i % 2 ? process.stderr : process.stdout).write('line ' + i + '\\n');
      await sleep(30);
    }
    writeFileSync(process.argv[2], 'model');
  `,
  // Prints log lines and fails like a trainer that hit bad data.
  'fail.mjs': `
    console.log('reading data');
    console.error('ValueError: column churned is missing');
    process.exit(3);
  `,
  // Starts a long-lived grandchild that shares its log pipes, writes the grandchild's pid to argv[2], then never ends.
  'hang.mjs': `
    import { spawn } from 'node:child_process';
    import { writeFileSync } from 'node:fs';
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'inherit' });
    writeFileSync(process.argv[2], String(child.pid));
    console.log('started');
    setInterval(() => {}, 1000);
  `,
  // Succeeds without writing anything.
  'lazy.mjs': `console.log('done, but forgot the model');`,
};

function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  // An exited process that nobody has reaped yet (a zombie) counts as gone.
  const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
  return / Z /.test(stat.slice(stat.lastIndexOf(')')));
}

async function waitUntilGone(pid: number, ms = 2000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (isGone(pid)) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return isGone(pid);
}

async function expectFailure(run: Promise<unknown>, reason: CommandTrainerFailure): Promise<CommandTrainerError> {
  const err = await run.then(
    () => assert.fail(`expected a '${reason}' failure, but the trainer succeeded`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof CommandTrainerError, `expected a CommandTrainerError, got ${String(err)}`);
  assert.equal(err.reason, reason, err.message);
  return err;
}

describe('the command trainer', function () {
  let dir: string;
  let logs: string[];

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-command-trainer-'));
    for (const [name, source] of Object.entries(TRAINERS)) writeFileSync(path.join(dir, name), source);
    mkdirSync(path.join(dir, 'train'));
    writeFileSync(path.join(dir, 'params.json'), '{}');
    logs = [];
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Options for running `script` from the temp dir with `args` after it. */
  function options(script: string, args: string[], extra: Partial<CommandTrainerOptions> = {}): CommandTrainerOptions {
    return {
      command: [process.execPath, path.join(dir, script), ...args],
      cwd: dir,
      trainData: path.join(dir, 'train'),
      output: path.join(dir, 'out', 'model.onnx'),
      params: path.join(dir, 'params.json'),
      timeoutMs: 10_000,
      onLog: (chunk) => logs.push(chunk),
      ...extra,
    };
  }

  it('replaces every placeholder in an argument and leaves unknown ones alone', function () {
    const values = { train_data: '/d', output: '/o.onnx', params: '/p.json' };
    assert.equal(fillPlaceholders('--io={train_data}:{output}:{train_data}', values), '--io=/d:/o.onnx:/d');
    assert.equal(fillPlaceholders('{params}{unknown}{ output}', values), '/p.json{unknown}{ output}');
    assert.equal(fillPlaceholders('plain', values), 'plain');
    assert.equal(fillPlaceholders('{output}', { ...values, output: '/a$&b' }), '/a$&b');
  });

  it('passes the paths to the command and returns once it has written the model', async function () {
    const o = options('copy.mjs', [FIXTURE_MODEL, '{output}', '{train_data}', '--params={params}', '{other}']);
    const result = await runCommandTrainer(o);
    assert.equal(result.exitCode, 0);
    assert.ok(result.durationMs >= 0);
    const argv = JSON.parse(readFileSync(path.join(dir, 'argv.json'), 'utf8')) as string[];
    assert.deepEqual(argv, [FIXTURE_MODEL, o.output, o.trainData, `--params=${o.params}`, '{other}']);
    assert.deepEqual(readFileSync(o.output), readFileSync(FIXTURE_MODEL));
    assert.equal(result.logTail, `training on ${o.trainData}\nwrote model\n`);
  });

  it('streams stdout and stderr to onLog in the order the command wrote them', async function () {
    const result = await runCommandTrainer(options('chatty.mjs', ['{output}']));
    const expected = [0, 1, 2, 3, 4, 5].map((i) => `line ${i}\n`).join('');
    assert.equal(logs.join(''), expected);
    assert.equal(result.logTail, expected);
  });

  it('heartbeats with the pid, elapsed time and log size while the command runs', async function () {
    const beats: CommandTrainerHeartbeat[] = [];
    await runCommandTrainer(options('chatty.mjs', ['{output}'], { heartbeat: (d) => beats.push(d) }));
    assert.ok(beats.length >= 1, 'heartbeat was never called');
    const first = beats[0]!;
    assert.ok(Number.isInteger(first.pid) && first.pid > 0);
    assert.equal(typeof first.elapsedMs, 'number');
    assert.equal(typeof first.logBytes, 'number');
  });

  it("reports a non-zero exit as 'exit' with the code and the end of the log in the message", async function () {
    const err = await expectFailure(runCommandTrainer(options('fail.mjs', [])), 'exit');
    assert.match(err.message, /^training command exited with code 3:/);
    assert.match(err.message, /ValueError: column churned is missing/);
    assert.match(err.logTail, /reading data/);
  });

  it("kills the command and its children at the timeout and reports 'timeout'", async function () {
    const pidFile = path.join(dir, 'grandchild.pid');
    let pid = 0;
    const started = Date.now();
    const err = await expectFailure(runCommandTrainer(options('hang.mjs', [pidFile], { timeoutMs: 800, heartbeat: (d) => (pid = d.pid) })), 'timeout');
    assert.ok(Date.now() - started < 4000, 'the command was not stopped promptly');
    assert.match(err.message, /timed out after 800 ms/);
    assert.match(err.logTail, /started/);
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    assert.ok(await waitUntilGone(pid), `the trainer (pid ${pid}) is still running`);
    assert.ok(await waitUntilGone(grandchild), `the trainer's child (pid ${grandchild}) is still running`);
  });

  it("stops the command when the signal aborts and reports 'cancelled'", async function () {
    const controller = new AbortController();
    const pidFile = path.join(dir, 'grandchild.pid');
    let pid = 0;
    const o = options('hang.mjs', [pidFile], {
      signal: controller.signal,
      heartbeat: (d) => (pid = d.pid),
      onLog: (chunk) => {
        if (chunk.includes('started')) controller.abort();
      },
    });
    const err = await expectFailure(runCommandTrainer(o), 'cancelled');
    assert.match(err.message, /cancelled/);
    assert.ok(await waitUntilGone(pid), `the trainer (pid ${pid}) is still running`);
    assert.ok(await waitUntilGone(Number(readFileSync(pidFile, 'utf8'))), "the trainer's child is still running");
  });

  it('does not start the command when the signal has already aborted', async function () {
    const controller = new AbortController();
    controller.abort();
    await expectFailure(runCommandTrainer(options('copy.mjs', [FIXTURE_MODEL, '{output}', '{train_data}'], { signal: controller.signal })), 'cancelled');
    assert.equal(existsSync(path.join(dir, 'argv.json')), false);
  });

  it("reports a missing executable as 'spawn', naming it", async function () {
    const missing = path.join(dir, 'no-such-trainer');
    const err = await expectFailure(runCommandTrainer({ ...options('copy.mjs', []), command: [missing, '{output}'] }), 'spawn');
    assert.ok(err.message.includes(`"${missing}"`), err.message);
    assert.match(err.message, /no such executable/);
  });

  it("reports 'no-output' when the command exits 0 without writing the model, even if an old one was there", async function () {
    const o = options('lazy.mjs', []);
    mkdirSync(path.dirname(o.output));
    writeFileSync(o.output, 'a model from an earlier attempt');
    const err = await expectFailure(runCommandTrainer(o), 'no-output');
    assert.ok(err.message.includes(o.output), err.message);
    assert.match(err.message, /\{output\}/);
    assert.match(err.logTail, /forgot the model/);
  });

  describe('with the example scikit-learn trainer', function () {
    const python = process.env.UPKEEP_TEST_PYTHON || 'python3';

    it('trains a binary model that onnxruntime loads and scores', async function () {
      this.timeout(120_000);
      const probe = spawnSync(python, ['-c', 'import sklearn, skl2onnx, pandas'], { encoding: 'utf8' });
      if (probe.status !== 0) {
        this.test!.title += ` (skipped: ${python} cannot import sklearn, skl2onnx and pandas; set UPKEEP_TEST_PYTHON to a python with examples/trainers/requirements.txt installed)`;
        this.skip();
      }
      writeChurnData(path.join(dir, 'train'));
      writeFileSync(
        path.join(dir, 'params.json'),
        JSON.stringify({
          modelId: 'churn',
          task: 'binary',
          inputs: [{ name: 'input', type: 'float', columns: ['tenure', 'calls'] }],
          label: { column: 'churned', positive: 1 },
          categorical: [],
          params: { C: 1.0, max_iter: 1000 },
        }),
      );
      const o: CommandTrainerOptions = {
        ...options('copy.mjs', []),
        command: [python, PYTHON_TRAINER, '--train', '{train_data}', '--output', '{output}', '--params', '{params}'],
        cwd: REPO,
        timeoutMs: 110_000,
      };
      const result = await runCommandTrainer(o);
      assert.match(result.logTail, /read 120 rows from day1\.csv/);
      assert.match(result.logTail, /training accuracy/);

      const session = await ort.InferenceSession.create(o.output);
      assert.deepEqual(session.inputNames, ['input']);
      assert.ok(session.outputNames.includes('label') && session.outputNames.includes('probabilities'), session.outputNames.join(', '));
      const rows = new ort.Tensor('float32', Float32Array.from([1, 9, 40, 0, 20, 4]), [3, 2]);
      const out = await session.run({ input: rows });
      assert.deepEqual(out.label!.dims, [3]);
      assert.deepEqual(out.probabilities!.dims, [3, 2]);
      const p = out.probabilities!.data as Float32Array;
      for (let i = 0; i < 3; i++) assert.ok(Math.abs(p[2 * i]! + p[2 * i + 1]! - 1) < 1e-5);
      // Short tenure with many support calls churns; long tenure with none does not.
      assert.deepEqual(Array.from(out.label!.data as BigInt64Array, Number).slice(0, 2), [1, 0]);
      await session.release();
    });
  });
});

/** Two days of churn data (CSV) and their manifest: churned when calls outweigh tenure, with some noise. */
function writeChurnData(trainDir: string): void {
  const files = ['day1.csv', 'day2.csv'].map((name, day) => {
    const lines = ['tenure,calls,churned'];
    for (let i = 0; i < 120; i++) {
      const tenure = (i * 7 + day * 3) % 48;
      const calls = (i * 5 + day) % 10;
      const noisy = i % 13 === 0;
      const churned = calls * 4 > tenure !== noisy ? 1 : 0;
      lines.push(`${tenure},${calls},${churned}`);
    }
    writeFileSync(path.join(trainDir, name), lines.join('\n') + '\n');
    return { path: name, format: 'csv', date: `2024-05-0${day + 1}`, rows: 120 };
  });
  writeFileSync(path.join(trainDir, 'manifest.json'), JSON.stringify({ files }));
}
