/** `risk_tier` and `governance:` in upkeep.yaml (the rules they set: domain/governance.ts, which the workflows import without zod). */
import * as z from 'zod';
import { DURATION_PATTERN, durationMs } from './duration.js';
import { RISK_TIERS } from './governance.js';

export const riskTier = z.enum(RISK_TIERS, { error: (issue) => `expected low, medium or high, not ${JSON.stringify(issue.input)}` });

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
});

/** `governance:` in upkeep.yaml: the default tier and the tier table. */
export const governanceSpec = z
  .strictObject({
    default_tier: riskTier.default('medium'),
    tiers: z.partialRecord(riskTier, tierSpec).default({}),
  })
  .prefault({});
