/**
 * Settings from the environment, read once by each entry point (`npm start`, `upkeep …`, the
 * worker) and passed down; nothing else reads UPKEEP_* variables. TEMPORAL_* variables are
 * Temporal's own and are read by @temporalio/envconfig from `env` (see temporal.ts).
 * Validated by hand rather than with zod: this runs on every CLI call, and importing zod costs
 * more than the whole check.
 */
import { homedir } from 'node:os';
import path from 'node:path';
import { TASK_QUEUE } from '../workflows/task-queue.js';
import { defaultConfigPath, defaultStateDir } from './paths.js';
import { DEFAULT_DEV_PORT, howToRun } from './how-to-run.js';

export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Which task queues a worker process polls (UPKEEP_WORKER_QUEUES, `upkeep worker --queues`). */
export const WORKER_QUEUES = ['all', 'evaluation', 'training'] as const;
export type WorkerQueues = (typeof WORKER_QUEUES)[number];
/** Activity slots per worker process: evaluations and short steps, and trainings. */
export const DEFAULT_EVALUATION_SLOTS = 4;
export const DEFAULT_TRAINING_SLOTS = 1;

export interface Settings {
  /** UPKEEP_CONFIG: the config file when a command gets no --config (absolute). */
  config?: string;
  /** UPKEEP_TASK_QUEUE: the workers' task queue (default `upkeep`). */
  taskQueue: string;
  /** UPKEEP_WORKER_QUEUES: what a worker polls: all (default), evaluation or training. */
  workerQueues: WorkerQueues;
  /** UPKEEP_EVALUATION_SLOTS / UPKEEP_TRAINING_SLOTS: concurrent activities per worker process. */
  evaluationSlots: number;
  trainingSlots: number;
  /** UPKEEP_STATE_DIR: dev-server database, Temporal CLI install, the example config's store. */
  stateDir: string;
  /** UPKEEP_DEV_PORT / UPKEEP_DEV_UI_PORT: the embedded dev server's ports. */
  devPort: number;
  devUiPort: number;
  /** UPKEEP_TEMPORAL_CLI: the Temporal CLI binary for the embedded dev server. */
  temporalCli?: string;
  /** UPKEEP_LOG_LEVEL: the Temporal worker's log level (default WARN). */
  logLevel: LogLevel;
  /** UPKEEP_PAYLOAD_KEYS / UPKEEP_PAYLOAD_KEYS_FILE: payload encryption keys (workers/codec.ts). */
  payloadKeys?: string;
  payloadKeysFile?: string;
  /** With keys, a payload that is not encrypted is refused (workers/codec.ts): the default with keys; UPKEEP_PAYLOAD_STRICT=0 turns it off. */
  payloadStrict?: boolean;
  /** USER: who asks for a retrain when --as is not given. */
  user: string;
  /** UPKEEP_AUTHOR: who says they made a config change a command records (asserted, not proven; `--author` wins). */
  author?: string;
  /** UPKEEP_KEY_DIR, else $XDG_CONFIG_HOME/upkeep, else ~/.config/upkeep: private signing keys. */
  keyDir: string;
  /** The environment itself: TEMPORAL_* for Temporal's envconfig, PATH, and what child processes inherit. */
  env: NodeJS.ProcessEnv;
}

/** A variable with a bad value. */
export class SettingsError extends Error {
  override readonly name = 'SettingsError';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
  }
}

const set = (env: NodeJS.ProcessEnv, name: string): string | undefined => {
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
};

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = set(env, name);
  if (raw === undefined) return fallback;
  const n = Number(raw.trim());
  if (!/^\s*\d+\s*$/.test(raw) || !Number.isInteger(n) || n < 1 || n > 65535) throw new SettingsError(name, `${name}=${raw} is not a port number (1-65535)`);
  return n;
}

function slots(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = set(env, name);
  if (raw === undefined) return fallback;
  const n = Number(raw.trim());
  if (!/^\s*\d+\s*$/.test(raw) || n < 1 || n > 1000) throw new SettingsError(name, `${name}=${raw} is not a number of slots (1-1000)`);
  return n;
}

/** A --queues flag or UPKEEP_WORKER_QUEUES value. */
export function workerQueues(raw: string, name = 'UPKEEP_WORKER_QUEUES'): WorkerQueues {
  const v = raw.trim().toLowerCase();
  if (!(WORKER_QUEUES as readonly string[]).includes(v)) throw new SettingsError(name, `${name}=${raw} is not one of ${WORKER_QUEUES.join(', ')}`);
  return v as WorkerQueues;
}

function text(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = set(env, name);
  if (raw !== undefined && raw.trim() === '') throw new SettingsError(name, `${name} is blank: unset it or give a value`);
  return raw?.trim();
}

export function readSettings(env: NodeJS.ProcessEnv): Settings {
  const config = text(env, 'UPKEEP_CONFIG');
  const taskQueue = text(env, 'UPKEEP_TASK_QUEUE') ?? TASK_QUEUE;
  if (/\s/.test(taskQueue)) throw new SettingsError('UPKEEP_TASK_QUEUE', `UPKEEP_TASK_QUEUE=${JSON.stringify(taskQueue)} contains white space`);
  const level = text(env, 'UPKEEP_LOG_LEVEL')?.toUpperCase() ?? 'WARN';
  if (!(LOG_LEVELS as readonly string[]).includes(level))
    throw new SettingsError('UPKEEP_LOG_LEVEL', `UPKEEP_LOG_LEVEL=${env.UPKEEP_LOG_LEVEL} is not one of ${LOG_LEVELS.join(', ')}`);
  const devPort = port(env, 'UPKEEP_DEV_PORT', DEFAULT_DEV_PORT);
  const devUiPort = port(env, 'UPKEEP_DEV_UI_PORT', 8233);
  if (devPort === devUiPort)
    throw new SettingsError('UPKEEP_DEV_UI_PORT', `UPKEEP_DEV_UI_PORT and UPKEEP_DEV_PORT are both ${devPort}: the dev server needs two ports`);
  const queues = text(env, 'UPKEEP_WORKER_QUEUES');
  const temporalCli = text(env, 'UPKEEP_TEMPORAL_CLI');
  const payloadKeys = text(env, 'UPKEEP_PAYLOAD_KEYS');
  const payloadKeysFile = text(env, 'UPKEEP_PAYLOAD_KEYS_FILE');
  const author = text(env, 'UPKEEP_AUTHOR');
  const strict = text(env, 'UPKEEP_PAYLOAD_STRICT');
  if (strict !== undefined && !['0', '1'].includes(strict))
    throw new SettingsError('UPKEEP_PAYLOAD_STRICT', `UPKEEP_PAYLOAD_STRICT=${JSON.stringify(strict)} is not 0 or 1`);
  return {
    ...(config ? { config: path.resolve(config) } : {}),
    taskQueue,
    workerQueues: queues ? workerQueues(queues) : 'all',
    evaluationSlots: slots(env, 'UPKEEP_EVALUATION_SLOTS', DEFAULT_EVALUATION_SLOTS),
    trainingSlots: slots(env, 'UPKEEP_TRAINING_SLOTS', DEFAULT_TRAINING_SLOTS),
    stateDir: path.resolve(text(env, 'UPKEEP_STATE_DIR') ?? defaultStateDir()),
    devPort,
    devUiPort,
    ...(temporalCli ? { temporalCli: path.resolve(temporalCli) } : {}),
    ...(payloadKeys ? { payloadKeys } : {}),
    ...(payloadKeysFile ? { payloadKeysFile: path.resolve(payloadKeysFile) } : {}),
    // With payload keys, unencrypted payloads are refused unless UPKEEP_PAYLOAD_STRICT=0 (while
    // workflows started before encryption are still open): namespace access without a key then
    // cannot hand a worker any input, not even as a rogue poller scheduling upkeep's activities.
    ...(strict === '1' || (strict === undefined && (payloadKeys || payloadKeysFile)) ? { payloadStrict: true } : {}),
    logLevel: level as LogLevel,
    user: set(env, 'USER') ?? 'cli',
    ...(author ? { author } : {}),
    keyDir: path.resolve(
      text(env, 'UPKEEP_KEY_DIR') ?? path.join(set(env, 'XDG_CONFIG_HOME') ?? path.join(set(env, 'HOME') ?? homedir(), '.config'), 'upkeep'),
    ),
    env,
  };
}

/**
 * The config file of a command: --config, else UPKEEP_CONFIG, else ./upkeep.yaml, else (in the
 * clone) the example config. An installed copy without one says how to write one.
 */
export function configPath(settings: Pick<Settings, 'config'>, flag?: string): string {
  if (flag) return path.resolve(flag);
  const file = settings.config ?? defaultConfigPath();
  if (file) return file;
  throw new SettingsError(
    'UPKEEP_CONFIG',
    `no upkeep.yaml in ${process.cwd()}: write one with \`${howToRun().upkeep} init --onnx <model.onnx> --data <sample>\`, or pass --config <file> (or set UPKEEP_CONFIG)`,
  );
}
