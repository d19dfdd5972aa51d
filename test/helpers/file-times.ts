/**
 * Per-file wall times, for keeping `LONGEST` in scripts/test.ts right: with UPKEEP_TEST_TIMES=<file>
 * set, each top-level suite appends `<ms>\t<test file>` to that file when it ends (from its first
 * hook or test to its last). Off (no hooks run) without the variable.
 */
import { appendFileSync } from 'node:fs';
import type { Context, Suite } from 'mocha';

const out = process.env.UPKEEP_TEST_TIMES;
const started = new WeakMap<Suite, number>();

function timeSuites(root: Suite): void {
  for (const suite of root.suites) {
    if (started.has(suite)) continue;
    started.set(suite, 0);
    // First of its before-all hooks, last of its after-all hooks.
    suite.beforeAll('file-times: start', () => void started.set(suite, Date.now()));
    const hooks = (suite as unknown as { _beforeAll: unknown[] })._beforeAll;
    hooks.unshift(hooks.pop());
    suite.afterAll('file-times: end', () => {
      if (out) appendFileSync(out, `${Date.now() - started.get(suite)!}\t${suite.file ?? suite.title}\n`);
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
