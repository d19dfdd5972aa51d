/**
 * The commands upkeep tells a person to run, as they work for the way upkeep was installed and
 * started: `npm start` only inside the clone (an installed copy has no such script in the
 * person's folder: `npx upkeep start` there), and the settings another terminal needs to reach the
 * same server (a non-default UPKEEP_DEV_PORT: without it `npx upkeep status` asks port 7233, maybe
 * someone else's server).
 */
import path from 'node:path';
import { isInstalled, PROJECT_DIR } from './paths.js';

/** The dev server's port when UPKEEP_DEV_PORT is not set. */
export const DEFAULT_DEV_PORT = 7233;

export interface HowToRun {
  /** The upkeep command: `npx upkeep`, or `upkeep` for a copy installed outside the current folder's node_modules (global). */
  upkeep: string;
  /** What starts the dev server, a worker and the schedules: `npm start` in the clone, else `<upkeep> start`. */
  start: string;
  /** A script of the clone's package.json (`npm run demo-feed`), run from wherever the person is. */
  npmRun(script: string): string;
}

const inside = (dir: string, cwd: string): boolean => {
  const rel = path.relative(dir, cwd);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};

/**
 * How upkeep is run from `cwd`, given where its package is (`projectDir`) and the environment npm
 * gave this process (`npm_command` is `exec` under npx).
 */
export function howToRun(o: { cwd?: string; projectDir?: string; env?: NodeJS.ProcessEnv } = {}): HowToRun {
  const { cwd = process.cwd(), projectDir = PROJECT_DIR, env = process.env } = o;
  const installed = isInstalled(projectDir);
  // An installed copy in node_modules of the current folder (or a folder above it), or in npx's
  // cache, runs as `npx upkeep`; one elsewhere was installed globally and is on the PATH.
  const nodeModules = projectDir.slice(0, projectDir.lastIndexOf(`${path.sep}node_modules${path.sep}`));
  const global = installed && env.npm_command !== 'exec' && !inside(nodeModules, cwd) && !projectDir.includes(`${path.sep}_npx${path.sep}`);
  const upkeep = global ? 'upkeep' : 'npx upkeep';
  const inClone = !installed && inside(projectDir, cwd);
  return {
    upkeep,
    start: inClone ? 'npm start' : `${upkeep} start`,
    npmRun: (script) => (inClone ? `npm run ${script}` : `npm --prefix ${quote(projectDir)} run ${script}`),
  };
}

/** A value for a POSIX shell command line, quoted only when it needs to be. */
export function quote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Variables of the client's environment that another terminal needs and that are not secret. */
const PASSED = [
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_PROFILE',
  'TEMPORAL_CONFIG_FILE',
  'UPKEEP_TASK_QUEUE',
  'UPKEEP_STATE_DIR',
  'UPKEEP_KEY_DIR',
  'UPKEEP_PAYLOAD_KEYS_FILE',
] as const;
/** Set here but secret: named, never printed. */
const SECRET = /^(UPKEEP_PAYLOAD_KEYS|TEMPORAL_API_KEY|TEMPORAL_TLS_.*_DATA)$/;

export interface OtherTerminal {
  /** `NAME=value ` assignments to put before each command ('' when none is needed). */
  prefix: string;
  /** Secret settings another terminal needs too, by name (their values are not printed). */
  secrets: string[];
}

/**
 * What a command run in another terminal needs to reach the same server and store as this
 * process: the dev server's port when it is not the default and no cluster address is set, and the
 * settings of this environment that the commands read (task queue, state and key folders, the
 * payload keys file, Temporal's address and namespace).
 */
export function otherTerminal(settings: { env: NodeJS.ProcessEnv; devPort: number }): OtherTerminal {
  const env = settings.env;
  const set = (name: string): string | undefined => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  const assignments: string[] = [];
  if (!set('TEMPORAL_ADDRESS') && settings.devPort !== DEFAULT_DEV_PORT) assignments.push(`UPKEEP_DEV_PORT=${settings.devPort}`);
  for (const name of PASSED) {
    const v = set(name);
    if (v !== undefined) assignments.push(`${name}=${quote(v)}`);
  }
  const secrets = Object.keys(env)
    .filter((k) => SECRET.test(k) && set(k) !== undefined)
    .sort();
  return { prefix: assignments.map((a) => `${a} `).join(''), secrets };
}

/** What runs a worker, for "is a worker running?" hints: `npm start` or `npx upkeep worker` (as this copy runs them). */
export function workerHint(run: HowToRun = howToRun()): string {
  return `\`${run.start}\` or \`${run.upkeep} worker\``;
}
