import assert from 'node:assert/strict';
import { didYouMean, editDistance, nearestNames } from '../../domain/suggest.js';

describe('did you mean', function () {
  it('measures the Levenshtein distance, ignoring case', function () {
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(editDistance('Tenure', 'tenure'), 0);
    assert.equal(editDistance('monthly_charges', 'monthly_charge'), 1);
  });

  it('offers the nearest names first, and nothing unrelated', function () {
    const columns = ['tenure', 'monthly_charges', 'total_charges', 'plan', 'churned'];
    assert.deepEqual(nearestNames('monthly_charge', columns), ['monthly_charges']);
    assert.deepEqual(nearestNames('Tenure', columns), ['tenure']);
    assert.deepEqual(nearestNames('churn', columns), ['churned']); // two edits on seven letters
    assert.deepEqual(nearestNames('plans', columns), ['plan']);
    assert.deepEqual(nearestNames('pl', columns), []); // two edits on four letters: too far
    assert.deepEqual(nearestNames('region', columns), []);
    assert.deepEqual(nearestNames('x5', ['x1', 'x2', 'x3', 'x4', 'y'], 2), ['x1', 'x2']);
  });

  it('writes the phrase for an error message', function () {
    assert.equal(didYouMean('tenur', ['tenure', 'plan']), ' — did you mean tenure?');
    assert.equal(didYouMean('x5', ['x1', 'x2', 'x3']), ' — did you mean x1, x2 or x3?');
    assert.equal(didYouMean('region', ['tenure', 'plan']), '');
  });
});
