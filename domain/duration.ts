/** Durations as the config writes them: a whole number and a unit, e.g. 250ms, 30s, 5m, 2h or 1d. */
export const DURATION_PATTERN = /^(\d+)(ms|s|m|h|d)$/;

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Milliseconds of a duration in the config's format. */
export function durationMs(d: string): number {
  const m = DURATION_PATTERN.exec(d);
  if (!m) throw new Error(`not a duration: ${d}`);
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}
