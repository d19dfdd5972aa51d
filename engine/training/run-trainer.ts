/**
 * Running a model's trainer on a training snapshot: the builtin fit (in a thread) or the model's
 * training command (in a scratch folder, secrets resolved here and redacted from what is kept).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ModelSpec } from '../../domain/config.js';
import { durationMs } from '../../domain/duration.js';
import type { SnapshotRef } from '../../domain/evaluation.js';
import { readTables } from '../data/snapshot-files.js';
import type { Table } from '../data/table.js';
import type { WindowFile } from '../data/window.js';
import { UpkeepError } from '../errors.js';
import { readRegularFile } from '../open-regular.js';
import type { ArtifactStore } from '../store/store.js';
import { BuiltinTrainingError } from './builtin.js';
import { CommandTrainerError, runCommandTrainer } from './command.js';
import { trainingSet } from './dataset.js';
import { redactor, resolveSecretParams } from './secrets.js';
import { trainBuiltinInThread } from './train-thread.js';

/** What a trainer run needs. */
export interface TrainerPorts {
  store: Pick<ArtifactStore, 'put'>;
  /** Progress: reading, fitting, training (every few seconds while a long step runs). */
  heartbeat?(details: unknown): void;
  /** A cancellation: the fit or the command stops when it is aborted. */
  signal?: AbortSignal;
  /** Where temporary working folders go (default /tmp). */
  scratchDir?: string;
  /** Where `{ secret_env: NAME }` parameters are read from (none by default). */
  secrets?: Readonly<Record<string, string | undefined>>;
}

const MAX_LOG_BYTES = 4 * 1024 * 1024;

/** Fits the builtin trainer on the snapshot's files in a thread; the tables go on to the candidate's profile. */
export async function trainWithBuiltin(
  ports: TrainerPorts,
  spec: ModelSpec,
  files: WindowFile[],
): Promise<{ onnx: Uint8Array; log: string; tables: Table[]; rowsUsed: number }> {
  if (spec.retrain.trainer?.type !== 'builtin') throw new Error('not a builtin trainer');
  const p = spec.retrain.trainer.params;
  const tables = await readTables(files, `model ${spec.id}: training`, (file) => ports.heartbeat?.({ phase: 'reading', file }), spec.limits);
  const set = trainingSet(spec, tables, { l2: p.l2, ...(p.max_iter ? { maxIterations: p.max_iter } : {}), ...(p.tolerance ? { tolerance: p.tolerance } : {}) });
  ports.heartbeat?.({ phase: 'fitting', rows: set.rows });
  const beat = setInterval(() => ports.heartbeat?.({ phase: 'fitting', rows: set.rows }), 5000);
  let result;
  try {
    result = await trainBuiltinInThread(set.input, ports.signal);
  } catch (err) {
    if (err instanceof BuiltinTrainingError)
      throw new UpkeepError('TrainingFailed', `model ${spec.id}: builtin training failed: ${err.message}`, { cause: err });
    throw err;
  } finally {
    clearInterval(beat);
  }
  const log = [
    `builtin ${result.info.solver}: ${set.rows} rows (${set.droppedRows} dropped for missing values), ${result.model.columns.length} columns`,
    `converged ${result.info.converged} after ${result.info.iterations} iterations; training loss ${result.info.loss}`,
  ].join('\n');
  // The tables go on to the candidate's profile instead of being read again.
  return { onnx: result.onnx, log: `${log}\n`, tables, rowsUsed: set.rows };
}

/**
 * Runs the model's training command on the snapshot's files in a scratch folder; its log (secrets
 * redacted) is kept under `logKey` as it runs.
 */
export async function trainWithCommand(
  ports: TrainerPorts,
  spec: ModelSpec,
  snapshot: SnapshotRef,
  files: WindowFile[],
  logKey: string,
): Promise<{ onnx: Uint8Array; log: string }> {
  const trainer = spec.retrain.trainer;
  if (trainer?.type !== 'command') throw new Error('not a command trainer');
  // Secrets are resolved here, in the worker, and redacted from everything that is kept.
  const { params, secrets } = resolveSecretParams(trainer.params, ports.secrets ?? {}, spec.id);
  const redact = redactor(secrets);
  const work = await mkdtemp(path.join(ports.scratchDir ?? '/tmp', `upkeep-train-${spec.id}-`));
  let log = '';
  let flushed = 0;
  const flush = async (): Promise<void> => {
    if (log.length === flushed) return;
    flushed = log.length;
    await ports.store.put(logKey, redact(log));
  };
  try {
    const dataDir = path.join(work, 'train');
    await mkdir(dataDir);
    const manifest = { files: [] as { path: string; format: string; date: string; rows: number }[] };
    for (const [i, f] of snapshot.files.entries()) {
      const name = `${f.date}-${i}.${files[i]!.format}`;
      await writeFile(path.join(dataDir, name), await files[i]!.load());
      manifest.files.push({ path: name, format: files[i]!.format, date: f.date, rows: f.rows });
    }
    await writeFile(path.join(dataDir, 'manifest.json'), JSON.stringify(manifest, null, 2));
    const paramsFile = path.join(work, 'params.json');
    await writeFile(
      paramsFile,
      JSON.stringify({ modelId: spec.id, task: spec.task, inputs: spec.inputs, label: spec.label, categorical: spec.monitor.categorical, params }, null, 2),
      { mode: 0o600 },
    );
    const output = path.join(work, 'model.onnx');
    const flusher = setInterval(() => void flush().catch(() => undefined), 2000);
    try {
      await runCommandTrainer({
        command: trainer.command,
        cwd: trainer.cwd ?? process.cwd(),
        trainData: dataDir,
        output,
        params: paramsFile,
        timeoutMs: durationMs(trainer.timeout),
        signal: ports.signal,
        onLog: (chunk) => {
          log = (log + chunk).slice(-MAX_LOG_BYTES);
        },
        heartbeat: (d) => ports.heartbeat?.({ phase: 'training', ...(d as object) }),
        scratchDir: work,
      });
    } catch (err) {
      if (err instanceof CommandTrainerError) {
        if (err.reason === 'cancelled') throw err;
        const retryable = err.reason === 'timeout';
        const message = redact(`model ${spec.id}: ${err.message}`);
        // The cause goes to history with its message: only a redacted copy.
        const cause = new CommandTrainerError(err.reason, redact(err.message), redact(err.logTail));
        if (retryable) throw new Error(message, { cause });
        throw new UpkeepError('TrainingFailed', message, { cause });
      }
      throw err;
    } finally {
      clearInterval(flusher);
      await flush();
    }
    // the trainer made this path: a FIFO or device there must not block the worker
    const onnx = await readRegularFile(output, { what: `model ${spec.id}: trainer output`, type: 'TrainingFailed' });
    return { onnx: onnx!, log: redact(log) };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
