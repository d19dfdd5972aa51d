/**
 * A throwaway Prometheus for the metrics test (test/e2e/prometheus.test.ts): Debian's
 * `prometheus` package (the server and `promtool`), started on 127.0.0.1 and a free port with its
 * data in a temporary folder, removed when it stops.
 *
 * The binaries are, in order: UPKEEP_PROMETHEUS_BIN (a folder holding prometheus and promtool);
 * `prometheus` on PATH; else, as root with apt-get, Debian's package installed now (`npm test`
 * does this once: scripts/test.ts). Anywhere else the test is skipped, saying why.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnSyncOptions } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { freePort, isExecutable, onPath } from '../workers/dev-server.js';

export type PrometheusLookup = { bin: string; missing?: undefined } | { bin?: undefined; missing: string };

const hasServer = (dir: string): boolean => isExecutable(path.join(dir, 'prometheus')) && isExecutable(path.join(dir, 'promtool'));

function look(): string | undefined {
  const found = onPath('prometheus', process.env);
  if (found && hasServer(path.dirname(found))) return path.dirname(found);
  return hasServer('/usr/bin') ? '/usr/bin' : undefined;
}

/**
 * The folder of prometheus and promtool. With `install` (the default; `npm test`), Debian's
 * package is installed when there is none and this runs as root on a machine with apt-get.
 */
export function resolvePrometheus(opts: { install?: boolean; log?: (line: string) => void } = {}): PrometheusLookup {
  const configured = process.env.UPKEEP_PROMETHEUS_BIN;
  if (configured) return hasServer(configured) ? { bin: configured } : { missing: `UPKEEP_PROMETHEUS_BIN=${configured} does not hold prometheus and promtool` };
  const found = look();
  if (found) return { bin: found };
  const advice = "install Debian's prometheus package, or set UPKEEP_PROMETHEUS_BIN to a folder holding prometheus and promtool";
  if (opts.install === false) return { missing: `no Prometheus (prometheus, promtool): ${advice}` };
  const aptGet = onPath('apt-get', process.env);
  if (!aptGet || process.getuid?.() !== 0) return { missing: `no Prometheus and ${aptGet ? 'not root' : 'no apt-get'} to install it: ${advice}` };
  opts.log?.("installing Debian's prometheus package for the metrics test (apt-get) ...");
  // The package's own service (a Prometheus on :9090) is not wanted: a policy-rc.d refuses it while installing.
  const policy = '/usr/sbin/policy-rc.d';
  const ownPolicy = !existsSync(policy);
  if (ownPolicy) writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  const quiet: SpawnSyncOptions = { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } };
  let r: ReturnType<typeof spawnSync>;
  try {
    spawnSync(aptGet, ['update', '-qq'], quiet);
    r = spawnSync(aptGet, ['install', '-y', '-qq', '--no-install-recommends', 'prometheus'], quiet);
  } finally {
    if (ownPolicy) rmSync(policy, { force: true });
  }
  const installed = look();
  if (r.status === 0 && installed) return { bin: installed };
  return { missing: `could not install Debian's prometheus package (apt-get exited ${r.status}): ${advice}` };
}

/** The binaries for a test: `npm test`'s lookup (UPKEEP_PROMETHEUS_BIN / UPKEEP_PROMETHEUS_MISSING), else one without installing. */
export function testPrometheus(): PrometheusLookup {
  if (process.env.UPKEEP_PROMETHEUS_MISSING) return { missing: process.env.UPKEEP_PROMETHEUS_MISSING };
  return resolvePrometheus({ install: false });
}

export interface ScrapeTarget {
  job: string;
  /** host:port */
  target: string;
  /** A file holding the bearer token the target wants. */
  tokenFile?: string;
}

export interface RunningPrometheus {
  url: string;
  /** GET /api/v1/<path> with the query parameters; the `data` of a success, else throws with Prometheus's error. */
  api<T = unknown>(apiPath: string, params?: Record<string, string>): Promise<T>;
  /** An instant query's result vector. */
  query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  output(): string;
  stop(): Promise<void>;
}

/** `promtool check rules <files>`: its exit code and output. */
export function checkRules(bin: string, files: string[]): { code: number | null; output: string } {
  const r = spawnSync(path.join(bin, 'promtool'), ['check', 'rules', ...files], { encoding: 'utf8' });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

/** Prometheus scraping `targets` every `intervalS` seconds and evaluating `ruleFiles` as often, ready when this resolves. */
export async function startPrometheus(bin: string, o: { targets: ScrapeTarget[]; ruleFiles?: string[]; intervalS?: number }): Promise<RunningPrometheus> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-prometheus-'));
  const interval = `${o.intervalS ?? 1}s`;
  const config = {
    global: { scrape_interval: interval, evaluation_interval: interval, scrape_timeout: interval },
    rule_files: o.ruleFiles ?? [],
    scrape_configs: o.targets.map((t) => ({
      job_name: t.job,
      static_configs: [{ targets: [t.target] }],
      ...(t.tokenFile ? { authorization: { type: 'Bearer', credentials_file: t.tokenFile } } : {}),
    })),
  };
  const configFile = path.join(dir, 'prometheus.yml');
  writeFileSync(configFile, stringify(config));
  let out = '';
  let child: ChildProcess | undefined;
  const onExit = (): void => void child?.kill('SIGKILL');
  process.once('exit', onExit);
  const stopNow = async (): Promise<void> => {
    process.off('exit', onExit);
    if (child && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([gone, new Promise((resolve) => setTimeout(resolve, 5_000))]);
      child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const port = await freePort();
    child = spawn(
      path.join(bin, 'prometheus'),
      [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${path.join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
        // Series whose target vanished are not kept: each query sees what is scraped now.
        '--query.lookback-delta=30s',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir },
    );
    child.stdout!.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-8000)));
    child.stderr!.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-8000)));
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`prometheus exited ${child.exitCode} at start:\n${out}`);
      const ready = await fetch(`${url}/-/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) break;
      if (Date.now() > deadline) throw new Error(`prometheus not ready after 60 s:\n${out}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const api = async <T>(apiPath: string, params: Record<string, string> = {}): Promise<T> => {
      const res = await fetch(`${url}/api/v1/${apiPath}?${new URLSearchParams(params)}`);
      const body = (await res.json()) as { status: string; data?: T; error?: string };
      if (body.status !== 'success') throw new Error(`prometheus ${apiPath} ${JSON.stringify(params)}: ${body.error ?? res.status}`);
      return body.data as T;
    };
    return {
      url,
      api,
      query: async (expr) => (await api<{ result: { metric: Record<string, string>; value: [number, string] }[] }>('query', { query: expr })).result,
      output: () => out,
      stop: stopNow,
    };
  } catch (err) {
    await stopNow();
    throw err;
  }
}
