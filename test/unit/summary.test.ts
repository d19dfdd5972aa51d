import assert from 'node:assert/strict';
import { verdictDetails } from '../../workflows/summary.js';

describe("an evaluation's details in the Temporal UI", function () {
  it('leads with the model, the status and the deciding reason, then lists the reasons and the report', function () {
    const details = verdictDetails(
      'churn',
      { status: 'degraded', reasons: ['roc_auc 0.5700 is below the minimum 0.7200', 'psi of tenure is 0.31'] },
      'file:///r/churn.json',
    );
    assert.equal(
      details,
      [
        'churn: degraded — roc_auc 0.5700 is below the minimum 0.7200',
        '',
        '- roc_auc 0.5700 is below the minimum 0.7200',
        '- psi of tenure is 0.31',
        '- report: file:///r/churn.json',
      ].join('\n'),
    );
  });

  it('names the status alone when there is no reason', function () {
    assert.equal(verdictDetails('fraud', { status: 'healthy', reasons: [] }, 'r.json').split('\n')[0], 'fraud: healthy');
  });
});
