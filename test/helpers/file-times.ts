/**
 * Per-file wall times, for keeping `LONGEST` in scripts/test.ts right: with UPKEEP_TEST_TIMES=<file>
 * set, each top-level suite appends `<ms>\t<test file>\t<cpu ms>\t<children's cpu ms>` to that file
 * when it ends (from its first hook or test to its last): the CPU time of the test process, and of
 * the processes it started and waited for (a worker, the CLI), which is what the suite's wall time
 * on two cores is made of. Off (no hooks run) without the variable.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import type { Context, Suite } from 'mocha';

const out = process.env.UPKEEP_TEST_TIMES;
const started = new WeakMap<Suite, [number, number, number]>();

/** CPU milliseconds of this process and of its waited-for children (Linux; 0 elsewhere). */
function cpuMs(): [number, number] {
  const own = process.cpuUsage();
  let children = 0;
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    children = ((Number(f[13]) + Number(f[14])) * 1000) / 100; // cutime + cstime, in USER_HZ (100)
  } catch {
    // not Linux
  }
  return [(own.user + own.system) / 1000, children];
}

function timeSuites(root: Suite): void {
  for (const suite of root.suites) {
    if (started.has(suite)) continue;
    started.set(suite, [0, 0, 0]);
    // First of its before-all hooks, last of its after-all hooks.
    suite.beforeAll('file-times: start', () => void started.set(suite, [Date.now(), ...cpuMs()]));
    const hooks = (suite as unknown as { _beforeAll: unknown[] })._beforeAll;
    hooks.unshift(hooks.pop());
    suite.afterAll('file-times: end', () => {
      const [t0, cpu0, children0] = started.get(suite)!;
      const [cpu, children] = cpuMs();
      if (out) appendFileSync(out, `${Date.now() - t0}\t${suite.file ?? suite.title}\t${Math.round(cpu - cpu0)}\t${Math.round(children - children0)}\n`);
    });
  }
}

export const mochaHooks = out
  ? {
      beforeAll(this: Context): void {
        timeSuites(this.test!.parent!);
      },
    }
  : {};
