/**
 * OpenTelemetry tracing of workflows and activities (docs/tracing.md), through Temporal's
 * interceptors (@temporalio/interceptors-opentelemetry) and exported with the OTLP HTTP exporter.
 * Off unless the standard OTLP environment names an endpoint; off costs nothing at start-up: this
 * file imports types only, and the OpenTelemetry packages are loaded by startTracing when on.
 *
 * One trace per workflow run: RunWorkflow (made in the sandbox, workflows/tracing-interceptors.ts,
 * handed over through the `exporter` sink) → StartActivity → RunActivity (made here, in the
 * activity's process, from the trace header the workflow put on the activity's task). Spans
 * carry ids (workflow, run, activity) and `upkeep.model.id`, never a payload.
 */
import type { Context, Tracer } from '@opentelemetry/api';
import type { ReadableSpan, SpanProcessor, TimedEvent } from '@opentelemetry/sdk-trace-base';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import type { OpenTelemetrySinks } from '@temporalio/interceptors-opentelemetry/lib/workflow/definitions.js';
import { fileURLToPath } from 'node:url';
import { MODEL_ID_ATTRIBUTE } from '../workflows/tracing-names.js';

/** The workflow interceptor module a bundle includes when tracing is on (bundleWorkflows({ tracing: true })). */
export const TRACING_WORKFLOW_MODULE = fileURLToPath(
  new URL(`../workflows/tracing-interceptors${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url),
);

type Env = Record<string, string | undefined>;

/** A tracing setting that cannot be used: one line naming the variable. */
export class TracingSettingsError extends Error {
  override readonly name = 'SettingsError';
}

export interface TracingSettings {
  /** Where spans are POSTed (OTLP over HTTP, JSON). */
  url: string;
  /** service.name of the spans' resource. */
  serviceName: string;
}

const truthy = (v: string | undefined): boolean => (v ?? '').trim().toLowerCase() === 'true';

/**
 * Whether tracing is on, from the standard variables: on when OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
 * (used as given) or OTEL_EXPORTER_OTLP_ENDPOINT (`/v1/traces` appended) is set, unless
 * OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none. Pure: no package is loaded.
 */
export function tracingSettings(env: Env, defaultService = 'upkeep'): TracingSettings | undefined {
  if (truthy(env.OTEL_SDK_DISABLED)) return undefined;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .filter(Boolean);
  if (exporters.includes('none')) return undefined;
  const unknown = exporters.filter((e) => e !== 'otlp');
  if (unknown.length > 0)
    throw new TracingSettingsError(`OTEL_TRACES_EXPORTER: upkeep exports traces with otlp only, not ${unknown.join(', ')} (none turns tracing off)`);
  const specific = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  const general = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!specific && !general) return undefined;
  const variable = specific ? 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' : 'OTEL_EXPORTER_OTLP_ENDPOINT';
  let parsed: URL;
  try {
    parsed = new URL((specific || general)!);
  } catch {
    throw new TracingSettingsError(`${variable}: not a URL (e.g. http://localhost:4318)`);
  }
  // The general endpoint is a base: the traces' path is appended to its path (a query is kept).
  if (!specific) parsed.pathname = `${parsed.pathname.replace(/\/+$/, '')}/v1/traces`;
  const url = parsed.href;
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new TracingSettingsError(`${variable}: ${parsed.protocol} is not http: or https:`);
  for (const name of ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL']) {
    const protocol = env[name]?.trim();
    if (protocol === 'grpc')
      throw new TracingSettingsError(`${name}: upkeep exports traces over HTTP (http/json; an OTLP collector takes it on its HTTP port, 4318), not grpc`);
    if (protocol) break;
  }
  return { url, serviceName: env.OTEL_SERVICE_NAME?.trim() || defaultService };
}

/** The endpoint as a log line may show it: no user, password or query (a token may be there). */
export function describeEndpoint(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
}

/** What a worker (and a client) need when tracing is on. */
export interface Tracing {
  readonly settings: TracingSettings;
  readonly tracer: Tracer;
  /** Activity interceptors: RunActivity spans, with the model id from the workflow's baggage. */
  readonly activityInterceptors: ActivityInterceptorsFactory[];
  /** The workflow side's spans reach the exporter through this sink. */
  readonly sinks: InjectedSinks<OpenTelemetrySinks>;
  /** A client's interceptor: StartWorkflow (and signal, query) spans, the trace header on the start. */
  readonly clientInterceptors: WorkflowClientInterceptor[];
  /** Exports the spans still buffered; resolves within `timeoutMs` even when the collector does not answer. */
  flush(timeoutMs?: number): Promise<void>;
  /** Flushes, then stops exporting. */
  shutdown(timeoutMs?: number): Promise<void>;
}

export interface StartTracingOptions {
  /** service.name when OTEL_SERVICE_NAME is unset. */
  defaultService?: string;
  /**
   * Payload encryption is on (UPKEEP_PAYLOAD_KEYS): exceptions' messages and stack traces stay out
   * of the spans, as they stay out of Temporal's history; their type is kept.
   */
  encrypted?: boolean;
  /** Where a failed export is said (at most once a minute); default stderr. */
  warn?(line: string): void;
}

/** The span as exported when failure text must not leave the process: the exception's type only. */
export function withoutFailureText(span: ReadableSpan): ReadableSpan {
  const events = span.events.map((e): TimedEvent => {
    if (e.name !== 'exception' || !e.attributes) return e;
    const { 'exception.message': _m, 'exception.stacktrace': _s, ...rest } = e.attributes;
    return { ...e, attributes: rest };
  });
  const status = span.status.message === undefined ? span.status : { code: span.status.code };
  // The span's own methods (spanContext()) are reached through the prototype.
  return Object.assign(Object.create(span) as ReadableSpan, { events, status });
}

function redacting(inner: SpanProcessor): SpanProcessor {
  return {
    onStart: (span, ctx) => inner.onStart(span, ctx),
    onEnd: (span) => inner.onEnd(withoutFailureText(span)),
    forceFlush: () => inner.forceFlush(),
    shutdown: () => inner.shutdown(),
  };
}

/** Waits for `p` at most `ms`; its failure goes to `failed`, never to the caller. */
const within = async (p: Promise<void>, ms: number, failed: (err: unknown) => void): Promise<void> => {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p.catch(failed), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
};

let registered = false;

/**
 * Starts tracing when the environment turns it on (tracingSettings), else resolves undefined
 * having loaded nothing. The trace context crosses processes in Temporal's headers (W3C
 * traceparent and baggage, as JSON), which payload codecs do not encode: they carry ids only.
 */
export async function startTracing(env: Env, opts: StartTracingOptions = {}): Promise<Tracing | undefined> {
  const settings = tracingSettings(env, opts.defaultService);
  if (!settings) return undefined;
  const [otel, { AsyncLocalStorage }, sdk, resources, { OTLPTraceExporter }, interceptors, { OpenTelemetryWorkflowClientInterceptor }] = await Promise.all([
    import('@opentelemetry/api'),
    import('node:async_hooks'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@temporalio/interceptors-opentelemetry/lib/worker/index.js'),
    import('@temporalio/interceptors-opentelemetry/lib/client/index.js'),
  ]);
  let lastWarning = 0;
  const warn = opts.warn ?? ((line: string) => console.error(line));
  // A failed export is said at most once a minute (the collector down would say it every batch).
  const exportFailed = (err: unknown): void => {
    if (Date.now() - lastWarning < 60_000) return;
    lastWarning = Date.now();
    const message = err instanceof Error ? err.message : String(err);
    warn(`upkeep: tracing: could not export spans to ${describeEndpoint(settings.url)}: ${message.split('\n')[0]}`);
  };
  otel.diag.setLogger(
    {
      error: exportFailed,
      warn: () => {},
      info: () => {},
      debug: () => {},
      verbose: () => {},
    },
    { logLevel: otel.DiagLogLevel.ERROR, suppressOverrideMessage: true },
  );
  // service.name: OTEL_SERVICE_NAME, else OTEL_RESOURCE_ATTRIBUTES' (the detector reads both), else the default.
  const named = env.OTEL_SERVICE_NAME?.trim();
  let resource = resources.Resource.default()
    .merge(new resources.Resource({ 'service.name': settings.serviceName }))
    .merge(resources.detectResourcesSync({ detectors: [resources.envDetectorSync] }));
  if (named) resource = resource.merge(new resources.Resource({ 'service.name': named }));
  const serviceName = String(resource.attributes['service.name']);
  const batch = new sdk.BatchSpanProcessor(new OTLPTraceExporter({ url: settings.url }));
  const processor = opts.encrypted ? redacting(batch) : batch;
  const provider = new sdk.BasicTracerProvider({ resource, spanProcessors: [processor] });
  if (!registered) {
    registered = true;
    // Activities run across awaits: the active span follows them through AsyncLocalStorage. The
    // propagator is the standard one (OTEL_PROPAGATORS, default W3C tracecontext and baggage). A
    // provider, context manager or propagator the host process registered first is kept.
    const storage = new AsyncLocalStorage<Context>();
    provider.register({
      contextManager: {
        active: () => storage.getStore() ?? otel.ROOT_CONTEXT,
        with: (ctx, fn, thisArg, ...args) => storage.run(ctx, () => fn.apply(thisArg, args)),
        bind: (ctx, target) => (typeof target === 'function' ? (((...args: unknown[]) => storage.run(ctx, () => target(...args))) as typeof target) : target),
        enable() {
          return this;
        },
        disable() {
          storage.disable();
          return this;
        },
      },
    });
  }
  const tracer = provider.getTracer('upkeep');
  const modelIdOfContext = (): string | undefined => otel.propagation.getBaggage(otel.context.active())?.getEntry(MODEL_ID_ATTRIBUTE)?.value;
  return {
    settings: { ...settings, serviceName },
    tracer,
    activityInterceptors: [
      (ctx) => ({
        inbound: new interceptors.OpenTelemetryActivityInboundInterceptor(ctx, { tracer }),
        outbound: new interceptors.OpenTelemetryActivityOutboundInterceptor(ctx),
      }),
      // Inside RunActivity (registered after it): the workflow's model id, from the baggage.
      () => ({
        inbound: {
          execute(input, next) {
            const modelId = modelIdOfContext();
            if (modelId) otel.trace.getActiveSpan()?.setAttribute(MODEL_ID_ATTRIBUTE, modelId);
            return next(input);
          },
        },
      }),
    ],
    sinks: { exporter: interceptors.makeWorkflowExporter(processor, resource) },
    clientInterceptors: [new OpenTelemetryWorkflowClientInterceptor({ tracer })],
    flush: (timeoutMs = 10_000) => within(provider.forceFlush(), timeoutMs, exportFailed),
    shutdown: (timeoutMs = 10_000) => within(provider.shutdown(), timeoutMs, exportFailed),
  };
}

/**
 * The worker options tracing adds: activity interceptors and the workflow spans' sink, and for a
 * worker that bundles its workflows itself (`workflows`), the sandbox's interceptor module (a
 * worker given a bundle has it when bundled with bundleWorkflows({ tracing: true })).
 */
export function tracingWorkerOptions(
  tracing: Tracing | undefined,
  opts: { workflows: boolean },
): {
  interceptors?: { activity: ActivityInterceptorsFactory[]; client: { workflow: WorkflowClientInterceptor[] }; workflowModules?: string[] };
  sinks?: InjectedSinks<OpenTelemetrySinks>;
} {
  if (!tracing) return {};
  return {
    interceptors: {
      activity: tracing.activityInterceptors,
      // The client an activity reaches through its context (a channel's outbox started from an
      // activity): what it starts or signals continues the activity's trace.
      client: { workflow: tracing.clientInterceptors },
      ...(opts.workflows ? { workflowModules: [TRACING_WORKFLOW_MODULE] } : {}),
    },
    sinks: tracing.sinks,
  };
}

/** The worker, whose run() and runUntil() export the spans still buffered once its workers have stopped. */
export function flushingOnStop<W extends { run(): Promise<void>; runUntil<R>(fnOrPromise: Promise<R> | (() => Promise<R>)): Promise<R> }>(
  worker: W,
  tracing: Tracing | undefined,
): W {
  if (!tracing) return worker;
  const flushed = async <R>(p: Promise<R>): Promise<R> => {
    try {
      return await p;
    } finally {
      await tracing.flush();
    }
  };
  return { ...worker, run: () => flushed(worker.run()), runUntil: <R>(f: Promise<R> | (() => Promise<R>)) => flushed(worker.runUntil(f)) };
}
