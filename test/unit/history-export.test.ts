import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  exportClosedHistories,
  historyKeyOf,
  historySegment,
  historySegmentId,
  legacyHistoryKeyOf,
  listSkippedHistories,
  readExportedHistory,
} from '../../engine/audit/histories.js';
import type { TemporalPort, WorkflowRunInfo } from '../../engine/ports.js';
import { createFileStore } from '../../engine/store/file-store.js';
import { assertKey } from '../../engine/store/store.js';

const LONG = 'w'.repeat(150) + '/' + 'x'.repeat(149);
const IDS = ['..', '.', 'a/b', 'a_b', 'a=2Fb', '%2e', LONG, 'モデル-é-🙂', '_cursor.json', 'upkeep-evaluate-churn-2026-11-25T06:00:00Z'];

function server(runs: WorkflowRunInfo[], failing = new Set<string>()): TemporalPort & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async listWorkflows() {
      return runs;
    },
    async history(workflowId: string, runId: string) {
      calls.push(workflowId);
      if (failing.has(workflowId)) throw Object.assign(new Error(`workflow execution not found for ${runId}`), { code: 5 });
      return JSON.stringify({ events: [{ eventId: '1', workflowId }] });
    },
  } as unknown as TemporalPort & { calls: string[] };
}

const run = (workflowId: string, i: number, modelId?: string): WorkflowRunInfo => ({
  workflowId,
  runId: `${String(i).padStart(8, '0')}-0000-4000-8000-000000000000`,
  type: 'evaluateModel',
  status: 'COMPLETED',
  startTime: '2026-11-01T00:00:00.000Z',
  closeTime: `2026-11-01T00:00:${String(i).padStart(2, '0')}.000Z`,
  ...(modelId ? { modelId } : {}),
});

describe('the history export takes any workflow id', function () {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-hist-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('names every run with a safe key segment that is one-to-one and reversible (long ids hashed)', function () {
    const segments = IDS.map(historySegment);
    assert.equal(new Set(segments).size, IDS.length, 'no two ids share a name');
    for (const [i, s] of segments.entries()) {
      assertKey(`histories/m/${s}/r.json`);
      assert.ok(s.length <= 130, `${s} is short`);
      assert.ok(!s.startsWith('_') && s !== '.' && s !== '..', s);
      if (IDS[i] !== LONG) assert.equal(historySegmentId(s), IDS[i]);
    }
    assert.deepEqual(segments.slice(0, 6), ['=2E=2E', '=2E', 'a=2Fb', 'a_b', 'a=3D2Fb', '=252e']);
    assert.match(historySegment(LONG), /^w+==[0-9a-f]{64}$/);
    assert.equal(historySegmentId(historySegment(LONG)), undefined, 'a hashed name keeps its id beside it');
    assert.equal(historySegment('churn.v2'), 'churn.v2', "a config's model ids are unchanged");
  });

  it('exports runs named .., a/b, %2e, 300 characters and Unicode; one it cannot fetch is skipped and reported, and exported by a later run', async function () {
    const store = createFileStore(dir);
    const runs = [...IDS.map((id, i) => run(id, i + 1, i % 2 ? 'churn' : undefined)), run('gone', 30, '..'), run('after-gone', 31, 'churn')];
    const failing = new Set(['gone']);
    const first = await exportClosedHistories({ store, temporal: server(runs, failing) });
    assert.equal(first.exported, IDS.length + 1, JSON.stringify(first));
    assert.deepEqual(
      first.skipped.map((s) => s.replace(/ [0-9a-f-]{36}:.*/, '')),
      ['"gone"'],
    );
    assert.match(first.skipped[0]!, /not found/);
    for (const r of runs.filter((r) => r.workflowId !== 'gone')) {
      const text = await readExportedHistory(store, r);
      assert.equal((JSON.parse(text!) as { events: { workflowId: string }[] }).events[0]!.workflowId, r.workflowId, `${r.workflowId} reads back`);
    }
    // The long id is kept beside its run.
    const longKey = historyKeyOf(runs[IDS.indexOf(LONG)]!);
    assert.deepEqual(JSON.parse(new TextDecoder().decode(await store.get(longKey.replace(/[^/]+$/, '_id.json')))), { workflowId: LONG });
    assert.equal(first.cursor, runs.at(-1)!.closeTime, 'the cursor moves past the skipped run');
    const [recorded] = await listSkippedHistories(store);
    assert.equal(recorded?.workflowId, 'gone');
    assert.equal(recorded?.modelId, '..');
    assert.equal(recorded?.attempts, 1);

    // The server answers again: the next export writes the skipped run and forgets the record.
    const second = await exportClosedHistories({ store, temporal: server(runs) });
    assert.equal(second.exported, 1);
    assert.deepEqual(second.skipped, []);
    assert.deepEqual(await listSkippedHistories(store), []);
    assert.ok(await readExportedHistory(store, runs.at(-2)!));
  });

  it('finds histories exported under the earlier names, and does not export them again', async function () {
    const store = createFileStore(dir);
    const r = run('upkeep-evaluate-churn-2026-11-25T06:00:00Z', 1, 'churn');
    const legacy = legacyHistoryKeyOf(r)!;
    assert.equal(legacy, `histories/churn/upkeep-evaluate-churn-2026-11-25T06_00_00Z/${r.runId}.json`);
    await store.put(legacy, '{"events":[]}');
    const temporal = server([r]);
    const result = await exportClosedHistories({ store, temporal });
    assert.deepEqual([result.exported, result.present, temporal.calls.length], [0, 1, 0]);
    assert.equal(await readExportedHistory(store, r), '{"events":[]}');
  });
});
