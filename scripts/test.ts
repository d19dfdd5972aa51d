/**
 * `npm test`: type-check, lint and the dependency rules, then the whole mocha suite against a
 * Temporal dev server that this script starts on free ports (in memory) and always stops, whatever
 * the outcome, and a throwaway PostgreSQL cluster (scripts/postgres-server.ts) stopped the same way.
 * SIGINT, SIGTERM and SIGHUP go to the running steps; the servers are stopped when they have exited.
 *
 * On two cores the suite takes minutes only because its steps overlap: the set-up (S3 server
 * binary, browser, test server, dev server, the tests' workflow bundles) runs at once beside the
 * dist/ build; the checks
 * (type-check, ESLint, Prettier, dependency rules) run at a low priority beside the set-up and the
 * suite; and the suite runs its files in four processes (mocha --parallel, two more than the
 * cores; UPKEEP_TEST_JOBS sets how many), the longest files first. Most of a workflow test is
 * waiting for the server or a timeout, so four files at a time keep both cores busy.
 * Named mocha arguments run as given: serial unless they say --parallel.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { resolveTemporalCli, startDevServer, type DevServer } from '../workers/dev-server.js';
import { PROJECT_DIR } from '../workers/paths.js';
import { readSettings } from '../workers/settings.js';
import { onParentExit } from '../workers/parent-watch.js';
import { resolveVersitygwAsync } from './s3-server.js';
import { resolveChromium } from './chromium.js';
import { resolveTestServer } from './test-server.js';
import { postgresEnv, resolvePostgres, startPostgres, type PostgresCluster } from './postgres-server.js';
import { resolvePrometheus } from './prometheus-server.js';

const env = process.env;
const log = (line: string): void => console.log(`upkeep test: ${line}`);

/** Whether any process of group `pgid` is still running. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs a step in its own process group and waits until the whole group is gone. Signals go to the
 * whole group: mocha's launcher runs the suite in a child process of its own and does not pass
 * SIGTERM on, and the Temporal runtime in the suite answers SIGTERM by shutting its workers down
 * rather than exiting. What is left when the step has exited gets a grace period, then SIGKILL.
 */
function run(cmd: string, args: string[], extraEnv: Record<string, string> = {}, opts: { niceness?: number } = {}): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: PROJECT_DIR, stdio: 'inherit', env: { ...env, ...extraEnv }, detached: true });
    const pgid = child.pid!;
    if (opts.niceness !== undefined) {
      try {
        os.setPriority(pgid, opts.niceness);
      } catch {
        // not allowed here: it runs at the usual priority
      }
    }
    let signalled = false;
    const forward = (signal: NodeJS.Signals): void => {
      signalled = true;
      try {
        process.kill(-pgid, signal);
      } catch {
        // already gone
      }
    };
    for (const s of SIGNALS) process.on(s, forward);
    child.on('exit', (code, signal) => {
      void (async () => {
        const deadline = Date.now() + (signalled ? 10_000 : 2_000);
        while (groupAlive(pgid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        if (groupAlive(pgid)) {
          log(`stopping what ${path.basename(cmd)} left running`);
          try {
            process.kill(-pgid, 'SIGKILL');
          } catch {
            // gone meanwhile
          }
        }
        for (const s of SIGNALS) process.off(s, forward);
        resolve(code ?? (signal ? 1 : 0));
      })();
    });
  });
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** What the run leaves to remove when it ends. */
const cleanups: (() => void)[] = [];

/**
 * test/helpers/worker-process.ts compiled once, against the dist/ build (UPKEEP_TEST_WORKER_JS), so
 * that the fault tests' two dozen worker processes start with plain node: through tsx's loader each
 * spent about a second more CPU loading the same modules (importing the worker: 1.75 CPU-s against
 * 0.8). Its relative imports become dist/'s files; it is written inside the project, so that its
 * packages resolve from node_modules/ as they do for the source.
 */
async function compileTestWorker(dir: string): Promise<string> {
  const { transform } = await import('esbuild');
  const source = path.join(PROJECT_DIR, 'test', 'helpers', 'worker-process.ts');
  const { code } = await transform(readFileSync(source, 'utf8'), { loader: 'ts', format: 'esm', target: 'node20', sourcefile: source });
  const dist = pathToFileURL(path.join(PROJECT_DIR, 'dist')).href;
  const compiled = code.replace(/(\bfrom\s*)(["'])\.\.\/\.\.\/([^"']+)\2/g, (_m, from: string, q: string, rel: string) => `${from}${q}${dist}/${rel}${q}`);
  if (/\bfrom\s*["']\./.test(compiled)) throw new Error(`${source}: a relative import outside ../../ that the compiled worker cannot follow`);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'worker-process.mjs');
  writeFileSync(file, compiled);
  return file;
}
/** The kinds of test/helpers/bundles.ts (BUNDLE_KINDS there). */
const BUNDLE_KINDS = ['plain', 'fast-failover', 'traced'];
// Killed parent: pass SIGTERM on as if it had been sent to us (the child's exit then stops the server).
onParentExit(() => (process.listenerCount('SIGTERM') > 0 ? process.emit('SIGTERM') : process.exit(143)));

const bin = (name: string): string => path.join(PROJECT_DIR, 'node_modules', '.bin', name);

/** A check of the whole tree: its name and command line. */
const CHECKS: [string, string, string[]][] = [
  ['tsc', bin('tsc'), ['--noEmit', '-p', '.']],
  ['eslint', bin('eslint'), ['.']],
  ['prettier', bin('prettier'), ['--check', '--log-level', 'warn', '.']],
  ['depcruise', bin('depcruise'), ['-c', '.dependency-cruiser.cjs', '.']],
];

async function main(): Promise<number> {
  const mochaArgs = process.argv.slice(2);
  const whole = mochaArgs.length === 0;
  // The set-up steps that wait on the network or a compiler run at once, in the background.
  const testServerResolved = resolveTestServer({ log });
  testServerResolved.catch(() => {}); // awaited below; not unhandled if the run ends before
  const versitygwResolved = resolveVersitygwAsync({ log });
  versitygwResolved.catch(() => {});
  // The workflow bundles the tests run (test/helpers/bundles.ts), one process each, built once for
  // the whole run instead of in every mocha process (seconds of webpack each); they fail no test
  // when they cannot be built here: each process then builds its own.
  const bundleDir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-test-bundles-'));
  const bundlesBuilt = Promise.all(
    BUNDLE_KINDS.map((kind) => run(process.execPath, ['--import', 'tsx', path.join(PROJECT_DIR, 'test', 'helpers', 'bundles.ts'), bundleDir, kind])),
  );
  // Separate processes. dist/ is built before the suite: else the first CLI tests of the worker
  // processes would compile it at the same time (bin/upkeep.mjs builds a stale dist/), one under
  // the other. The checks of the whole tree (about a CPU-minute) run at a low priority beside the
  // set-up and the suite, which mostly waits on servers: they take the CPU it leaves idle instead
  // of holding it up, and a failed check still fails npm test, after the suite.
  let built: Promise<number> = Promise.resolve(0);
  let checks: Promise<number>[] = [];
  if (whole) {
    log('type-check, lint, formatting and dependency rules (at a low priority, beside the set-up and the suite), and the dist/ build');
    built = run(process.execPath, [path.join(PROJECT_DIR, 'scripts', 'build.mjs')]);
    checks = CHECKS.map(([name, cmd, args]) =>
      run(cmd, args, {}, { niceness: 10 }).then((code) => {
        log(code === 0 ? `${name}: passed` : `${name} FAILED (exit ${code}): npm test will fail`);
        return code;
      }),
    );
  }
  let server: DevServer | undefined;
  let serverStarting: Promise<DevServer> | undefined;
  let postgres: PostgresCluster | undefined;
  let postgresStarting: Promise<PostgresCluster | undefined> | undefined;
  const extra: Record<string, string> = {};
  // A signal reaches the running steps (forwarded by run()); when they exit, the server is stopped.
  try {
    // The Temporal dev server starts while the tools below are fetched or built.
    const cli = resolveTemporalCli({ settings: readSettings(env), log });
    serverStarting = cli ? startDevServer({ cli, log, startTimeoutMs: 90_000 }) : undefined;
    serverStarting?.catch(() => {});
    // The throwaway PostgreSQL cluster of the SQL windows' tests (test/helpers/postgres.ts), made
    // meanwhile (Debian's package installed first if need be); without it they are skipped saying why.
    const pgFound = resolvePostgres({ log });
    if (pgFound.bin === undefined) {
      log(`${pgFound.missing}: the PostgreSQL tests will be skipped`);
      env.UPKEEP_TEST_PG_MISSING = pgFound.missing;
    } else {
      postgresStarting = startPostgres(pgFound.bin, { log }).catch((err: unknown) => {
        const why = `the PostgreSQL test cluster did not start: ${(err as Error).message.split('\n')[0]}`;
        log(`${why}: the PostgreSQL tests will be skipped`);
        env.UPKEEP_TEST_PG_MISSING = why;
        return undefined;
      });
    }
    // The metrics test's Prometheus (test/e2e/prometheus.test.ts), Debian's package installed now if need be.
    const prometheus = resolvePrometheus({ log });
    if (prometheus.bin === undefined) {
      log(`${prometheus.missing}: the Prometheus test will be skipped`);
      env.UPKEEP_PROMETHEUS_MISSING = prometheus.missing;
    } else env.UPKEEP_PROMETHEUS_BIN = prometheus.bin;
    // The web inbox's browser tests (test/web/inbox.test.ts), installed now if need be.
    const chromium = resolveChromium({ log });
    if (chromium) env.UPKEEP_CHROMIUM = chromium;
    // The S3 server of the store contract tests (test/helpers/s3-server.ts), built now if need be so
    // that no test waits for a compiler.
    const versitygw = await versitygwResolved;
    if (versitygw) env.UPKEEP_VERSITYGW = versitygw;
    // The time-skipping test server of the workflow-logic tier (test/workflow-logic/), fetched since
    // the start if need be; when it cannot be had, that tier is skipped saying why.
    const testServer = await testServerResolved;
    if (testServer.path) env.UPKEEP_TEST_SERVER = testServer.path;
    else env.UPKEEP_TEST_SERVER_MISSING = testServer.missing;
    if (serverStarting) {
      server = await serverStarting;
      log(`Temporal dev server at ${server.address}`);
      extra.UPKEEP_TEST_TEMPORAL_ADDRESS = server.address;
    } else {
      log('no Temporal CLI: workflow tests start one through the SDK download');
    }
    postgres = await postgresStarting;
    if (postgres) {
      Object.assign(env, postgresEnv(postgres));
      log(`PostgreSQL ${postgres.version} test cluster at ${postgres.host}:${postgres.port}`);
    }
    if ((await built) !== 0) return 1;
    const testRunDir = path.join(PROJECT_DIR, '.upkeep', `test-run-${process.pid}`);
    cleanups.push(() => rmSync(testRunDir, { recursive: true, force: true }));
    extra.UPKEEP_TEST_WORKER_JS = await compileTestWorker(testRunDir);
    // The evaluation threads of the tests that run the sources start from the bundle just built of
    // them (engine/evaluation/shard-worker.mjs): through tsx's loader each thread took about 0.5 s to start.
    const workerBundle = path.join(PROJECT_DIR, 'dist', 'engine', 'evaluation', 'shard.cjs');
    if (whole && existsSync(workerBundle)) extra.UPKEEP_TEST_EVALUATION_WORKER = workerBundle;
    if ((await bundlesBuilt).every((code) => code === 0)) extra.UPKEEP_TEST_BUNDLES = bundleDir;
    else log('a workflow bundle could not be built ahead: each test process builds its own');
    if (!whole) return await run(bin('mocha'), mochaArgs, extra);
    const suiteCode = await run(bin('mocha'), ['--parallel', '--jobs', String(jobs()), ...suiteFiles()], extra);
    const failedChecks = (await Promise.all(checks)).filter((code) => code !== 0).length;
    if (failedChecks > 0) log(`${failedChecks} of the checks failed (see above)`);
    return suiteCode || (failedChecks > 0 ? 1 : 0);
  } finally {
    for (const cleanup of cleanups) cleanup();
    await Promise.allSettled([built, bundlesBuilt, ...checks]);
    rmSync(bundleDir, { recursive: true, force: true });
    server ??= await serverStarting?.catch(() => undefined);
    await server?.stop();
    if (server) log('Temporal dev server stopped');
    postgres ??= await postgresStarting?.catch(() => undefined);
    await postgres?.stop();
    if (postgres) log('PostgreSQL test cluster stopped');
  }
}

/**
 * The longest files, longest first (wall time of each in an `npm test`, measured with
 * UPKEEP_TEST_TIMES: docs/testing.md): they start at once, so that no worker is left running a long
 * file alone at the end. Most of their time is waiting (retries with backoff, workers, servers and
 * browsers starting, npm installing), so they take little of the CPU while they run.
 */
const LONGEST = [
  'test/workflows/maintenance.test.ts', // retraining end to end, six times over, and a worker killed during training
  'test/faults/worker-kill.test.ts', // six workers killed mid-activity, each retried seconds later (fastFailover)
  'test/e2e/install.test.ts', // npm pack and npm install into another project
  'test/attacks/inputs.test.ts',
  'test/attacks/store.test.ts',
  'test/e2e/status.test.ts',
  'test/workflows/evaluate-model.test.ts',
  'test/workflows/tracing.test.ts',
  'test/workflows/replay.test.ts',
];

/**
 * Every *.test.ts under test/: LONGEST first, then the folders of long files (processes, servers,
 * real timers): the workers take the files in this order, and a long file started last would leave
 * the other workers idle while one finishes it. A file that needs a server to itself (a restart,
 * schedule listings) starts its own: none has to run alone.
 */
function suiteFiles(): string[] {
  const first = ['e2e', 'faults', 'attacks', 'web', 'workflows', 'workflow-logic', 'store'];
  const rank = (file: string): number => {
    const long = LONGEST.indexOf(file);
    if (long >= 0) return long - LONGEST.length;
    const i = first.indexOf(file.split('/')[1]!);
    return i < 0 ? first.length : i;
  };
  const files = readdirSync(path.join(PROJECT_DIR, 'test'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => `test/${f.split(path.sep).join('/')}`);
  return files.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/**
 * Worker processes of the whole suite: UPKEEP_TEST_JOBS, else two more than the cores (4 on two).
 * The suite mostly waits on servers, processes and timeouts: a file uses a third to a half of a
 * core on average (CPU time against wall time, measured file by file), so three processes left
 * about a core idle on a quiet two-core machine once the checks had finished; four fill it. On a
 * loaded machine the fourth costs nothing: the files then wait for the CPU either way.
 */
function jobs(): number {
  const n = Number(env.UPKEEP_TEST_JOBS ?? os.availableParallelism() + 2);
  if (!Number.isInteger(n) || n < 1) throw new Error(`UPKEEP_TEST_JOBS=${env.UPKEEP_TEST_JOBS} is not a whole number of at least 1`);
  return n;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
