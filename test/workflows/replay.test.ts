import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { testTemporal } from '../helpers/temporal.js';

const dir = fileURLToPath(new URL('../histories/', import.meta.url));

describe('replaying recorded histories with the current workflow code', function () {
  this.timeout(60_000);
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    it(`replays ${file} without nondeterminism`, async function () {
      const { bundle } = await testTemporal();
      const history: unknown = JSON.parse(readFileSync(`${dir}${file}`, 'utf8'));
      await Worker.runReplayHistory({ workflowBundle: bundle }, history, file);
    });
  }
});
