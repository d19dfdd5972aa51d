/** The config's `governance:` section (docs/governance.md): governance after launch. */
import * as z from 'zod';
import { DURATION_PATTERN, durationMs } from './duration.js';

const period = z
  .string()
  .regex(DURATION_PATTERN, 'expected a duration such as 7d or 12h')
  .refine((d) => !/^0+[a-z]+$/.test(d), 'expected a duration longer than 0')
  .refine((d) => !DURATION_PATTERN.test(d) || durationMs(d) <= 366 * 86_400_000, 'expected a period of at most 366d');

export const governanceSpec = z
  .strictObject({
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
  .default({});
