import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { handoverWorkflowId, retrainWorkflowId, reviewWorkflowId, rollbackWorkflowId } from '../../workflows/definitions.js';
import { testTemporal } from '../helpers/temporal.js';
import { testBundle } from '../helpers/bundles.js';

const dir = fileURLToPath(new URL('../histories/', import.meta.url));

type Started = { workflowType?: { name?: string }; input?: { payloads?: { data?: string }[] } };

/**
 * The workflow id a maintenance workflow ran under (signed decisions name it, so its replay
 * must see the same); other histories replay under their file name.
 */
function workflowIdOf(file: string, history: { events?: { workflowExecutionStartedEventAttributes?: Started }[] }): string {
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  const data = started?.input?.payloads?.[0]?.data;
  const modelId = data ? (JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as { modelId?: unknown }).modelId : undefined;
  if (typeof modelId !== 'string') return file;
  if (started?.workflowType?.name === 'rollbackModel') return rollbackWorkflowId(modelId);
  if (started?.workflowType?.name === 'retrainModel') return retrainWorkflowId(modelId);
  if (started?.workflowType?.name === 'handoverModel') return handoverWorkflowId(modelId);
  if (started?.workflowType?.name === 'reviewModel') return reviewWorkflowId(modelId);
  return file;
}

describe('replaying recorded histories with the current workflow code', function () {
  this.timeout(60_000);
  // With tracing on (docs/tracing.md) the bundle holds the tracing interceptors: they add headers, never a command.
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    it(`replays ${file} without nondeterminism`, async function () {
      const { bundle } = await testTemporal();
      const history = JSON.parse(readFileSync(`${dir}${file}`, 'utf8')) as Parameters<typeof workflowIdOf>[1];
      await Worker.runReplayHistory({ workflowBundle: bundle }, history, workflowIdOf(file, history));
    });
    it(`replays ${file} without nondeterminism with tracing on`, async function () {
      const history = JSON.parse(readFileSync(`${dir}${file}`, 'utf8')) as Parameters<typeof workflowIdOf>[1];
      // The spans' sink is not called while replaying; it is registered as a traced worker's is.
      let exported = 0;
      const sinks = { exporter: { export: { fn: () => void exported++ } } };
      await Worker.runReplayHistory({ workflowBundle: await testBundle('traced'), sinks }, history, workflowIdOf(file, history));
      assert.equal(exported, 0, 'no span is exported again by a replay');
    });
  }
});
