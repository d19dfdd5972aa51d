import assert from 'node:assert/strict';
import { formatLogEntry } from '../../workers/log.js';

describe("the worker's log lines", function () {
  const at = 1_780_000_000_000n * 1_000_000n;

  it('writes a failure without a stack on one line naming the workflow', function () {
    const error = new Error('upkeep.yaml: no model with id churn (known: fraud): this run ends here');
    error.stack = `UnknownModel: ${error.message}`;
    const line = formatLogEntry({
      level: 'WARN',
      timestampNanos: at,
      message: 'Workflow failed',
      meta: { workflowId: 'upkeep-evaluate-churn-x', taskQueue: 'upkeep', error },
    });
    assert.equal(
      line,
      '2026-05-28T20:26:40.000Z [WARN] Workflow failed upkeep-evaluate-churn-x: upkeep.yaml: no model with id churn (known: fraud): this run ends here',
    );
  });

  it('keeps the stack and the metadata of any other failure', function () {
    const line = formatLogEntry({ level: 'WARN', timestampNanos: at, message: 'Activity failed', meta: { attempt: 2, error: new Error('disk full') } });
    assert.match(line, /^2026-05-28T20:26:40\.000Z \[WARN\] Activity failed \{/);
    assert.match(line, /attempt: 2/);
    assert.match(line, /Error: disk full\n\s+at /);
  });
});
