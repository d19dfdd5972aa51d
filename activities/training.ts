/**
 * Training a candidate: an immutable training snapshot in, a registered model version out.
 * One retrain run produces at most one version: the job record (keyed by the workflow run) is
 * written once, and a retried activity returns what the first completed attempt recorded.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readRegularFile } from '../engine/open-regular.js';
import path from 'node:path';
import type { ModelSpec } from '../domain/config.js';
import { readTables, snapshotFiles } from '../engine/data/snapshot-files.js';
import type { Table } from '../engine/data/table.js';
import { profileReferenceData } from '../engine/evaluation/reference.js';
import type { WindowFile } from '../engine/evaluation/evaluate.js';
import { UpkeepError } from '../engine/errors.js';
import type { ActivityDeps } from './deps.js';
import { createRegistry, versionId } from '../engine/registry/registry.js';
import { artifactKey, profileKey, trainingJobKey, trainingLogKey } from '../engine/store/keys.js';
import type { ModelVersion } from '../engine/registry/types.js';
import { sha256Hex } from '../engine/util.js';
import { describeTrainer, noTrainerMessage, type Decision, type ModelVersionRef } from '../domain/maintenance.js';
import { describeModelType } from '../engine/evaluation/onnx-graph.js';
import type { ResolvedModel, SnapshotRef } from '../domain/evaluation.js';
import { BuiltinTrainingError } from '../engine/training/builtin.js';
import { trainBuiltinInThread } from '../engine/training/train-thread.js';
import { CommandTrainerError, runCommandTrainer } from '../engine/training/command.js';
import { trainingSet } from '../engine/training/dataset.js';
import { redactor, resolveSecretParams } from '../engine/training/secrets.js';
import { durationMs } from '../domain/duration.js';

export interface TrainCandidateInput {
  model: ResolvedModel;
  training: SnapshotRef;
  workflow: { workflowId: string; runId: string };
  approvals: Decision[];
  at: string;
}

export interface TrainCandidateResult extends ModelVersionRef {
  rows: number;
  /** Rows the trainer used, when it says (the builtin drops rows with missing values). */
  rowsUsed?: number;
  /** What kind of model the candidate is, and the champion it may replace (describeModelType). */
  modelType?: string;
  championModelType?: string;
  trainingMetrics: Record<string, number | null>;
  logUri?: string;
}

const MAX_LOG_BYTES = 4 * 1024 * 1024;

export function createTrainingActivities(deps: Pick<ActivityDeps, 'store' | 'data' | 'engine' | 'heartbeat' | 'scratchDir' | 'cancellation' | 'secrets'>) {
  const registry = createRegistry(deps.store);

  const read = async (uri: string, what: string): Promise<Uint8Array> => {
    const signal = deps.cancellation?.();
    const bytes = await deps.data.read(uri, { what, ...(signal ? { signal } : {}) });
    // The store is immutable: an object that vanished is an operational fault, retried.
    if (!bytes) throw new Error(`${what} ${uri} is missing from the store`);
    return bytes;
  };

  const trainWithBuiltin = async (spec: ModelSpec, files: WindowFile[]): Promise<{ onnx: Uint8Array; log: string; tables: Table[]; rowsUsed: number }> => {
    if (spec.retrain.trainer?.type !== 'builtin') throw new Error('not a builtin trainer');
    const p = spec.retrain.trainer.params;
    const tables = await readTables(files, `model ${spec.id}: training`, (file) => deps.heartbeat?.({ phase: 'reading', file }), spec.limits);
    const set = trainingSet(spec, tables, { l2: p.l2, ...(p.max_iter ? { maxIterations: p.max_iter } : {}), ...(p.tolerance ? { tolerance: p.tolerance } : {}) });
    deps.heartbeat?.({ phase: 'fitting', rows: set.rows });
    const beat = setInterval(() => deps.heartbeat?.({ phase: 'fitting', rows: set.rows }), 5000);
    let result;
    try {
      result = await trainBuiltinInThread(set.input, deps.cancellation?.());
    } catch (err) {
      if (err instanceof BuiltinTrainingError) throw new UpkeepError('TrainingFailed', `model ${spec.id}: builtin training failed: ${err.message}`, { cause: err });
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
  };

  const trainWithCommand = async (spec: ModelSpec, snapshot: SnapshotRef, files: WindowFile[], logKey: string): Promise<{ onnx: Uint8Array; log: string }> => {
    const trainer = spec.retrain.trainer;
    if (trainer?.type !== 'command') throw new Error('not a command trainer');
    // Secrets are resolved here, in the worker, and redacted from everything that is kept.
    const { params, secrets } = resolveSecretParams(trainer.params, deps.secrets ?? {}, spec.id);
    const redact = redactor(secrets);
    const work = await mkdtemp(path.join(deps.scratchDir ?? '/tmp', `upkeep-train-${spec.id}-`));
    let log = '';
    let flushed = 0;
    const flush = async (): Promise<void> => {
      if (log.length === flushed) return;
      flushed = log.length;
      await deps.store.put(logKey, redact(log));
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
          signal: deps.cancellation?.(),
          onLog: (chunk) => {
            log = (log + chunk).slice(-MAX_LOG_BYTES);
          },
          heartbeat: (d) => deps.heartbeat?.({ phase: 'training', ...(d as object) }),
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
  };

  return {
    /**
     * Trains a candidate on the training snapshot with the model's trainer, checks the ONNX file
     * against the spec by running it on the training data, profiles it there (the drift reference
     * once it is champion) and registers it as a version.
     */
    async trainCandidate(input: TrainCandidateInput): Promise<TrainCandidateResult> {
      const { model, training } = input;
      const spec = model.spec;
      const trainer = spec.retrain.trainer;
      // Never a default: a model without a trainer is not replaced by whatever upkeep can fit.
      if (!trainer) throw new UpkeepError('NoTrainer', noTrainerMessage(spec.id));
      // The job record holds the whole version: registering it again is a no-op, and it completes
      // a registration that an earlier attempt did not get to.
      const recorded = async (): Promise<TrainCandidateResult | undefined> => {
        const bytes = await deps.store.tryGet(trainingJobKey(spec.id, input.workflow.runId));
        if (!bytes) return undefined;
        const job = JSON.parse(new TextDecoder().decode(bytes)) as { version: ModelVersion; result: TrainCandidateResult };
        await registry.register(job.version);
        return job.result;
      };
      const done = await recorded();
      if (done) return done;
      // Heartbeats through the steps after the fit too (profiling a large training set takes a while).
      const beat = setInterval(() => deps.heartbeat?.({ phase: 'training' }), 5000);
      try {
        const files = snapshotFiles(spec.id, training, read);
        const logKey = trainingLogKey(spec.id, input.workflow.runId);
        const { onnx, log, tables, rowsUsed } = trainer.type === 'builtin' ? await trainWithBuiltin(spec, files) : { ...(await trainWithCommand(spec, training, files, logKey)), tables: undefined, rowsUsed: undefined };
        const logPut = await deps.store.put(logKey, log);

        const sha256 = sha256Hex(onnx);
        // Evaluating the candidate on its training data checks it loads and matches the spec, and
        // gives the profile drift is measured against once it is champion.
        let profiled;
        try {
          profiled = await profileReferenceData({ spec, modelBytes: onnx, modelKey: sha256, artifactName: `candidate ${versionId(sha256)}`, files, engine: deps.engine, createdAt: input.at, source: `training snapshot ${training.sha256}`, ...(tables ? { tables } : {}) });
        } catch (err) {
          if (err instanceof UpkeepError && err.type === 'InvalidModel') throw new UpkeepError('TrainingFailed', `model ${spec.id}: the trained model does not fit the spec: ${err.message}`, { cause: err });
          throw err;
        }
        const stored = await deps.store.put(artifactKey(spec.id, sha256), onnx, { ifAbsent: true });
        const profile = await deps.store.put(profileKey(spec.id, sha256), `${JSON.stringify(profiled.profile)}\n`, { ifAbsent: true });
        const championBytes = await read(model.artifactUri, 'the champion artifact').catch(() => undefined);
        const version: ModelVersion = {
          modelId: spec.id,
          version: versionId(sha256),
          sha256,
          artifactUri: stored.uri,
          bytes: onnx.byteLength,
          createdAt: input.at,
          source: 'retrain',
          ...(model.version ? { parent: model.version } : {}),
          trainer: trainer.type === 'builtin' ? { type: 'builtin', params: { ...trainer.params } } : { type: 'command', params: trainer.params, command: trainer.command },
          training: { uri: training.uri, sha256: training.sha256, rows: training.rows, firstDay: training.firstDay, lastDay: training.lastDay },
          trainingMetrics: profiled.profile.baselineMetrics ?? {},
          referenceUri: profile.uri,
          workflow: input.workflow,
          approvals: input.approvals,
          logUri: logPut.uri,
        };
        const result: TrainCandidateResult = {
          version: version.version,
          sha256,
          artifactUri: stored.uri,
          bytes: onnx.byteLength,
          rows: training.rows,
          ...(rowsUsed !== undefined ? { rowsUsed } : {}),
          modelType: trainer.type === 'builtin' ? `${describeTrainer(trainer, spec.task)!.replace(/^builtin /, '')} (builtin trainer)` : describeModelType(onnx),
          ...(championBytes ? { championModelType: describeModelType(championBytes) } : {}),
          trainingMetrics: version.trainingMetrics!,
          logUri: logPut.uri,
        };
        // The job record decides: if another attempt finished first, its version is the one.
        await deps.store.put(trainingJobKey(spec.id, input.workflow.runId), `${JSON.stringify({ version, result }, null, 2)}\n`, { ifAbsent: true });
        return (await recorded())!;
      } finally {
        clearInterval(beat);
      }
    },
  };
}
