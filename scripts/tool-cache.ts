/**
 * Where `npm test` keeps the tools it builds or fetches for the tests (versitygw, the Java test
 * server): the user's cache folder, `$XDG_CACHE_HOME/upkeep/tools/` (else `~/.cache/upkeep/tools/`),
 * shared by every clone of this user as Go's and Maven's own caches are, so that a fresh clone
 * does not build them again (a go install and a Maven fetch, a minute of a fresh clone's set-up
 * on a busy machine). It holds programs the tests run, so it is used only when it is this user's
 * folder and nobody else may write it; else the clone's own `.upkeep/tools/`. `UPKEEP_TOOLS_DIR`
 * names another folder.
 */
import { lstatSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_DIR } from '../workers/paths.js';

function privateFolder(dir: string): boolean {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const s = lstatSync(dir);
    const uid = process.geteuid?.();
    return s.isDirectory() && (uid === undefined || s.uid === uid) && (s.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

export function toolsDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.UPKEEP_TOOLS_DIR) return path.resolve(env.UPKEEP_TOOLS_DIR);
  const cache = path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'upkeep', 'tools');
  return privateFolder(cache) ? cache : path.join(PROJECT_DIR, '.upkeep', 'tools');
}

/** A folder's path as a log line shows it: relative inside the clone, else whole. */
export function shown(dir: string): string {
  const rel = path.relative(PROJECT_DIR, dir);
  return rel.startsWith('..') || path.isAbsolute(rel) ? dir : rel;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs `make` holding the lock `<dir>.lock` (a folder with the holder's pid), so that two clones'
 * `npm test` do not fill the shared tools folder at once: the second waits until `ready()` (the
 * first made the tool, and it returns undefined) or the lock is gone. A lock whose process has
 * died is taken over; after `waitMs` it gives up (undefined).
 */
export async function underLock<T>(dir: string, ready: () => boolean, make: () => Promise<T>, waitMs = 600_000): Promise<T | undefined> {
  const lock = `${dir}.lock`;
  const deadline = Date.now() + waitMs;
  mkdirSync(path.dirname(lock), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (ready()) return undefined;
      let pid = NaN;
      try {
        pid = Number(readFileSync(path.join(lock, 'pid'), 'utf8'));
      } catch {
        // being written, or its writer died before: judged by the lock's age below
      }
      const stale = Number.isInteger(pid) && pid > 0 ? !alive(pid) : Date.now() - statSync(lock).mtimeMs > 60_000;
      if (stale) rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) return undefined;
      else await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    return ready() ? undefined : await make();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
