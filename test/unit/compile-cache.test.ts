import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import module from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_DIR } from '../../workers/paths.js';

// bin/compile-cache.mjs: on Node 20, the CommonJS packages' compiled code is kept between runs.
describe('the compile cache of the CommonJS packages (bin/compile-cache.mjs)', function () {
  this.timeout(60_000);
  let home: string;
  // A process like `upkeep`: the cache installed, then a CommonJS package (commander) required.
  // (With `instead`, that package and not commander.)
  const run = (instead?: string) => {
    const script = `import { useCompileCache } from ${JSON.stringify(path.join(PROJECT_DIR, 'bin', 'compile-cache.mjs'))};
useCompileCache();
const { createRequire } = await import('node:module');
const require = createRequire(${JSON.stringify(path.join(PROJECT_DIR, 'package.json'))});
${instead ? `require(${JSON.stringify(instead)}); console.log('x');` : `const { Command } = require('commander');\nconsole.log(new Command('x').name());`}`;
    const env: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: home };
    delete env.UPKEEP_NO_COMPILE_CACHE;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  };
  const cacheFiles = () => readdirSync(path.join(home, 'upkeep')).map((f) => path.join(home, 'upkeep', f));

  beforeEach(() => (home = mkdtempSync(path.join(os.tmpdir(), 'upkeep-compile-cache-'))));
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('writes the compiled code once, in the user cache folder, and runs the same from it', function () {
    // Node ≥ 22 has its own (module.enableCompileCache) and this one stands aside.
    if (typeof (module as { enableCompileCache?: unknown }).enableCompileCache === 'function') this.skip();
    assert.equal(run(), 'x');
    const [file] = cacheFiles();
    assert.ok(file && statSync(file).size > 0, 'a cache file');
    assert.equal(statSync(file).mode & 0o077, 0, 'readable by its owner only');
    const written = statSync(file).mtimeMs;
    assert.equal(run(), 'x');
    assert.equal(statSync(file).mtimeMs, written, 'nothing new compiled: not rewritten');
  });

  it('compiles as usual from a damaged cache file, and replaces it', function () {
    if (typeof (module as { enableCompileCache?: unknown }).enableCompileCache === 'function') this.skip();
    assert.equal(run(), 'x');
    const [file] = cacheFiles();
    writeFileSync(file!, '12\n{"not": json');
    assert.equal(run(), 'x');
    assert.ok(statSync(file!).size > 100, 'rewritten');
  });

  /** The cache file with every entry's code bytes flipped; with `rehash`, its index made to match them. */
  const damage = (file: string, rehash: boolean): void => {
    const blob = readFileSync(file);
    const nl = blob.indexOf(10);
    const headerEnd = nl + 1 + Number(blob.subarray(0, nl).toString());
    const index = JSON.parse(blob.subarray(nl + 1, headerEnd).toString()) as [string, number, number, string][];
    const code = Buffer.from(blob.subarray(headerEnd));
    for (const e of index) {
      for (let i = e[1] + 64; i < e[1] + e[2]; i += 7) code[i] = code[i]! ^ 0xff;
      if (rehash)
        e[3] = createHash('sha256')
          .update(code.subarray(e[1], e[1] + e[2]))
          .digest('hex');
    }
    const header = Buffer.from(JSON.stringify(index));
    writeFileSync(file, Buffer.concat([Buffer.from(`${header.length}\n`), header, code]));
  };

  it('compiles as usual when the bytes of an entry are damaged (V8 would crash on them)', function () {
    if (typeof (module as { enableCompileCache?: unknown }).enableCompileCache === 'function') this.skip();
    assert.equal(run(), 'x');
    damage(cacheFiles()[0]!, false);
    assert.equal(run(), 'x');
  });

  it('uses nothing from a cache file that others may write, even one whose entries hash right', function () {
    if (typeof (module as { enableCompileCache?: unknown }).enableCompileCache === 'function') this.skip();
    assert.equal(run(), 'x');
    const file = cacheFiles()[0]!;
    damage(file, true);
    chmodSync(file, 0o666);
    assert.equal(run(), 'x');
  });

  it('leaves out the entries of modules that no longer exist when it rewrites the file (a removed clone is not read for ever)', function () {
    if (typeof (module as { enableCompileCache?: unknown }).enableCompileCache === 'function') this.skip();
    assert.equal(run(), 'x');
    const file = cacheFiles()[0]!;
    const blob = readFileSync(file);
    const nl = blob.indexOf(10);
    const headerEnd = nl + 1 + Number(blob.subarray(0, nl).toString());
    const index = JSON.parse(blob.subarray(nl + 1, headerEnd).toString()) as [string, number, number, string][];
    const code = blob.subarray(headerEnd);
    // A removed clone's entry (its bytes hash right), and the live entries emptied so that the run compiles them again and rewrites the file.
    const gone = path.join(home, 'removed-clone', 'node_modules', 'commander', 'index.js');
    const ghost = Buffer.from(code.subarray(index[0]![1], index[0]![1] + index[0]![2]));
    const rewritten = [[gone, 0, ghost.length, createHash('sha256').update(ghost).digest('hex')]];
    const header = Buffer.from(JSON.stringify(rewritten));
    writeFileSync(file, Buffer.concat([Buffer.from(`${header.length}\n`), header, ghost]));
    assert.equal(run(), 'x');
    const after = readFileSync(file);
    const afterNl = after.indexOf(10);
    const names = (JSON.parse(after.subarray(afterNl + 1, afterNl + 1 + Number(after.subarray(0, afterNl).toString())).toString()) as [string][]).map(
      (e) => e[0],
    );
    assert.ok(names.length > 0, 'the live entries written again');
    assert.ok(!names.includes(gone), `the removed clone's entry left out: ${names.join(', ')}`);
    assert.deepEqual(names.sort(), index.map((e) => e[0]).sort());
  });

  it('keeps the entries a run did not use when it rewrites the file (they are read only then)', function () {
    if (typeof (module as { enableCompileCache?: unknown }).enableCompileCache === 'function') this.skip();
    assert.equal(run(), 'x');
    const file = cacheFiles()[0]!;
    const entries = (blob: Buffer): Map<string, string> => {
      const nl = blob.indexOf(10);
      const headerEnd = nl + 1 + Number(blob.subarray(0, nl).toString());
      const index = JSON.parse(blob.subarray(nl + 1, headerEnd).toString()) as [string, number, number, string][];
      return new Map(index.map(([name, start, length]) => [name, blob.subarray(headerEnd + start, headerEnd + start + length).toString('hex')]));
    };
    const first = entries(readFileSync(file));
    // A run that loads another package and not commander: it compiles that one, and writes the file again.
    assert.equal(run('semver'), 'x');
    const second = entries(readFileSync(file));
    assert.ok(second.size > first.size, 'the new package added');
    for (const [name, code] of first) assert.equal(second.get(name), code, `${name} kept as it was`);
  });

  it('keeps one file per upkeep folder, and removes the files of removed clones (and the one all clones shared) when it writes its own', function () {
    if (typeof (module as { enableCompileCache?: unknown }).enableCompileCache === 'function') this.skip();
    assert.equal(run(), 'x');
    const ours = cacheFiles()[0]!;
    const prefix = `compile-cache-${process.version}-${process.arch}`;
    assert.equal(path.basename(ours), `${prefix}-${createHash('sha256').update(PROJECT_DIR).digest('hex').slice(0, 16)}.bin`);
    const blob = readFileSync(ours);
    // Another clone's file, its entries renamed into that clone's folder: alive, then removed.
    const nl = blob.indexOf(10);
    const headerEnd = nl + 1 + Number(blob.subarray(0, nl).toString());
    const index = JSON.parse(blob.subarray(nl + 1, headerEnd).toString()) as [string, number, number, string][];
    const clone = path.join(home, 'other-clone');
    const moved = index.map(([name, ...rest]) => [path.join(clone, name), ...rest]);
    const header = Buffer.from(JSON.stringify(moved));
    const other = path.join(home, 'upkeep', `${prefix}-0123456789abcdef.bin`);
    const shared = path.join(home, 'upkeep', `${prefix}.bin`);
    const write = () => {
      writeFileSync(other, Buffer.concat([Buffer.from(`${header.length}\n`), header, blob.subarray(headerEnd)]), { mode: 0o600 });
      writeFileSync(shared, blob, { mode: 0o600 });
      rmSync(ours);
    };
    for (const [name] of moved.slice(0, 1)) {
      mkdirSync(path.dirname(name as string), { recursive: true });
      writeFileSync(name as string, '');
    }
    write();
    assert.equal(run(), 'x');
    assert.deepEqual(cacheFiles().sort(), [ours, other].sort(), 'a clone that exists keeps its file; the shared one is gone');
    rmSync(clone, { recursive: true });
    write();
    assert.equal(run(), 'x');
    assert.deepEqual(cacheFiles(), [ours], "the removed clone's file is gone");
  });

  /** `node bin/upkeep.mjs <args>` with this test's cache folder. */
  const upkeep = (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const all: NodeJS.ProcessEnv = { ...process.env, ...env, XDG_CACHE_HOME: home };
    delete all.UPKEEP_NO_COMPILE_CACHE;
    return spawnSync(process.execPath, [path.join(PROJECT_DIR, 'bin', 'upkeep.mjs'), ...args], { env: all, encoding: 'utf8', timeout: 60_000 });
  };
  const index = (file: string) => {
    const blob = readFileSync(file);
    const nl = blob.indexOf(10);
    return JSON.parse(blob.subarray(nl + 1, nl + 1 + Number(blob.subarray(0, nl).toString())).toString()) as [string, number, number, string, string?][];
  };

  it("keeps the CLI bundle's code per command, and only for the build it was made from (a rebuild may keep the bundle's length)", function () {
    if (typeof (module as { enableCompileCache?: unknown }).enableCompileCache === 'function') this.skip();
    assert.equal(upkeep(['--version']).status, 0);
    assert.equal(upkeep(['init', '--help']).status, 0);
    const file = cacheFiles()[0]!;
    const bundle = path.join(PROJECT_DIR, 'dist', 'cli', 'main.cjs');
    const entries = index(file).filter(([name]) => name.startsWith(bundle));
    assert.deepEqual(entries.map(([name]) => name).sort(), [`${bundle}#`, `${bundle}#init`]);
    const stamp = entries[0]![4]!;
    assert.match(stamp, /^\d+:[\d.]+:[0-9a-f]{64}$/);
    const written = statSync(file).mtimeMs;
    assert.equal(upkeep(['--version']).status, 0);
    assert.equal(statSync(file).mtimeMs, written, 'its code was used: not rewritten');
    // The same entries recorded as made from another build: not used, made again.
    const blob = readFileSync(file);
    const nl = blob.indexOf(10);
    const code = blob.subarray(nl + 1 + Number(blob.subarray(0, nl).toString()));
    const other = index(file).map((e) => (e[0].startsWith(bundle) ? [...e.slice(0, 4), `${stamp.split(':')[0]}:1:${'0'.repeat(64)}`] : e));
    const header = Buffer.from(JSON.stringify(other));
    writeFileSync(file, Buffer.concat([Buffer.from(`${header.length}\n`), header, code]));
    assert.equal(upkeep(['--version']).stdout.trim(), JSON.parse(readFileSync(path.join(PROJECT_DIR, 'package.json'), 'utf8')).version);
    const after = index(file).find(([name]) => name === `${bundle}#`)!;
    assert.equal(after[4], stamp, 'made again from this build');
  });

  it('runs a command that loads a package on demand the same from the cached bundle', function () {
    if (typeof (module as { enableCompileCache?: unknown }).enableCompileCache === 'function') this.skip();
    // An S3 read loads the AWS SDK when it is needed; the endpoint refuses the connection.
    const args = ['evaluate', '--onnx', path.join(PROJECT_DIR, 'test', 'fixtures', 'models', 'binary.onnx'), '--task', 'binary', '--label', 'y'];
    args.push('--positive-label', '1', '--features', 'a', '--data', 's3://bucket/x.parquet');
    const env = { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y', AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: 'http://127.0.0.1:9' };
    for (const run of ['compiled', 'from the cache']) {
      const r = upkeep(args, env);
      assert.equal(r.status, 1, run);
      assert.match(r.stderr, /reading s3:\/\/bucket\/x\.parquet: .*ECONNREFUSED/, `${run}: ${r.stderr}`);
    }
  });

  it('does not wait on a FIFO where the cache file should be', function () {
    if (typeof (module as { enableCompileCache?: unknown }).enableCompileCache === 'function') this.skip();
    assert.equal(run(), 'x');
    const file = cacheFiles()[0]!;
    rmSync(file);
    assert.equal(spawnSync('mkfifo', [file]).status, 0);
    assert.equal(run(), 'x');
  });
});
