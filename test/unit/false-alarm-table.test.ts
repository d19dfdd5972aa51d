/**
 * docs/false-alarms.md, written by scripts/false-alarms.ts, claims how often unchanged windows
 * raise anything and how often a one-standard-deviation shift is caught. This checks its totals
 * against the targets, and reruns two of its data sets through the same path (the evaluation
 * engine, the verdict policy) to check that their rows are what the code gives today.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_DIR } from '../../workers/paths.js';
import { datasetRow, TARGET_DETECTION, TARGET_FALSE_ALARMS } from '../../scripts/false-alarms/render.js';
import { measure, type Cell } from '../../scripts/false-alarms/measure.js';

const page = readFileSync(path.join(PROJECT_DIR, 'docs/false-alarms.md'), 'utf8');
const lines = page.split('\n');

/** `a of b (x%)` cells of a totals row, in column order. */
function totalsRow(label: string): { a: number; b: number }[] {
  const line = lines.find((l) => l.startsWith(`| ${label}`));
  assert.ok(line, `a row "${label}"`);
  return [...line.matchAll(/(\d+) of (\d+)/g)].map((m) => ({ a: Number(m[1]), b: Number(m[2]) }));
}

describe('the false-alarm table (docs/false-alarms.md)', function () {
  this.timeout(120_000);

  it('meets the targets it states: at most 5% of unchanged windows raise anything, the shift caught in at least 95%', () => {
    const unchanged = totalsRow('unchanged windows raising anything');
    const caught = totalsRow('1-SD shift caught');
    assert.equal(unchanged.length, 4, 'three window sizes and all');
    assert.ok(unchanged[3]!.b >= 2000, `${unchanged[3]!.b} unchanged windows measured`);
    for (const { a, b } of unchanged) assert.ok(a <= TARGET_FALSE_ALARMS * b, `${a} of ${b} unchanged windows raised something`);
    for (const { a, b } of caught) assert.ok(a >= TARGET_DETECTION * b, `${a} of ${b} shifted windows caught`);
    assert.match(page, /At every window size at most 5% of unchanged windows raised anything\./);
  });

  it('has the rows the code gives today for penguins and seattle_weather (a date column recognised)', async () => {
    const cells: Cell[] = await measure({ datasets: ['penguins', 'seattle_weather'] });
    assert.deepEqual(
      cells.map((c) => `${c.dataset} ${c.size}`),
      ['penguins 50', 'seattle_weather 50', 'seattle_weather 200'],
    );
    for (const cell of cells) {
      assert.ok(lines.includes(datasetRow(cell)), `docs/false-alarms.md has the row ${datasetRow(cell)}`);
      assert.ok(cell.raised <= TARGET_FALSE_ALARMS * cell.unchanged, `${cell.dataset} ${cell.size}: ${cell.raised} of ${cell.unchanged}`);
      assert.ok(cell.caught >= TARGET_DETECTION * cell.shifted, `${cell.dataset} ${cell.size}: caught ${cell.caught} of ${cell.shifted}`);
    }
    const seattle = cells.find((c) => c.dataset === 'seattle_weather')!;
    assert.deepEqual(
      seattle.recognised.map((r) => [r.column, r.kind]),
      [['date', 'date']],
    );
  });
});
