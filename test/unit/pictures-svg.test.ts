import assert from 'node:assert/strict';
import {
  el,
  escapeXml,
  formatCount,
  formatNumber,
  formatPercent,
  formatTick,
  htmlTable,
  linearScale,
  niceDomain,
  niceTicks,
  svgFrame,
} from '../../engine/pictures/svg.js';

describe('picture primitives (engine/pictures/svg.ts)', function () {
  it('nice ticks are round, inside the range, and print without binary noise', function () {
    assert.deepEqual(niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
    assert.deepEqual(niceTicks(0.13, 0.91, 4), [0.2, 0.4, 0.6, 0.8]);
    assert.deepEqual(niceTicks(-3, 17, 4), [0, 5, 10, 15]);
    assert.deepEqual(niceTicks(5, 5), [5]);
    assert.deepEqual(niceTicks(NaN, 1), []);
    assert.deepEqual(
      niceTicks(0.1, 0.3, 2).map((t) => formatTick(t, 0.1)),
      ['0.1', '0.2', '0.3'],
    );
    assert.deepEqual(niceDomain(0.13, 0.91, 4), [0, 1]);
    assert.deepEqual(niceDomain(0, 0), [0, 1]);
  });

  it('a linear scale maps the domain onto the range, and a flat domain onto its middle', function () {
    const s = linearScale([0, 10], [100, 0]);
    assert.equal(s(0), 100);
    assert.equal(s(10), 0);
    assert.equal(s(2.5), 75);
    assert.equal(linearScale([3, 3], [0, 50])(3), 25);
  });

  it('formats numbers, counts and shares for labels', function () {
    assert.equal(formatCount(1234567), '1,234,567');
    assert.equal(formatNumber(1234567), '1,234,567');
    assert.equal(formatNumber(0.123456), '0.123');
    assert.equal(formatNumber(0.5), '0.5');
    assert.equal(formatNumber(0.00001234), '1.23e-5');
    assert.equal(formatNumber(null), 'n/a');
    assert.equal(formatPercent(0.034), '3.4%');
    assert.equal(formatPercent(0.5712), '57%');
    assert.equal(formatPercent(0.0004), '<0.1%');
  });

  it('escapes text and attributes, and wraps a picture with its title, description and role', function () {
    assert.equal(escapeXml('<a href="x">&\'</a>'), '&#60;a href=&#34;x&#34;&#62;&#38;&#39;&#60;/a&#62;');
    assert.equal(el('rect', { x: 1.26, y: -0.01, title: '"q"', hidden: false }), '<rect x="1.3" y="0" title="&#34;q&#34;"/>');
    const svg = svgFrame({ width: 100, height: 50, title: 'age <drift>', desc: 'numbers' }, '<g/>');
    assert.match(svg, /^<svg [^>]*role="img"[^>]*aria-label="age &#60;drift&#62;"/);
    assert.match(svg, /<title id="pic-[a-z0-9]+-t">age &#60;drift&#62;<\/title><desc id="pic-[a-z0-9]+-d">numbers<\/desc><g\/><\/svg>$/);
    const table = htmlTable('cap', ['a', 'b'], [['1', '<2>']]);
    assert.equal(
      table,
      '<table><caption>cap</caption><thead><tr><th scope="col">a</th><th scope="col">b</th></tr></thead><tbody><tr><td>1</td><td>&#60;2&#62;</td></tr></tbody></table>',
    );
  });
});
