import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixture } from '../helpers/fixtures.js';

const BIN = fileURLToPath(new URL('../../bin/upkeep.mjs', import.meta.url));

// The command as installed (the build bundles the CLI into chunks): the database reader a query
// needs is loaded from the bundle, not looked for beside a chunk.
describe('the upkeep command line with a query', function () {
  this.timeout(180_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-sql-e2e-'));
    const [header, ...rows] = readFileSync(fixture('data/binary.csv'), 'utf8').trimEnd().split('\n');
    const served = rows.map((r, i) => `${r},2026-05-0${1 + (i % 3)}T${String(i % 24).padStart(2, '0')}:00:00Z`);
    writeFileSync(path.join(dir, 'served.csv'), [`${header},served_at`, ...served].join('\n') + '\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('evaluates any ONNX file on --data duckdb: --query, day by day', function () {
    const query = `select x1, x2, x3, x4, y from read_csv('${dir}/served.csv') where served_at >= {start} and served_at < {end} order by served_at, x1`;
    const r = spawnSync(
      process.execPath,
      [
        BIN,
        'evaluate',
        '--onnx',
        fixture('models/binary.onnx'),
        '--task',
        'binary',
        '--label',
        'y',
        '--features',
        'x1,x2,x3,x4',
        '--positive-label',
        '1',
      ].concat(['--data', 'duckdb:', '--query', query, '--at', '2026-05-04T06:00:00Z', '--format', 'json', '--fail-on', 'never']),
      { encoding: 'utf8', env: { ...process.env, HOME: '/nonexistent' }, timeout: 170_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { rows: number; snapshot: { files: { date: string; rows: number; server: string }[] } };
    assert.equal(report.rows, 1000);
    assert.deepEqual(
      report.snapshot.files.map((f) => [f.date, f.rows]),
      [
        ['2026-05-01', 334],
        ['2026-05-02', 333],
        ['2026-05-03', 333],
      ],
    );
    assert.match(report.snapshot.files[0]!.server, /^DuckDB v/);
  });
});
