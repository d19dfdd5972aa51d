import assert from 'node:assert/strict';
import { decideHint } from '../../cli/commands/maintenance-actions.js';

describe('the decide-with line of approvals list', function () {
  it('carries --comment in the approve command when the approval needs one (a candidate not recommended)', function () {
    assert.equal(
      decideHint('credit', 'promote', true),
      'decide with: upkeep approve credit --gate promote --as <you> --comment "why, although not recommended"  or  upkeep reject credit --gate promote --as <you> --comment "…"',
    );
    assert.equal(
      decideHint('credit', 'promote', false),
      'decide with: upkeep approve credit --gate promote --as <you>  or  upkeep reject credit --gate promote --as <you> --comment "…"',
    );
  });
});
