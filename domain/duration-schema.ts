/** Durations as upkeep.yaml writes them (30s, 5m, 2h, 1d), as zod schemas the config's sections share. */
import * as z from 'zod';
import { DURATION_PATTERN, durationMs } from './duration.js';

/** Ten years: a longer duration is a typo (and overflows the scheduler's clock arithmetic). */
const MAX_DURATION_MS = 3660 * 86_400_000;
export const duration = z
  .string()
  .regex(DURATION_PATTERN, 'expected a duration like 30s, 5m, 2h or 1d')
  .refine((d) => !DURATION_PATTERN.test(d) || durationMs(d) <= MAX_DURATION_MS, 'expected a duration of at most 3660d');
export const positiveDuration = duration.refine((d) => !/^0+[a-z]+$/.test(d), 'expected a duration longer than 0');
