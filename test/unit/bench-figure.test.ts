import assert from 'node:assert/strict';
import { figureLine, figureSummary } from '../../scripts/bench/figure.js';

describe('bench figures beside their targets', () => {
  it('says met or NOT met for each kind of bound, and the summary counts them', () => {
    const a = figureLine('evaluate 3M in process', 1.19, { atMost: 1.25 }, { unit: '×', of: 'lower bound' });
    assert.equal(a, 'evaluate 3M in process: 1.19× lower bound (target ≤ 1.25) met');
    const b = figureLine('10M window peak RSS', 1125, { below: 1024 }, { unit: ' MiB', digits: 0 });
    assert.equal(b, '10M window peak RSS: 1125 MiB (target < 1024 MiB) NOT met');
    const c = figureLine('Python peer', 2.9, { atLeast: 2 }, { unit: '×', note: 'medians 5300 / 1830 ms' });
    assert.equal(c, 'Python peer: 2.90× (target ≥ 2) met   (medians 5300 / 1830 ms)');
    assert.match(figureLine('x', NaN, { atLeast: 1 }), /NOT met$/);
    assert.deepEqual(figureSummary(['other line', `  ${a}`, `  ${b}`, c]), ['== targets: 2 of 3 met ==', `  ${a}`, `  ${b}`, `  ${c}`]);
  });
});
