/**
 * The config's `risk_tier` and `governance:` section (docs/governance.md): separation of duties
 * (the rules they set: domain/governance.ts, which the workflows import without zod) and the
 * maintenance digest.
 */
import * as z from 'zod';
import { DURATION_PATTERN, durationMs } from './duration.js';
import { RISK_TIERS } from './governance.js';
import { INCIDENT_SEVERITIES } from './incident-clock.js';

export const riskTier = z.enum(RISK_TIERS, { error: (issue) => `expected low, medium or high, not ${JSON.stringify(issue.input)}` });

const period = z
  .string()
  .regex(DURATION_PATTERN, 'expected a duration such as 7d or 12h')
  .refine((d) => !/^0+[a-z]+$/.test(d), 'expected a duration longer than 0')
  .refine((d) => !DURATION_PATTERN.test(d) || durationMs(d) <= 366 * 86_400_000, 'expected a period of at most 366d');

const deadline = z
  .string()
  .regex(DURATION_PATTERN, 'expected a duration such as 2d or 36h')
  .refine((d) => !DURATION_PATTERN.test(d) || (durationMs(d) > 0 && durationMs(d) <= 366 * 86_400_000), 'expected a duration longer than 0 and at most 366d');

/** The reporting clock of incidents per severity (docs/incidents.md#the-reporting-clock): reports due within these of detection. */
const incidentReports = z.partialRecord(
  z.enum(INCIDENT_SEVERITIES),
  z
    .strictObject({ initial: deadline, final: deadline })
    .refine((c) => !DURATION_PATTERN.test(c.initial) || !DURATION_PATTERN.test(c.final) || durationMs(c.final) > durationMs(c.initial), {
      message: 'final must be later than initial (both count from detection)',
      path: ['final'],
    }),
);

/** One tier's demands in the config; every field optional (the defaults: DEFAULT_TIERS). */
const tierSpec = z.strictObject({
  review_every: z
    .string()
    .regex(DURATION_PATTERN, 'expected a duration like 90d')
    .refine(
      (d) => !DURATION_PATTERN.test(d) || (durationMs(d) > 0 && durationMs(d) <= 3660 * 86_400_000),
      'expected a duration longer than 0 and at most 3660d',
    )
    .optional(),
  approvals_required: z.number().int().min(1).max(10).optional(),
  owner_may_approve: z.boolean().optional(),
  requester_may_approve: z.boolean().optional(),
  /** This tier's reporting clock, severity by severity over `governance.incident_reports`. */
  incident_reports: incidentReports.optional(),
  /** Decisions on the tier's models must be signed by the person (device or own key), not by a server for them. */
  require_own_signature: z.boolean().optional(),
});

/** `governance:` in upkeep.yaml: the default tier, the tier table, and the maintenance digest. */
export const governanceSpec = z
  .strictObject({
    default_tier: riskTier.default('medium'),
    tiers: z.partialRecord(riskTier, tierSpec).default({}),
    /** Reports due after an incident is detected, per severity: e.g. failing: { initial: 2d, final: 15d }. */
    incident_reports: incidentReports.optional(),
    /** A maintenance digest every period (default 7d): to the people listed, and to each owner about their models. */
    digest: z
      .strictObject({
        every: period.default('7d'),
        /** Told about the whole fleet (e.g. the platform team's address). */
        to: z.array(z.string().min(1)).default([]),
        /** Each owner is also sent the digest of their own models. */
        owners: z.boolean().default(true),
      })
      .optional(),
  })
  .prefault({});

/** `audit:` in upkeep.yaml: how often every model's chain head is anchored in Temporal history (docs/audit.md#anchors). */
export const auditSpec = z
  .strictObject({
    anchor_every: z
      .string()
      .regex(DURATION_PATTERN, 'expected a duration such as 1h or 30m')
      .refine((d) => !/^0+[a-z]+$/.test(d), 'expected a duration longer than 0')
      .default('1h'),
    /** A second store (folder, file:// or s3://) given a copy of every anchor. */
    anchor_store: z.string().min(1).optional(),
    /** A local git repository each anchor is committed to. */
    anchor_git: z.string().min(1).optional(),
  })
  .default({ anchor_every: '1h' });

const reviewDuration = z
  .string()
  .regex(DURATION_PATTERN, 'expected a duration like 90d')
  .refine((d) => !DURATION_PATTERN.test(d) || (durationMs(d) >= 60_000 && durationMs(d) <= 3660 * 86_400_000), 'expected a duration of 1m to 3660d');

/**
 * A model's `review:` (docs/governance.md#periodic-reviews): how often its owner (and `reviewers`)
 * attest, with a signed decision, that it is still fit for its use, and the questions they answer.
 * `every` defaults to the risk tier's `review_every` and may not be longer; the request reminds,
 * escalates and expires like an approval.
 */
export const reviewSpec = z.strictObject({
  every: reviewDuration.optional(),
  questions: z.array(z.string().min(1).max(500)).max(20).optional(),
  reviewers: z.array(z.string().min(1).max(200)).max(20).optional(),
  reminder_every: reviewDuration.optional(),
  escalate_after: reviewDuration.optional(),
  expire_after: reviewDuration.optional(),
});

/** A model's own governance fields (spread into the model's schema in config.ts). */
export const modelGovernanceFields = {
  /** Materiality: sets how many approve a promotion and whether the owner or requester may (default governance.default_tier). */
  risk_tier: riskTier.optional(),
  /** Periodic reviews (docs/governance.md#periodic-reviews): every (default the tier's review_every), questions, reviewers. */
  review: reviewSpec.optional(),
  /** Decisions must be signed by the person (their device or own key), never by a server on their behalf (default: the tier's). */
  require_own_signature: z.boolean().optional(),
};
