import { readFileSync } from 'node:fs';

/** A process's parent id and command line from /proc (Linux), or undefined when unknown or gone. */
function procInfo(pid: number): { ppid: number; argv: string[] } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return Number.isInteger(ppid) ? { ppid, argv } : undefined;
  } catch {
    return undefined;
  }
}

/** `sh -c '…'`: the shell npm and npx run a script or a bin through, which only waits for it. */
const isShellWrapper = (argv: string[]): boolean => /(^|\/)(sh|dash|bash)$/.test(argv[0] ?? '') && argv[1] === '-c';

/**
 * Notices when the process that started us is gone. `npm start`, `npm test` and `npx upkeep …` run
 * us through `sh -c`, and npm passes SIGTERM to that shell only, which dies without passing it on;
 * a parent killed outright (or sent SIGHUP, which npm does not pass on) sends nothing at all, and
 * its shell stays, waiting for us. So the watch is on our parent and, when that parent is such a
 * shell, on the shell's own parent too (on Linux, where /proc tells): when either changes, `fn`
 * runs once, as if we had been sent SIGTERM.
 */
export function onParentExit(fn: () => void, everyMs = 500): void {
  const parent = process.ppid;
  const info = procInfo(parent);
  const grandparent = info && isShellWrapper(info.argv) ? info.ppid : undefined;
  const timer = setInterval(() => {
    if (process.ppid === parent && (grandparent === undefined || procInfo(parent)?.ppid === grandparent)) return;
    clearInterval(timer);
    fn();
  }, everyMs);
  timer.unref();
}

/**
 * Calls `stop` once when the process is asked to stop: SIGINT (Ctrl-C), SIGTERM (a process
 * manager, `kill`), SIGHUP (the terminal closed) or its parent gone (`npx upkeep …` runs us under
 * `sh -c`, and SIGTERM to npx ends that shell without passing it on, which left us running under
 * PID 1). After the first, the handlers are removed: a second Ctrl-C ends the process at once.
 */
export function onStopRequest(stop: (why: string) => void, everyMs = 500): void {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  let stopped = false;
  const once = (why: string): void => {
    if (stopped) return;
    stopped = true;
    for (const s of signals) process.off(s, handlers[s]);
    stop(why);
  };
  const handlers = Object.fromEntries(signals.map((s) => [s, () => once(s)])) as Record<(typeof signals)[number], () => void>;
  for (const s of signals) process.on(s, handlers[s]);
  onParentExit(() => once('parent exited'), everyMs);
}
