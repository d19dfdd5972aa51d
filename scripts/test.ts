/**
 * `npm test`: type-check, lint and the dependency rules, then the whole mocha suite against a
 * Temporal dev server that this script starts on free ports (in memory) and always stops, whatever
 * the outcome. SIGINT, SIGTERM and SIGHUP go to the running steps; the server is stopped when they
 * have exited.
 *
 * On two cores the suite takes minutes only because its steps overlap: the three checks and the
 * dist/ build run at once, beside the set-up (S3 server binary, browser, dev server), and the
 * whole suite runs its files in two processes (mocha --parallel; UPKEEP_TEST_JOBS sets how many).
 * Most of a workflow test is waiting for the server, so two files at a time keep both cores busy.
 * Named mocha arguments run as given: serial unless they say --parallel.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { resolveTemporalCli, startDevServer, type DevServer } from '../workers/dev-server.js';
import { PROJECT_DIR } from '../workers/paths.js';
import { readSettings } from '../workers/settings.js';
import { onParentExit } from '../workers/parent-watch.js';
import { resolveVersitygw } from './s3-server.js';
import { resolveChromium } from './chromium.js';
import { resolveTestServer } from './test-server.js';

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
function run(cmd: string, args: string[], extraEnv: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: PROJECT_DIR, stdio: 'inherit', env: { ...env, ...extraEnv }, detached: true });
    const pgid = child.pid!;
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
// Killed parent: pass SIGTERM on as if it had been sent to us (the child's exit then stops the server).
onParentExit(() => (process.listenerCount('SIGTERM') > 0 ? process.emit('SIGTERM') : process.exit(143)));

const bin = (name: string): string => path.join(PROJECT_DIR, 'node_modules', '.bin', name);

async function main(): Promise<number> {
  const mochaArgs = process.argv.slice(2);
  const testServerResolved = resolveTestServer({ log });
  testServerResolved.catch(() => {}); // awaited below; not unhandled if the run ends before
  // Separate processes: they go on while this one resolves the tools below (which may block it).
  let checks: Promise<number[]> = Promise.resolve([]);
  if (mochaArgs.length === 0) {
    log('type-check, lint, formatting, dependency rules and the dist/ build (at once)');
    checks = Promise.all([
      run(bin('tsc'), ['--noEmit', '-p', '.']),
      run(bin('eslint'), ['.']),
      run(bin('prettier'), ['--check', '--log-level', 'warn', '.']),
      run(bin('depcruise'), ['-c', '.dependency-cruiser.cjs', '.']),
      // dist/ fresh before the suite: else the first CLI tests of both worker processes would
      // compile it at the same time (bin/upkeep.mjs builds a stale dist/), one under the other.
      run(process.execPath, [path.join(PROJECT_DIR, 'scripts', 'build.mjs')]),
    ]);
  }
  let server: DevServer | undefined;
  const extra: Record<string, string> = {};
  // A signal reaches the running steps (forwarded by run()); when they exit, the server is stopped.
  try {
    // The S3 server of the store contract tests (test/helpers/s3-server.ts), built now if need be so
    // that no test waits for a compiler.
    const versitygw = resolveVersitygw({ log });
    if (versitygw) env.UPKEEP_VERSITYGW = versitygw;
    // The web inbox's browser tests (test/web/inbox.test.ts), installed now if need be.
    const chromium = resolveChromium({ log });
    if (chromium) env.UPKEEP_CHROMIUM = chromium;
    // The time-skipping test server of the workflow-logic tier (test/workflow-logic/), fetched since
    // the start if need be; when it cannot be had, that tier is skipped saying why.
    const testServer = await testServerResolved;
    if (testServer.path) env.UPKEEP_TEST_SERVER = testServer.path;
    else env.UPKEEP_TEST_SERVER_MISSING = testServer.missing;
    const cli = resolveTemporalCli({ settings: readSettings(env), log });
    if (cli) {
      server = await startDevServer({ cli, log, startTimeoutMs: 90_000 });
      log(`Temporal dev server at ${server.address}`);
      extra.UPKEEP_TEST_TEMPORAL_ADDRESS = server.address;
    } else {
      log('no Temporal CLI: workflow tests start one through the SDK download');
    }
    if ((await checks).some((code) => code !== 0)) return 1;
    if (mochaArgs.length > 0) return await run(bin('mocha'), mochaArgs, extra);
    const { parallel, serial } = suiteFiles();
    const parallelCode = await run(bin('mocha'), ['--parallel', '--jobs', String(jobs()), ...parallel], extra);
    log(`the files that must run alone: ${serial.join(', ')}`);
    const serialCode = await run(bin('mocha'), serial, extra);
    return parallelCode || serialCode;
  } finally {
    await checks.catch(() => undefined);
    await server?.stop();
    if (server) log('Temporal dev server stopped');
  }
}

/**
 * Files that run after the parallel part, one at a time: a dev server restarted under them, or
 * schedule listings of the shared server that other files' schedules would disturb.
 */
const ALONE = ['test/faults/server-restart.test.ts', 'test/workflows/schedules.test.ts'];

/**
 * Every *.test.ts under test/, the folders of long files first (processes, servers, real timers):
 * the workers take the files in this order, and a long file started last would leave one worker
 * idle while the other finishes it. The files of ALONE run apart, after them.
 */
function suiteFiles(): { parallel: string[]; serial: string[] } {
  const first = ['e2e', 'faults', 'attacks', 'web', 'workflows', 'workflow-logic', 'store'];
  const rank = (file: string): number => {
    const i = first.indexOf(file.split('/')[1]!);
    return i < 0 ? first.length : i;
  };
  const files = readdirSync(path.join(PROJECT_DIR, 'test'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => `test/${f.split(path.sep).join('/')}`);
  const sorted = files.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return { parallel: sorted.filter((f) => !ALONE.includes(f)), serial: ALONE.filter((f) => sorted.includes(f)) };
}

/** Worker processes of the whole suite: UPKEEP_TEST_JOBS, else 2 (the suite mostly waits on the server). */
function jobs(): number {
  const n = Number(env.UPKEEP_TEST_JOBS ?? 2);
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
