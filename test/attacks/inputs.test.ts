/**
 * Bad inputs and attacks on the edge (files, limits, config), one row each: the command ends at
 * once with one clear line (no stack trace), nothing is half-written, the other model is fine.
 * RELIABILITY.md lists the same rows.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { stringify } from 'yaml';
import { evaluateModel } from '../../workflows/index.js';
import { fixture } from '../helpers/fixtures.js';
import { repack, ZSTD_STREAMED } from '../helpers/parquet-pages.js';
import { testTemporal, uniqueModelId, uniqueTaskQueue } from '../helpers/temporal.js';
import { workerProcessScript, workflowBundleFile } from '../helpers/worker-processes.js';

const PROJECT_DIR = fileURLToPath(new URL('../..', import.meta.url));
const CLI = path.join(PROJECT_DIR, 'bin', 'upkeep.mjs');

interface Ws {
  dir: string;
  config: string;
  /** The last three whole days (UTC), oldest first: the window of `check` and of an evaluation now. */
  days: string[];
}

function model(id: string, dataDir: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    owner: 'owners@example.com',
    task: 'binary',
    artifact: 'models/binary.onnx',
    inputs: [{ name: 'input', columns: ['x1', 'x2', 'x3', 'x4'] }],
    label: { column: 'y', positive: 1 },
    data: { uri: `${dataDir}/{date}.csv`, window: { days: 3 } },
    schedule: { cron: '0 6 * * *', timezone: 'UTC' },
    thresholds: { metric: 'roc_auc', min: 0.5 },
    min_rows: 10,
    ...extra,
  };
}

/** Two models, `target` (the row's input goes here) and `bystander`, each with three days of data. */
function workspace(opts: { target?: Record<string, unknown>; top?: Record<string, unknown> } = {}): Ws {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-attack-'));
  mkdirSync(path.join(dir, 'models'));
  copyFileSync(fixture('models/binary.onnx'), path.join(dir, 'models', 'binary.onnx'));
  const now = Date.now();
  const days = [3, 2, 1].map((back) => new Date(now - back * 86_400_000).toISOString().slice(0, 10));
  for (const sub of ['target', 'bystander']) {
    mkdirSync(path.join(dir, sub));
    for (const day of days) copyFileSync(fixture('data/binary.csv'), path.join(dir, sub, `${day}.csv`));
  }
  const config = path.join(dir, 'upkeep.yaml');
  writeFileSync(
    config,
    stringify({ version: 1, store: 'store', ...opts.top, models: [model('target', 'target', opts.target), model('bystander', 'bystander')] }),
  );
  return { dir, config, days };
}

function upkeep(args: string[], env: Record<string, string> = {}, timeout = 30_000): { status: number | null; stdout: string; stderr: string; ms: number } {
  const started = Date.now();
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: PROJECT_DIR,
    encoding: 'utf8',
    timeout,
    env: { ...process.env, UPKEEP_CONFIG: '', ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - started };
}

const ONNX = ['--task', 'binary', '--label', 'y', '--features', 'x1,x2,x3,x4', '--positive-label', '1'];

/** One clear line on stderr, exit status 2, soon. */
function assertRefused(r: ReturnType<typeof upkeep>, expected: RegExp, status = 2): void {
  assert.notEqual(r.status, null, `the command did not end within its timeout (${r.ms} ms)`);
  assert.equal(r.status, status, r.stderr);
  // (the warning that a model's approvals are not authenticated is not part of the answer)
  const lines = r.stderr
    .trim()
    .split('\n')
    .filter((l) => !l.startsWith('upkeep: WARNING: '));
  assert.equal(lines.length, 1, `one line, not a stack trace:\n${r.stderr}`);
  assert.match(lines[0]!, expected);
}

/** A data file that cannot be read makes the window `failing`, the reason naming it (exit status 1). */
function assertFailingVerdict(r: ReturnType<typeof upkeep>, expected: RegExp): void {
  assert.notEqual(r.status, null, `the command did not end within its timeout (${r.ms} ms)`);
  assert.equal(r.status, 1, r.stderr);
  const out = JSON.parse(r.stdout) as { rows: number; verdict: { status: string; reasons: string[] } };
  assert.equal(out.verdict.status, 'failing');
  assert.equal(out.rows, 0, 'no rows evaluated');
  assert.match(out.verdict.reasons.join('\n'), expected);
}

/** `upkeep check`: the target fails with the message, the bystander is ok. */
function assertCheck(ws: Ws, expected: RegExp): void {
  const r = upkeep(['check', '--config', ws.config]);
  assert.notEqual(r.status, null, 'check did not end');
  assert.equal(r.status, 1, r.stdout + r.stderr);
  const lines = r.stdout.trim().split('\n');
  const target = lines.find((l) => l.includes(' target'));
  assert.match(target ?? '', /^FAIL target: /);
  assert.match(target!, expected);
  assert.ok(
    lines.some((l) => /^ok\s+bystander/.test(l)),
    `the other model is unaffected:\n${r.stdout}`,
  );
}

/** Nothing of the target was written to the store (no snapshot, no report). */
function assertNothingWritten(ws: Ws): void {
  const store = path.join(ws.dir, 'store');
  if (!existsSync(store)) return;
  const found: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else if (path.join(d, e.name).includes('target')) found.push(path.join(d, e.name));
    }
  };
  walk(store);
  assert.deepEqual(found, [], 'nothing of the refused model was stored');
}

function setConfig(ws: Ws, text: string): void {
  writeFileSync(ws.config, text);
}

interface Row {
  case: string;
  kind: 'input' | 'attack';
  run(ws: Ws): void;
  /** Workspace options for the row. */
  ws?: Parameters<typeof workspace>[0];
}

const fifo = (file: string): void => {
  rmSync(file, { force: true });
  assert.equal(spawnSync('mkfifo', [file]).status, 0);
};

const ROWS: Row[] = [
  {
    case: 'a FIFO among the data files of a window',
    kind: 'attack',
    run(ws) {
      fifo(path.join(ws.dir, 'target', `${ws.days[1]}.csv`));
      assertRefused(
        upkeep(['evaluate', '--config', ws.config, '--model', 'target']),
        /^upkeep: model target: data file \S+\.csv: is a named pipe \(FIFO\), not a regular file$/,
      );
      assertNothingWritten(ws);
      // the latest day is read first by check: put the FIFO there too
      fifo(path.join(ws.dir, 'target', `${ws.days[2]}.csv`));
      assertCheck(ws, /is a named pipe \(FIFO\), not a regular file/);
    },
  },
  {
    case: 'a folder where a data file should be',
    kind: 'input',
    run(ws) {
      const day = path.join(ws.dir, 'target', `${ws.days[2]}.csv`);
      rmSync(day);
      mkdirSync(day);
      assertRefused(
        upkeep(['evaluate', '--config', ws.config, '--model', 'target']),
        /^upkeep: model target: data file \S+\.csv: is a folder, not a regular file$/,
      );
      assertNothingWritten(ws);
      assertCheck(ws, /data file \S+\.csv: is a folder, not a regular file/);
    },
  },
  {
    case: 'a folder as the model artifact',
    kind: 'input',
    ws: { target: { artifact: 'models' } },
    run(ws) {
      assertCheck(ws, /artifact \S+\/models: is a folder, not a regular file/);
      assertRefused(
        upkeep(['evaluate', '--config', ws.config, '--model', 'target']),
        /^upkeep: model target: artifact \S+\/models: is a folder, not a regular file$/,
      );
    },
  },
  {
    case: 'a device (/dev/zero, endless) as the model artifact',
    kind: 'attack',
    run(ws) {
      symlinkSync('/dev/zero', path.join(ws.dir, 'models', 'zero.onnx'));
      setConfig(ws, stringify({ store: 'store', models: [model('target', 'target', { artifact: 'models/zero.onnx' }), model('bystander', 'bystander')] }));
      assertCheck(ws, /artifact \S+zero\.onnx: is a character device, not a regular file/);
    },
  },
  {
    case: 'a 1.5 GB garbage .onnx as the model artifact (sparse), then 100 MB of garbage',
    kind: 'attack',
    ws: { target: { artifact: 'models/huge.onnx' } },
    run(ws) {
      const huge = path.join(ws.dir, 'models', 'huge.onnx');
      writeFileSync(huge, '');
      truncateSync(huge, 1_500_000_000);
      const r = upkeep(['evaluate', '--config', ws.config, '--model', 'target']);
      assertRefused(r, /^upkeep: model target: artifact \S+huge\.onnx: is 1\.4 GiB, more than the limit of 512\.0 MiB \(limits\.max_model_bytes\)$/);
      assert.ok(r.ms < 15_000, `refused before reading (${r.ms} ms)`);
      assertCheck(ws, /artifact \S+huge\.onnx: is 1\.4 GiB, more than the limit of 512\.0 MiB \(limits\.max_model_bytes\)/);
      // under the cap, garbage is refused from its first bytes, not read and parsed whole
      truncateSync(huge, 100_000_000);
      assertRefused(
        upkeep(['evaluate', '--config', ws.config, '--model', 'target']),
        /^upkeep: model target: artifact \S+huge\.onnx: not an ONNX model \(its first bytes are not those of a protobuf ModelProto\); not read further$/,
      );
      assertNothingWritten(ws);
    },
  },
  {
    case: 'a folder, a FIFO, a device or a missing file as the config',
    kind: 'input',
    run(ws) {
      fifo(path.join(ws.dir, 'fifo.yaml'));
      assertRefused(upkeep(['check', '--config', ws.dir]), /^upkeep: config \S+: is a folder, not a regular file$/);
      assertRefused(
        upkeep(['check', '--config', path.join(ws.dir, 'fifo.yaml')]),
        /^upkeep: config \S+fifo\.yaml: is a named pipe \(FIFO\), not a regular file$/,
      );
      assertRefused(upkeep(['check', '--config', '/dev/zero']), /^upkeep: config \/dev\/zero: is a character device, not a regular file$/);
      assertRefused(upkeep(['check', '--config', path.join(ws.dir, 'none.yaml')]), /^upkeep: config \S+none\.yaml: no such file$/);
    },
  },
  {
    case: 'a folder or a FIFO as the model of --onnx, init or profile',
    kind: 'input',
    run(ws) {
      fifo(path.join(ws.dir, 'fifo.onnx'));
      const data = path.join(ws.dir, 'target', `${ws.days[0]}.csv`);
      assertRefused(upkeep(['evaluate', '--onnx', ws.dir, ...ONNX, '--data', data]), /^upkeep: model file \S+: is a folder, not a regular file$/);
      assertRefused(upkeep(['evaluate', '--onnx', path.join(ws.dir, 'fifo.onnx'), ...ONNX, '--data', data]), /is a named pipe \(FIFO\), not a regular file$/);
      assertRefused(
        upkeep(['init', '--onnx', path.join(ws.dir, 'fifo.onnx'), '--out', path.join(ws.dir, 'new.yaml')]),
        /^upkeep: cannot read model file \S+fifo\.onnx: is a named pipe \(FIFO\), not a regular file$/,
      );
      assert.equal(existsSync(path.join(ws.dir, 'new.yaml')), false, 'no config half-written');
      mkdirSync(path.join(ws.dir, 'folder.csv'));
      assertRefused(
        upkeep(['profile', '--onnx', path.join(ws.dir, 'models', 'binary.onnx'), ...ONNX, '--data', path.join(ws.dir, 'folder.csv')]),
        /^upkeep: data file \S+folder\.csv: is a folder, not a regular file$/,
      );
    },
  },
  {
    case: 'a reference profile (--reference x.json) that is a FIFO, missing or not JSON',
    kind: 'input',
    run(ws) {
      const data = path.join(ws.dir, 'target', `${ws.days[0]}.csv`);
      const args = (ref: string): string[] => ['evaluate', '--onnx', path.join(ws.dir, 'models', 'binary.onnx'), ...ONNX, '--data', data, '--reference', ref];
      fifo(path.join(ws.dir, 'fifo.json'));
      writeFileSync(path.join(ws.dir, 'bad.json'), '{not json');
      assertRefused(upkeep(args(path.join(ws.dir, 'fifo.json'))), /^upkeep: reference profile \S+fifo\.json: is a named pipe \(FIFO\), not a regular file$/);
      assertRefused(upkeep(args(path.join(ws.dir, 'none.json'))), /^upkeep: reference profile \S+none\.json does not exist$/);
      assertRefused(upkeep(args(path.join(ws.dir, 'bad.json'))), /^upkeep: reference profile \S+bad\.json is not JSON: /);
    },
  },
  {
    case: '--out naming a folder or a folder that does not exist',
    kind: 'input',
    run(ws) {
      const data = path.join(ws.dir, 'target', `${ws.days[0]}.csv`);
      assertRefused(
        upkeep(['profile', '--onnx', path.join(ws.dir, 'models', 'binary.onnx'), ...ONNX, '--data', data, '--out', path.join(ws.dir, 'models')]),
        /^upkeep: cannot write profile \S+models: it is a folder, not a regular file$/,
      );
      assertRefused(
        upkeep(['init', '--onnx', path.join(ws.dir, 'models', 'binary.onnx'), '--out', path.join(ws.dir, 'nowhere', 'u.yaml')]),
        /^upkeep: cannot write config \S+u\.yaml: its folder does not exist$/,
      );
    },
  },
  {
    case: 'a Parquet file of 4 KiB whose RLE runs declare 4 million rows of 5 columns',
    kind: 'attack',
    run(ws) {
      const bomb = path.join(ws.dir, 'bomb.parquet');
      const rows = 4_000_000;
      writeFileSync(
        bomb,
        new Uint8Array(
          parquetWriteBuffer({
            columnData: ['x1', 'x2', 'x3', 'x4', 'y'].map((name) => ({ name, data: new Int32Array(rows), type: 'INT32' as const })),
            rowGroupSize: rows,
          }),
        ),
      );
      const r = upkeep(['evaluate', '--onnx', path.join(ws.dir, 'models', 'binary.onnx'), ...ONNX, '--data', bomb, '--format', 'json']);
      assertFailingVerdict(
        r,
        /^UnreadableData: model binary: bomb\.parquet: refused: 4000000 rows × 5 columns would decode to 152\.6 MiB, more than 16\.0 MiB allowed for a file of [\d.]+ KiB \(limits\.max_expansion 256, at least 16 MiB\)$/,
      );
    },
  },
  {
    case: 'a Parquet file of 3 KiB with a ZSTD page inflating to 16 MiB (its header declares 400 bytes)',
    kind: 'attack',
    run(ws) {
      const bomb = path.join(ws.dir, 'zstd-bomb.parquet');
      const rows = 50;
      const columnData = ['x1', 'x2', 'x3', 'x4', 'y'].map((name) => ({
        name,
        data: Float64Array.from({ length: rows }, (_, i) => (name === 'y' ? i % 2 : i)),
        type: 'DOUBLE' as const,
        nullable: false,
      }));
      const plain = new Uint8Array(parquetWriteBuffer({ codec: 'UNCOMPRESSED', columnData }));
      // every page a raw zstd frame, but x3's data page is 16 MiB of zstd
      const le = (n: number, bytes: number): number[] => Array.from({ length: bytes }, (_, k) => (n >>> (8 * k)) & 0xff);
      const raw = (data: Uint8Array): Uint8Array =>
        Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd, 0xa0, ...le(data.length, 4), ...le((data.length << 3) | 1, 3), ...data]);
      const file = repack(plain, 'ZSTD', (data, kind, column) => (column === 'x3' && kind !== 'DICTIONARY_PAGE' ? ZSTD_STREAMED : raw(data)), 'v2');
      assert.ok(file.length < 4096, `${file.length} bytes`);
      writeFileSync(bomb, file);
      const r = upkeep(['evaluate', '--onnx', path.join(ws.dir, 'models', 'binary.onnx'), ...ONNX, '--data', bomb, '--format', 'json']);
      assertFailingVerdict(
        r,
        /^UnreadableData: model binary: zstd-bomb\.parquet column "x3": refused: a ZSTD page inflates to at least 128\.0 KiB \(131072 bytes\), more than the 400 bytes \(400 bytes\) its header declares$/,
      );
    },
  },
  {
    case: 'a CSV line longer than limits.max_line_bytes (8 MiB by default)',
    kind: 'attack',
    run(ws) {
      const long = path.join(ws.dir, 'long.csv');
      writeFileSync(long, `x1,x2,x3,x4,y\n${'1'.repeat(9 * 1024 * 1024)},1,1,1,1\n`);
      assertFailingVerdict(
        upkeep(['evaluate', '--onnx', path.join(ws.dir, 'models', 'binary.onnx'), ...ONNX, '--data', long, '--format', 'json']),
        /^UnreadableData: model binary: long\.csv line 2: refused: a line of 9\.0 MiB, more than limits\.max_line_bytes \(8\.0 MiB\)$/,
      );
    },
  },
  {
    case: 'a data file larger than limits.max_file_bytes',
    kind: 'input',
    ws: { target: { limits: { max_file_bytes: '1KiB' } } },
    run(ws) {
      assertRefused(
        upkeep(['evaluate', '--config', ws.config, '--model', 'target']),
        /^upkeep: model target: data file \S+\.csv: is [\d.]+ KiB, more than the limit of 1\.0 KiB \(limits\.max_file_bytes\)$/,
      );
      assertNothingWritten(ws);
      assertCheck(ws, /more than the limit of 1\.0 KiB \(limits\.max_file_bytes\)/);
    },
  },
  {
    case: 'a FIFO or a folder as the keys file',
    kind: 'attack',
    ws: { top: { keys_file: 'keys.yaml' } },
    run(ws) {
      fifo(path.join(ws.dir, 'keys.yaml'));
      assertRefused(
        upkeep(['check', '--config', ws.config]),
        /^upkeep: upkeep\.yaml: keys_file: cannot read \S+keys\.yaml: is a named pipe \(FIFO\), not a regular file$/,
      );
      rmSync(path.join(ws.dir, 'keys.yaml'));
      mkdirSync(path.join(ws.dir, 'keys.yaml'));
      assertRefused(upkeep(['check', '--config', ws.config]), /^upkeep: upkeep\.yaml: keys_file: cannot read \S+keys\.yaml: is a folder, not a regular file$/);
    },
  },
  {
    case: 'a file where the key folder should be (keys create)',
    kind: 'input',
    run(ws) {
      const file = path.join(ws.dir, 'not-a-folder');
      writeFileSync(file, 'x');
      assertRefused(
        upkeep(['keys', 'create', '--id', 'me'], { UPKEEP_KEY_DIR: file }),
        /^upkeep: cannot use the key folder \S+not-a-folder: a file is in the way \(UPKEEP_KEY_DIR names a folder\)$/,
      );
    },
  },
  {
    case: 'a YAML alias bomb as the config',
    kind: 'attack',
    run(ws) {
      const levels = 'abcdefghij'.split('');
      const bomb = [
        `a: &a [${Array(10).fill('"xxxxxxxxxx"').join(', ')}]`,
        ...levels.slice(1).map((c, i) => `${c}: &${c} [${Array(10).fill(`*${levels[i]}`).join(', ')}]`),
      ].join('\n');
      setConfig(ws, `${bomb}\n`);
      assertRefused(upkeep(['check', '--config', ws.config]), /^upkeep: upkeep\.yaml: YAML aliases expand too far \(more than 100 alias expansions/);
    },
  },
  {
    case: 'a config larger than 1 MiB',
    kind: 'attack',
    run(ws) {
      writeFileSync(ws.config, `# ${'x'.repeat(2 * 1024 * 1024)}\n`);
      assertRefused(
        upkeep(['check', '--config', ws.config]),
        /^upkeep: config \S+upkeep\.yaml: is 2\.0 MiB, more than the limit of 1\.0 MiB \(the config size cap\)$/,
      );
    },
  },
  ...(
    [
      ['a malformed cron', { cron: '0 6 * *' }, /^upkeep: upkeep\.yaml: models\[0\] \(target\): schedule\.cron: malformed cron "0 6 \* \*": expected 5 fields/],
      [
        'a cron with no next run (30 February)',
        { cron: '0 0 30 2 *' },
        /^upkeep: upkeep\.yaml: models\[0\] \(target\): schedule\.cron: cron "0 0 30 2 \*" never fires/,
      ],
      ['an interval of 0s', { every: '0s' }, /^upkeep: upkeep\.yaml: models\[0\] \(target\): schedule\.every: expected an interval of at least 1s$/],
      ['a negative interval', { every: '-1d' }, /^upkeep: upkeep\.yaml: models\[0\] \(target\): schedule\.every: expected a duration like 30s, 5m, 2h or 1d$/],
      [
        'an absurd interval',
        { every: '99999999999d' },
        /^upkeep: upkeep\.yaml: models\[0\] \(target\): schedule\.every: expected a duration of at most 3660d$/,
      ],
      [
        'an unknown time zone',
        { every: '1d', timezone: 'Europe/Atlantis' },
        /^upkeep: upkeep\.yaml: models\[0\] \(target\): schedule\.timezone: unknown time zone "Europe\/Atlantis"/,
      ],
    ] as const
  ).map(([name, schedule, expected]): Row => ({
    case: name,
    kind: 'input',
    ws: { target: { schedule } },
    run(ws) {
      assertRefused(upkeep(['check', '--config', ws.config]), expected);
    },
  })),
  {
    case: 'a credentials file as the data (data.uri), read as CSV, JSON Lines and Parquet',
    kind: 'attack',
    run(ws) {
      const secret = 'SECRETSECRET0123456789abcdefABCDEF';
      const creds = `aws_secret_access_key = ${secret}\naws_access_key_id = AKIAEXAMPLEEXAMPLE7\n`;
      for (const format of ['csv', 'jsonl', 'parquet']) {
        rmSync(path.join(ws.dir, 'store'), { recursive: true, force: true });
        mkdirSync(path.join(ws.dir, `creds-${format}`), { recursive: true });
        for (const day of ws.days) writeFileSync(path.join(ws.dir, `creds-${format}`, `${day}.${format}`), creds);
        setConfig(
          ws,
          stringify({
            version: 1,
            store: 'store',
            models: [
              model('target', `creds-${format}`, { data: { uri: `creds-${format}/{date}.${format}`, window: { days: 3 } } }),
              model('bystander', 'bystander'),
            ],
          }),
        );
        const r = upkeep(['evaluate', '--config', ws.config, '--model', 'target', '--format', 'json']);
        assert.notEqual(r.status, null, 'evaluate ended');
        const said = r.stdout + r.stderr;
        assert.match(said, new RegExp(`2\\d{3}-\\d\\d-\\d\\d\\.${format}`), `${format}: the file is named:\n${said}`);
        assert.doesNotMatch(said, /SECRETSECRET|AKIAEXAMPLE|aws_/, `${format}: nothing of the file in the output:\n${said}`);
        const check = upkeep(['check', '--config', ws.config]);
        assert.doesNotMatch(check.stdout + check.stderr, /SECRETSECRET|AKIAEXAMPLE|aws_/, `${format}: nothing of the file in check`);
        // reports, audit trail, cards: nothing of it (the snapshot of the data is the data, by design)
        const store = path.join(ws.dir, 'store');
        const walk = (d: string): string[] =>
          existsSync(d) ? readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)])) : [];
        const written = walk(store).filter((f) => !f.includes(`${path.sep}snapshots${path.sep}`));
        for (const f of written) assert.doesNotMatch(readFileSync(f, 'latin1'), /SECRETSECRET|AKIAEXAMPLE|aws_/, f);
      }
    },
  },
  {
    case: 'labels the model does not know',
    kind: 'input',
    run(ws) {
      const data = path.join(ws.dir, 'labels.csv');
      writeFileSync(data, `x1,x2,x3,x4,y\n${Array.from({ length: 50 }, (_, i) => `${i % 7},${i % 3},${i % 5},${i % 2},${i % 2 ? 'yes' : 'no'}`).join('\n')}\n`);
      const r = upkeep(['evaluate', '--onnx', path.join(ws.dir, 'models', 'binary.onnx'), ...ONNX, '--data', data, '--format', 'json']);
      assert.equal(r.status, 1, r.stderr);
      const out = JSON.parse(r.stdout) as { verdict: { status: string; reasons: string[] } };
      assert.equal(out.verdict.status, 'failing');
      assert.match(out.verdict.reasons.join(' '), /label column y holds 2 values the model does not know, in 50 of 50 rows/);
    },
  },
];

describe('bad inputs and attacks at the edge', function () {
  this.timeout(120_000);
  for (const row of ROWS) {
    it(`${row.kind}: ${row.case}`, function () {
      const ws = workspace(row.ws);
      try {
        row.run(ws);
      } finally {
        rmSync(ws.dir, { recursive: true, force: true });
      }
    });
  }
});

describe('a worker whose activity is stuck reading', function () {
  this.timeout(180_000);
  const GRACE_MS = 1000;
  const FORCE_MS = 3000;

  for (const mode of ['stuck-reads', 'fifo'] as const) {
    it(
      mode === 'fifo'
        ? 'attack: a FIFO in the window: the evaluation fails at once naming it, the worker stops on SIGTERM'
        : 'fault: a read that never returns: SIGTERM still stops the worker within its shutdown force time',
      async function () {
        const t = await testTemporal();
        const ws = workspace();
        const modelId = uniqueModelId('stuck');
        const taskQueue = uniqueTaskQueue('stuck');
        writeFileSync(ws.config, stringify({ store: 'store', models: [model(modelId, 'target'), model('bystander', 'bystander')] }));
        if (mode === 'fifo') fifo(path.join(ws.dir, 'target', `${ws.days[1]}.csv`));
        const child = spawn(
          process.execPath,
          [...workerProcessScript(), t.address, taskQueue, ws.config, ws.dir, ...(mode === 'stuck-reads' ? ['stuck-reads'] : [])],
          // The worker's shutdown times shortened (workers/worker.ts: 5 s, 15 s): the test waits them out.
          // The bundle this process built: else the worker bundles the workflows itself (tens of CPU-seconds).
          {
            cwd: PROJECT_DIR,
            stdio: ['ignore', 'pipe', 'pipe'],
            env: { ...process.env, UPKEEP_TEST_SHUTDOWN_MS: `${GRACE_MS},${FORCE_MS}`, UPKEEP_TEST_WORKFLOW_BUNDLE: await workflowBundleFile() },
          },
        );
        const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
        try {
          await new Promise<void>((resolve, reject) => {
            child.stdout!.once('data', () => resolve());
            child.once('exit', (code) => reject(new Error(`the worker process exited with ${code}`)));
          });
          const handle = await t.client.workflow.start(evaluateModel, {
            taskQueue,
            workflowId: `evaluate-${modelId}-${Date.now()}`,
            args: [{ modelId, windowEnd: new Date().toISOString() }],
          });
          if (mode === 'fifo') {
            // the snapshot step fails at once, not retried, naming the file (the run fails as for any unreadable window)
            const started = Date.now();
            await assert.rejects(handle.result(), (err: unknown) => {
              const messages: string[] = [];
              for (let e = err as Error | undefined; e; e = e.cause as Error | undefined) messages.push(e.message);
              assert.match(messages.join('\n'), new RegExp(`model ${modelId}: data file \\S+\\.csv: is a named pipe \\(FIFO\\), not a regular file`));
              return true;
            });
            assert.ok(Date.now() - started < 20_000, 'refused at once, not retried');
          } else {
            // the first activity reads the artifact, which never returns
            for (let i = 0; i < 100; i++) {
              const d = await handle.describe();
              if ((d.raw.pendingActivities ?? []).length > 0) break;
              await new Promise((r) => setTimeout(r, 100));
            }
            await new Promise((r) => setTimeout(r, 500));
          }
          const started = Date.now();
          child.kill('SIGTERM');
          const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 40_000))]);
          const ms = Date.now() - started;
          assert.notEqual(code, 'hung', 'the worker did not stop after SIGTERM');
          // GRACE_MS of grace, then cancelled, then given up after FORCE_MS, plus the process's own exit
          assert.ok(ms < GRACE_MS + FORCE_MS + 10_000, `stopped after ${ms} ms`);
          if (mode === 'stuck-reads') await handle.terminate('test over');
        } finally {
          child.kill('SIGKILL');
          rmSync(ws.dir, { recursive: true, force: true });
        }
      },
    );
  }
});
