/**
 * Training a candidate: an immutable training snapshot in, a registered model version out. The
 * model's trainer makes the ONNX file; running it on the training data checks it against the spec
 * and gives its profile (the drift reference once it is champion). One retrain run produces at
 * most one version: the job record (keyed by the workflow run) is written once, and a retried
 * call returns what the first completed attempt recorded.
 */
import type { ResolvedModel, SnapshotRef } from '../../domain/evaluation.js';
import { describeTrainer, noTrainerMessage, type Decision, type ModelVersionRef } from '../../domain/maintenance.js';
import { snapshotFiles } from '../data/snapshot-files.js';
import type { DataSource } from '../data/source.js';
import { storedReaders } from '../data/stored-files.js';
import { UpkeepError } from '../errors.js';
import { describeModelType } from '../evaluation/onnx-graph.js';
import { profileReferenceData } from '../evaluation/reference.js';
import type { EvaluationEngine } from '../evaluation/types.js';
import { createRegistry, versionId } from '../registry/registry.js';
import type { ModelVersion } from '../registry/types.js';
import { artifactKey, profileKey, trainingJobKey, trainingLogKey } from '../store/keys.js';
import type { ArtifactStore } from '../store/store.js';
import { sha256Hex } from '../util.js';
import { trainWithBuiltin, trainWithCommand, type TrainerPorts } from './run-trainer.js';

/** What training a candidate needs: the trainer's ports, the data source and the evaluation engine. */
export interface CandidatePorts extends TrainerPorts {
  store: ArtifactStore;
  data: DataSource;
  engine: EvaluationEngine;
}

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

/**
 * Trains a candidate on the training snapshot with the model's trainer, checks the ONNX file
 * against the spec by running it on the training data, profiles it there and registers it as a version.
 */
export async function trainCandidate(ports: CandidatePorts, input: TrainCandidateInput): Promise<TrainCandidateResult> {
  const registry = createRegistry(ports.store);
  const read = storedReaders(ports.data, ports.signal).read;
  const { model, training } = input;
  const spec = model.spec;
  const trainer = spec.retrain.trainer;
  // Never a default: a model without a trainer is not replaced by whatever upkeep can fit.
  if (!trainer) throw new UpkeepError('NoTrainer', noTrainerMessage(spec.id));
  // The job record holds the whole version: registering it again is a no-op, and it completes
  // a registration that an earlier attempt did not get to.
  const recorded = async (): Promise<TrainCandidateResult | undefined> => {
    const bytes = await ports.store.tryGet(trainingJobKey(spec.id, input.workflow.runId));
    if (!bytes) return undefined;
    const job = JSON.parse(new TextDecoder().decode(bytes)) as { version: ModelVersion; result: TrainCandidateResult };
    await registry.register(job.version);
    return job.result;
  };
  const done = await recorded();
  if (done) return done;
  // Heartbeats through the steps after the fit too (profiling a large training set takes a while).
  const beat = setInterval(() => ports.heartbeat?.({ phase: 'training' }), 5000);
  try {
    const files = snapshotFiles(spec.id, training, read);
    const logKey = trainingLogKey(spec.id, input.workflow.runId);
    const { onnx, log, tables, rowsUsed } =
      trainer.type === 'builtin'
        ? await trainWithBuiltin(ports, spec, files)
        : { ...(await trainWithCommand(ports, spec, training, files, logKey)), tables: undefined, rowsUsed: undefined };
    const logPut = await ports.store.put(logKey, log);

    const sha256 = sha256Hex(onnx);
    // Evaluating the candidate on its training data checks it loads and matches the spec, and
    // gives the profile drift is measured against once it is champion.
    let profiled;
    try {
      profiled = await profileReferenceData({
        spec,
        modelBytes: onnx,
        modelKey: sha256,
        artifactName: `candidate ${versionId(sha256)}`,
        files,
        engine: ports.engine,
        createdAt: input.at,
        source: `training snapshot ${training.sha256}`,
        ...(tables ? { tables } : {}),
      });
    } catch (err) {
      if (err instanceof UpkeepError && err.type === 'InvalidModel')
        throw new UpkeepError('TrainingFailed', `model ${spec.id}: the trained model does not fit the spec: ${err.message}`, { cause: err });
      throw err;
    }
    const stored = await ports.store.put(artifactKey(spec.id, sha256), onnx, { ifAbsent: true });
    const profile = await ports.store.put(profileKey(spec.id, sha256), `${JSON.stringify(profiled.profile)}\n`, { ifAbsent: true });
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
      trainer:
        trainer.type === 'builtin' ? { type: 'builtin', params: { ...trainer.params } } : { type: 'command', params: trainer.params, command: trainer.command },
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
    await ports.store.put(trainingJobKey(spec.id, input.workflow.runId), `${JSON.stringify({ version, result }, null, 2)}\n`, { ifAbsent: true });
    return (await recorded())!;
  } finally {
    clearInterval(beat);
  }
}
