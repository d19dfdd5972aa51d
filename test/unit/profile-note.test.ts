import assert from 'node:assert/strict';
import { estimatorNote, noEstimateMessage } from '../../cli/commands/evaluate.js';

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

describe('upkeep evaluate on unlabelled rows without a reference', function () {
  it('tells a model of the config to store a profile, and any model to give --reference', function () {
    assert.equal(
      noEstimateMessage('cancer', 127, undefined, true),
      'upkeep: cancer: 127 rows have no label yet; estimating their performance needs a reference: upkeep profile --model cancer --data <labelled data the model was not trained on>, or --reference <data files or a profile .json>',
    );
    assert.equal(
      noEstimateMessage('cancer', 32, undefined, false),
      'upkeep: cancer: 32 rows have no label yet; estimating their performance needs a reference: --reference <data files or a profile .json>',
    );
    assert.match(
      noEstimateMessage('cancer', 32, 'old', true),
      /the reference carries no fitted estimator \(a profile made before them\): profile the reference again/,
    );
    // A reference of unlabelled rows is not an old profile: saying so sent the user to profile it again.
    assert.equal(
      noEstimateMessage('cancer', 32, 'unlabelled', true),
      'upkeep: cancer: 32 rows have no label yet and neither has any row of the reference: estimating needs labelled reference data',
    );
  });
});
