/**
 * The workflow-logic tier: the real workflow code on Temporal's time-skipping test server, with the
 * activities mocked in memory. Timers of hours and days pass in milliseconds: a gate's reminders,
 * escalation and expiry, a retrain cooldown, are tested at the durations a config really uses.
 *
 * The server is the launcher `npm test` resolved (UPKEEP_TEST_SERVER), or one resolved here for a
 * standalone mocha run (scripts/test-server.ts); when none can be had the tier is skipped, saying why.
 */
import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { WorkflowUpdateFailedError, type ConnectionOptions, type ConnectionPlugin, type WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { resolveTestServer } from '../../scripts/test-server.js';
import { modelSpec } from '../../domain/config.js';
import type { Activities } from '../../activities/index.js';
import type { ResolvedModel } from '../../domain/evaluation.js';
import type { AuditEntry, DecisionInput, LastRetrainRequest, MaintenanceStage, MaintenanceStatus, NotificationEvent } from '../../domain/maintenance.js';
import { decideUpdate, maintenanceStatusQuery, trainingTaskQueue } from '../../workflows/definitions.js';
import { testBundle } from './bundles.js';
import { demoModel } from './demo-workspace.js';
import { waitFor } from './wait.js';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export interface TimeSkipping {
  env: TestWorkflowEnvironment;
  bundle: WorkflowBundleWithSourceMap;
}

let runtimeInstalled = false;

/**
 * The client pings every 30 s by default; the Java server allows one every 5 minutes and answers
 * more with GOAWAY ("excess pings"), after which a waiting call can hang past a test's timeout.
 */
const calmKeepalive: ConnectionPlugin = {
  name: 'upkeep-test-keepalive',
  configureConnection: (options: ConnectionOptions): ConnectionOptions => ({
    ...options,
    channelArgs: { ...options.channelArgs, 'grpc.keepalive_time_ms': 6 * 60_000, 'grpc.keepalive_permit_without_calls': 0 },
  }),
};

/** The SDK gives the server 5 s to answer; a JVM on a busy machine may need a second try. */
async function startEnv(launcher: string): Promise<TestWorkflowEnvironment> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: launcher } }, plugins: [calmKeepalive] });
    } catch (err) {
      if (attempt >= 3) throw new Error(`the time-skipping test server (${launcher}) did not start in 3 tries: ${(err as Error).message}`);
    }
  }
}

/**
 * A new time-skipping environment, or why there is none. Time is global to a server: the tests that
 * share one run one at a time and count time from its current time. Close it with `env.teardown()`.
 */
export async function timeSkipping(): Promise<TimeSkipping | string> {
  const missing = process.env.UPKEEP_TEST_SERVER_MISSING;
  const found = missing ? { missing } : await resolveTestServer({ log: (line) => console.log(`  (${line})`) });
  if (!found.path) return found.missing ?? 'no time-skipping test server';
  if (!runtimeInstalled) {
    runtimeInstalled = true;
    try {
      Runtime.install({ logger: new DefaultLogger('ERROR') });
    } catch {
      // another helper of this process (test/helpers/temporal.ts) installed it, the same way
    }
  }
  const [env, workflowBundle] = await Promise.all([startEnv(found.path), testBundle('plain')]);
  // The workflows tag their runs with these (the dev server is started with them registered).
  const { INDEXED_VALUE_TYPE_KEYWORD } = temporal.api.enums.v1.IndexedValueType;
  await env.connection.operatorService.addSearchAttributes({
    namespace: 'default',
    searchAttributes: { UpkeepModelId: INDEXED_VALUE_TYPE_KEYWORD, UpkeepVerdict: INDEXED_VALUE_TYPE_KEYWORD },
  });
  return { env, bundle: workflowBundle };
}

/**
 * For a `before` hook: a server of the suite's own, which its `after` hook tears down (one per
 * describe: with mocha's parallel runs a process runs several files, and a server shared between
 * them outlived the hooks of the file that started it); when there is none, the suite is skipped
 * with the reason printed.
 */
export async function timeSkippingOrSkip(ctx: Mocha.Context): Promise<TimeSkipping> {
  const t = await timeSkipping();
  if (typeof t === 'string') {
    console.log(`  skipped: ${t}`);
    ctx.skip();
  }
  return t as TimeSkipping;
}

export const uniqueId = (name: string): string => `${name}-${randomUUID().slice(0, 8)}`;

/** A resolved model as resolveModel would return it: the demo spec (with `overrides`) at `version`. */
export function resolvedModel(modelId: string, version: string, overrides: Record<string, unknown> = {}): ResolvedModel {
  const sha = version.padEnd(64, '0');
  return {
    modelId,
    spec: modelSpec.parse(demoModel(modelId, overrides)),
    artifactUri: `file:///store/${sha}.onnx`,
    artifactSha256: sha,
    artifactBytes: 1000,
    version,
    source: 'config',
    generation: 1,
  };
}

/**
 * The activities, in memory: what the workflows record, send and change is kept for the test to read.
 * `overrides` replace single activities (e.g. evaluateSnapshot's metrics).
 */
export function mockActivities(model: ResolvedModel, overrides: Partial<Activities> = {}) {
  const entries: AuditEntry[] = [];
  const notifications: NotificationEvent[] = [];
  const calls: { name: string; input: unknown }[] = [];
  const state: { champion: ResolvedModel; last: LastRetrainRequest | null; cards: string[] } = { champion: model, last: null, cards: [] };
  const call = (name: string, input: unknown): void => void calls.push({ name, input });
  /** A window of `days` days (a day of 400 rows each) ending at `windowEnd`, `skipDays` before it left out. */
  const snapshot = (input: { windowEnd: string; days?: number; skipDays?: number }) => {
    const end = Date.parse(input.windowEnd.slice(0, 10)) - (input.skipDays ?? 0) * DAY;
    const dates = Array.from({ length: input.days ?? 3 }, (_, i) => new Date(end - i * DAY).toISOString().slice(0, 10)).reverse();
    const files = dates.map((date) => ({
      date,
      sourceUri: `file:///data/${date}.csv`,
      uri: `file:///store/${date}.csv`,
      sha256: 'f'.repeat(64),
      bytes: 20_000,
      rows: 400,
    }));
    return {
      uri: `file:///store/snapshots/${dates[0]}-${dates.at(-1)}.json`,
      sha256: `${dates[0]}${dates.at(-1)}`.replace(/-/g, '').padEnd(64, '0'),
      firstDay: dates[0]!,
      lastDay: dates.at(-1)!,
      windowEnd: input.windowEnd,
      rows: 400 * dates.length,
      files,
      missing: [],
    };
  };
  const summary = (auc: number) => ({
    rows: 2000,
    rowsRead: 2000,
    droppedRows: 0,
    invalid: [],
    metrics: { roc_auc: auc, accuracy: auc - 0.05 },
    undefinedMetrics: {},
    metricWarnings: {},
    warnings: [],
    durationMs: 5,
  });
  const activities = {
    async resolveModel(input: { modelId: string }) {
      call('resolveModel', input);
      return state.champion;
    },
    async resolveVersion(input: { modelId: string; version: string }) {
      call('resolveVersion', input);
      return { ...model, version: input.version, artifactSha256: input.version.padEnd(64, '0'), source: 'retrain' };
    },
    async snapshotWindow(input: { windowEnd: string; days?: number; skipDays?: number }) {
      call('snapshotWindow', input);
      return snapshot(input);
    },
    async evaluateSnapshot(input: { model: ResolvedModel }) {
      call('evaluateSnapshot', input);
      // The champion degraded (below its minimum 0.72); a retrained candidate is better.
      return summary(input.model.source === 'retrain' ? 0.81 : 0.66);
    },
    async assessTrend(input: { metric: string }) {
      return { metric: input.metric, declining: false, slopePerWeek: null, since: null, pValue: null, points: 1 };
    },
    async writeReport(input: { snapshot: { windowEnd: string } }) {
      call('writeReport', input);
      return {
        jsonUri: `file:///store/reports/${input.snapshot.windowEnd}.json`,
        markdownUri: `file:///store/reports/${input.snapshot.windowEnd}.md`,
        sha256: 'a'.repeat(64),
      };
    },
    async lastRetrainRequest(input: { modelId: string }) {
      call('lastRetrainRequest', input);
      return state.last;
    },
    async recordRetrainOutcome(input: LastRetrainRequest) {
      call('recordRetrainOutcome', input);
      state.last = input;
    },
    async trainCandidate(input: unknown) {
      call('trainCandidate', input);
      const version = 'c0ffee000001';
      return {
        version,
        sha256: version.padEnd(64, '0'),
        artifactUri: `file:///store/${version}.onnx`,
        bytes: 1200,
        rows: 2400,
        rowsUsed: 2400,
        modelType: 'logistic regression',
        trainingMetrics: { roc_auc: 0.83 },
      };
    },
    async storeEvidence(input: { modelId: string }) {
      call('storeEvidence', input);
      return { uri: 'file:///store/evidence/e.json', sha256: 'e'.repeat(64) };
    },
    async setChampion(input: { version: string; expected: string | null }) {
      call('setChampion', input);
      state.champion = { ...state.champion, version: input.version };
      return { generation: 2 };
    },
    async rollbackTarget(input: { modelId: string; to?: string }) {
      call('rollbackTarget', input);
      return { from: state.champion.version!, to: input.to ?? 'a11ce0000001', baseline: { roc_auc: 0.8 }, generation: 2 };
    },
    async recordLedger(input: { entries: AuditEntry[] }) {
      entries.push(...input.entries);
    },
    async notify(event: NotificationEvent) {
      notifications.push(event);
    },
    async stageNotification(input: { event: NotificationEvent }) {
      return { key: 'staged', event: input.event };
    },
    // No channels are routed (test/workflow-logic/channel-outbox.test.ts runs the real ones).
    async routeNotification() {
      return { channels: [] };
    },
    async verdictEvents() {
      return {};
    },
    async updateModelCard(input: { modelId: string; reason: string }) {
      state.cards.push(input.reason);
      return { markdownUri: 'file:///store/cards/m.md', jsonUri: 'file:///store/cards/m.json' };
    },
    ...overrides,
  };
  return {
    activities: activities as unknown as Partial<Activities>,
    entries,
    notifications,
    calls,
    state,
    named: (name: string) => calls.filter((c) => c.name === name),
  };
}

/** Runs `fn` while a worker serves the workflows (and one the training queue) with `activities`. */
export async function withWorkers<T>(t: TimeSkipping, taskQueue: string, activities: Partial<Activities>, fn: () => Promise<T>): Promise<T> {
  const common = { connection: t.env.nativeConnection, namespace: 'default', activities: activities as Record<string, (...args: never[]) => Promise<unknown>> };
  const [main, training] = await Promise.all([
    Worker.create({ ...common, taskQueue, workflowBundle: t.bundle }),
    Worker.create({ ...common, taskQueue: trainingTaskQueue(taskQueue) }),
  ]);
  return main.runUntil(training.runUntil(fn));
}

export const statusOf = (h: WorkflowHandle): Promise<MaintenanceStatus> => h.query(maintenanceStatusQuery);

/** Waits (in real time, not skipping any) until the workflow's gate for `stage` is open. */
export const atStage = (h: WorkflowHandle, stage: MaintenanceStage): Promise<MaintenanceStatus> =>
  waitFor(
    `stage ${stage}`,
    async () => {
      const s = await statusOf(h);
      return s.stage === stage && (s.gate || !stage.startsWith('awaiting')) ? s : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 50, ignoreErrors: true },
  );

export const decide = (h: WorkflowHandle, input: DecisionInput) => h.executeUpdate(decideUpdate, { args: [input] });

export async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) return err.cause?.message ?? err.message;
    throw err;
  }
  throw new Error('the update was accepted');
}
