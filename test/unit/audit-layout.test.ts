/**
 * A store an earlier version wrote, its audit trail under ledger/ (a committed fixture written by
 * that version), moved to audit/ (engine/store/audit-layout.ts): it still reads, verifies with
 * the same hashes, takes new entries and finds its config; the move survives a crash, two
 * processes at once and a copy that differs, and never changes or loses an original.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { appendEntry, readChain, verifyChain, type AuditLink } from '../../engine/audit/chain.js';
import { recordConfig } from '../../engine/audit/config-entries.js';
import { readAuditTrail } from '../../engine/audit/read.js';
import { verifyTrail } from '../../engine/audit/verify-trail.js';
import { isUpkeepError } from '../../engine/errors.js';
import { moveAuditTrail, withAuditLayout } from '../../engine/store/audit-layout.js';
import { createFileStore } from '../../engine/store/file-store.js';
import { auditLinkKey, auditMovedMarkerKey, currentAuditKey } from '../../engine/store/keys.js';
import type { ArtifactStore } from '../../engine/store/store.js';
import { sha256Hex } from '../../engine/util.js';
import type { ModelSpec } from '../../domain/config.js';
import type { AuditEntry } from '../../domain/maintenance.js';
import { atFixtureRoot, LEDGER_FIXTURE_HEADS, LEDGER_FIXTURE_LINKS, ledgerFixture, putLedgerFixture } from '../helpers/ledger-fixture.js';

const decode = (b: Uint8Array): string => new TextDecoder().decode(b);
const evaluation = (id: string, at: string): AuditEntry => ({
  id,
  modelId: 'churn',
  at,
  kind: 'evaluation',
  summary: 'evaluated: healthy',
  workflowId: 'upkeep-evaluate-churn',
  runId: id,
  details: { verdict: 'healthy', reasons: [] },
});

describe('a store whose audit trail an earlier version kept under ledger/', function () {
  this.timeout(20_000);
  const dirs: string[] = [];
  /** The fixture in a fresh folder, as the earlier version left it (no move yet). */
  async function oldStore(): Promise<ArtifactStore> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-ledger-'));
    dirs.push(dir);
    const raw = atFixtureRoot(createFileStore(dir));
    await putLedgerFixture(raw);
    return raw;
  }
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('reads and verifies after the move with the hashes the earlier version recorded, and takes new entries after them', async () => {
    const raw = await oldStore();
    const store = withAuditLayout(raw);
    for (const model of ['churn', '_web'] as const) {
      const v = await verifyTrail(store, model, { deep: true });
      assert.deepEqual(v.problems, [], model);
      assert.deepEqual([v.ok, v.links, v.headSha256], [true, LEDGER_FIXTURE_LINKS[model], LEDGER_FIXTURE_HEADS[model]], model);
    }
    // Every object copied byte for byte, the originals untouched, the move marked.
    for (const { key, bytes } of ledgerFixture()) {
      assert.deepEqual(Buffer.from(await raw.get(key)), bytes, key);
      if (key.startsWith('ledger/')) assert.deepEqual(Buffer.from(await raw.get(currentAuditKey(key))), bytes, currentAuditKey(key));
    }
    assert.ok(await raw.exists(auditMovedMarkerKey));
    // The cited objects are re-hashed at their new keys (evidence and the config record: URIs under ledger/).
    assert.ok((await verifyTrail(store, 'churn', { deep: true })).objects >= 4);
    assert.deepEqual((await readAuditTrail(store, 'churn')).map((e) => e.kind).sort(), ['approval-requested', 'config-changed', 'schedule']);

    // A new entry goes under audit/ and follows the last link the earlier version wrote.
    const { seq } = await appendEntry(store, evaluation('e3-0001', '2026-11-04T06:00:00.000Z'));
    assert.equal(seq, 7);
    const link = JSON.parse(decode(await raw.get(auditLinkKey('churn', 7)))) as AuditLink;
    assert.equal(link.prev, LEDGER_FIXTURE_HEADS.churn);
    assert.match(link.entry.key, /^audit\/churn\/evaluations\//);
    assert.deepEqual((await verifyChain(store, 'churn')).problems, []);
    assert.deepEqual(
      (await readChain(store, 'churn')).map((c) => c.seq),
      [1, 2, 3, 4, 5, 6, 7],
    );
    assert.deepEqual(
      await raw.list('ledger/churn/evaluations'),
      ledgerFixture()
        .filter((f) => f.key.startsWith('ledger/churn/evaluations/'))
        .map((f) => f.key),
      'nothing new under ledger/',
    );

    // The config recorded then is found (its head, link and claim moved): the same config records no change.
    const spec = JSON.parse(decode(await raw.get(ledgerFixture().find((f) => f.key.startsWith('ledger/churn/specs/'))!.key))) as ModelSpec;
    assert.equal((await recordConfig(store, spec, { by: { user: 'bob', host: 'ops-2', command: 'start' } })).changed, false);
  });

  it('tells the caller what it moved when given the store openStore gives (a worker at start says so)', async () => {
    const store = withAuditLayout(await oldStore());
    const m = await moveAuditTrail(store);
    assert.deepEqual([m.state, m.found, m.copied, m.models, m.problems], ['moved', 29, 29, ['_web', 'churn'], []]);
    assert.equal((await moveAuditTrail(store)).state, 'marked');
    assert.equal((await verifyChain(store, 'churn')).headSha256, LEDGER_FIXTURE_HEADS.churn);
  });

  it('removes the originals only when asked, after the copies verified, and the trail still verifies whole', async () => {
    const raw = await oldStore();
    const before = await verifyTrail(withAuditLayout(raw), 'churn', { deep: true });
    const m = await moveAuditTrail(raw, { full: true, removeOld: true });
    assert.deepEqual([m.state, m.found, m.copied, m.removed, m.models], ['moved', 29, 0, 29, ['_web', 'churn']]);
    assert.deepEqual(await raw.list('ledger'), []);
    const after = await verifyTrail(withAuditLayout(raw), 'churn', { deep: true });
    assert.deepEqual([after.ok, after.problems, after.objects, after.headSha256], [true, [], before.objects, LEDGER_FIXTURE_HEADS.churn]);
  });

  it('survives a crash in the middle: nothing is marked, nothing is read half-moved, and the next run finishes', async () => {
    const raw = await oldStore();
    let puts = 0;
    const crashing: ArtifactStore = {
      ...raw,
      put: async (key, data, opts) => {
        if (key.startsWith('audit/') && ++puts === 10) throw new Error('the process died');
        return raw.put(key, data, opts);
      },
    };
    const store = withAuditLayout(crashing);
    await assert.rejects(verifyTrail(store, 'churn'), (err: Error) =>
      /still under ledger\/ and could not be moved to audit\/ \(run `upkeep audit migrate` with write access\): the process died/.test(err.message),
    );
    assert.equal(await raw.exists(auditMovedMarkerKey), false);
    // The same process tries again on its next use of the trail, and copies what is missing.
    const v = await verifyTrail(store, 'churn', { deep: true });
    assert.deepEqual([v.ok, v.links, v.headSha256], [true, 6, LEDGER_FIXTURE_HEADS.churn]);
    assert.ok(await raw.exists(auditMovedMarkerKey));
  });

  it('two processes moving and appending at once: one chain, no fork', async () => {
    const raw = await oldStore();
    const a = withAuditLayout(raw);
    const b = withAuditLayout(raw);
    const [ra, rb] = await Promise.all([
      appendEntry(a, evaluation('a-0001', '2026-11-04T06:00:00.000Z')),
      appendEntry(b, evaluation('b-0001', '2026-11-04T06:00:01.000Z')),
    ]);
    assert.deepEqual([ra.seq, rb.seq].sort(), [7, 8]);
    const v = await verifyChain(a, 'churn');
    assert.deepEqual([v.ok, v.links], [true, 8]);
  });

  it('refuses to mark a move whose copy differs from its original, naming it, and changes nothing', async () => {
    const raw = await oldStore();
    await raw.put('audit/churn/chain/0000000003.json', '{"seq":3,"forged":true}\n');
    const m = await moveAuditTrail(raw);
    assert.equal(m.problems.length, 1);
    assert.match(m.problems[0]!, /^audit\/churn\/chain\/0000000003\.json differs from ledger\/churn\/chain\/0000000003\.json/);
    assert.equal(await raw.exists(auditMovedMarkerKey), false);
    await assert.rejects(
      appendEntry(withAuditLayout(raw), evaluation('x-0001', '2026-11-04T06:00:00.000Z')),
      (err: unknown) =>
        isUpkeepError(err, 'StoreConflict') &&
        /is still under ledger\/ and was not moved to audit\/: audit\/churn\/chain\/0000000003\.json differs/.test(err.message) &&
        !err.message.includes('\n'),
    );
    assert.equal(await raw.exists('audit/churn/evaluations/20261104T060000Z_x-0001.json'), false, 'nothing appended');
    for (const { key, bytes } of ledgerFixture()) assert.equal(sha256Hex(await raw.get(key)), sha256Hex(bytes), key);
  });

  it('leaves a store with nothing under ledger/ as it is (no marker), and takes entries at once', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-fresh-'));
    dirs.push(dir);
    const raw = createFileStore(dir);
    const store = withAuditLayout(raw);
    assert.equal((await appendEntry(store, evaluation('e1-0001', '2026-11-04T06:00:00.000Z'))).seq, 1);
    assert.equal(await raw.exists(auditMovedMarkerKey), false);
    assert.deepEqual((await moveAuditTrail(raw, { full: true })).state, 'none');
  });
});
