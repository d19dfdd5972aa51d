import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AuditEntry } from '../../domain/maintenance.js';
import { appendEntry, readChain, verifyChain } from '../../engine/audit/chain.js';
import {
  anchorProblems,
  anchorsFromExportedHistories,
  anchorsFromTemporal,
  anchorsFromGit,
  anchorsFromStore,
  copyAnchor,
  readChainHeads,
  verifyOutsideStore,
  type AnchorRecord,
  type AnchorSighting,
} from '../../engine/audit/anchor.js';
import { historyKeyOf } from '../../engine/audit/histories.js';
import { createFileStore } from '../../engine/store/file-store.js';
import type { ArtifactStore } from '../../engine/store/store.js';
import type { TemporalPort } from '../../engine/ports.js';
import { rebuildChain } from '../helpers/rebuild-chain.js';

const MODEL = 'churn';
const entry = (i: number, extra: Partial<AuditEntry> = {}): AuditEntry => ({
  id: `e-${String(i).padStart(2, '0')}`,
  modelId: MODEL,
  at: `2026-12-01T00:00:${String(i).padStart(2, '0')}.000Z`,
  kind: 'schedule',
  summary: `change ${i}`,
  details: { change: 'update' },
  ...extra,
});
const b64 = (v: unknown): string => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64');
/** A run's history in Temporal's JSON form, reduced to what is read: its type, the schedule that started it and its result. */
const history = (type: string, result: unknown, scheduledBy?: string): string =>
  JSON.stringify({
    events: [
      {
        eventId: '1',
        eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED',
        workflowExecutionStartedEventAttributes: {
          workflowType: { name: type },
          ...(scheduledBy
            ? {
                searchAttributes: {
                  indexedFields: {
                    TemporalScheduledById: { metadata: { encoding: b64('json/plain'), type: b64('Keyword') }, data: b64(JSON.stringify(scheduledBy)) },
                  },
                },
              }
            : {}),
        },
      },
      {
        eventId: '2',
        eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED',
        workflowExecutionCompletedEventAttributes: { result: { payloads: [{ metadata: { encoding: b64('json/plain') }, data: b64(result) }] } },
      },
    ],
  });

describe('audit anchors: the chain against heads kept outside the store', () => {
  let dir: string;
  let store: ArtifactStore;
  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-anchor-'));
    store = createFileStore(dir);
    for (let i = 1; i <= 5; i++) await appendEntry(store, entry(i));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const anchorNow = async (runId: string, at: string): Promise<AnchorSighting> => ({
    record: { v: 'upkeep.anchor/1', at, workflowId: `upkeep-anchor-trail-${at}`, runId, heads: await readChainHeads(store, [MODEL]) },
    source: 'temporal',
  });

  it('passes an honest trail, anchored at several heads', async () => {
    const early = await anchorNow('r1', '2026-12-01T01:00:00.000Z');
    await appendEntry(store, entry(6));
    const late = await anchorNow('r2', '2026-12-01T02:00:00.000Z');
    assert.deepEqual(await anchorProblems(store, MODEL, [early, late]), { problems: [], checked: 2 });
  });

  it('names a tail rewritten after an anchor, though the rebuilt chain verifies in the store', async () => {
    const early = await anchorNow('r1', '2026-12-01T01:00:00.000Z');
    await appendEntry(store, entry(6));
    await appendEntry(store, entry(7));
    const late = await anchorNow('r2', '2026-12-01T02:00:00.000Z');
    // Entry 6 is changed and the chain rebuilt from the start: every link and the head consistent.
    await rebuildChain(store, MODEL, (es) => es.map((e) => (e.id === 'e-06' ? { ...e, summary: 'nothing happened here' } : e)));
    assert.equal((await verifyChain(store, MODEL)).ok, true, 'the store alone cannot see it');
    const { problems } = await anchorProblems(store, MODEL, [late, early]);
    assert.equal(problems.length, 1, problems.join('\n'));
    assert.match(
      problems[0]!,
      /^entry 7 \(schedule at 2026-12-01T00:00:07.000Z, e-07\) differs from the head anchored at 2026-12-01T02:00:00.000Z by run r2 \(temporal\): .*rewritten at or before it, after link 5 \(which matches the head anchored at 2026-12-01T01:00:00.000Z by run r1/,
    );
  });

  it('names the end of the chain removed after an anchor', async () => {
    const anchor = await anchorNow('r1', '2026-12-01T01:00:00.000Z');
    await rebuildChain(store, MODEL, (es) => es.slice(0, 3));
    assert.equal((await verifyChain(store, MODEL)).ok, true);
    const { problems } = await anchorProblems(store, MODEL, [anchor]);
    assert.match(
      problems.join('\n'),
      /^link 5 was the head anchored at .* but the chain ends at link 3: the end of the chain was removed \(links 4\.\.5 at least\)/,
    );
  });

  it('names two copies of one anchor that differ', async () => {
    const anchor = await anchorNow('r1', '2026-12-01T01:00:00.000Z');
    const forged: AnchorSighting = {
      record: { ...anchor.record, heads: [{ modelId: MODEL, links: 3, sha256: 'ab'.repeat(32) }] },
      source: 'exported history histories/_fleet/x/r1.json',
    };
    const { problems } = await anchorProblems(store, MODEL, [forged, anchor]);
    assert.match(
      problems[0]!,
      /^the anchor of run r1 in exported history .* \(link 3\) differs from its copy in temporal \(link 5\): one of them was altered$/,
    );
  });

  it('copies an anchor to a second store and a git repository, once each, and a rewrite is named from either copy', async () => {
    const second = createFileStore(path.join(dir, 'second'));
    const repo = path.join(dir, 'repo');
    execFileSync('git', ['init', '-q', repo]);
    const anchor = await anchorNow('r1', '2026-12-01T01:00:00.000Z');
    const where = await copyAnchor(anchor.record, { store: second, git: repo });
    assert.equal(where.length, 2);
    await copyAnchor(anchor.record, { store: second, git: repo }); // a retried activity
    assert.equal(execFileSync('git', ['-C', repo, 'rev-list', '--count', 'HEAD'], { encoding: 'utf8' }).trim(), '1', 'committed once');
    await rebuildChain(store, MODEL, (es) => es.map((e) => (e.id === 'e-02' ? { ...e, summary: 'edited' } : e)));
    for (const copies of [await anchorsFromStore(second, 'second store'), await anchorsFromGit(repo)]) {
      assert.equal(copies.length, 1);
      const { problems } = await anchorProblems(store, MODEL, copies);
      assert.match(
        problems.join('\n'),
        /^entry 5 \(schedule at .*\) differs from the head anchored at 2026-12-01T01:00:00.000Z by run r1 \((second store|git) /,
      );
    }
  });

  it('finds a completed evaluation run whose entry was removed with the chain rebuilt, from its exported history; and an exported anchor', async () => {
    await appendEntry(store, entry(6, { kind: 'evaluation', runId: 'run-a', workflowId: 'upkeep-evaluate-churn-1', details: { verdict: 'healthy' } }));
    await appendEntry(store, entry(7, { kind: 'evaluation', runId: 'run-b', workflowId: 'upkeep-evaluate-churn-2', details: { verdict: 'degraded' } }));
    const runOf = (workflowId: string, runId: string) => ({ workflowId, runId, modelId: MODEL });
    await store.put(historyKeyOf(runOf('upkeep-evaluate-churn-1', 'run-a')), history('evaluateModel', { verdict: { status: 'healthy' } }));
    await store.put(historyKeyOf(runOf('upkeep-evaluate-churn-2', 'run-b')), history('evaluateModel', { verdict: { status: 'degraded' } }));
    // The anchor run's history, exported (under _fleet: it names no model).
    const anchor: AnchorRecord = {
      v: 'upkeep.anchor/1',
      at: '2026-12-01T01:00:00.000Z',
      workflowId: 'upkeep-anchor-trail-x',
      runId: 'anchor-1',
      heads: await readChainHeads(store, [MODEL]),
    };
    await store.put(historyKeyOf({ workflowId: anchor.workflowId, runId: anchor.runId }), history('anchorTrail', anchor, 'upkeep-anchor-trail'));
    const honest = await verifyOutsideStore(store, MODEL, (await verifyChain(store, MODEL)).entries, { anchorSchedule: 'upkeep-anchor-trail' });
    assert.deepEqual(honest.problems, []);
    assert.equal(honest.anchors, 1);
    assert.equal(honest.evaluations, 2);

    // The degraded evaluation is dropped and the chain rebuilt: consistent in the store.
    await rebuildChain(store, MODEL, (es) => es.filter((e) => e.runId !== 'run-b'));
    const chain = await verifyChain(store, MODEL);
    assert.equal(chain.ok, true);
    const found = await verifyOutsideStore(store, MODEL, chain.entries, { anchorSchedule: 'upkeep-anchor-trail' });
    assert.equal(found.problems.length, 2, found.problems.join('\n'));
    assert.match(
      found.problems[0]!,
      /^link 7 was the head anchored at 2026-12-01T01:00:00.000Z by run anchor-1 \(exported history histories\/_fleet\/upkeep-anchor-trail-x\/anchor-1.json\), but the chain ends at link 6/,
    );
    assert.match(
      found.problems[1]!,
      /^evaluation run run-b \(upkeep-evaluate-churn-2\) of churn completed \(exported history histories\/churn\/upkeep-evaluate-churn-2\/run-b.json\), but the trail has no evaluation entry of it: it was removed from the trail$/,
    );
    assert.equal((await readChain(store, MODEL)).length, 6);
  });

  it('counts only anchor runs the anchor schedule started: one started by hand (a forged head) is no anchor, from Temporal or an export', async () => {
    const heads = await readChainHeads(store, [MODEL]);
    const record = (runId: string, workflowId: string): AnchorRecord => ({ v: 'upkeep.anchor/1', at: '2026-12-01T01:00:00.000Z', workflowId, runId, heads });
    // Scheduled, and one started by hand under a workflow id of the schedule's form.
    const scheduled = record('by-schedule', 'upkeep-anchor-trail-2026-12-01T01:00:00Z');
    const byHand = record('by-hand', 'upkeep-anchor-trail-2026-12-01T02:00:00Z');
    const histories = new Map([
      [scheduled.runId, history('anchorTrail', scheduled, 'upkeep-anchor-trail')],
      [byHand.runId, history('anchorTrail', byHand)],
    ]);
    for (const r of [scheduled, byHand]) await store.put(historyKeyOf({ workflowId: r.workflowId, runId: r.runId }), histories.get(r.runId)!);
    const queries: string[] = [];
    // A server that lists both (ignoring the filter): the start event decides.
    const temporal = {
      listWorkflows: async (q: string) => {
        queries.push(q);
        return q.includes("WorkflowType = 'anchorTrail'")
          ? [scheduled, byHand].map((r) => ({ workflowId: r.workflowId, runId: r.runId, type: 'anchorTrail', status: 'COMPLETED', startTime: r.at }))
          : [];
      },
      history: async (_w: string, runId: string) => histories.get(runId)!,
    } as unknown as TemporalPort;
    const fromTemporal = await anchorsFromTemporal(temporal, '', 'upkeep-anchor-trail');
    assert.match(queries[0]!, /AND TemporalScheduledById = 'upkeep-anchor-trail'/, 'listed by the schedule that started them');
    assert.deepEqual(
      fromTemporal.anchors.map((a) => a.record.runId),
      ['by-schedule'],
    );
    assert.match(
      fromTemporal.notes.join('\n'),
      /anchor run by-hand was listed as scheduled, but its start event names no schedule upkeep-anchor-trail: not counted/,
    );
    const exported = await anchorsFromExportedHistories(store, 'upkeep-anchor-trail');
    assert.deepEqual(
      exported.anchors.map((a) => a.record.runId),
      ['by-schedule'],
    );
    assert.deepEqual(exported.notes, ['1 exported anchorTrail run was not started by the anchor schedule upkeep-anchor-trail: not counted as anchors']);
    // Another schedule's runs (another deployment's, or one made to look like it) are not this one's anchors either.
    assert.deepEqual((await anchorsFromExportedHistories(store, 'upkeep-anchor-trail-other')).anchors, []);

    // A hand-started run anchoring a rewritten tail would vouch for it; not counted, the scheduled one finds the rewrite.
    await rebuildChain(store, MODEL, (es) => es.map((e) => (e.id === 'e-05' ? { ...e, summary: 'rewritten' } : e)));
    const forged = record('forged', 'upkeep-anchor-trail-2026-12-01T03:00:00Z');
    forged.heads = await readChainHeads(store, [MODEL]);
    await store.put(historyKeyOf({ workflowId: forged.workflowId, runId: forged.runId }), history('anchorTrail', forged));
    const v = await verifyOutsideStore(store, MODEL, (await verifyChain(store, MODEL)).entries, { anchorSchedule: 'upkeep-anchor-trail' });
    assert.equal(v.anchors, 1, 'the scheduled anchor only');
    assert.match(v.problems.join('\n'), /^entry 5 \(schedule at .*\) differs from the head anchored at 2026-12-01T01:00:00.000Z by run by-schedule/);
  });
});
