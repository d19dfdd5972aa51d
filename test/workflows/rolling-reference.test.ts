import assert from 'node:assert/strict';
import { createTestWorker } from '../helpers/upkeep-worker.js';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { evaluateModel } from '../../workflows/index.js';
import type { EvaluateModelResult } from '../../workflows/definitions.js';
import { fixture } from '../helpers/fixtures.js';
import { testTemporal, uniqueModelId, uniqueTaskQueue } from '../helpers/temporal.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';

const DAY_MS = 86_400_000;

/** The binary fixture's rows, x1 moved by `shift`. */
function rows(shift: number): string {
  const [header, ...lines] = readFileSync(fixture('data/binary.csv'), 'utf8').trim().split('\n');
  return `${[
    header,
    ...lines.map((l) =>
      l
        .split(',')
        .map((v, j) => (j === 0 ? String(Number(v) + shift) : v))
        .join(','),
    ),
  ].join('\n')}\n`;
}

describe('a scheduled evaluation against a rolling reference', function () {
  this.timeout(180_000);
  let ws: Workspace;
  afterEach(() => ws.remove());

  async function run(name: string, reference: Record<string, unknown>, from: string, windowDay: string): Promise<EvaluateModelResult> {
    const t = await testTemporal();
    const modelId = uniqueModelId(name);
    const taskQueue = uniqueTaskQueue(name);
    ws = createWorkspace(modelId, { data: { uri: 'data/{date}.csv', window: { days: 1 } }, monitor: { significance: { resamples: 0 } }, reference });
    // Weekends run 1.5 higher in x1.
    for (let t0 = Date.parse(`${from}T00:00:00Z`); t0 <= Date.parse(`${windowDay}T00:00:00Z`); t0 += DAY_MS) {
      const weekend = [0, 6].includes(new Date(t0).getUTCDay());
      writeFileSync(path.join(ws.dataDir, `${new Date(t0).toISOString().slice(0, 10)}.csv`), rows(weekend ? 1.5 : 0));
    }
    const { worker, engine } = await createTestWorker(t, taskQueue, ws.configPath);
    const windowEnd = new Date(Date.parse(`${windowDay}T06:00:00Z`) + DAY_MS).toISOString();
    return worker
      .runUntil(() => t.client.workflow.execute(evaluateModel, { taskQueue, workflowId: `${modelId}-${windowDay}`, args: [{ modelId, windowEnd }] }))
      .finally(() => engine.close());
  }

  it('compares a Saturday with the Saturdays before it, and the report names them', async () => {
    const r = await run('weekday', { rolling: '28d', same: 'weekday' }, '2026-10-01', '2026-11-28');
    assert.equal(r.verdict.status, 'healthy', r.verdict.reasons.join('; '));
    const report = JSON.parse(readFileSync(new URL(r.report.jsonUri), 'utf8'));
    assert.deepEqual(report.evaluation.rollingReference.days, ['2026-10-31', '2026-11-07', '2026-11-14', '2026-11-21']);
    assert.deepEqual(report.drift.drifted_columns, []);
    assert.match(
      readFileSync(new URL(r.report.markdownUri), 'utf8'),
      /## Reference\n\nRolling reference \(the 28d before the window, same weekday only\): 4 days, 4000 rows/,
    );
  });

  it('with too few reference days the verdict says why instead of failing', async () => {
    const r = await run('young', { rolling: '28d', min_days: 10 }, '2026-11-25', '2026-11-28');
    assert.equal(r.verdict.status, 'healthy');
    assert.ok(
      r.verdict.reasons.includes(
        'rolling reference: 3 of the 28 reference days (2026-10-31..2026-11-27) hold data, fewer than min_days 10: drift and data quality were not checked',
      ),
      r.verdict.reasons.join('\n'),
    );
  });
});
