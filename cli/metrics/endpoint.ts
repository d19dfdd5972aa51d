/**
 * The /metrics endpoints (docs/observability.md): the worker's own small HTTP server on the
 * config's `metrics.host:port`, the route of `upkeep serve`, the bearer token both check, and the
 * Temporal SDK's runtime telemetry on the neighbouring port.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import { Runtime, type RuntimeOptions, type TelemetryOptions } from '@temporalio/worker';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { UpkeepConfig } from '../../domain/config.js';
import { durationMs } from '../../domain/duration.js';
import { UpkeepError } from '../../engine/errors.js';
import type { ArtifactStore } from '../../engine/store/store.js';
import type { EvaluationMetrics } from '../../workers/metrics.js';
import { evaluationMetrics } from './evaluation.js';
import { registerModelMetrics } from './models.js';
import { bearerMatches, readMetricsToken } from './token.js';

export { bearerMatches, readMetricsToken };

export type MetricsSettings = NonNullable<UpkeepConfig['metrics']>;

/** A registry with the process's own metrics (CPU, memory, event loop). */
export function processRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * The port of this process: `UPKEEP_METRICS_PORT` overrides the config's (two workers on one host
 * sharing one config), and Temporal's metrics follow it on the next port unless configured.
 */
export function metricsPorts(m: MetricsSettings, env: NodeJS.ProcessEnv = process.env): { port: number; temporalPort: number } {
  const given = env.UPKEEP_METRICS_PORT;
  if (given !== undefined && given !== '') {
    const port = Number(given);
    if (!Number.isInteger(port) || port < 1 || port > 65534)
      throw new UpkeepError('InvalidConfig', `UPKEEP_METRICS_PORT=${given} is not a port number (1 to 65534)`);
    return { port, temporalPort: port + 1 };
  }
  return { port: m.port, temporalPort: m.temporal_port ?? m.port + 1 };
}

const hostPort = (host: string, port: number): string => `${host.includes(':') ? `[${host}]` : host}:${port}`;

/**
 * The SDK's runtime telemetry for Runtime.install: its Prometheus exporter on the neighbouring
 * port, durations in seconds with their unit and counters ending in _total (Prometheus's naming),
 * or nothing when metrics are off.
 */
export function temporalTelemetry(config: Pick<UpkeepConfig, 'metrics'>, env: NodeJS.ProcessEnv = process.env): Pick<TelemetryOptions, 'metrics'> {
  if (!config.metrics) return {};
  const { temporalPort } = metricsPorts(config.metrics, env);
  return {
    metrics: {
      prometheus: { bindAddress: hostPort(config.metrics.host, temporalPort), useSecondsForDurations: true, unitSuffix: true, countersTotalSuffix: true },
    },
  };
}

/**
 * Runtime.install with Temporal's metrics exporter when the config has a `metrics` block, the
 * runtime created at once, so that a port already in use is said plainly, naming the setting.
 */
export function installRuntime(options: RuntimeOptions, config: Pick<UpkeepConfig, 'metrics'>, env: NodeJS.ProcessEnv = process.env): void {
  const telemetry = temporalTelemetry(config, env);
  try {
    Runtime.install({ ...options, telemetryOptions: { ...options.telemetryOptions, ...telemetry } });
    if (config.metrics) Runtime.instance();
  } catch (err) {
    if (!telemetry.metrics || !/metrics exporter/i.test((err as Error).message)) throw err;
    const address = (telemetry.metrics as { prometheus: { bindAddress: string } }).prometheus.bindAddress;
    throw new UpkeepError(
      'InvalidConfig',
      `metrics: Temporal's worker metrics cannot listen on ${address} (${(err as Error).message}): set metrics.temporal_port, or UPKEEP_METRICS_PORT for this process`,
    );
  }
}

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

/** A server answering GET /metrics with the registry (and the token, when given); anything else 404. */
export async function startMetricsServer(o: {
  host: string;
  port: number;
  registry: Registry;
  token?: string;
  log?: (line: string) => void;
}): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://metrics');
    if (url.pathname !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found: the metrics are at /metrics\n');
      return;
    }
    if (o.token !== undefined && !bearerMatches(req.headers.authorization, o.token)) {
      res.writeHead(401, { 'Content-Type': 'text/plain', 'WWW-Authenticate': 'Bearer' }).end('the metrics need the bearer token of metrics.token_file\n');
      return;
    }
    o.registry.metrics().then(
      (body) => res.writeHead(200, { 'Content-Type': o.registry.contentType }).end(req.method === 'HEAD' ? undefined : body),
      (err: unknown) => {
        o.log?.(`metrics: a scrape failed: ${(err as Error).message}`);
        res.writeHead(500, { 'Content-Type': 'text/plain' }).end('the metrics could not be collected\n');
      },
    );
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new UpkeepError(
          'InvalidConfig',
          `metrics: cannot listen on ${hostPort(o.host, o.port)} (${err.code ?? err.message}): metrics.port or UPKEEP_METRICS_PORT`,
        ),
      ),
    );
    server.listen(o.port, o.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${hostPort(o.host, port)}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The per-model gauges over the config, the store and Temporal, in a new registry with the process's metrics. */
export function upkeepRegistry(o: {
  config: () => Promise<UpkeepConfig>;
  refresh: string;
  store: ArtifactStore;
  client?: Client;
  taskQueue: string;
}): Registry {
  const registry = processRegistry();
  registerModelMetrics({
    registry,
    config: o.config,
    store: o.store,
    ...(o.client ? { client: o.client } : {}),
    taskQueue: o.taskQueue,
    refreshMs: durationMs(o.refresh),
  });
  return registry;
}

/**
 * The worker's metrics when the config has a `metrics` block: the per-model gauges, the
 * evaluation histograms (handed to createUpkeepWorker) and the server on metrics.host:port.
 */
export async function startWorkerMetrics(o: {
  config: UpkeepConfig;
  configPath: string;
  /** Re-reads the config (an edit adds or removes models); default: the one given. */
  readConfig?: () => Promise<UpkeepConfig>;
  store: ArtifactStore;
  client?: Client;
  taskQueue: string;
  log?: (line: string) => void;
}): Promise<{ evaluation: EvaluationMetrics; server: MetricsServer } | undefined> {
  const m = o.config.metrics;
  if (!m) return undefined;
  const token = readMetricsToken(o.config, o.configPath);
  const registry = upkeepRegistry({
    config: o.readConfig ?? (() => Promise.resolve(o.config)),
    refresh: m.refresh,
    store: o.store,
    ...(o.client ? { client: o.client } : {}),
    taskQueue: o.taskQueue,
  });
  const evaluation = evaluationMetrics(registry);
  const server = await startMetricsServer({
    host: m.host,
    port: metricsPorts(m).port,
    registry,
    ...(token ? { token } : {}),
    ...(o.log ? { log: o.log } : {}),
  });
  return { evaluation, server };
}
