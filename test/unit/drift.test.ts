import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { columnDrift, datasetDrift, type ColumnDriftInput, type ColumnDriftResult } from '../../engine/drift/column.js';
import { DEFAULT_THRESHOLDS, selectTest, type DriftStatisticName, type DriftTestName } from '../../engine/drift/methods/index.js';
import { ksTwoSample } from '../../engine/drift/methods/ks.js';
import { wassersteinDistance, wassersteinNormed } from '../../engine/drift/methods/wasserstein.js';
import { psi } from '../../engine/drift/methods/psi.js';
import { jensenShannonDistance } from '../../engine/drift/methods/jensenshannon.js';
import { chiSquarePValue } from '../../engine/drift/methods/chisquare.js';
import { zTestPValue } from '../../engine/drift/methods/ztest.js';
import { populationStd, sortedSample } from '../../engine/drift/sample.js';
import { numericBins, sturgesEdges } from '../../engine/drift/bins.js';
import { countCategories } from '../../engine/drift/categories.js';

// ------------------------------------------------------------------------------------------------
// Golden file (scripts/fixtures/golden_drift.py)

interface GoldenDecision {
  threshold: number;
  score: number | null;
  drifted: boolean;
}

interface GoldenColumn {
  kind: 'numeric' | 'categorical';
  dtype: { reference: string; current: string };
  reference_rows: number;
  current_rows: number;
  reference_dropped: number;
  current_dropped: number;
  uniques: number;
  reference_uniques: number;
  scipy: {
    jensenshannon: number | null;
    chi2_p_value?: number | null;
    ks_statistic?: number;
    ks_p_value?: number;
    wasserstein_distance?: number;
    ref_std_ddof0?: number;
    wasserstein_normed?: number;
    bins?: { kind: 'histogram'; edges: number[]; reference: number[]; current: number[] };
  };
  evidently_functions: Partial<Record<DriftStatisticName, number | null>>;
  evidently_default: GoldenDecision & { test: DriftTestName };
  evidently_forced: Partial<Record<DriftTestName, GoldenDecision>>;
  evidently_threshold_probe?: Partial<Record<DriftTestName, GoldenDecision>>;
}

interface GoldenCase {
  reference_file: string;
  current_file: string;
  reference_rows: number;
  current_rows: number;
  columns: Record<string, GoldenColumn>;
  dataset: { count: number; share: number; drift_share: number; drifted: boolean };
}

interface GoldenFile {
  versions: Record<string, string>;
  tolerance: { relative: number };
  cases: Record<string, GoldenCase>;
  functions: {
    ndtr: [number, number, number][];
    chi2_sf: [number, number, number][];
    kstwo_sf: [number, number, number][];
    smirnov: [number, number, number][];
    sturges: { min: number; max: number; size: number; integer: boolean; edges: number[] }[];
  };
}

const fixtures = new URL('../fixtures/', import.meta.url);
const golden = JSON.parse(readFileSync(fileURLToPath(new URL('golden/drift.json', fixtures)), 'utf8')) as GoldenFile;

const REL = golden.tolerance.relative;

function relErr(actual: number, expected: number): number {
  if (actual === expected) return 0;
  return Math.abs(actual - expected) / Math.max(Math.abs(expected), Number.MIN_VALUE);
}

/** Relative closeness; values that are both below `floor` in magnitude count as equal. */
function assertClose(actual: number | null | undefined, expected: number | null | undefined, what: string, rel = REL, floor = 1e-15): void {
  if (expected === null || expected === undefined) {
    assert.equal(actual ?? null, null, `${what}: expected null, got ${actual}`);
    return;
  }
  assert.ok(typeof actual === 'number', `${what}: expected ${expected}, got ${actual}`);
  if (Math.abs(actual) < floor && Math.abs(expected) < floor) return;
  const e = relErr(actual, expected);
  assert.ok(e <= rel, `${what}: ${actual} vs ${expected} (relative error ${e.toExponential(2)} > ${rel})`);
}

// ------------------------------------------------------------------------------------------------
// Fixture CSVs: empty cell = missing, `inf` / `-inf`, no quoting

interface Frame {
  header: string[];
  rows: string[][];
}

const frames = new Map<string, Frame>();

function readFrame(relPath: string): Frame {
  let f = frames.get(relPath);
  if (!f) {
    const lines = readFileSync(fileURLToPath(new URL(relPath, fixtures)), 'utf8')
      .split('\n')
      .filter((l) => l !== '');
    f = { header: lines[0]!.split(','), rows: lines.slice(1).map((l) => l.split(',')) };
    frames.set(relPath, f);
  }
  return f;
}

function column(frame: Frame, name: string): string[] {
  const j = frame.header.indexOf(name);
  assert.ok(j >= 0, `column ${name} missing`);
  return frame.rows.map((r) => r[j] ?? '');
}

function parseNumber(cell: string): number {
  if (cell === '') return NaN;
  if (cell === 'inf') return Infinity;
  if (cell === '-inf') return -Infinity;
  const v = Number(cell);
  assert.ok(!Number.isNaN(v), `not a number: ${cell}`);
  return v;
}

function inputFor(c: GoldenCase, name: string, g: GoldenColumn): ColumnDriftInput {
  const ref = column(readFrame(c.reference_file), name);
  const cur = column(readFrame(c.current_file), name);
  if (g.kind === 'numeric') {
    return {
      kind: 'numeric',
      reference: Float64Array.from(ref, parseNumber),
      current: Float64Array.from(cur, parseNumber),
      integer: g.dtype.reference === 'int64' && g.dtype.current === 'int64',
    };
  }
  const r = countCategories(ref.map((v) => (v === '' ? null : v)));
  const k = countCategories(cur.map((v) => (v === '' ? null : v)));
  return { kind: 'categorical', reference: r.counts, current: k.counts, referenceMissing: r.missing, currentMissing: k.missing };
}

// ------------------------------------------------------------------------------------------------

describe('drift statistics', () => {
  describe('bin edges', () => {
    it('Sturges bin edges equal numpy’s histogram_bin_edges exactly, including the integer minimum width', () => {
      for (const s of golden.functions.sturges) {
        assert.deepEqual([...sturgesEdges(s.min, s.max, s.size, s.integer)], s.edges, JSON.stringify(s));
      }
    });
  });

  for (const [caseName, c] of Object.entries(golden.cases)) {
    describe(`golden case "${caseName}" (${c.reference_rows} reference vs ${c.current_rows} current rows)`, () => {
      const results = new Map<string, ColumnDriftResult>();
      const resultFor = (name: string): ColumnDriftResult => {
        let r = results.get(name);
        if (!r) {
          r = columnDrift(inputFor(c, name, c.columns[name]!));
          results.set(name, r);
        }
        return r;
      };

      it('row counts after dropping NaN/±inf, dropped counts and distinct values equal pandas’', () => {
        for (const [name, g] of Object.entries(c.columns)) {
          const r = resultFor(name);
          assert.equal(r.referenceRows, g.reference_rows, `${name} reference rows`);
          assert.equal(r.currentRows, g.current_rows, `${name} current rows`);
          assert.equal(r.referenceDropped, g.reference_dropped, `${name} reference dropped`);
          assert.equal(r.currentDropped, g.current_dropped, `${name} current dropped`);
          assert.equal(r.uniques, g.uniques, `${name} uniques`);
        }
      });

      it('every statistic matches Evidently’s stat-test functions and scipy to 1e-6 relative', () => {
        for (const [name, g] of Object.entries(c.columns)) {
          const s = resultFor(name).statistics;
          const ev = g.evidently_functions;
          assertClose(s.psi, ev.psi, `${name} psi`);
          assertClose(s.jensenshannon, ev.jensenshannon, `${name} jensenshannon (Evidently)`);
          assertClose(s.jensenshannon, g.scipy.jensenshannon, `${name} jensenshannon (scipy)`);
          if (g.kind === 'numeric') {
            assertClose(s.ks_statistic, g.scipy.ks_statistic, `${name} ks statistic`);
            assertClose(s.ks_p_value, g.scipy.ks_p_value, `${name} ks p-value (scipy)`);
            assertClose(s.ks_p_value, ev.ks_p_value, `${name} ks p-value (Evidently)`);
            assertClose(s.wasserstein_normed, ev.wasserstein_normed, `${name} wasserstein normed (Evidently)`);
            assertClose(s.wasserstein_normed, g.scipy.wasserstein_normed, `${name} wasserstein normed (scipy)`);
          }
          const discrete = g.kind === 'categorical' || g.uniques <= 5;
          assert.equal('chi2_p_value' in s, discrete, `${name}: chi2_p_value reported iff categorical or ≤ 5 values`);
          assert.equal('z_test_p_value' in s, g.uniques <= 2, `${name}: z_test_p_value reported iff ≤ 2 values`);
          if (discrete) {
            assertClose(s.chi2_p_value, ev.chi2_p_value, `${name} chi-square p-value (Evidently)`);
            assertClose(s.chi2_p_value, g.scipy.chi2_p_value, `${name} chi-square p-value (scipy)`);
          }
          if (g.uniques <= 2) assertClose(s.z_test_p_value, ev.z_test_p_value, `${name} z-test p-value`);
        }
      });

      it('Wasserstein distance and the reference standard deviation (ddof = 0) equal scipy’s and numpy’s', () => {
        for (const [name, g] of Object.entries(c.columns)) {
          if (g.kind !== 'numeric') continue;
          const input = inputFor(c, name, g);
          assert.equal(input.kind, 'numeric');
          if (input.kind !== 'numeric') continue;
          const ref = sortedSample(input.reference as Float64Array);
          assertClose(wassersteinDistance(ref, input.current), g.scipy.wasserstein_distance, `${name} wasserstein`);
          assertClose(populationStd(ref.sorted), g.scipy.ref_std_ddof0, `${name} std`, 1e-12);
        }
      });

      it('histogram bins for numeric columns with more than 20 reference values equal numpy’s exactly', () => {
        for (const [name, g] of Object.entries(c.columns)) {
          if (g.kind !== 'numeric') continue;
          const input = inputFor(c, name, g) as Extract<ColumnDriftInput, { kind: 'numeric' }>;
          const bins = numericBins(input.reference, input.current, { integer: input.integer ?? false });
          assert.equal(bins.kind, g.reference_uniques > 20 ? 'histogram' : 'values', `${name} bin kind`);
          if (bins.kind === 'histogram') {
            assert.ok(g.scipy.bins, `${name}: golden bins`);
            assert.deepEqual([...bins.edges], g.scipy.bins.edges, `${name} edges`);
            assert.deepEqual([...bins.reference], g.scipy.bins.reference, `${name} reference counts`);
            assert.deepEqual([...bins.current], g.scipy.bins.current, `${name} current counts`);
          }
        }
      });

      it('the default test, threshold, score and verdict equal Evidently’s DataDriftPreset per column', () => {
        for (const [name, g] of Object.entries(c.columns)) {
          const r = resultFor(name);
          const d = g.evidently_default;
          assert.equal(r.test, d.test, `${name} test`);
          assert.equal(r.threshold, d.threshold, `${name} threshold`);
          assertClose(r.score, d.score, `${name} score`);
          assert.equal(r.drifted, d.drifted, `${name} drifted`);
          assert.deepEqual(
            selectTest({ refRowsClean: g.reference_rows, uniques: g.uniques, kind: g.kind }),
            { test: d.test, threshold: d.threshold },
            `${name} selectTest`,
          );
        }
      });

      it('every test Evidently accepts for the column type, when forced, gives Evidently’s score and verdict', () => {
        for (const [name, g] of Object.entries(c.columns)) {
          const input = inputFor(c, name, g);
          for (const [test, f] of Object.entries(g.evidently_forced) as [DriftTestName, GoldenDecision][]) {
            const r = columnDrift(input, { test });
            assert.equal(r.test, test);
            assert.equal(r.threshold, f.threshold, `${name} ${test} threshold`);
            assertClose(r.score, f.score, `${name} ${test} score`);
            assert.equal(r.drifted, f.drifted, `${name} ${test} drifted`);
          }
        }
      });

      it('a threshold equal to the score decides like Evidently (ks: p ≤ t; chi-square, z: p < t; distances: ≥ t)', () => {
        for (const [name, g] of Object.entries(c.columns)) {
          const input = inputFor(c, name, g);
          for (const [test, p] of Object.entries(g.evidently_threshold_probe ?? {}) as [DriftTestName, GoldenDecision][]) {
            const own = columnDrift(input, { test }).score;
            assert.ok(own !== null);
            const r = columnDrift(input, { test, threshold: own });
            assert.equal(r.drifted, p.drifted, `${name} ${test} at threshold = score`);
          }
        }
      });

      it('the dataset verdict equals Evidently’s DriftedColumnsCount (share ≥ 0.5 drifts)', () => {
        const all = new Map([...Object.keys(c.columns)].map((n) => [n, resultFor(n)]));
        const d = datasetDrift(all, c.dataset.drift_share);
        assert.equal(d.numberOfColumns, Object.keys(c.columns).length);
        assert.equal(d.numberOfDriftedColumns, c.dataset.count);
        assertClose(d.shareOfDriftedColumns, c.dataset.share, 'share', 1e-15);
        assert.equal(d.drifted, c.dataset.drifted);
        assert.deepEqual(d.undetermined, []);
      });
    });
  }

  describe('edge cases', () => {
    const normal = (n: number, seed: number, shift = 0): Float64Array => {
      let s = seed >>> 0;
      const u = (): number => {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        return (s + 0.5) / 4294967296;
      };
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()) + shift;
      return out;
    };

    it('a constant reference divides the Wasserstein distance by 0.001, as Evidently does', () => {
      const ref = new Float64Array(50).fill(3);
      const cur = Float64Array.from([3, 3.002, 2.999, 3.001]);
      const w = wassersteinDistance(ref, cur);
      assertClose(wassersteinNormed(ref, cur), w / 0.001, 'normed');
      const r = columnDrift({ kind: 'numeric', reference: ref, current: cur });
      assert.equal(r.test, 'chisquare'); // 4 distinct values in reference ∪ current, ≤ 1000 rows
      assert.equal(r.statistics.ks_statistic, 0.5);
    });

    it('an empty current column gives null statistics with a reason and no verdict', () => {
      const r = columnDrift({ kind: 'numeric', reference: normal(100, 1), current: new Float64Array(0) });
      assert.equal(r.drifted, null);
      assert.equal(r.score, null);
      for (const k of ['psi', 'ks_statistic', 'ks_p_value', 'wasserstein_normed', 'jensenshannon'] as const) {
        assert.equal(r.statistics[k], null, k);
        assert.match(r.reasons[k] ?? '', /no usable values in current/);
      }
      assert.match(r.reasons.drifted ?? '', /current/);
      const cat = columnDrift({ kind: 'categorical', reference: new Map([['a', 3]]), current: new Map(), currentMissing: 4 });
      assert.equal(cat.drifted, null);
      assert.match(cat.reasons.psi ?? '', /current \(4 missing dropped\)/);
    });

    it('an all-NaN reference column is undetermined, and the dataset share leaves it out', () => {
      const r = columnDrift({ kind: 'numeric', reference: Float64Array.from([NaN, Infinity, -Infinity]), current: normal(20, 2) });
      assert.equal(r.referenceRows, 0);
      assert.equal(r.referenceDropped, 3);
      assert.equal(r.drifted, null);
      assert.match(r.reasons.ks_p_value ?? '', /reference \(3 NaN\/±inf dropped\)/);
      const drifting = columnDrift({ kind: 'numeric', reference: normal(300, 3), current: normal(300, 4, 2) });
      assert.equal(drifting.drifted, true);
      const d = datasetDrift({ empty: r, drifting });
      assert.deepEqual(d.undetermined, ['empty']);
      assert.equal(d.shareOfDriftedColumns, 1);
      assert.equal(d.drifted, true);
      const none = datasetDrift({ empty: r });
      assert.equal(none.shareOfDriftedColumns, null);
      assert.equal(none.drifted, null);
    });

    it('NaN and ±inf are dropped and counted before any statistic', () => {
      const clean = normal(200, 5);
      const dirty = new Float64Array(205);
      dirty.set(clean);
      dirty.set([NaN, Infinity, -Infinity, NaN, NaN], 200);
      const a = columnDrift({ kind: 'numeric', reference: dirty, current: normal(150, 6) });
      const b = columnDrift({ kind: 'numeric', reference: clean, current: normal(150, 6) });
      assert.equal(a.referenceDropped, 5);
      assert.deepEqual(a.statistics, b.statistics);
    });

    it('a sorted sample (a stored reference profile) gives exactly the same result as raw values', () => {
      const ref = normal(3000, 7);
      const cur = normal(2500, 8, 0.1);
      const raw = columnDrift({ kind: 'numeric', reference: ref, current: cur });
      const profiled = columnDrift({ kind: 'numeric', reference: sortedSample(ref), current: cur });
      assert.deepEqual(profiled, raw);
      assert.equal(raw.test, 'wasserstein');
      assert.equal(raw.ksMethod, 'exact');
    });

    it('identical samples give zero distances, KS p = 1 and no drift under every test', () => {
      const x = normal(400, 9);
      for (const test of ['ks', 'wasserstein', 'psi', 'jensenshannon'] as const) {
        const r = columnDrift({ kind: 'numeric', reference: x, current: x }, { test });
        assert.equal(r.drifted, false, test);
      }
      const r = columnDrift({ kind: 'numeric', reference: x, current: x });
      assert.equal(r.statistics.ks_statistic, 0);
      assert.equal(r.statistics.ks_p_value, 1);
      assert.equal(r.statistics.wasserstein_normed, 0);
      assert.equal(r.statistics.jensenshannon, 0);
      assert.equal(r.statistics.psi, 0);
      const counts = new Map([
        ['a', 5],
        ['b', 7],
      ]);
      assert.equal(zTestPValue([5, 7], [5, 7]), 1);
      assert.equal(columnDrift({ kind: 'categorical', reference: counts, current: counts }).drifted, false);
    });

    it('a column holding one value on both sides has z-test p = 1 and no chi-square (0 degrees of freedom)', () => {
      assert.equal(zTestPValue([10], [4]), 1);
      assert.equal(chiSquarePValue([10], [4]), null);
      const r = columnDrift({ kind: 'categorical', reference: new Map([['only', 10]]), current: new Map([['only', 4]]) });
      assert.equal(r.test, 'z');
      assert.equal(r.drifted, false);
      assert.equal(r.statistics.chi2_p_value, null);
      assert.match(r.reasons.chi2_p_value ?? '', /0 degrees of freedom/);
      const forced = columnDrift({ kind: 'categorical', reference: new Map([['only', 10]]), current: new Map([['only', 4]]) }, { test: 'chisquare' });
      assert.equal(forced.drifted, null);
    });

    it('a category the reference never saw gives chi-square p = 0 and a finite PSI', () => {
      const p = chiSquarePValue([10, 20, 0], [12, 18, 1]);
      assert.equal(p, 0);
      const v = psi([10, 20, 0], [12, 18, 1]);
      assert.ok(Number.isFinite(v) && v > 0);
      assert.ok(jensenShannonDistance([10, 20, 0], [12, 18, 1]) > 0);
    });

    it('parallel arrays and maps of category counts give the same result', () => {
      const a = columnDrift({
        kind: 'categorical',
        reference: new Map([
          ['x', 30],
          ['y', 50],
          ['z', 20],
        ]),
        current: new Map([
          ['y', 40],
          ['x', 40],
          ['z', 25],
        ]),
      });
      const b = columnDrift({
        kind: 'categorical',
        reference: { categories: ['z', 'y', 'x'], counts: [20, 50, 30] },
        current: { categories: ['x', 'y', 'z'], counts: [40, 40, 25] },
      });
      assert.deepEqual(a, b);
    });

    it('an override changes the test and takes that test’s default threshold unless one is given', () => {
      const ref = normal(500, 10);
      const cur = normal(500, 11, 0.2);
      const r = columnDrift({ kind: 'numeric', reference: ref, current: cur }, { test: 'psi' });
      assert.equal(r.test, 'psi');
      assert.equal(r.threshold, DEFAULT_THRESHOLDS.psi);
      const t = columnDrift({ kind: 'numeric', reference: ref, current: cur }, { threshold: 1e-9 });
      assert.equal(t.test, 'ks');
      assert.equal(t.threshold, 1e-9);
      assert.equal(t.drifted, (t.score ?? 1) <= 1e-9);
    });

    it('structural mistakes throw a RangeError', () => {
      const cat = { kind: 'categorical' as const, reference: new Map([['a', 1]]), current: new Map([['a', 2]]) };
      assert.throws(() => columnDrift(cat, { test: 'ks' }), RangeError);
      assert.throws(() => columnDrift(cat, { test: 'wasserstein' }), RangeError);
      assert.throws(() => columnDrift(cat, { threshold: NaN }), RangeError);
      assert.throws(() => psi([1, 2], [1, 2, 3]), RangeError);
      assert.throws(() => ksTwoSample(new Float64Array(0), Float64Array.from([1])), RangeError);
      assert.throws(() => datasetDrift({}, 1.5), RangeError);
    });

    it('the default test follows Evidently’s rules at the 1000-row, 5-value and 2-value boundaries', () => {
      const cases: [number, number, 'numeric' | 'categorical', DriftTestName][] = [
        [1000, 6, 'numeric', 'ks'],
        [1000, 5, 'numeric', 'chisquare'],
        [1000, 3, 'numeric', 'chisquare'],
        [1000, 2, 'numeric', 'z'],
        [1000, 3, 'categorical', 'chisquare'],
        [1000, 2, 'categorical', 'z'],
        [1001, 6, 'numeric', 'wasserstein'],
        [1001, 5, 'numeric', 'jensenshannon'],
        [1001, 2, 'numeric', 'jensenshannon'],
        [1001, 2, 'categorical', 'jensenshannon'],
      ];
      for (const [refRowsClean, uniques, kind, test] of cases) {
        assert.deepEqual(selectTest({ refRowsClean, uniques, kind }), { test, threshold: DEFAULT_THRESHOLDS[test] });
      }
    });

    it('the asymptotic KS p-value is used above 10000 rows and matches the exact one where both apply', () => {
      const ref = normal(10001, 12);
      const cur = normal(300, 13, 0.1);
      const r = ksTwoSample(ref, cur);
      assert.equal(r.method, 'asymp');
      assert.ok(r.pValue > 0 && r.pValue < 1);
      const exact = ksTwoSample(ref.subarray(0, 10000), cur);
      assert.equal(exact.method, 'exact');
      assert.ok(Math.abs(exact.pValue - r.pValue) < 0.05);
    });
  });
});
