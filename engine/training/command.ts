/**
 * The command trainer: runs a model owner's own training command (any executable, run without a
 * shell) and checks that it wrote a model file.
 *
 * The command receives three paths through placeholders in its arguments: `{train_data}` (a
 * directory with the training files and manifest.json), `{output}` (where it must write the ONNX
 * model) and `{params}` (a JSON file describing the task and parameters). See
 * examples/trainers/train_sklearn.py for a complete trainer.
 *
 * Process handling. The command is spawned detached, so it leads a new process group that its
 * own children join. On timeout or abort the whole group gets SIGTERM and, if any of it is still
 * alive after a grace period, SIGKILL. When the command itself exits, anything it left running in
 * its group is killed with SIGKILL, so no training process outlives its activity (a child that
 * moves itself to another session or group escapes this). If this process dies first, a watchdog
 * process stops the group (watchdog.ts). The returned promise settles only after
 * the command has exited. Any file already at `output` is removed before the command starts, so a
 * stale model from an earlier attempt is never mistaken for this run's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { startWatchdog } from './watchdog.js';

export interface CommandTrainerOptions {
  /**
   * The command as argv, run WITHOUT a shell. In every argument the placeholders {train_data},
   * {output} and {params} are replaced by the paths below (several per argument are allowed;
   * any other `{x}` is left as it is).
   */
  command: string[];
  /** Working directory of the command; must exist. */
  cwd: string;
  /** Absolute path of a local directory holding the training files and manifest.json. */
  trainData: string;
  /** Absolute path where the command must write the ONNX model. */
  output: string;
  /** Absolute path of a JSON file describing the task and parameters. */
  params: string;
  /** The command is stopped (SIGTERM, then SIGKILL) when it runs longer than this. */
  timeoutMs: number;
  /** Aborting stops the command the same way as a timeout. */
  signal?: AbortSignal;
  /** Receives stdout and stderr, interleaved in arrival order, as text chunks. Must not throw. */
  onLog(chunk: string): void;
  /** Called when the command starts and then every few seconds (at most 5 s apart) while it runs. Must not throw. */
  heartbeat?(details: CommandTrainerHeartbeat): void;
  /** The command's environment; when undefined it inherits this process's. */
  env?: Record<string, string | undefined>;
  /** A scratch folder the watchdog removes if this process dies while the command runs. */
  scratchDir?: string;
}

/** What {@link CommandTrainerOptions.heartbeat} receives. */
export interface CommandTrainerHeartbeat {
  pid: number;
  elapsedMs: number;
  /** UTF-8 bytes of log received so far. */
  logBytes: number;
}

export interface CommandTrainerResult {
  exitCode: number;
  durationMs: number;
  /** The last ~4 KB of the command's log. */
  logTail: string;
}

export type CommandTrainerFailure = 'exit' | 'timeout' | 'cancelled' | 'spawn' | 'no-output';

/** The command could not be run, failed, was stopped, or wrote no model. */
export class CommandTrainerError extends Error {
  override readonly name = 'CommandTrainerError';
  constructor(
    readonly reason: CommandTrainerFailure,
    message: string,
    /** The last ~4 KB of the command's log ('' when it never started). */
    readonly logTail: string,
  ) {
    super(message);
  }
}

/** The values substituted for the placeholders. */
export interface PlaceholderValues {
  train_data: string;
  output: string;
  params: string;
}

/** Characters of log kept for {@link CommandTrainerResult.logTail}. */
export const LOG_TAIL_CHARS = 4096;
/** Time between SIGTERM and SIGKILL when the command is stopped. */
export const KILL_GRACE_MS = 5000;
/** Time between heartbeats while the command runs. */
export const HEARTBEAT_INTERVAL_MS = 2000;
/** How long to wait for the log pipes to close after the command exited. */
const STDIO_DRAIN_MS = 2000;
/** Lines of log quoted in an error message. */
const MESSAGE_LOG_LINES = 15;
/** setTimeout's largest delay. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const PLACEHOLDER = /\{(train_data|output|params)\}/g;

/** Replaces every {train_data}, {output} and {params} in `arg`; other `{x}` stay as they are. */
export function fillPlaceholders(arg: string, values: PlaceholderValues): string {
  return arg.replace(PLACEHOLDER, (_match, name: keyof PlaceholderValues) => values[name]);
}

/**
 * Runs the training command and checks that it wrote a model at `output`.
 * @throws CommandTrainerError when the command cannot start ('spawn'), exits non-zero or is killed
 *   by a signal ('exit'), runs past the timeout ('timeout'), is aborted ('cancelled') or exits 0
 *   without writing the model ('no-output'); rethrows what onLog or heartbeat threw (after
 *   stopping the command).
 */
export async function runCommandTrainer(o: CommandTrainerOptions): Promise<CommandTrainerResult> {
  const argv = o.command.map((arg) => fillPlaceholders(arg, { train_data: o.trainData, output: o.output, params: o.params }));
  await prepare(o, argv);
  if (o.signal?.aborted) throw new CommandTrainerError('cancelled', 'training was cancelled before the command started', '');

  const run = await runProcess(argv, o);
  if (run.callbackError !== undefined) throw run.callbackError;
  if (run.stopped === 'timeout') {
    throw new CommandTrainerError(
      'timeout',
      `training command timed out after ${formatMs(o.timeoutMs)} and was stopped; raise the training timeout or make the training faster${logSuffix(run.logTail)}`,
      run.logTail,
    );
  }
  if (run.stopped === 'cancelled') throw new CommandTrainerError('cancelled', 'training was cancelled and the command was stopped', run.logTail);
  if (run.signal !== null) {
    const hint = run.signal === 'SIGKILL' ? ' (out of memory?)' : '';
    throw new CommandTrainerError('exit', `training command was killed by signal ${run.signal}${hint}${logSuffix(run.logTail)}`, run.logTail);
  }
  if (run.exitCode !== 0) {
    throw new CommandTrainerError('exit', `training command exited with code ${run.exitCode}${logSuffix(run.logTail)}`, run.logTail);
  }
  await checkOutput(o, run.logTail);
  return { exitCode: 0, durationMs: run.durationMs, logTail: run.logTail };
}

// ───────────────────────────── before and after ─────────────────────────────

/** Validates the options, removes a stale model and creates the output's folder. */
async function prepare(o: CommandTrainerOptions, argv: string[]): Promise<void> {
  if (argv.length === 0 || argv[0] === '') throw new CommandTrainerError('spawn', 'the training command is empty: give at least the executable', '');
  if (!(o.timeoutMs > 0)) throw new RangeError(`timeoutMs must be a positive number of milliseconds, got ${o.timeoutMs}`);
  const cwd = await stat(o.cwd).catch(() => undefined);
  if (!cwd?.isDirectory()) {
    throw new CommandTrainerError(
      'spawn',
      `cannot start the training command "${argv[0]}": its working directory ${o.cwd} does not exist or is not a folder`,
      '',
    );
  }
  await rm(o.output, { force: true });
  await mkdir(path.dirname(o.output), { recursive: true });
}

async function checkOutput(o: CommandTrainerOptions, logTail: string): Promise<void> {
  const out = await stat(o.output).catch(() => undefined);
  if (out?.isFile() && out.size > 0) return;
  const what = out === undefined ? 'wrote no model' : out.isFile() ? 'wrote an empty model file' : 'left something other than a file';
  const hint = o.command.some((arg) => arg.includes('{output}')) ? '' : ' (no argument of the command contains the {output} placeholder)';
  throw new CommandTrainerError(
    'no-output',
    `training command exited with code 0 but ${what} at ${o.output}; it must write the ONNX model to the path passed as {output}${hint}${logSuffix(logTail)}`,
    logTail,
  );
}

// ───────────────────────────── the process ─────────────────────────────

interface ProcessOutcome {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Set when this side stopped the command. */
  stopped?: 'timeout' | 'cancelled' | 'callback';
  /** What onLog or heartbeat threw. */
  callbackError?: unknown;
  durationMs: number;
  logTail: string;
}

/** Spawns the command and settles once it has exited and its output pipes are closed (or drained for a while). */
function runProcess(argv: string[], o: CommandTrainerOptions): Promise<ProcessOutcome> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const log = new LogTail(LOG_TAIL_CHARS);
    const timers: NodeJS.Timeout[] = [];
    let stopped: ProcessOutcome['stopped'];
    let callbackError: unknown;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let settled = false;

    const spawnFailed = (err: unknown): void => {
      cleanup();
      settled = true;
      reject(new CommandTrainerError('spawn', spawnMessage(argv[0]!, err, o.cwd), log.text));
    };

    let child: ChildProcess;
    try {
      child = spawn(argv[0]!, argv.slice(1), { cwd: o.cwd, env: o.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      spawnFailed(err);
      return;
    }

    const guarded = (fn: () => void): void => {
      try {
        fn();
      } catch (err) {
        if (callbackError === undefined) callbackError = err ?? new Error('a callback threw');
        stop('callback');
      }
    };
    const stop = (reason: NonNullable<ProcessOutcome['stopped']>): void => {
      if (stopped !== undefined || exit !== undefined || child.pid === undefined) return;
      stopped = reason;
      signalGroup(child.pid, 'SIGTERM');
      const pid = child.pid;
      timers.push(setTimeout(() => signalGroup(pid, 'SIGKILL'), KILL_GRACE_MS));
    };
    const onAbort = (): void => stop('cancelled');
    const beat = (): void => {
      if (o.heartbeat && child.pid !== undefined) {
        const details = { pid: child.pid, elapsedMs: Math.round(performance.now() - started), logBytes: log.bytes };
        guarded(() => o.heartbeat!(details));
      }
    };
    function cleanup(): void {
      timers.forEach(clearTimeout);
      o.signal?.removeEventListener('abort', onAbort);
    }
    const finish = (): void => {
      if (settled || exit === undefined) return;
      settled = true;
      cleanup();
      child.stdout?.destroy();
      child.stderr?.destroy();
      resolve({ exitCode: exit.code, signal: exit.signal, stopped, callbackError, durationMs: Math.round(performance.now() - started), logTail: log.text });
    };

    for (const stream of [child.stdout, child.stderr]) {
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        log.append(chunk);
        guarded(() => o.onLog(chunk));
      });
    }
    child.on('error', (err) => {
      // Without a pid the process never started; otherwise wait for 'exit'.
      if (child.pid === undefined && !settled) spawnFailed(err);
    });
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      // Whatever the command left behind in its group (already sent SIGTERM if it was stopped).
      if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
      timers.push(setTimeout(finish, STDIO_DRAIN_MS));
    });
    child.on('close', finish);

    if (child.pid === undefined) return; // 'error' follows
    // Stops the group if this process dies before the command exits.
    const watchdog = startWatchdog(child.pid, { graceMs: KILL_GRACE_MS, ...(o.scratchDir ? { scratchDir: o.scratchDir } : {}) });
    child.once('exit', () => watchdog.stop());
    o.signal?.addEventListener('abort', onAbort, { once: true });
    if (o.signal?.aborted) onAbort();
    timers.push(setTimeout(() => stop('timeout'), Math.min(o.timeoutMs, MAX_TIMER_MS)));
    timers.push(setInterval(beat, HEARTBEAT_INTERVAL_MS));
    beat();
  });
}

/** Sends `signal` to every process in the group led by `pid`; false when none is left. */
function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false; // ESRCH: the group is gone
  }
}

function spawnMessage(executable: string, err: unknown, cwd: string): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const detail = err instanceof Error ? err.message : String(err);
  if (code === 'ENOENT') {
    return `cannot start the training command "${executable}": no such executable (${detail}); check the path, or that it is on the PATH of the worker (relative paths resolve from ${cwd})`;
  }
  if (code === 'EACCES') return `cannot start the training command "${executable}": permission denied (${detail}); make the file executable`;
  return `cannot start the training command "${executable}": ${detail}`;
}

// ───────────────────────────── log ─────────────────────────────

/** The last `limit` characters of the log, and the total size seen. */
class LogTail {
  text = '';
  bytes = 0;
  constructor(private readonly limit: number) {}

  append(chunk: string): void {
    this.bytes += Buffer.byteLength(chunk);
    this.text = (this.text + chunk).slice(-this.limit);
  }
}

/** ': <last lines>' for an error message, or a note that the command printed nothing. */
function logSuffix(logTail: string): string {
  const lines = logTail.trimEnd().split('\n').slice(-MESSAGE_LOG_LINES).join('\n');
  return lines.trim() === '' ? ' (it printed nothing)' : `:\n${lines}`;
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${+(ms / 1000).toFixed(1)} s`;
}
