/**
 * The shape of upkeep.yaml: models and schedules declared as code, validated once at the edge
 * (engine/config/load.ts).
 * Every error names the file, the model and the field, e.g.
 *   upkeep.yaml: models[2] (churn): thresholds.min: expected a number between 0 and 1
 */
import * as z from 'zod';
import { cronProblem, isKnownTimeZone } from './cron.js';
import { DURATION_PATTERN, durationMs } from './duration.js';
import { filePatternProblem } from './file-pattern.js';
import { queryProblem, sqlKind, sqlUriProblem } from './sql.js';
import { limitsOverrideSpec, limitsSpec } from './limits.js';
import { inUnitInterval, lowerIsBetter, METRICS, TASKS } from './metrics.js';
import type { DecisionKeys } from './signature.js';
import { auditSpec, governanceSpec, modelGovernanceFields } from './governance-config.js';
import { modelNotifySpec, notifySettings } from './notify-config.js';
import { duration, positiveDuration } from './duration-schema.js';

export { modelNotifySpec, ROUTE_EVENTS, type ChannelSpec, type RouteEvent } from './notify-config.js';
import type { ModelTier } from './governance.js';

import { MODEL_ID_PATTERN } from './inputs.js';
import { passkeyEntry } from './passkey-config.js';
import { declaredMetricIssues, declaredMetricsSpec } from './business-config.js';
import { fairnessProblems, fairnessSpec } from './fairness-config.js';
import { segmentsSpec } from './segments.js';
import { monitorSpec } from './monitor-config.js';
export type { MonitorSpec } from './monitor-config.js';

export { MODEL_ID_PATTERN };

/** An Ed25519 public key, as `upkeep keys create` prints it. */
const publicKey = z.string().regex(/^[0-9a-f]{64}$/, 'expected an Ed25519 public key: 64 lowercase hex digits, as `upkeep keys create` prints it');
/** Someone (or a server) whose decisions carry a signature checked with `public_key`. */
export const keyEntry = z.strictObject({ id: z.string().min(1).max(200), public_key: publicKey });

/** The keys file the platform team manages (`keys_file:`): people and authenticating servers. */
export const keysFileSchema = z.strictObject({
  people: z.array(keyEntry).default([]),
  authenticators: z.array(keyEntry).default([]),
  /** People's registered devices (WebAuthn passkeys): their decisions may be signed on the device. */
  passkeys: z.array(passkeyEntry).default([]),
});

/** A file URI template (with its pattern rules) or a database URI (postgres://, duckdb:); docs/sql-sources.md. */
const sourceUri = z
  .string()
  .min(1)
  .superRefine((uri, ctx) => {
    const problem = sqlKind(uri) ? sqlUriProblem(uri) : filePatternProblem(uri);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
const sqlQuery = z
  .string()
  .min(1)
  .superRefine((query, ctx) => {
    const problem = queryProblem(query);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
const columnName = z.string().min(1).max(200);

/**
 * Where the labels come from when they arrive apart from the predictions (a second table or dated
 * files): joined to the window's rows by key; a row whose label has not arrived is unlabelled.
 */
const labelsSource = z.strictObject({
  /** A database URI or a file URI template; by default the data's own URI (a second query on the same database). */
  uri: sourceUri.optional(),
  /** With a database URI: the query giving key, label (label.column) and, optionally, known_at; {start} and {end} are the window's bounds, or absent. */
  query: z
    .string()
    .min(1)
    .superRefine((query, ctx) => {
      const problem = queryProblem(query, { labels: true });
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  format: z.enum(['csv', 'jsonl', 'parquet']).optional(),
  /** The key column in the labels; by default data.key. */
  key: columnName.optional(),
  /** When each label became known: a label known after the snapshot was taken is not used. */
  known_at: columnName.optional(),
});

/** What the model served, as logged with the predictions (docs/late-labels.md#logged-predictions-and-skew). */
const loggedSpec = z.strictObject({
  /** Column holding the served score (binary: the positive class's probability). */
  score: columnName.optional(),
  /** Column holding the served class (classification) or value (regression). */
  prediction: columnName.optional(),
  /** Judge the window on the logged outputs (what customers got) or on the model's re-score (default). */
  metrics_from: z.enum(['rescored', 'logged']).default('rescored'),
  /** A logged score further than this from the champion's re-score is training/serving skew. */
  skew_tolerance: z.number().min(0).max(1).default(0.001),
});

const dataSpec = z
  .strictObject({
    /**
     * URI template; {date} (YYYY-MM-DD), {yyyy}, {mm} and {dd} are filled per day of the window. A
     * file name with * or ? names every matching file of the day's folder (file-pattern.ts).
     * Or a database: postgres://user@host:port/db or duckdb:[///path/file.duckdb], with `query`.
     */
    uri: sourceUri,
    format: z.enum(['csv', 'jsonl', 'parquet']).optional(),
    /** With a database URI: the query read for each day of the window, with {start} and {end} bound as parameters. */
    query: sqlQuery.optional(),
    /** PostgreSQL: a file holding the password (otherwise PGPASSWORD or ~/.pgpass); never the configuration itself. */
    password_file: z.string().min(1).optional(),
    /** The window is the `days` whole days before the scheduled time (in the schedule's time zone). */
    window: z.strictObject({ days: z.number().int().min(1).max(366) }).default({ days: 7 }),
    /** The column identifying a row (a served prediction); needed to join labels that arrive apart. */
    key: columnName.optional(),
    labels: labelsSource.optional(),
    logged: loggedSpec.optional(),
  })
  .superRefine((d, ctx) => {
    const sql = sqlKind(d.uri);
    if (sql && d.query === undefined) ctx.addIssue({ code: 'custom', path: ['query'], message: `a ${sql} data URI needs a query` });
    if (!sql && d.query !== undefined) ctx.addIssue({ code: 'custom', path: ['query'], message: 'a query needs a database URI (postgres:// or duckdb:)' });
    if (sql && d.format !== undefined) ctx.addIssue({ code: 'custom', path: ['format'], message: 'format is for files, not a query' });
    if (d.password_file !== undefined && sql !== 'postgres' && sqlKind(d.labels?.uri ?? '') !== 'postgres') {
      ctx.addIssue({ code: 'custom', path: ['password_file'], message: 'password_file is for a postgres:// URI' });
    }
    if (d.labels) {
      const labelsUri = d.labels.uri ?? d.uri;
      const labelsSql = sqlKind(labelsUri);
      if (labelsSql && d.labels.query === undefined) {
        ctx.addIssue({ code: 'custom', path: ['labels', 'query'], message: `labels from a ${labelsSql} URI need a query` });
      }
      if (!labelsSql && d.labels.query !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['labels', 'query'], message: 'a labels query needs a database URI (postgres:// or duckdb:)' });
      }
      if (!labelsSql && d.labels.uri === undefined) {
        ctx.addIssue({ code: 'custom', path: ['labels', 'uri'], message: 'labels kept in files need their own uri' });
      }
      if ((d.labels.key ?? d.key) === undefined) {
        ctx.addIssue({ code: 'custom', path: ['key'], message: 'labels that arrive apart are joined by key: name the key column (data.key)' });
      }
    }
    if (d.logged && d.logged.score === undefined && d.logged.prediction === undefined) {
      ctx.addIssue({ code: 'custom', path: ['logged'], message: 'expected the logged score or prediction column (score: or prediction:)' });
    }
  });

/** Whether the data is read day by day: a dated file template, or a query (bound to each day). */
export function isDatedData(data: { uri: string; query?: string }): boolean {
  return data.query !== undefined || /\{(date|yyyy|mm|dd)\}/.test(data.uri);
}

const inputSpec = z.strictObject({
  /** Name of the ONNX graph input. */
  name: z.string().min(1),
  /** Element type the model expects. */
  type: z.enum(['float', 'double', 'int64', 'string']).default('float'),
  /** Data columns that fill the input's last dimension, in order. */
  columns: z.array(z.string().min(1)).min(1),
});

const scheduleSpec = z
  .strictObject({
    /** Fixed interval, e.g. 1d or 2m (at least 1s). */
    every: duration.refine((d) => !DURATION_PATTERN.test(d) || durationMs(d) >= 1000, 'expected an interval of at least 1s').optional(),
    /** Cron expression (5 fields or @daily etc.), evaluated in `timezone`; one that never fires is refused. */
    cron: z
      .string()
      .superRefine((c, ctx) => {
        const problem = cronProblem(c);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
    timezone: z
      .string()
      .superRefine((tz, ctx) => {
        if (!isKnownTimeZone(tz))
          ctx.addIssue({ code: 'custom', message: `unknown time zone ${JSON.stringify(tz)} (expected an IANA name such as UTC or Europe/Berlin)` });
      })
      .default('UTC'),
    jitter: duration.default('0s'),
    paused: z.boolean().default(false),
  })
  .refine((s) => (s.every === undefined) !== (s.cron === undefined), {
    message: 'give exactly one of every or cron',
  });

const builtinTrainer = z.strictObject({
  type: z.literal('builtin'),
  params: z
    .strictObject({
      /** L2 penalty; 1 is scikit-learn's C = 1 (classifiers) or Ridge alpha = 1 (regression). */
      l2: z.number().nonnegative().default(1),
      max_iter: z.number().int().min(1).max(10_000).optional(),
      tolerance: z.number().positive().optional(),
    })
    .default({ l2: 1 }),
});

const commandTrainer = z.strictObject({
  type: z.literal('command'),
  /** Run without a shell; {train_data}, {output} and {params} are replaced in each argument. */
  command: z.array(z.string().min(1)).min(1),
  /** Passed to the command in the {params} JSON file (under `params`). */
  params: z.record(z.string(), z.unknown()).default({}),
  /** The process is killed when training takes longer. */
  timeout: positiveDuration.default('1h'),
  /** Working directory (relative to the config file); the config's folder by default. */
  cwd: z.string().optional(),
});

/** What happens when a model degrades: ask, retrain, compare, ask again, promote. */
const retrainSpec = z.strictObject({
  /** The verdict that starts a retrain request: degraded (degraded or failing), failing, or never. */
  on: z.enum(['degraded', 'failing', 'never']).default('never'),
  /**
   * How a candidate is trained. No default: a model without one is never retrained (a scikit-learn
   * GradientBoosting model silently replaced by the builtin logistic regression was the alternative).
   */
  trainer: z.discriminatedUnion('type', [builtinTrainer, commandTrainer]).optional(),
  /** Days of labelled data the candidate is trained on; they end where the holdout begins. */
  training_days: z.number().int().min(1).max(3660).default(28),
  /** The most recent days: champion and candidate are compared on them; training never sees them. */
  holdout_days: z.number().int().min(1).max(366).default(7),
  /** The candidate is recommended only when its primary metric beats the champion's by more than this. */
  min_improvement: z.number().nonnegative().default(0),
  /** Share of the training days that must hold data for the candidate to be recommended. */
  min_coverage: z.number().gt(0).max(1).default(0.8),
  /** After a request closes, evaluations wait this long before asking again (`upkeep retrain` need not). */
  cooldown: duration.default('1d'),
});

/** Human approval: reminders, escalation and expiry. Nothing is ever approved automatically. */
const approvalSpec = z.strictObject({
  reminder_every: positiveDuration.default('1d'),
  escalate_after: positiveDuration.default('3d'),
  /** The request closes as expired after this long without a decision. */
  expire_after: positiveDuration.default('7d'),
  /** Told when a request is escalated, besides the owner and approvers. */
  escalation: z.array(z.string().min(1)).default([]),
});

const thresholds = z.strictObject({
  /** Primary metric the verdict is decided on. */
  metric: z.string(),
  /** Absolute minimum (for metrics where larger is better). */
  min: z.number().optional(),
  /** Absolute maximum (for error metrics such as log_loss, mae, rmse). */
  max: z.number().optional(),
  /** Largest allowed worsening from the baseline value of the metric. */
  max_drop: z.number().nonnegative().optional(),
});

/**
 * A reference built from the model's own production data instead of a frozen profile: the
 * `rolling` days just before the evaluation window (read like a window: the data URI template,
 * the same read caps), optionally only the days of the window's weekdays, so that a weekly cycle
 * is compared with itself (docs/statistics/multivariate-drift.md#references-need-not-be-frozen).
 */
const rollingReference = z.strictObject({
  /** How many days before the window, e.g. 28d (whole days). */
  rolling: positiveDuration.refine((d) => /^\d+d$/.test(d), 'expected whole days, like 28d'),
  /** `weekday`: only the days of the reference that fall on a weekday of the window. */
  same: z.enum(['weekday']).optional(),
  /** Fewer reference days with data than this: drift is not checked, and the verdict says why (default 1). */
  min_days: z.number().int().min(1).max(3660).optional(),
});
export type RollingReference = z.infer<typeof rollingReference>;

/** The shape of one model; `modelSpec` adds the cross-field checks. */
export const modelSpecBase = z.strictObject({
  id: z.string().regex(MODEL_ID_PATTERN, 'expected lowercase letters, digits, ".", "_" or "-", starting with a letter or digit'),
  owner: z.string({ error: 'every model needs an accountable owner' }).min(1, 'every model needs an accountable owner'),
  /** Ids, or { id, public_key } for approvers whose decisions must be signed (parseConfig moves keys to `keys`). */
  approvers: z
    .array(z.union([z.string().min(1).max(200), keyEntry], { error: 'expected an id, or { id, public_key }' }))
    .default([])
    .transform((list) => list.map((a) => (typeof a === 'string' ? a : a.id))),
  description: z.string().optional(),
  intended_use: z.string().optional(),
  ...modelGovernanceFields,
  task: z.enum(TASKS),
  /** The ONNX artifact: a path (relative to the config file) or a file:// URI. */
  artifact: z.string().min(1),
  inputs: z.array(inputSpec).min(1),
  outputs: z
    .strictObject({
      label: z.string().optional(),
      probabilities: z.string().optional(),
      value: z.string().optional(),
    })
    .default({}),
  /** Class labels in the order of the probability columns, when the model does not record them. */
  classes: z.array(z.union([z.string(), z.number()])).optional(),
  label: z.strictObject({
    column: z.string().min(1),
    /** Positive class of a binary model. */
    positive: z.union([z.string(), z.number(), z.boolean()]).optional(),
    /**
     * How long after a row's day its label is known (e.g. 30d: a loan's default, a billing cycle's
     * churn). A window evaluated with rows still unlabelled is evaluated again once its end plus this
     * delay has passed (docs/late-labels.md); without it, a window is evaluated once.
     */
    delay: duration
      .refine((d) => !/^0+[a-z]+$/.test(d), 'expected a duration longer than 0 (leave delay out when labels arrive with the rows)')
      .refine(
        (d) => !DURATION_PATTERN.test(d) || durationMs(d) <= 366 * 86_400_000,
        'expected a delay of at most 366d (the audit trail is searched that far back)',
      )
      .optional(),
  }),
  data: dataSpec,
  schedule: scheduleSpec,
  thresholds,
  /** Baseline metric values (e.g. measured at training time) that max_drop is measured from. */
  baseline: z.record(z.string(), z.number()).default({}),
  /** Business metrics beyond the catalogue, each with its own optional gate (domain/business-config.ts). */
  metrics: declaredMetricsSpec,
  /**
   * A reference profile (JSON from `upkeep profile`); by default the one stored for the model
   * version. Or `{ rolling: 28d, same: weekday }`: the model's own recent production data.
   */
  reference: z
    .union([z.string(), rollingReference], { error: 'expected a reference profile path, or { rolling: <days>d, same?: weekday, min_days? }' })
    .optional(),
  monitor: monitorSpec.prefault({}),
  /** Groups compared on the sensitive columns, with gates on the gaps (docs/statistics/fairness.md). */
  fairness: fairnessSpec.optional(),
  /** Weak segments found, not declared (domain/segments.ts, docs/statistics/segments.md). */
  segments: segmentsSpec.prefault({}),
  retrain: retrainSpec.prefault({}),
  approval: approvalSpec.prefault({}),
  /** Where this model's notifications go, overriding the top-level notify.routes / quiet_hours / digest (docs/channels.md). */
  notify: modelNotifySpec.optional(),
  /** Per-model overrides of the top-level `limits` (read caps; docs/data-formats.md). */
  limits: limitsOverrideSpec.optional(),
  /**
   * A window of more rows than `shard_rows` is evaluated in shards (activities on any worker,
   * by files and Parquet row groups) and merged exactly; unset: one activity.
   */
  evaluation: z.strictObject({ shard_rows: z.number().int().min(1) }).optional(),
  /** Fewer labelled rows than this give an insufficient-data verdict. */
  min_rows: z.number().int().min(1).default(100),
  /** Rows with missing or non-finite features or labels: dropped (and counted) or fail the window. */
  invalid_rows: z
    .strictObject({
      action: z.enum(['drop', 'fail']).default('drop'),
      /** Share of dropped rows above which the window is failing. */
      max_share: z.number().min(0).max(1).default(0.05),
    })
    .default({ action: 'drop', max_share: 0.05 }),
});

export const modelSpec = modelSpecBase.superRefine((m, ctx) => {
  const known: readonly string[] = METRICS[m.task];
  const metric = m.thresholds.metric;
  if (!known.includes(metric)) {
    ctx.addIssue({ code: 'custom', path: ['thresholds', 'metric'], message: `expected one of ${known.join(', ')} for a ${m.task} model` });
    return;
  }
  const lower = lowerIsBetter(metric);
  if (lower && m.thresholds.min !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['thresholds', 'min'], message: `${metric} is better when lower: use thresholds.max` });
  }
  if (!lower && m.thresholds.max !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['thresholds', 'max'], message: `${metric} is better when higher: use thresholds.min` });
  }
  for (const key of ['min', 'max'] as const) {
    const v = m.thresholds[key];
    if (v !== undefined && inUnitInterval(metric) && !(v >= 0 && v <= 1)) {
      ctx.addIssue({ code: 'custom', path: ['thresholds', key], message: 'expected a number between 0 and 1' });
    }
  }
  if (m.thresholds.max_drop !== undefined && m.baseline[metric] === undefined) {
    ctx.addIssue({ code: 'custom', path: ['baseline', metric], message: `max_drop needs a baseline value for ${metric}` });
  }
  for (const name of Object.keys(m.baseline)) {
    if (!known.includes(name)) ctx.addIssue({ code: 'custom', path: ['baseline', name], message: `unknown metric for a ${m.task} model` });
  }
  (m.segments.columns ?? []).forEach((c, i) => {
    if (c === m.label.column)
      ctx.addIssue({ code: 'custom', path: ['segments', 'columns', i], message: `${c} is the label column: segments are searched by the rows' features` });
  });
  if (m.task === 'binary' && m.label.positive === undefined) {
    ctx.addIssue({ code: 'custom', path: ['label', 'positive'], message: 'a binary model needs the positive label' });
  }
  if (m.retrain.on !== 'never') {
    if (!isDatedData(m.data)) {
      ctx.addIssue({
        code: 'custom',
        path: ['retrain', 'on'],
        message: 'retraining needs dated data (a {date} in data.uri, or a query) to keep the training days apart from the holdout',
      });
    }
    const floats = m.inputs.filter((i) => i.type === 'float').length;
    const unfit = m.inputs.find((i) => !(i.type === 'float' || (i.type === 'string' && i.columns.length === 1)));
    if (m.retrain.trainer?.type === 'builtin' && (floats > 1 || unfit)) {
      ctx.addIssue({
        code: 'custom',
        path: ['retrain', 'trainer', 'type'],
        message: `the builtin trainer makes models with one float input and one-column string inputs${unfit ? `; input ${unfit.name} (${unfit.type}, ${unfit.columns.length} columns) does not fit` : ''}: use a command trainer`,
      });
    }
  }
  if (typeof m.reference === 'object') {
    if (!isDatedData(m.data)) {
      ctx.addIssue({
        code: 'custom',
        path: ['reference', 'rolling'],
        message: 'a rolling reference needs dated data (a {date} in data.uri, or a query) to find the days before the window',
      });
    }
    const days = parseInt(m.reference.rolling, 10);
    if (m.reference.same === 'weekday' && days < 7) {
      ctx.addIssue({
        code: 'custom',
        path: ['reference', 'rolling'],
        message: `same: weekday needs at least 7d of rolling days to hold every weekday (got ${m.reference.rolling})`,
      });
    }
    if (m.reference.min_days !== undefined && m.reference.min_days > days) {
      ctx.addIssue({ code: 'custom', path: ['reference', 'min_days'], message: `min_days ${m.reference.min_days} is more than the ${days} rolling days` });
    }
  }
  for (const issue of declaredMetricIssues(m)) ctx.addIssue({ code: 'custom', ...issue });
  if (m.fairness) for (const [path, message] of fairnessProblems(m.fairness, m.task)) ctx.addIssue({ code: 'custom', path: ['fairness', ...path], message });
  const names = new Set<string>();
  m.inputs.forEach((input, i) => {
    if (names.has(input.name)) ctx.addIssue({ code: 'custom', path: ['inputs', i, 'name'], message: `duplicate input ${input.name}` });
    names.add(input.name);
  });
});

/** A permission mode written in octal digits ("0640" or 0640); the owner always keeps `min`. */
const octalMode = (min: number, what: string) =>
  z.union([z.string(), z.number().int()]).transform((v, ctx) => {
    const digits = String(v).replace(/^0o?/, '');
    const mode = /^[0-7]{3}$/.test(digits) ? parseInt(digits, 8) : NaN;
    if (Number.isNaN(mode)) ctx.addIssue({ code: 'custom', message: `expected an octal mode like ${min.toString(8).padStart(4, '0')}` });
    else if ((mode & min) !== min) ctx.addIssue({ code: 'custom', message: `${what} must stay ${min.toString(8).padStart(4, '0')} or more for their owner` });
    else if (mode & 0o002) ctx.addIssue({ code: 'custom', message: `${what} must not be writable by others` });
    return mode;
  });

/** Where an S3 bucket is and how to address it; all optional (the SDK's defaults). */
const s3Endpoint = z.strictObject({
  region: z.string().min(1).optional(),
  /** An S3-compatible server, e.g. http://127.0.0.1:7070; implies path-style addressing. */
  endpoint: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).optional(),
  path_style: z.boolean().optional(),
});

export const s3Settings = s3Endpoint.extend({
  /** Per bucket (a store's or a data source's), overriding the settings above. */
  buckets: z.record(z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'expected an S3 bucket name'), s3Endpoint).default({}),
});
export type S3Settings = z.infer<typeof s3Settings>;

export const configSchema = z.strictObject({
  version: z.literal(1).default(1),
  /** Where snapshots, reports and model cards are written: a path, file:// URI or s3://bucket/prefix. */
  store: z.string().min(1).default('.upkeep/store'),
  /** How to reach S3 for the store, artifacts and data (credentials: the standard provider chain). */
  s3: s3Settings.optional(),
  /** Modes of what the store writes: private to the worker's user unless widened here. */
  store_mode: z
    .strictObject({
      files: octalMode(0o600, 'files').default(0o600),
      folders: octalMode(0o700, 'folders').default(0o700),
    })
    .default({ files: 0o600, folders: 0o700 }),
  notify: notifySettings,
  schedules: z
    .strictObject({
      /** What `schedules sync` does with a schedule of this task queue whose model left the config. */
      orphans: z.enum(['pause', 'prune', 'keep'], { error: (issue) => `expected pause, prune or keep, not ${JSON.stringify(issue.input)}` }).default('pause'),
    })
    .default({ orphans: 'pause' }),
  /** Caps on what one input file may cost to read (docs/data-formats.md); every model inherits them. */
  limits: limitsSpec.prefault({}),
  /** A YAML or JSON file of public keys (people, authenticators), relative to this file. */
  keys_file: z.string().min(1).optional(),
  /** Servers that authenticate people themselves and sign decisions on their behalf. */
  authenticators: z.array(keyEntry).default([]),
  /** People's registered devices (WebAuthn passkeys), as in the keys file. */
  passkeys: z.array(passkeyEntry).default([]),
  /** `upkeep serve`, the web inbox (docs/web.md). */
  web: z
    .strictObject({
      /** The hashed sign-in tokens (`upkeep users add`), relative to this file; default <state folder>/web-users.json. */
      users_file: z.string().min(1).optional(),
      /** A session ends after this long without a request. */
      session_ttl: positiveDuration.default('8h'),
      /** A session ends this long after sign-in, however active. */
      session_max: positiveDuration.default('7d'),
      /** The id of the server's signing key, listed under `authenticators` (default upkeep-web@<host name>). */
      authenticator: z.string().min(1).max(200).optional(),
      /** Host names the inbox answers to, besides the bind address's and --public-url's (DNS rebinding: any other Host gets 421). */
      hosts: z
        .array(z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+|[0-9a-fA-F:]+)$/, 'expected a host name or an IP address, without a port'))
        .default([]),
    })
    .default({ session_ttl: '8h', session_max: '7d', hosts: [] }),
  /**
   * Prometheus metrics (docs/observability.md): the worker's /metrics endpoint on host:port and the
   * Temporal SDK's own worker metrics on temporal_port (default port + 1); `upkeep serve` answers
   * /metrics too, with the token. Absent: no endpoint.
   */
  metrics: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      port: z.number().int().min(1).max(65535),
      temporal_port: z.number().int().min(1).max(65535).optional(),
      /** A file holding the bearer token scrapers send (relative to this file; mode 0600): required by `upkeep serve`'s /metrics. */
      token_file: z.string().min(1).optional(),
      /** The per-model figures are read from the store and Temporal at most this often (scrapes in between share them). */
      refresh: positiveDuration.default('15s'),
    })
    .optional(),
  /** The watchdog: a daily look for models nobody is watching (README "The watchdog"). */
  watchdog: z
    .strictObject({
      /** When it runs: every or cron (+ timezone), like a model's schedule. */
      schedule: scheduleSpec.prefault({ every: '1d' }),
      /** A model's schedule paused longer than this is a finding. */
      paused_longer_than: positiveDuration.default('7d'),
      /** This many failed evaluations in a row (the latest ones) are a finding. */
      failures_in_a_row: z.number().int().min(1).max(100).default(3),
      /** A YAML or JSON file (relative to this file) listing the current people: `people: [a@x, b@y]`. */
      directory: z.string().min(1).optional(),
      /** Told about every finding, besides the model's owner and approvers. */
      platform: z.array(z.string().min(1)).default([]),
    })
    .prefault({}),
  /** Governance after launch (docs/governance.md): risk tiers (docs/signed-decisions.md#risk-tiers) and the maintenance digest. */
  governance: governanceSpec,
  /** The audit trail's anchors (docs/audit.md#anchors). */
  audit: auditSpec,
  cards: z
    .strictObject({
      /** A local git repository the model cards are also committed to. */
      git: z.string().optional(),
    })
    .default({}),
  models: z
    .array(
      // A declared model must say what "degraded" means for it.
      modelSpec.refine((m) => m.thresholds.min !== undefined || m.thresholds.max !== undefined || m.thresholds.max_drop !== undefined, {
        path: ['thresholds'],
        message: 'give at least one of min, max or max_drop',
      }),
    )
    .min(1, 'declare at least one model'),
});

/** A model as loaded: `keys` holds the public keys that apply to it (parseConfig fills it in). */
export type ModelSpec = z.infer<typeof modelSpec> & { keys?: DecisionKeys; tier?: ModelTier };
export type UpkeepConfig = Omit<z.infer<typeof configSchema>, 'models'> & { models: ModelSpec[] };
export type WatchdogSpec = UpkeepConfig['watchdog'];
export type ScheduleSpec = ModelSpec['schedule'];
