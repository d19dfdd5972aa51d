import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveTemporalCli } from '../../workers/dev-server.js';
import { PROJECT_DIR } from '../../workers/paths.js';
import { readSettings } from '../../workers/settings.js';
import { fixture } from '../helpers/fixtures.js';
import { waitFor } from '../helpers/wait.js';
import { fixedPort } from '../helpers/ports.js';

// The environment of a user's shell: none of the npm_* variables of an `npm test` run, no UPKEEP_*.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_|UPKEEP_)/i.test(k)));

function run(
  cmd: string,
  args: string[],
  cwd: string,
  timeout = 60_000,
  extra: Record<string, string> = {},
): { status: number | null; stdout: string; stderr: string; ms: number } {
  const started = Date.now();
  const r = spawnSync(cmd, args, { cwd, env: { ...env, ...extra }, encoding: 'utf8', timeout });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - started };
}

const OFFLINE = /ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNREFUSED|ECONNRESET|ENETUNREACH/;

describe('upkeep installed from its tarball into another project', function () {
  this.timeout(240_000);
  let tmp: string;
  let project: string;
  const upkeep = (...args: string[]) => run('npx', ['--no', '--', 'upkeep', ...args], project);

  before(function () {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'upkeep-install-'));
    // `prepare` compiles dist/ into the tarball when it is not fresh; .npmrc's ignore-scripts would
    // skip it. (The time allowed is slack for a loaded machine: npm's start alone can take seconds.)
    const pack = run('npm', ['pack', '--ignore-scripts=false', '--pack-destination', tmp], PROJECT_DIR, 180_000);
    assert.equal(pack.status, 0, pack.stderr);
    const tarball = path.join(
      tmp,
      readdirSync(tmp).find((f) => f.endsWith('.tgz'))!,
    );
    project = path.join(tmp, 'my-models');
    mkdirSync(project);
    writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'my-models', private: true }));
    // As the README says: install scripts run, but onnxruntime-node's GPU download is skipped (it
    // would fail offline); its CPU binaries ship in the package.
    const install = run('npm', ['install', tarball, '--no-audit', '--no-fund', '--prefer-offline'], project, 180_000, { ONNXRUNTIME_NODE_INSTALL: 'skip' });
    if (install.status !== 0 && OFFLINE.test(install.stderr)) {
      console.log(
        `      skipped: npm install needs the registry for packages not in the npm cache, and it is unreachable (${OFFLINE.exec(install.stderr)![0]})`,
      );
      this.skip();
    }
    assert.equal(install.status, 0, install.stderr);
    console.log(`      npm install of the tarball: ${(install.ms / 1000).toFixed(1)} s`);
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('ships the compiled code and the sources, not the tests', function () {
    const pkg = path.join(project, 'node_modules', 'upkeep');
    for (const f of ['bin/upkeep.mjs', 'dist/cli/main.cjs', 'dist/.build-stamp', 'workers/paths.ts', 'upkeep.example.yaml'])
      assert.ok(existsSync(path.join(pkg, f)), f);
    assert.ok(!existsSync(path.join(pkg, 'test')));
  });

  it('runs `npx upkeep` from the project folder, with the config and the data of that folder, writing nothing into node_modules', function () {
    const pkg = path.join(project, 'node_modules', 'upkeep');
    const stamp = statSync(path.join(pkg, 'dist', '.build-stamp')).mtimeMs;

    const help = upkeep('--help');
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /^Usage: upkeep /);
    assert.equal(help.stderr, '', 'the packed dist/ is fresh: nothing compiled, no note');
    console.log(`      npx upkeep --help: ${help.ms} ms`);

    // Without a config of its own, a clear message (the demo's data would live inside node_modules).
    const none = upkeep('check');
    assert.equal(none.status, 2);
    assert.equal(
      none.stderr.trim(),
      `upkeep: no upkeep.yaml in ${project}: write one with \`npx upkeep init --onnx <model.onnx> --data <sample>\`, or pass --config <file> (or set UPKEEP_CONFIG)`,
    );

    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    mkdirSync(path.join(project, 'data'));
    copyFileSync(fixture('models/binary.onnx'), path.join(project, 'churn.onnx'));
    copyFileSync(fixture('data/binary.parquet'), path.join(project, 'data', `${yesterday}.parquet`));
    const init = upkeep('init', '--onnx', 'churn.onnx', '--data', `data/${yesterday}.parquet`, '--owner', 'me@example.com');
    assert.equal(init.status, 0, init.stderr);
    const config = path.join(project, 'upkeep.yaml');
    const text = readFileSync(config, 'utf8');
    assert.match(text, /^\s*min: null {2}# TODO: /m);
    writeFileSync(config, text.replace(/^(\s*min: )null {2}# TODO: .*$/m, '$10.7'));

    const check = upkeep('check');
    assert.equal(check.status, 0, check.stdout + check.stderr);
    assert.match(check.stdout, /^upkeep\.yaml: valid, 1 model$/m);
    assert.match(check.stdout, new RegExp(`^ok {3}churn: churn\\.onnx matches its spec; 1 of 7 files in .*; ${yesterday}\\.parquet: 1000 rows`, 'm'));

    const evaluate = upkeep('evaluate', '--model', 'churn', '--format', 'json');
    assert.equal(evaluate.status, 0, evaluate.stderr);
    const result = JSON.parse(evaluate.stdout) as { modelId: string; verdict: { status: string }; model: { artifactUri: string } };
    assert.equal(result.modelId, 'churn');
    assert.equal(result.verdict.status, 'healthy');
    assert.equal(result.model.artifactUri, `file://${path.join(project, 'churn.onnx')}`);
    assert.ok(evaluate.stdout.includes(`file://${path.join(project, 'data', `${yesterday}.parquet`)}`));

    assert.equal(statSync(path.join(pkg, 'dist', '.build-stamp')).mtimeMs, stamp, 'dist/ was not rebuilt');
    assert.ok(!existsSync(path.join(pkg, '.upkeep')), 'no state inside node_modules');
  });

  it("`npx upkeep start` runs the dev server, worker and schedules of that folder's config, with the state in that folder", async function () {
    const cli = resolveTemporalCli({ settings: readSettings(process.env) });
    assert.ok(cli, 'the Temporal CLI is available (npm test installs it)');
    assert.ok(existsSync(path.join(project, 'upkeep.yaml')), 'the previous test wrote the config');
    const port = await fixedPort();
    const uiPort = await fixedPort([port]);
    const child = spawn('npx', ['--no', '--', 'upkeep', 'start'], {
      cwd: project,
      env: { ...env, UPKEEP_TEMPORAL_CLI: cli, UPKEEP_DEV_PORT: String(port), UPKEEP_DEV_UI_PORT: String(uiPort) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group: Ctrl-C reaches the whole group (npx does not forward a signal)
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitFor('the ready message', () => (out.includes('upkeep is running') ? true : undefined), { timeoutMs: 120_000, intervalMs: 500 });
      assert.match(out, /^upkeep: config upkeep\.yaml: churn$/m);
      assert.match(out, /upkeep-evaluate-churn +create/);
      assert.match(out, new RegExp(`reports +file://${path.join(project, '.upkeep', 'store', 'reports')}/<model>/$`, 'm'));
      assert.match(out, /^ {2}models +churn \(owner me@example\.com\)$/m);
      // Next steps for this config: no reference profile yet, so the first is to make one.
      // Each carries the dev server's port (not the default 7233), as another terminal needs it.
      assert.match(out, new RegExp(`^ {2}UPKEEP_DEV_PORT=${port} npx upkeep profile --model churn --data <training sample> +\\(no reference profile yet`, 'm'));
      assert.match(out, new RegExp(`^ {2}UPKEEP_DEV_PORT=${port} npx upkeep check +\\(`, 'm'));
      assert.doesNotMatch(out, /demo-feed|npm start/);
      assert.ok(existsSync(path.join(project, '.upkeep', 'temporal.db')), 'the dev server keeps its history in the project');
    } finally {
      process.kill(-child.pid!, 'SIGINT');
    }
    await exited; // npx itself ends on the signal; upkeep stops in order
    await waitFor('upkeep to stop', () => (out.includes('upkeep: stopped') ? true : undefined), { timeoutMs: 30_000 });
    assert.ok(!existsSync(path.join(project, 'node_modules', 'upkeep', '.upkeep')));
  });
});
