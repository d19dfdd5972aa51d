import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, renameSync, rmSync, unlinkSync, writeFileSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { appendEntry, readChain, verifyChain } from '../../engine/audit/chain.js';
import { createFileStore } from '../../engine/store/file-store.js';
import { auditHeadKey, auditLinkKey, auditEntryKey } from '../../engine/store/keys.js';
import type { AuditEntry } from '../../domain/maintenance.js';

const MODEL = 'churn';
const entry = (i: number, kind: AuditEntry['kind'] = 'evaluation', extra: Partial<AuditEntry> = {}): AuditEntry => ({
  id: `run-${String(i).padStart(4, '0')}`,
  modelId: MODEL,
  at: new Date(Date.UTC(2026, 10, 1, 0, i)).toISOString(),
  kind,
  summary: `entry ${i}`,
  workflowId: 'wf',
  runId: 'run',
  event: 10 + i,
  ...extra,
});

describe('the audit chain', function () {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-chain-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const file = (key: string): string => path.join(dir, key);
  const problems = async (): Promise<string[]> => (await verifyChain(createFileStore(dir), MODEL)).problems;

  async function appended(n: number): Promise<void> {
    const store = createFileStore(dir);
    for (let i = 1; i <= n; i++) await appendEntry(store, entry(i, i % 3 === 0 ? 'decision' : i % 3 === 1 ? 'evaluation' : 'notified'));
  }

  it('links entries in the order they were appended, and verifies', async function () {
    await appended(6);
    const store = createFileStore(dir);
    const chain = await readChain(store, MODEL);
    assert.deepEqual(
      chain.map((c) => c.seq),
      [1, 2, 3, 4, 5, 6],
    );
    assert.deepEqual(
      chain.map((c) => c.entry.id),
      [1, 2, 3, 4, 5, 6].map((i) => entry(i).id),
    );
    assert.equal(chain[2]!.entry.event, 13);
    const v = await verifyChain(store, MODEL);
    assert.deepEqual(v.problems, []);
    assert.equal(v.ok, true);
    assert.equal(v.links, 6);
    assert.match(v.headSha256 ?? '', /^[0-9a-f]{64}$/);
  });

  it('records nothing under a model id with "/" (a workflow input anyone with namespace access chooses), and reads a chain without what is nested below it', async function () {
    await appended(3);
    const store = createFileStore(dir);
    // retrainModel started as upkeep-retrain-churn/chain recorded its request under audit/churn/chain/…
    for (const id of ['churn/chain', 'churn/maintenance', '../churn', 'Churn', '']) {
      await assert.rejects(appendEntry(store, entry(9, 'retrain-requested', { modelId: id })), /is not a model id/, id);
    }
    assert.deepEqual(await problems(), []);
    // What such an append wrote before: a second chain inside churn's (store keys as it wrote them).
    const nested = { ...entry(9, 'retrain-requested'), modelId: 'churn/chain' };
    await store.put(auditEntryKey(nested), JSON.stringify(nested));
    await store.put('audit/churn/chain/chain/0000000001.json', JSON.stringify({ seq: 1, key: auditEntryKey(nested), sha256: '0'.repeat(64), prev: null }));
    await store.put('audit/churn/chain/head.json', JSON.stringify({ seq: 1, sha256: '0'.repeat(64) }));
    assert.deepEqual(await problems(), [], "churn's own links are read, not another chain's nested below them (was a TypeError)");
    assert.equal((await readChain(store, MODEL)).length, 3);
  });

  it('links an entry once when its append runs again, also after a crash between link and mark', async function () {
    const store = createFileStore(dir);
    await appendEntry(store, entry(1));
    assert.deepEqual(await appendEntry(store, entry(1)), { created: false, seq: 1 });
    // A crash after link 2 was written, before its entry was marked linked and the head moved.
    await appendEntry(store, entry(2));
    unlinkSync(file(`audit/${MODEL}/linked/${entry(2).id}.json`));
    const first = readFileSync(file(auditLinkKey(MODEL, 1)));
    writeFileSync(file(auditHeadKey(MODEL)), JSON.stringify({ seq: 1, sha256: createHash('sha256').update(first).digest('hex') }));
    assert.deepEqual(await appendEntry(store, entry(2)), { created: false, seq: 2 });
    await appendEntry(store, entry(3));
    assert.deepEqual(
      (await readChain(store, MODEL)).map((c) => c.entry.id),
      [entry(1).id, entry(2).id, entry(3).id],
    );
    assert.deepEqual(await problems(), []);
  });

  it('does not fork when many appenders write at once, each entry linked exactly once', async function () {
    // Separate store objects, as separate workers would have; some entries appended twice.
    const ids = Array.from({ length: 30 }, (_, i) => i + 1);
    await Promise.all([...ids, 3, 7, 11, 19].map((i) => appendEntry(createFileStore(dir), entry(i))));
    const chain = await readChain(createFileStore(dir), MODEL);
    assert.deepEqual(
      chain.map((c) => c.seq),
      ids,
    );
    assert.deepEqual(chain.map((c) => c.entry.id).sort(), ids.map((i) => entry(i).id).sort());
    assert.deepEqual(await problems(), []);
  });

  it('adopts entries written before the chain existed, oldest first', async function () {
    const store = createFileStore(dir);
    for (const i of [3, 1, 2])
      await store.put(auditEntryKey(entry(i, i === 2 ? 'decision' : 'evaluation')), JSON.stringify(entry(i, i === 2 ? 'decision' : 'evaluation')));
    await appendEntry(store, entry(4));
    assert.deepEqual(
      (await readChain(store, MODEL)).map((c) => c.entry.id),
      [1, 2, 3, 4].map((i) => entry(i).id),
    );
    assert.deepEqual(await problems(), []);
  });

  describe('detects tampering', function () {
    beforeEach(() => appended(6));
    const link = (seq: number): string => file(auditLinkKey(MODEL, seq));
    const entryFile = (seq: number): string => file(JSON.parse(readFileSync(link(seq), 'utf8')).entry.key as string);

    it('an altered entry', async function () {
      const f = entryFile(3);
      writeFileSync(f, readFileSync(f, 'utf8').replace('"summary": "entry 3"', '"summary": "entry 3, nothing to see"'));
      assert.deepEqual(await problems(), [`link 3: entry ${entry(3).id} (${path.relative(dir, f)}) was altered (sha256 differs)`]);
    });

    it('a removed entry', async function () {
      unlinkSync(entryFile(4));
      const p = await problems();
      assert.equal(p.length, 1);
      assert.match(p[0]!, /^link 4: entry run-0004 .* is missing \(removed\)$/);
    });

    it('a removed entry together with its link', async function () {
      unlinkSync(entryFile(2));
      unlinkSync(link(2));
      // Named once, exactly: not also "link 3 does not follow", nor "the end was removed".
      assert.deepEqual(await problems(), ['link 2 is missing (removed)']);
    });

    it('a link removed from the middle, its entry left: the link, and the entry it no longer links', async function () {
      const f = entryFile(3);
      unlinkSync(link(3));
      assert.deepEqual(await problems(), [
        'link 3 is missing (removed)',
        `entry ${path.relative(dir, f)} is not in the chain (inserted, or an append that never finished)`,
      ]);
    });

    it('the last link re-hashed after its entry was altered (head.json not rewritten)', async function () {
      const f = entryFile(6);
      const altered = readFileSync(f, 'utf8').replace('"summary": "entry 6"', '"summary": "entry 6, forged"');
      writeFileSync(f, altered);
      writeFileSync(
        link(6),
        readFileSync(link(6), 'utf8').replace(/"sha256":"[0-9a-f]{64}"/, `"sha256":"${createHash('sha256').update(altered).digest('hex')}"`),
      );
      assert.deepEqual(await problems(), [
        `link 6 does not hash to the sha256 the head (${auditHeadKey(MODEL)}) recorded for it: link 6 was rewritten after it was appended`,
      ]);
    });

    it('two entries swapped (reordered links)', async function () {
      const a = readFileSync(link(2), 'utf8');
      const b = readFileSync(link(5), 'utf8');
      writeFileSync(link(2), b.replace('"seq":5', '"seq":2'));
      writeFileSync(link(5), a.replace('"seq":2', '"seq":5'));
      const p = await problems();
      assert.ok(
        p.some((x) => /^link 2 does not follow link 1/.test(x)),
        p.join('\n'),
      );
      assert.ok(
        p.some((x) => /^link 3 does not follow link 2/.test(x)),
        p.join('\n'),
      );
    });

    it('the end of the chain cut off', async function () {
      unlinkSync(entryFile(6));
      unlinkSync(link(6));
      assert.deepEqual(await problems(), [
        `the head (${auditHeadKey(MODEL)}) names link 6, but the chain ends at link 5: link 6 at the end of the chain was removed`,
      ]);
    });

    it('an entry slipped in without a link', async function () {
      const forged = entry(99, 'decision', { actor: 'mallory', at: '2026-11-01T00:02:30.000Z' });
      writeFileSync(file(auditEntryKey(forged)), JSON.stringify(forged));
      assert.deepEqual(await problems(), [`entry ${auditEntryKey(forged)} is not in the chain (inserted, or an append that never finished)`]);
    });

    it('nothing when untouched, and every link file is named by its place', async function () {
      assert.deepEqual(await problems(), []);
      assert.deepEqual(
        readdirSync(path.dirname(link(1))).sort(),
        [1, 2, 3, 4, 5, 6].map((i) => path.basename(link(i))),
      );
      renameSync(link(6), `${link(6)}.bak`); // not a link any more
      const p = await problems();
      assert.equal(p[0], `the head (${auditHeadKey(MODEL)}) names link 6, but the chain ends at link 5: link 6 at the end of the chain was removed`);
      assert.match(p[1] ?? '', /^entry .*run-0006\.json is not in the chain/);
      assert.equal(p.length, 2);
    });
  });
});
