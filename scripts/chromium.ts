/**
 * The browser of the web inbox's tests: Debian's `chromium`, driven by playwright-core (which
 * cannot download a browser of its own here). In order: UPKEEP_CHROMIUM; `chromium` on PATH or
 * /usr/bin/chromium; else, as root on a machine with apt-get, Debian's package installed now
 * (about a minute), so that `npm test` on a fresh machine runs the browser tests instead of
 * skipping them. Anywhere else the browser tests say they are skipped and why.
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { isExecutable, onPath } from '../workers/dev-server.js';

const DEBIAN_PATH = '/usr/bin/chromium';

export function resolveChromium(opts: { install?: boolean; log?: (line: string) => void } = {}): string | undefined {
  const log = opts.log ?? (() => {});
  const configured = process.env.UPKEEP_CHROMIUM;
  if (configured) {
    if (!isExecutable(configured)) throw new Error(`UPKEEP_CHROMIUM=${configured} is not an executable file`);
    return configured;
  }
  const found = onPath('chromium', process.env) ?? (isExecutable(DEBIAN_PATH) ? DEBIAN_PATH : undefined);
  if (found || opts.install === false) return found;
  const aptGet = onPath('apt-get', process.env);
  if (!aptGet || process.getuid?.() !== 0) {
    log(
      `no Chromium (${DEBIAN_PATH}) and ${aptGet ? 'not root' : 'no apt-get'} to install it: the browser tests will be skipped (install Debian's chromium, or set UPKEEP_CHROMIUM)`,
    );
    return undefined;
  }
  log("installing Debian's chromium package for the browser tests (apt-get) ...");
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const quiet: SpawnSyncOptions = { stdio: ['ignore', 'ignore', 'inherit'], env };
  spawnSync(aptGet, ['update', '-qq'], quiet);
  const r = spawnSync(aptGet, ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], quiet);
  if (r.status === 0 && isExecutable(DEBIAN_PATH)) return DEBIAN_PATH;
  log(`could not install chromium (apt-get exited ${r.status}): the browser tests will be skipped`);
  return undefined;
}
