/** The primary metric's move since the previous evaluation, and how a table draws it. */
import { lowerIsBetter } from '../../domain/metrics.js';
import type { MetricTrend, TrendDirection } from './types.js';

/** Moves smaller than this print the same to 4 decimals: flat. */
export const FLAT_TOLERANCE = 0.00005;

/** `value` against `previous` (the nearest earlier evaluation that had a value). */
export function metricTrend(metric: string, value: number | null, previous: number | null): MetricTrend {
  if (value === null || previous === null) return { direction: 'unknown', better: null, previous, delta: null };
  const delta = value - previous;
  if (Math.abs(delta) < FLAT_TOLERANCE) return { direction: 'flat', better: null, previous, delta };
  const direction: TrendDirection = delta > 0 ? 'up' : 'down';
  return { direction, better: (direction === 'up') !== lowerIsBetter(metric), previous, delta };
}

const ARROWS: Record<TrendDirection, { utf8: string; ascii: string }> = {
  up: { utf8: '↑', ascii: '^' },
  down: { utf8: '↓', ascii: 'v' },
  flat: { utf8: '→', ascii: '=' },
  unknown: { utf8: ' ', ascii: ' ' },
};

export function trendArrow(direction: TrendDirection, utf8 = true): string {
  return utf8 ? ARROWS[direction].utf8 : ARROWS[direction].ascii;
}
