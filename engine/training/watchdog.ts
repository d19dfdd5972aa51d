/**
 * A watchdog for a training command's process group. The command is detached (its own group), so
 * it would outlive a worker that is killed (SIGKILL, out of memory, a crash) and go on using the
 * machine with nobody to read its result. The watchdog is a small node process that reads a pipe
 * from the worker: when the worker dies the pipe closes, and the watchdog stops the group
 * (SIGTERM, then SIGKILL after the grace period), removes the scratch folder and exits. While the
 * worker lives it does nothing; the worker stops it when the command has exited.
 */
import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';

// CommonJS (node -e); argv: pid of the group leader, grace in ms, scratch folder ('' for none).
const SCRIPT = `
const pid = Number(process.argv[1]), grace = Number(process.argv[2]), dir = process.argv[3];
const alive = () => { try { process.kill(-pid, 0); return true; } catch { return false; } };
const signal = (s) => { try { process.kill(-pid, s); } catch {} };
let orphaned = false;
const stop = () => {
  if (orphaned) return;
  orphaned = true;
  signal('SIGTERM');
  const since = Date.now();
  setInterval(() => {
    if (alive()) { if (Date.now() - since > grace) signal('SIGKILL'); return; }
    if (dir) { try { require('node:fs').rmSync(dir, { recursive: true, force: true }); } catch {} }
    process.exit(0);
  }, 200);
};
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
setInterval(() => { if (!orphaned && !alive()) process.exit(0); }, 1000);
`;

export interface Watchdog {
  /** The command has exited (or is being stopped here): the watchdog is not needed any more. */
  stop(): void;
}

/** Starts a watchdog over the process group led by `pid`; it holds no reference on this event loop. */
export function startWatchdog(pid: number, o: { graceMs: number; scratchDir?: string }): Watchdog {
  const dog = spawn(process.execPath, ['-e', SCRIPT, String(pid), String(o.graceMs), o.scratchDir ?? ''], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  dog.on('error', () => undefined); // without a watchdog the command still runs; only the crash case is unguarded
  dog.stdin?.on('error', () => undefined);
  dog.unref();
  (dog.stdin as Socket | null)?.unref();
  return {
    stop() {
      dog.kill('SIGKILL');
      dog.stdin?.destroy();
    },
  };
}
