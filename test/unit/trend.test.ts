import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { detectDecline, mannKendall, theilSenSlope, type DeclineOptions, type TrendPoint } from '../../engine/cards/trend.js';

// ------------------------------------------------------------------------------------------------
// Golden file (scripts/fixtures/golden_trend.py)

interface GoldenCase {
  name: string;
  description: string;
  points: TrendPoint[];
  opts: DeclineOptions;
  expected: {
    points: number;
    since?: string;
    slopePerDay?: number;
    slopePerWeek?: number;
    pValue?: number;
    declining?: boolean;
    mannKendall?: { s: number; variance: number; z: number; tau: number };
  };
}

const golden = JSON.parse(readFileSync(fileURLToPath(new URL('../fixtures/golden/trend.json', import.meta.url)), 'utf8')) as { cases: GoldenCase[] };

function assertClose(actual: number, expected: number, what: string, rel = 1e-9, abs = 1e-14): void {
  assert.ok(Math.abs(actual - expected) <= Math.max(rel * Math.abs(expected), abs), `${what}: expected ${expected}, got ${actual}`);
}

function weekly(start: string, values: (number | null)[]): TrendPoint[] {
  const t0 = Date.parse(`${start}T00:00:00Z`);
  return values.map((value, i) => ({ windowEnd: new Date(t0 + i * 7 * 86_400_000).toISOString().slice(0, 10), value }));
}

/** Deterministic noise in [-1, 1). */
function noise(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  };
}

const AUC = { metric: 'roc_auc', higherIsBetter: true } as const;

// ------------------------------------------------------------------------------------------------

describe('slow decline detection', () => {
  describe('agreement with scipy and the textbook Mann–Kendall test (golden file)', () => {
    for (const c of golden.cases) {
      it(`matches the reference for ${c.name} (${c.description})`, () => {
        const r = detectDecline(c.points, c.opts);
        const e = c.expected;
        assert.equal(r.points, e.points);
        assert.equal(r.method, 'theil-sen + mann-kendall');
        if (e.since !== undefined) assert.equal(r.since, e.since);
        if (e.slopePerDay !== undefined) {
          assertClose(r.slopePerDay, e.slopePerDay, 'slopePerDay');
          assertClose(r.slopePerWeek, e.slopePerWeek!, 'slopePerWeek');
          assertClose(r.pValue, e.pValue!, 'pValue');
          assert.equal(r.declining, e.declining);
          const mk = e.mannKendall!;
          assert.equal(r.mannKendall.s, mk.s);
          assertClose(r.mannKendall.variance, mk.variance, 'Var(S)');
          assertClose(r.mannKendall.z, mk.z, 'Z');
          assertClose(r.mannKendall.tau, mk.tau, 'tau');
        }
      });
    }
  });

  describe('decisions', () => {
    it('detects a steady decline of 0.003 per week over 8 windows while every value stays above a 0.7 threshold, since the first window', () => {
      const values = Array.from({ length: 8 }, (_, i) => 0.78 - 0.003 * i);
      assert.ok(values.every((v) => v > 0.7));
      const r = detectDecline(weekly('2026-09-14', values), AUC);
      assert.equal(r.declining, true);
      assert.equal(r.since, '2026-09-14');
      assert.equal(r.points, 8);
      assertClose(r.slopePerWeek, -0.003, 'slope per week', 1e-9);
      assertClose(r.slopePerDay, -0.003 / 7, 'slope per day', 1e-9);
      assert.ok(r.pValue < 0.05, String(r.pValue));
      assert.equal(r.message, 'roc_auc falling 0.003 per week since 2026-09-14');
    });

    it('detects a decline hidden in week-to-week noise', () => {
      const rnd = noise(3);
      const values = Array.from({ length: 12 }, (_, i) => 0.8 - 0.003 * i + 0.002 * rnd());
      const r = detectDecline(weekly('2026-06-01', values), AUC);
      assert.equal(r.declining, true, r.message);
      assert.match(r.message!, /^roc_auc falling 0\.00\d+ per week since 2026-06-01$/);
    });

    it('does not flag flat noisy data', () => {
      const rnd = noise(7);
      const values = Array.from({ length: 12 }, () => 0.8 + 0.01 * rnd());
      const r = detectDecline(weekly('2026-06-01', values), AUC);
      assert.equal(r.declining, false);
      assert.ok(r.pValue >= 0.05, String(r.pValue));
      assert.match(r.message!, /^no significant decline in roc_auc over 12 windows since 2026-06-01 \(Theil–Sen: /);
    });

    it('does not flag an improving metric, however significant', () => {
      const values = Array.from({ length: 10 }, (_, i) => 0.7 + 0.004 * i);
      const r = detectDecline(weekly('2026-06-01', values), AUC);
      assert.equal(r.declining, false);
      assert.ok(r.pValue < 0.001);
      assert.ok(r.slopePerWeek > 0);
      assert.match(r.message!, /rising 0\.004 per week/);
    });

    it('treats a rising error metric as the decline and a falling one as an improvement', () => {
      const rising = weekly(
        '2026-06-01',
        Array.from({ length: 8 }, (_, i) => 0.3 + 0.01 * i),
      );
      const up = detectDecline(rising, { metric: 'log_loss', higherIsBetter: false });
      assert.equal(up.declining, true);
      assert.equal(up.message, 'log_loss rising 0.01 per week since 2026-06-01');
      const falling = weekly(
        '2026-06-01',
        Array.from({ length: 8 }, (_, i) => 0.3 - 0.01 * i),
      );
      assert.equal(detectDecline(falling, { metric: 'log_loss', higherIsBetter: false }).declining, false);
    });

    it('does not judge with fewer points than minPoints and says why', () => {
      const r = detectDecline(weekly('2026-09-14', [0.8, 0.79, 0.78, 0.77, 0.76]), AUC);
      assert.equal(r.declining, false);
      assert.equal(r.points, 5);
      assert.equal(r.message, 'only 5 windows have a roc_auc value; at least 6 are needed to judge a trend');
    });

    it('counts only windows with a value, and says how many of the last windows had one', () => {
      const r = detectDecline(weekly('2026-09-14', [0.8, null, 0.79, null, 0.78, 0.77, null, 0.76]), AUC);
      assert.equal(r.declining, false);
      assert.equal(r.points, 5);
      assert.equal(r.message, 'only 5 of the last 8 windows have a roc_auc value; at least 6 are needed to judge a trend');
      const none = detectDecline([], AUC);
      assert.equal(none.declining, false);
      assert.equal(none.since, '');
      assert.equal(none.slopePerDay, 0);
      assert.equal(none.pValue, 1);
      assert.equal(none.message, 'no window has a roc_auc value; at least 6 are needed to judge a trend');
    });

    it('looks only at the last `window` windows, so an old decline followed by a plateau is not reported', () => {
      const old = Array.from({ length: 10 }, (_, i) => 0.9 - 0.01 * i);
      const rnd = noise(11);
      const plateau = Array.from({ length: 12 }, () => 0.8 + 0.003 * rnd());
      const points = weekly('2026-01-05', [...old, ...plateau]);
      assert.equal(detectDecline(points, AUC).declining, false);
      const wide = detectDecline(points, { ...AUC, window: 22 });
      assert.equal(wide.declining, true);
      assert.equal(wide.since, '2026-01-05');
      assert.equal(detectDecline(points, AUC).since, points[10]!.windowEnd);
    });

    it('orders points by time whatever the input order, and lets a later entry for the same window win', () => {
      const values = Array.from({ length: 8 }, (_, i) => 0.8 - 0.003 * i);
      const points = weekly('2026-09-14', values);
      const shuffled = [points[5]!, points[0]!, points[7]!, points[2]!, points[1]!, points[6]!, points[3]!, points[4]!];
      assert.deepEqual(detectDecline(shuffled, AUC), detectDecline(points, AUC));
      // An early bogus value for the last window is superseded by the later re-run.
      const rerun = [{ windowEnd: points[7]!.windowEnd, value: 0.95 }, ...points];
      assert.deepEqual(detectDecline(rerun, AUC), detectDecline(points, AUC));
    });

    it('measures time in days, so irregular windows give the slope per calendar week', () => {
      const days = [0, 1, 3, 4, 8, 9, 10, 14];
      const t0 = Date.parse('2026-10-01T00:00:00Z');
      const points = days.map((d) => ({ windowEnd: new Date(t0 + d * 86_400_000).toISOString(), value: 0.9 - 0.001 * d }));
      const r = detectDecline(points, AUC);
      assertClose(r.slopePerDay, -0.001, 'per day');
      assertClose(r.slopePerWeek, -0.007, 'per week');
      assert.equal(r.since, '2026-10-01');
    });

    it('reads dates and offset-less date-times as UTC', () => {
      const a = detectDecline(weekly('2026-09-14', [0.8, 0.79, 0.78, 0.77, 0.76, 0.75]), AUC);
      const b = detectDecline(
        weekly('2026-09-14', [0.8, 0.79, 0.78, 0.77, 0.76, 0.75]).map((p) => ({ ...p, windowEnd: `${p.windowEnd}T00:00:00` })),
        AUC,
      );
      assert.equal(a.slopePerDay, b.slopePerDay);
      assert.equal(b.since, '2026-09-14');
    });

    it('refuses malformed dates and options', () => {
      assert.throws(() => detectDecline([{ windowEnd: 'last tuesday', value: 0.8 }], AUC), /not an ISO 8601 date/);
      assert.throws(() => detectDecline([], { ...AUC, minPoints: 2 }), RangeError);
      assert.throws(() => detectDecline([], { ...AUC, minPoints: 8, window: 6 }), RangeError);
      assert.throws(() => detectDecline([], { ...AUC, alpha: 0 }), RangeError);
    });
  });

  describe('building blocks', () => {
    it('computes the Theil–Sen slope as the median of pairwise slopes', () => {
      // Pairwise slopes of (0,0) (1,1) (2,4): 1, 2, 3 → median 2.
      assert.equal(theilSenSlope([0, 1, 2], [0, 1, 4]), 2);
      // Even count: (0,0) (1,2) (2,2) (3,3): 2, 1, 1, 0, 0.5, 1 → (1 + 1) / 2.
      assert.equal(theilSenSlope([0, 1, 2, 3], [0, 2, 2, 3]), 1);
    });

    it('computes the Mann–Kendall S, the tie-corrected variance and the continuity-corrected Z', () => {
      const r = mannKendall([1, 2, 2, 3]);
      // S: (1,2)+ (1,2)+ (1,3)+ (2,2)0 (2,3)+ (2,3)+ = 5; Var = (4·3·13 − 2·1·9)/18 = 138/18.
      assert.equal(r.s, 5);
      assertClose(r.variance, 138 / 18, 'variance');
      assertClose(r.z, 4 / Math.sqrt(138 / 18), 'z');
      assertClose(r.tau, 5 / 6, 'tau');
    });
  });
});
