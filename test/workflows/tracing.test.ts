import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Client, WorkflowFailedError } from '@temporalio/client';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { evaluateModel } from '../../workflows/index.js';
import type { EvaluateModelResult } from '../../workflows/definitions.js';
import { createEncryptionCodec, upkeepDataConverter } from '../../workers/codec.js';
import { startTracing, tracingWorkerOptions, type Tracing } from '../../workers/tracing.js';
import { bundleWorkflows, createUpkeepWorker } from '../../workers/worker.js';
import { testBundle } from '../helpers/bundles.js';
import { testTemporal, uniqueModelId, uniqueTaskQueue } from '../helpers/temporal.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';
import { waitFor } from '../helpers/wait.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.js';

const CLI = fileURLToPath(new URL('../../bin/upkeep.mjs', import.meta.url));

/** Every string a span carries (attributes, events' attributes, status message). */
const textOf = (s: ReceivedSpan): string => JSON.stringify([s.attributes, s.events, s.status.message ?? '']);

describe('tracing a real evaluation to a local OTLP receiver', function () {
  this.timeout(180_000);
  let ws: Workspace | undefined;
  let receiver: OtlpReceiver | undefined;
  let tracing: Tracing | undefined;
  // Spans leave only when flushed (the batch's own timer never fires in a test): a worker that
  // stops and a command that closes its client export what they hold.
  const delay = process.env.OTEL_BSP_SCHEDULE_DELAY;
  before(() => void (process.env.OTEL_BSP_SCHEDULE_DELAY = '600000'));
  after(() => (delay === undefined ? delete process.env.OTEL_BSP_SCHEDULE_DELAY : void (process.env.OTEL_BSP_SCHEDULE_DELAY = delay)));
  afterEach(async () => {
    ws?.remove();
    await tracing?.shutdown();
    await receiver?.close();
    ws = undefined;
    tracing = undefined;
  });

  async function setUp(name: string, opts: { encrypted?: boolean } = {}) {
    const t = await testTemporal();
    receiver = await startOtlpReceiver();
    tracing = await startTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_SERVICE_NAME: 'upkeep-test' }, { encrypted: opts.encrypted === true });
    assert.ok(tracing, 'the OTLP endpoint turns tracing on');
    const modelId = uniqueModelId(name);
    const taskQueue = uniqueTaskQueue(name);
    ws = createWorkspace(modelId);
    for (const day of ['2026-03-01', '2026-03-02', '2026-03-03']) ws.addDay(day, 'data/binary.csv');
    const codecs = opts.encrypted ? [createEncryptionCodec([{ id: 'k1', key: randomBytes(32) }], { requireEncrypted: true })] : [];
    const bundle = opts.encrypted ? bundleWorkflows({ tracing: true, encryptFailures: true }) : testBundle('traced');
    const dataConverter = upkeepDataConverter(codecs);
    // The CLI's side: a client whose StartWorkflow span is the trace's root.
    const client = new Client({
      connection: t.client.connection,
      interceptors: { workflow: tracing.clientInterceptors },
      ...(dataConverter ? { dataConverter } : {}),
    });
    const { worker, engine } = await createUpkeepWorker({
      connection: t.connection,
      client: t.client,
      namespace: 'default',
      taskQueue,
      configPath: ws.configPath,
      workflowBundle: await bundle,
      payloadCodecs: codecs,
      tracing,
    });
    return { t, modelId, taskQueue, client, worker, engine, bundle: await bundle };
  }

  it('gets the workflow and activity spans of one evaluation in one trace, with the model id and no payload', async function () {
    const { t, modelId, taskQueue, client, worker, engine, bundle } = await setUp('traced');
    const workflowId = `${modelId}-run`;
    let result: EvaluateModelResult;
    try {
      // runUntil returns after the worker stopped: the spans still buffered are exported by then.
      result = await worker.runUntil(client.workflow.execute(evaluateModel, { taskQueue, workflowId, args: [{ modelId, windowEnd: '2026-03-04T06:00:00Z' }] }));
    } finally {
      await engine.close();
    }
    assert.equal(result.verdict.status, 'healthy');
    const spans = receiver!.spans;
    assert.deepEqual(receiver!.refused, []);
    const names = new Set(spans.map((s) => s.name));
    for (const name of [
      'StartWorkflow:evaluateModel',
      'RunWorkflow:evaluateModel',
      'StartActivity:resolveModel',
      'RunActivity:resolveModel',
      'RunActivity:evaluateSnapshot',
    ])
      assert.ok(names.has(name), `${name} among ${[...names].join(', ')}`);
    // One trace: every span of this run shares the client's trace id, and each has its parent there.
    const root = spans.find((s) => s.name === 'StartWorkflow:evaluateModel')!;
    const trace = spans.filter((s) => s.traceId === root.traceId);
    assert.equal(trace.length, spans.length, 'no span outside the trace');
    const ids = new Set(trace.map((s) => s.spanId));
    for (const s of trace) if (s !== root) assert.ok(s.parentSpanId && ids.has(s.parentSpanId), `${s.name}'s parent is in the trace`);
    const run = trace.find((s) => s.name === 'RunWorkflow:evaluateModel')!;
    assert.equal(run.parentSpanId, root.spanId);
    const evaluate = trace.find((s) => s.name === 'RunActivity:evaluateSnapshot')!;
    const started = trace.find((s) => s.spanId === evaluate.parentSpanId)!;
    assert.equal(started.name, 'StartActivity:evaluateSnapshot');
    assert.equal(started.parentSpanId, run.spanId);
    // The model id on the workflow's span and on every activity's, as the workflow's baggage carried it.
    assert.equal(run.attributes['upkeep.model.id'], modelId);
    for (const s of trace.filter((x) => x.name.startsWith('RunActivity:'))) {
      assert.equal(s.attributes['upkeep.model.id'], modelId, s.name);
      assert.equal(s.attributes.temporalWorkflowId, workflowId, s.name);
    }
    assert.equal(run.resource['service.name'], 'upkeep-test');
    assert.equal(evaluate.resource['service.name'], 'upkeep-test');
    // No payload: nothing of the input, the data or the result is in a span.
    for (const s of trace) {
      const text = textOf(s);
      for (const leaked of ['2026-03', 'binary.csv', ws!.dir, 'roc_auc', 'healthy', String(result.rows)])
        assert.ok(!text.includes(leaked), `${s.name} carries ${leaked}: ${text}`);
    }
    // The recorded history replays with the traced bundle and with the plain one: tracing changes no command.
    const history = await t.client.workflow.getHandle(workflowId).fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: bundle, sinks: tracing!.sinks }, history, workflowId);
    await Worker.runReplayHistory({ workflowBundle: t.bundle }, history, workflowId);
  });

  it('with payload encryption, keeps failure text out of the spans and the trace header out of the codec', async function () {
    const { t, modelId, taskQueue, client, worker, engine } = await setUp('encrypted', { encrypted: true });
    const workflowId = `${modelId}-unknown`;
    const missing = `${modelId}-not-configured`;
    try {
      await worker.runUntil(async () => {
        const err = await client.workflow
          .execute(evaluateModel, { taskQueue, workflowId, args: [{ modelId: missing, windowEnd: '2026-03-04T06:00:00Z' }], workflowExecutionTimeout: '60s' })
          .catch((e: unknown) => e);
        assert.ok(err instanceof WorkflowFailedError, String(err));
      });
    } finally {
      await engine.close();
    }
    // The activity's failure is recorded on its span (an exception event), as its type only.
    const resolve = receiver!.spans.find((s) => s.name === 'RunActivity:resolveModel');
    assert.ok(
      resolve?.events.some((e) => e.name === 'exception'),
      JSON.stringify(resolve),
    );
    assert.equal(resolve!.attributes['upkeep.model.id'], missing);
    for (const s of receiver!.spans) {
      assert.equal(s.status.message, undefined, s.name);
      for (const e of s.events.filter((x) => x.name === 'exception')) {
        assert.ok(e.attributes['exception.type'], `${s.name}: the exception's type is kept`);
        assert.deepEqual(
          Object.keys(e.attributes).filter((k) => k === 'exception.message' || k === 'exception.stacktrace'),
          [],
          s.name,
        );
      }
    }
    // The trace context crosses the server as a plain header the codec does not touch (strict
    // payloads refuse unencrypted payloads, not headers): ids only.
    const history = await t.client.workflow.getHandle(workflowId).fetchHistory();
    const scheduled = history.events!.find((e) => e.activityTaskScheduledEventAttributes)!.activityTaskScheduledEventAttributes!;
    const header = scheduled.header!.fields!['_tracer-data']!;
    assert.equal(Buffer.from(header.metadata!.encoding!).toString(), 'json/plain');
    assert.deepEqual(Object.keys(JSON.parse(Buffer.from(header.data!).toString())).sort(), ['baggage', 'traceparent']);
    assert.equal(Buffer.from(scheduled.input!.payloads![0]!.metadata!.encoding!).toString(), 'binary/encrypted');
  });

  it('traces a workflow the CLI starts from the command, with the worker in the same trace', async function () {
    const { t, taskQueue, worker, engine } = await setUp('cli');
    const env = {
      ...process.env,
      TEMPORAL_ADDRESS: t.address,
      UPKEEP_TASK_QUEUE: taskQueue,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver!.endpoint,
      OTEL_SERVICE_NAME: '',
      HOME: '/nonexistent',
    };
    try {
      const { stdout } = await worker.runUntil(
        promisify(execFile)(process.execPath, [CLI, 'watchdog', 'run', '--config', ws!.configPath], { env, timeout: 90_000 }),
      );
      assert.match(stdout, /^watchdog /);
    } finally {
      await engine.close();
    }
    const start = receiver!.spans.find((s) => s.name === 'StartWorkflow:watchdog');
    assert.ok(start, `the command's span: ${receiver!.spans.map((s) => s.name).join(', ')}`);
    assert.equal(start.resource['service.name'], 'upkeep-cli');
    const run = receiver!.spans.find((s) => s.name === 'RunWorkflow:watchdog')!;
    assert.equal(run.traceId, start.traceId);
    assert.equal(run.parentSpanId, start.spanId);
    assert.equal(run.resource['service.name'], 'upkeep-test');
    assert.ok(receiver!.spans.some((s) => s.name === 'RunActivity:watchdogInspect' && s.traceId === start.traceId));
  });

  it('upkeep worker bundles the tracing interceptors itself and exports its spans when SIGTERM stops it', async function () {
    const t = await testTemporal();
    receiver = await startOtlpReceiver();
    const modelId = uniqueModelId('sigterm');
    const taskQueue = uniqueTaskQueue('sigterm');
    ws = createWorkspace(modelId);
    for (const day of ['2026-03-01', '2026-03-02', '2026-03-03']) ws.addDay(day, 'data/binary.csv');
    const child = spawn(process.execPath, [CLI, 'worker', '--config', ws.configPath], {
      env: { ...process.env, TEMPORAL_ADDRESS: t.address, UPKEEP_TASK_QUEUE: taskQueue, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, HOME: '/nonexistent' },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      await waitFor('the worker polling', async () => (out.includes('worker polling') ? true : undefined), { timeoutMs: 90_000, intervalMs: 200 });
      const result = await t.client.workflow.execute(evaluateModel, {
        taskQueue,
        workflowId: `${modelId}-run`,
        args: [{ modelId, windowEnd: '2026-03-04T06:00:00Z' }],
      });
      assert.equal(result.verdict.status, 'healthy');
      assert.equal(receiver.spans.length, 0, 'nothing is exported before the batch is flushed');
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, out);
    assert.match(out, new RegExp(`upkeep: tracing to ${receiver.endpoint.replace(/[.]/g, '[.]')}/v1/traces as upkeep-worker`));
    const run = receiver.spans.find((s) => s.name === 'RunWorkflow:evaluateModel');
    assert.ok(run, `spans: ${receiver.spans.map((s) => s.name).join(', ')}`);
    assert.equal(run.attributes['upkeep.model.id'], modelId);
    assert.equal(run.resource['service.name'], 'upkeep-worker');
    const evaluate = receiver.spans.find((s) => s.name === 'RunActivity:evaluateSnapshot');
    assert.equal(evaluate?.traceId, run.traceId);
    assert.equal(evaluate?.attributes['upkeep.model.id'], modelId);
  });

  it("continues the trace through the worker's own client: what an activity starts from its context is in the run's trace", async function () {
    const t = await testTemporal();
    receiver = await startOtlpReceiver();
    tracing = (await startTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint }))!;
    const taskQueue = uniqueTaskQueue('ctx-client');
    const modelId = uniqueModelId('ctx-client');
    const startedId = `${modelId}-started-by-activity`;
    // The first activity an evaluation runs, replaced by one that starts a workflow through its context's client (as a
    // channel's outbox is started), then stops the run.
    const worker = await Worker.create({
      connection: t.connection,
      taskQueue,
      workflowBundle: await testBundle('traced'),
      activities: {
        async resolveModel() {
          await Context.current().client.workflow.start('watchdog', { taskQueue: `${taskQueue}-nobody`, workflowId: startedId, args: [] });
          throw ApplicationFailure.nonRetryable('stop here');
        },
      },
      ...tracingWorkerOptions(tracing, { workflows: false }),
    });
    await worker.runUntil(async () => {
      const err = await t.client.workflow
        .execute(evaluateModel, { taskQueue, workflowId: `${modelId}-run`, args: [{ modelId, windowEnd: '2026-03-04T06:00:00Z' }] })
        .catch((e: unknown) => e);
      assert.ok(err instanceof WorkflowFailedError, String(err));
    });
    await t.client.workflow.getHandle(startedId).terminate('test over');
    await tracing.flush();
    const run = receiver.spans.find((s) => s.name === 'RunWorkflow:evaluateModel');
    const activity = receiver.spans.find((s) => s.name === 'RunActivity:resolveModel');
    const started = receiver.spans.find((s) => s.name === 'StartWorkflow:watchdog');
    assert.ok(run && activity && started, receiver.spans.map((s) => s.name).join(', '));
    assert.equal(activity.traceId, run.traceId);
    assert.equal(started.traceId, run.traceId);
    assert.equal(started.parentSpanId, activity.spanId);
  });
});
