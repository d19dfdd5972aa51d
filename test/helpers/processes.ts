/** What is still running: for tests that check that nothing is left behind. */
import { readdirSync, readFileSync } from 'node:fs';

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Pids of the processes in group `pgid`, or (with `marker`) whose command line contains it. */
export function processesOf(pgid: number, marker?: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const group = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      if (group === pgid || (marker !== undefined && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker))) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}
