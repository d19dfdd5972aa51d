import assert from 'node:assert/strict';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { GATE_NAMES, GATE_REQUEST, REQUEST_WORKFLOWS } from '../../domain/requests.js';
import { attachEvidenceSignal, decideUpdate, maintenanceStatusQuery, refreshApproversUpdate, requestWorkflowId } from '../../workflows/definitions.js';
import * as workflows from '../../workflows/index.js';

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

// domain/requests.ts names each maintenance request's workflow type; the client lists them by it.
describe('the maintenance requests (domain/requests.ts)', () => {
  it('name workflow types the worker registers, each with its own workflow id, and every gate has its request', () => {
    for (const [kind, type] of Object.entries(REQUEST_WORKFLOWS)) {
      assert.equal(typeof (workflows as Record<string, unknown>)[type], 'function', `${kind}: workflows/index.ts exports no ${type}`);
      assert.equal(requestWorkflowId[kind as keyof typeof REQUEST_WORKFLOWS]('m'), `upkeep-${kind}-m`);
    }
    assert.deepEqual(Object.keys(GATE_REQUEST), [...GATE_NAMES]);
  });
});
