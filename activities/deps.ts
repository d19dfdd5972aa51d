/** The ports every activity is built from; the composition root provides them. */
import type { UpkeepConfig } from '../domain/config.js';
import type { ChannelOutboxInput } from '../domain/channel-outbox.js';
import type { StagedNotification } from '../domain/maintenance.js';
import type { DataSource } from '../engine/data/source.js';
import type { SqlConnect } from '../engine/data/sql/connection.js';
import type { EvaluationEngine } from '../engine/evaluation/types.js';
import type { ArtifactStore } from '../engine/store/store.js';
import type { TemporalPort } from '../engine/ports.js';
import type { ChannelSender } from '../engine/notify/channels/types.js';

export type { ScheduleState, TemporalPort, WorkflowRunInfo } from '../engine/ports.js';

export interface ActivityDeps {
  /** The Temporal server, for activities that read schedules, listings or histories. */
  temporal?: TemporalPort;
  /** Loads and validates the config (re-read per call, so edits apply without a restart). */
  loadConfig(): Promise<UpkeepConfig & { name: string }>;
  store: ArtifactStore;
  data: DataSource;
  /** Connects to a model's database when its data is a query; engine/data/sql/connect.ts connectSql by default. */
  sqlConnect?: SqlConnect;
  engine: EvaluationEngine;
  /** Reports progress of long activities; defaults to Temporal heartbeats. */
  heartbeat?(details: unknown): void;
  /** Aborted when the running activity is cancelled; defaults to Temporal's cancellation signal. */
  cancellation?(): AbortSignal | undefined;
  /** Where trainers get temporary working folders. */
  scratchDir?: string;
  /** Where notifications are logged (one line each); console.log by default. */
  log?(line: string): void;
  /**
   * Where a trainer's `{ secret_env: NAME }` parameters are read from: the worker's environment,
   * handed in by the composition root (none by default).
   */
  secrets?: Readonly<Record<string, string | undefined>>;
  /** HTTP client for webhooks (tests inject one); globalThis.fetch by default. */
  fetch?: typeof fetch;
  /** The running activity's attempt number (from 1); Temporal's by default (1 outside an activity). */
  attempt?(): number;
  /** The config's folder: channel secret files are relative to it (the process's folder by default). */
  configDir?: string;
  /** Delivers one message to one named channel (one attempt); the channel transports by default. Tests inject a fake. */
  channelSender?: ChannelSender;
  /** Hands a staged notification to a channel's outbox workflow (signalWithStart); the worker's client by default. */
  toOutbox?(workflowId: string, input: ChannelOutboxInput, ref: StagedNotification): Promise<void>;
}
