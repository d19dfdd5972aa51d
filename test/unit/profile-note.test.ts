import assert from 'node:assert/strict';
import { estimatorNote } from '../../cli/commands/evaluate.js';

// The estimators of a profile learn how good the model's scores are from its rows: profiled on the
// training set they make an unlabelled window look as good as the training fit, which nothing in
// the rows reveals. `upkeep profile` says so whenever it fits one.
describe('upkeep profile on the reference of estimated performance', function () {
  it('says the estimator needs rows the model was not trained on, naming the method', function () {
    const cbpe = estimatorNote({ estimators: { cbpe: {}, reconstruction: {} } });
    assert.match(cbpe ?? '', /^estimated performance \(CBPE\) is fitted on these rows: give data the model was not trained on \(a test split/);
    assert.match(cbpe ?? '', /docs\/late-labels\.md#which-reference\)$/);
    assert.match(estimatorNote({ estimators: { dle: {} } }) ?? '', /^estimated performance \(DLE\)/);
  });

  it('says nothing when no performance estimator was fitted', function () {
    assert.equal(estimatorNote({}), undefined);
    assert.equal(estimatorNote({ estimators: { reconstruction: {} } }), undefined);
  });
});
