import assert from 'node:assert/strict';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { attachEvidenceSignal, decideUpdate, maintenanceStatusQuery, refreshApproversUpdate } from '../../workflows/definitions.js';

// workflows/definitions.ts writes its handlers' definitions out instead of loading @temporalio/workflow
// into every Temporal command of the CLI: they must be what the SDK's functions make.
describe("the workflows' handler definitions (workflows/definitions.ts)", () => {
  it("are what @temporalio/workflow's defineUpdate, defineSignal and defineQuery make of the same names", () => {
    assert.deepEqual(decideUpdate, defineUpdate('decide'));
    assert.deepEqual(refreshApproversUpdate, defineUpdate('refreshApprovers'));
    assert.deepEqual(attachEvidenceSignal, defineSignal('attachEvidence'));
    assert.deepEqual(maintenanceStatusQuery, defineQuery('status'));
  });
});
