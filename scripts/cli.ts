/**
 * The upkeep command line. Composition root: the only place (with workers/ and the other
 * scripts) that reads process.env.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import path from 'node:path';
import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig, findModel } from '../activities/config/load.js';
import { createFileDataSource } from '../activities/data/source.js';
import { renderReportMarkdown } from '../activities/docs/report.js';
import { UpkeepError } from '../activities/errors.js';
import { createEvaluationEngine } from '../activities/evaluation/evaluate.js';
import { createInProcessRunner } from '../activities/evaluation/in-process-runner.js';
import type { InferenceRunner } from '../activities/evaluation/runner.js';
import { evaluateScheduleId, TASK_QUEUE, UpkeepVerdict } from '../workflows/definitions.js';
import { connectClient, connectWorker, externalTarget, type TemporalTarget } from '../workers/temporal.js';
import { formatChanges, SCHEDULE_PREFIX, syncSchedules } from '../workers/schedules.js';
import { createUpkeepWorker } from '../workers/worker.js';
import { adHocSpec, evaluateOnce, windowFiles } from './lib/one-shot.js';
import type { ModelSpec } from '../domain/config.js';
import type { Task } from '../domain/metrics.js';
import { createFileStore, sha256Hex } from '../activities/store/file-store.js';
import type { ArtifactStore } from '../activities/store/store.js';
import type { EvaluationEngine, ReferenceInput } from '../activities/evaluation/evaluate.js';
import { parseReferenceProfile } from '../activities/drift/profile.js';
import { profileReferenceData, referenceFromData, referenceFromProfile } from '../activities/drift/reference.js';
import { profileKey } from '../activities/store/keys.js';
import { baseName } from '../activities/data/source.js';
import { writeFileSync } from 'node:fs';
import { defaultConfigPath, devPorts } from './lib/paths.js';
import { addMaintenanceCommands } from './lib/maintenance-cli.js';

const env = process.env;
/** The workers' task queue (one per deployment sharing a namespace). */
const taskQueue = env.UPKEEP_TASK_QUEUE ?? TASK_QUEUE;

function cliTarget(): TemporalTarget {
  return externalTarget(env) ?? { kind: 'embedded', namespace: 'default', connectionOptions: { address: `127.0.0.1:${devPorts(env).port}` } };
}

async function withClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const target = cliTarget();
  let client: Client;
  try {
    client = await connectClient(target);
    await client.connection.workflowService.getSystemInfo({});
  } catch (err) {
    throw new UpkeepError(
      'InvalidConfig',
      `cannot reach Temporal at ${target.connectionOptions.address}: ${(err as Error).message}\n` +
        (target.kind === 'embedded' ? 'Start the embedded server and worker with `npm start`, or set TEMPORAL_ADDRESS to your cluster.' : 'Check TEMPORAL_ADDRESS and the TLS / API-key settings.'),
    );
  }
  try {
    return await fn(client);
  } finally {
    await client.connection.close();
  }
}

const parseNumber = (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new InvalidArgumentError('expected a number');
  return n;
};
const parseDate = (v: string): Date => {
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
  if (Number.isNaN(d.getTime())) throw new InvalidArgumentError('expected a date (YYYY-MM-DD) or an ISO 8601 time');
  return d;
};
const list = (v: string): string[] => v.split(',').map((s) => s.trim()).filter(Boolean);

const program = new Command('upkeep').description('Keeps production ML models maintained on Temporal: scheduled evaluation, retraining with approval, promotion.').showHelpAfterError();

program
  .command('evaluate')
  .description('evaluate a model once, in this process (no Temporal needed)')
  .option('--config <file>', 'config file (default: ./upkeep.yaml, else the example config)')
  .option('--model <id>', 'model id from the config')
  .option('--data <uri...>', 'data file(s) to evaluate instead of the configured window')
  .option('--at <time>', 'end of the configured window (default: now)', parseDate)
  .option('--onnx <file>', 'any ONNX file, evaluated without a config')
  .addOption(new Option('--task <task>', 'with --onnx: the task').choices(['binary', 'multiclass', 'regression']))
  .option('--label <column>', 'with --onnx: the label column')
  .option('--features <a,b,c>', 'with --onnx: feature columns in the order the model expects', list)
  .option('--positive-label <value>', 'with --onnx and a binary task: the positive class')
  .option('--metric <name>', 'with --onnx: the primary metric of the verdict')
  .option('--min <value>', 'with --onnx: minimum of the primary metric', parseNumber)
  .option('--max <value>', 'with --onnx: maximum of the primary metric (error metrics)', parseNumber)
  .option('--min-rows <n>', 'with --onnx: fewer labelled rows give insufficient-data', parseNumber, 1)
  .option('--reference <uri...>', 'compare with a reference: a profile (.json) or data files (all rows, exactly)')
  .option('--categorical <a,b>', 'columns to watch as categories (besides the model inputs)', list)
  .option('--segments <a,b>', 'report metrics per value of these columns (slices)', list)
  .addOption(new Option('--format <format>', 'output format').choices(['json', 'md']).default('md'))
  .action(async (o) => {
    const runner = createInProcessRunner();
    const engine = createEvaluationEngine();
    try {
      const { spec, bytes, store } = await modelForCommand(o, runner, ['task', 'label', 'features', 'data']);
      const reference = await loadReference({ spec, bytes, engine, uris: o.reference, configStore: store });
      const { report } = await evaluateOnce({ spec, modelBytes: bytes, dataUris: o.data, at: o.at, engine, reference });
      if (o.format === 'json') {
        const { rows, metrics, verdict, ...rest } = report;
        process.stdout.write(`${JSON.stringify({ rows, metrics, verdict, ...rest }, null, 2)}\n`);
      } else {
        process.stdout.write(renderReportMarkdown(report));
      }
    } finally {
      await runner.close();
      await engine.close();
    }
  });

interface ModelOptions {
  config?: string;
  model?: string;
  onnx?: string;
  task?: Task;
  label?: string;
  features?: string[];
  data?: string[];
  positiveLabel?: string;
  metric?: string;
  min?: number;
  max?: number;
  minRows?: number;
  categorical?: string[];
  segments?: string[];
}

/**
 * The model a command works on: from the config (`--model`, with its store) or any ONNX file
 * (`--onnx` with the options in `required`); `--categorical` and `--segments` add watched columns.
 */
async function modelForCommand(o: ModelOptions, runner: InferenceRunner, required: (keyof ModelOptions)[]): Promise<{ spec: ModelSpec; bytes: Uint8Array; store?: ArtifactStore }> {
  let spec: ModelSpec;
  let bytes: Uint8Array;
  let store: ArtifactStore | undefined;
  if (o.onnx) {
    for (const key of required) {
      if (!o[key]) throw new UpkeepError('InvalidConfig', `--onnx needs --${key}`);
    }
    ({ spec, bytes } = await adHocSpec({ onnx: o.onnx, task: o.task!, label: o.label!, features: o.features!, positiveLabel: o.positiveLabel, metric: o.metric, min: o.min, max: o.max, minRows: o.minRows ?? 1, runner }));
  } else {
    if (!o.model) throw new UpkeepError('InvalidConfig', 'give --model <id> (with --config) or --onnx <file>');
    const configPath = path.resolve(o.config ?? defaultConfigPath());
    const config = await loadConfig(configPath);
    spec = findModel(config, o.model, path.basename(configPath));
    const read = await createFileDataSource().read(spec.artifact);
    if (!read) throw new UpkeepError('InvalidModel', `model ${spec.id}: artifact ${spec.artifact} does not exist`);
    bytes = read;
    store = createFileStore(config.store);
  }
  const add = (have: string[], more?: string[]): string[] => [...new Set([...have, ...(more ?? [])])];
  spec = { ...spec, monitor: { ...spec.monitor, categorical: add(spec.monitor.categorical, o.categorical), segments: add(spec.monitor.segments, o.segments) } };
  return { spec, bytes, ...(store ? { store } : {}) };
}

/** --reference: a profile JSON, or data files (exact); without it, the profile stored for the model version. */
async function loadReference(o: { spec: ModelSpec; bytes: Uint8Array; engine: EvaluationEngine; uris?: string[]; configStore?: ArtifactStore }): Promise<ReferenceInput | undefined> {
  const { spec, bytes, engine } = o;
  if (o.uris && o.uris.length > 0) {
    if (o.uris.length === 1 && o.uris[0]!.endsWith('.json')) {
      const files = await windowFiles(o.uris);
      return referenceFromProfile(parseReferenceProfile(JSON.parse(new TextDecoder().decode(await files[0]!.load())), o.uris[0]), spec);
    }
    return referenceFromData({ spec, modelBytes: bytes, modelKey: sha256Hex(bytes), artifactName: baseName(spec.artifact), files: await windowFiles(o.uris, spec.data.format), engine, createdAt: new Date().toISOString(), source: o.uris.join(', ') });
  }
  const stored = await o.configStore?.tryGet(profileKey(spec.id, sha256Hex(bytes)));
  if (!stored) return undefined;
  return referenceFromProfile(parseReferenceProfile(JSON.parse(new TextDecoder().decode(stored))), spec);
}

program
  .command('profile')
  .description('profile reference (e.g. training) data with the model; stored next to the model version')
  .option('--config <file>', 'config file (default: ./upkeep.yaml, else the example config)')
  .option('--model <id>', 'model id from the config')
  .option('--onnx <file>', 'any ONNX file, without a config')
  .addOption(new Option('--task <task>', 'with --onnx: the task').choices(['binary', 'multiclass', 'regression']))
  .option('--label <column>', 'with --onnx: the label column')
  .option('--features <a,b,c>', 'with --onnx: feature columns in the order the model expects', list)
  .option('--positive-label <value>', 'with --onnx and a binary task: the positive class')
  .option('--categorical <a,b>', 'columns to profile as categories', list)
  .requiredOption('--data <uri...>', 'reference data file(s)')
  .option('--out <file>', 'also write the profile to this file')
  .action(async (o) => {
    const runner = createInProcessRunner();
    const engine = createEvaluationEngine();
    try {
      const { spec, bytes, store } = await modelForCommand(o, runner, ['task', 'label', 'features']);
      const sha = sha256Hex(bytes);
      const { profile } = await profileReferenceData({ spec, modelBytes: bytes, modelKey: sha, artifactName: baseName(spec.artifact), files: await windowFiles(o.data, spec.data.format), engine, createdAt: new Date().toISOString(), source: o.data.join(', ') });
      const text = `${JSON.stringify(profile)}\n`;
      if (store) console.log(`stored ${(await store.put(profileKey(spec.id, sha), text)).uri}`);
      if (o.out) {
        writeFileSync(o.out, text);
        console.log(`wrote ${o.out}`);
      }
      const metric = spec.thresholds.metric;
      console.log(`${spec.id}: ${profile.rows} rows, ${Object.keys(profile.columns).length} columns profiled; ${metric} on this data ${profile.baselineMetrics?.[metric] ?? '—'} (model ${sha.slice(0, 12)})`);
    } finally {
      await runner.close();
      await engine.close();
    }
  });

const schedules = program.command('schedules').description('Temporal Schedules, one per model');

schedules
  .command('sync')
  .description('create or update the schedules of the config and print the difference')
  .option('--config <file>', 'config file')
  .option('--dry-run', 'only print what would change')
  .option('--prune', 'delete upkeep schedules whose model is no longer in the config')
  .action(async (o) => {
    const config = await loadConfig(path.resolve(o.config ?? defaultConfigPath()));
    await withClient(async (client) => {
      const changes = await syncSchedules(client, config, { dryRun: o.dryRun, prune: o.prune, taskQueue });
      console.log(formatChanges(changes, !!o.dryRun));
    });
  });

schedules
  .command('list')
  .description('list the upkeep schedules with their next run and latest verdict')
  .action(async () => {
    await withClient(async (client) => {
      const rows: string[][] = [['schedule', 'spec', 'state', 'next run', 'last run', 'last verdict']];
      for await (const s of client.schedule.list()) {
        if (!s.scheduleId.startsWith(SCHEDULE_PREFIX)) continue;
        const d = await client.schedule.getHandle(s.scheduleId).describe();
        const spec = d.spec.intervals?.length
          ? d.spec.intervals.map((i) => `every ${Number(i.every) / 1000}s`).join(', ')
          : d.spec.calendars?.length
            ? `calendar (${d.spec.timezone ?? 'UTC'})`
            : '?';
        const last = d.info.recentActions.at(-1);
        let verdict = '';
        if (last) {
          const desc = await client.workflow.getHandle(last.action.workflow.workflowId, last.action.workflow.firstExecutionRunId).describe().catch(() => undefined);
          verdict = desc?.typedSearchAttributes.get(UpkeepVerdict) ?? desc?.status.name.toLowerCase() ?? '';
        }
        rows.push([s.scheduleId, spec || '?', d.state.paused ? 'paused' : 'active', d.info.nextActionTimes[0]?.toISOString() ?? '', last?.scheduledAt.toISOString() ?? '', verdict]);
      }
      if (rows.length === 1) {
        console.log('no upkeep schedules: run `upkeep schedules sync`');
        return;
      }
      const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
      for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
    });
  });

const scheduleHandle = (client: Client, model: string) => client.schedule.getHandle(model.startsWith(SCHEDULE_PREFIX) ? model : evaluateScheduleId(model));
const notFound = (model: string) => (err: unknown) => {
  if (err instanceof ScheduleNotFoundError) throw new UpkeepError('UnknownModel', `no schedule for ${model}: run \`upkeep schedules sync\` first`);
  throw err;
};

schedules
  .command('trigger <model>')
  .description('start an evaluation now (the window ends now)')
  .action(async (model: string) => {
    await withClient(async (client) => {
      await scheduleHandle(client, model).trigger(ScheduleOverlapPolicy.ALLOW_ALL).catch(notFound(model));
      console.log(`triggered ${evaluateScheduleId(model.replace(SCHEDULE_PREFIX, ''))}`);
    });
  });

for (const verb of ['pause', 'resume'] as const) {
  schedules
    .command(`${verb} <model>`)
    .description(`${verb} a model's schedule`)
    .option('--note <text>', 'why (kept on the schedule)')
    .action(async (model: string, o: { note?: string }) => {
      await withClient(async (client) => {
        const h = scheduleHandle(client, model);
        const note = o.note ?? `${verb}d with upkeep schedules ${verb}`;
        await (verb === 'pause' ? h.pause(note) : h.unpause(note)).catch(notFound(model));
        console.log(`${verb === 'pause' ? 'paused' : 'resumed'} ${h.scheduleId}`);
      });
    });
}

schedules
  .command('backfill <model>')
  .description('evaluate the past windows whose scheduled times fall in [from, to)')
  .requiredOption('--from <date>', 'start (YYYY-MM-DD or ISO time)', parseDate)
  .requiredOption('--to <date>', 'end, exclusive (YYYY-MM-DD or ISO time)', parseDate)
  .action(async (model: string, o: { from: Date; to: Date }) => {
    if (o.to <= o.from) throw new UpkeepError('InvalidConfig', '--to must be after --from');
    await withClient(async (client) => {
      const h = scheduleHandle(client, model);
      await h.backfill({ start: o.from, end: o.to, overlap: ScheduleOverlapPolicy.ALLOW_ALL }).catch(notFound(model));
      console.log(`backfilling ${h.scheduleId} from ${o.from.toISOString()} to ${o.to.toISOString()}`);
    });
  });

addMaintenanceCommands(program, { withClient, defaultRequester: env.USER ?? 'cli', taskQueue });

program
  .command('worker')
  .description('run a worker for the configured Temporal cluster (or the local dev server)')
  .option('--config <file>', 'config file')
  .action(async (o) => {
    const target = cliTarget();
    Runtime.install({ logger: new DefaultLogger('WARN') });
    const connection = await connectWorker(target);
    const { worker, engine } = await createUpkeepWorker({ connection, namespace: target.namespace, taskQueue, configPath: o.config ?? defaultConfigPath() });
    console.log(`worker polling task queue ${taskQueue} on ${target.connectionOptions.address} (${target.namespace}); Ctrl-C stops it`);
    await worker.run();
    await engine.close();
    await connection.close();
  });

program.parseAsync().catch((err: unknown) => {
  if (err instanceof UpkeepError) {
    console.error(`upkeep: ${err.message}`);
    process.exit(2);
  }
  console.error(err);
  process.exit(1);
});
