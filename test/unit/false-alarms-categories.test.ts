/**
 * How often the new-category rule warns when nothing changed, on real data: scikit-learn's digits
 * (scripts/fixtures/make_category_fixtures.py), pixel intensities read as categories, many of them
 * rare. Each of 20 random half splits profiles one half; windows of 100 rows come from the other
 * half. Unchanged windows may warn at most 1% of the time (the rule's level); a window where 10% of
 * one column's rows carry a value never seen must warn every time (5%: nearly every time; among 50
 * columns with rare values that is close to what chance alone can show).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Column, Table } from '../../engine/data/table.js';
import { buildReferenceProfile } from '../../engine/drift/profile.js';
import { checkQuality } from '../../engine/drift/quality.js';
import { FIXTURES } from '../helpers/fixtures.js';
import { lcg, str } from '../helpers/columns.js';

const SPLITS = 20;
const WINDOWS = 10;
const WINDOW_ROWS = 100;

const lines = readFileSync(join(FIXTURES, 'data/false-alarms/digits.csv'), 'utf8').trimEnd().split('\n');
const header = lines[0]!.split(',');
const rows = lines.slice(1).map((l) => l.split(','));

function table(indices: number[], source: string, plant?: { column: number; rows: number }): Table {
  const columns = new Map<string, Column>();
  header.forEach((name, j) => columns.set(name, str(indices.map((i, r) => (plant && plant.column === j && r < plant.rows ? 'never-seen' : rows[i]![j]!)))));
  return { columns, rowCount: indices.length, source };
}

function shuffled(n: number, random: () => number): number[] {
  const out = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('new categories on unchanged data (scikit-learn digits, pixels as categories)', function () {
  this.timeout(60_000);

  it('warns on at most 1% of unchanged windows, and on every window with a new value in 10% of rows', () => {
    const random = lcg(20261130);
    let unchanged = 0;
    let warned = 0;
    let listed = 0;
    let planted = 0;
    const caught = { 5: 0, 10: 0 };
    for (let s = 0; s < SPLITS; s++) {
      const order = shuffled(rows.length, random);
      const half = Math.floor(rows.length / 2);
      const reference = buildReferenceProfile({ data: table(order.slice(0, half), 'reference.csv'), categorical: header, createdAt: 't' });
      const rest = order.slice(half);
      for (let w = 0; w < WINDOWS; w++) {
        const window = shuffled(rest.length, random)
          .slice(0, WINDOW_ROWS)
          .map((k) => rest[k]!);
        const report = checkQuality(reference, table(window, 'window.csv'), { requiredColumns: [] });
        unchanged++;
        if (report.newCategories.length > 0) listed++;
        if (report.newCategories.some((c) => c.alarm)) warned++;
        if (w < 2) {
          const column = Math.floor(random() * header.length);
          planted++;
          for (const n of [5, 10] as const) {
            const shiftedReport = checkQuality(reference, table(window, 'window.csv', { column, rows: n }), { requiredColumns: [] });
            if (shiftedReport.newCategories.some((c) => c.alarm && c.column === header[column])) caught[n]++;
          }
        }
      }
    }
    console.log(
      `      unchanged windows warned: ${warned} of ${unchanged} (any new category listed: ${listed}); planted in 5% of rows caught: ${caught[5]} of ${planted}, in 10%: ${caught[10]} of ${planted}`,
    );
    assert.ok(listed > unchanged / 2, `the data has rare categories that show by chance (${listed} of ${unchanged} windows list one)`);
    assert.ok(warned <= unchanged * 0.01, `${warned} of ${unchanged} unchanged windows warned`);
    assert.ok(caught[5] >= planted * 0.9, `a new value in 5% of rows caught ${caught[5]} of ${planted} times`);
    assert.equal(caught[10], planted);
  });
});
