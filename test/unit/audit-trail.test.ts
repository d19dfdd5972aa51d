/**
 * The whole audit trail verified from the store (engine/audit/verify-trail.ts): what an
 * auditor with store access alone can show, after an insider edited the store and rebuilt the
 * chain consistently around the edit.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { appendEntry, readChain } from '../../engine/audit/chain.js';
import { verifyTrail } from '../../engine/audit/verify-trail.js';
import { createRegistry } from '../../engine/registry/registry.js';
import { createFileStore } from '../../engine/store/file-store.js';
import {
  artifactKey,
  auditHeadKey,
  auditLinkKey,
  auditLinksPrefix,
  championHistoryKey,
  reportKeys,
  snapshotManifestKey,
  specKey,
} from '../../engine/store/keys.js';
import type { ArtifactStore } from '../../engine/store/store.js';
import type { Decision, AuditEntry } from '../../domain/maintenance.js';
import { newKeyPair, newNonce, signDecision, type DecisionKeys } from '../../domain/signature.js';

const M = 'churn';
const sha = (b: string | Uint8Array): string => createHash('sha256').update(b).digest('hex');
const alice = newKeyPair();
const mallory = newKeyPair();
const RETRAIN = `upkeep-retrain-${M}`;

/** Writes a spec, a snapshot, a report and an evaluation entry, as an evaluation run does. */
async function evaluation(
  store: ArtifactStore,
  run: string,
  windowEnd: string,
  at: string,
  spec: Record<string, unknown>,
  verdict = 'healthy',
): Promise<AuditEntry> {
  const specJson = `${JSON.stringify(spec, null, 2)}\n`;
  const specPut = await store.put(specKey(M, sha(specJson)), specJson, { ifAbsent: true });
  const data = `x,y\n1,${run}\n`;
  const file = await store.put(`snapshots/${M}/files/${sha(data)}.csv`, data, { ifAbsent: true });
  const files = [{ date: windowEnd.slice(0, 10), sourceUri: `file:///data/${run}.csv`, sha256: sha(data), bytes: data.length, rows: 1 }];
  const identity = { modelId: M, firstDay: windowEnd.slice(0, 10), lastDay: windowEnd.slice(0, 10), windowEnd, timezone: 'UTC', files, missing: [] };
  const snapSha = sha(JSON.stringify(identity));
  const manifest = await store.put(
    snapshotManifestKey(M, snapSha),
    JSON.stringify({ ...identity, files: files.map((f) => ({ ...f, uri: file.uri })) }, null, 2),
    { ifAbsent: true },
  );
  const model = await store.put(artifactKey(M, sha('onnx-v1')), 'onnx-v1', { ifAbsent: true });
  const report = {
    schema: 'upkeep.evaluation-report/v1',
    modelId: M,
    owner: spec.owner,
    verdict: { status: verdict },
    window: { end: windowEnd },
    model: { artifactUri: model.uri, sha256: sha('onnx-v1'), bytes: 7 },
    snapshot: { uri: manifest.uri, sha256: snapSha },
    workflow: { workflowId: `upkeep-evaluate-${M}`, runId: run, startedAt: at },
    spec: { uri: specPut.uri, sha256: specPut.sha256 },
  };
  const key = reportKeys(M, windowEnd, run);
  const json = await store.put(key.json, `${JSON.stringify(report, null, 2)}\n`);
  const e: AuditEntry = {
    id: `${run}-0001`,
    modelId: M,
    at,
    kind: 'evaluation',
    summary: `evaluated ${sha('onnx-v1').slice(0, 12)}: ${verdict}`,
    workflowId: `upkeep-evaluate-${M}`,
    runId: run,
    details: {
      verdict,
      reasons: [],
      report: json.uri,
      reportSha256: json.sha256,
      snapshot: { uri: manifest.uri, sha256: snapSha },
      config: { uri: specPut.uri, sha256: specPut.sha256 },
      windowEnd,
    },
  };
  await appendEntry(store, e);
  return e;
}

const SPEC = { id: M, owner: 'alice@example.com', approvers: ['alice@example.com'] };
const KEYS: DecisionKeys = { people: { 'alice@example.com': alice.publicKey }, authenticators: {} };

/** A retrain request approved (signed by alice) and promoted: trail entries and the registry's record. */
async function promotion(store: ArtifactStore, keys: DecisionKeys | undefined, signWith: string | undefined): Promise<Decision> {
  const run = 'r1';
  const openedAt = '2026-11-03T06:00:00.000Z';
  const base = { modelId: M, workflowId: RETRAIN, runId: run };
  const act = { gate: 'promote' as const, decision: 'approve' as const, approver: 'alice@example.com', comment: 'better on the holdout' };
  const proof = signWith
    ? signDecision(
        act,
        {
          model: M,
          workflow: RETRAIN,
          request: openedAt,
          signer: 'alice@example.com',
          at: '2026-11-03T07:00:00.000Z',
          nonce: newNonce(() => new Uint8Array(16).fill(7)),
        },
        signWith,
      )
    : undefined;
  const decision: Decision = { ...act, at: '2026-11-03T07:00:01.000Z', ...(proof ? { proof } : {}) };
  await appendEntry(store, {
    ...base,
    id: `${run}-0001`,
    at: openedAt,
    kind: 'approval-requested',
    summary: 'asked alice: promote churn?',
    details: { gate: 'promote', openedAt, approvers: ['alice@example.com'], to: ['alice@example.com'], ...(keys ? { keys } : {}) },
  });
  await appendEntry(store, {
    ...base,
    id: `${run}-0002`,
    at: decision.at,
    kind: 'decision',
    summary: 'alice approved promote churn',
    actor: 'alice@example.com',
    comment: act.comment,
    details: { gate: 'promote', openedAt, decision: 'approve', at: decision.at, ...(proof ? { signer: proof.signer, proof } : {}) },
  });
  const registry = createRegistry(store);
  await store.put(artifactKey(M, sha('onnx-v2')), 'onnx-v2', { ifAbsent: true });
  await registry.register({
    modelId: M,
    version: sha('onnx-v2').slice(0, 12),
    sha256: sha('onnx-v2'),
    artifactUri: store.uriFor(artifactKey(M, sha('onnx-v2'))),
    bytes: 7,
    createdAt: '2026-11-03T06:30:00.000Z',
    source: 'retrain',
  });
  await registry.swapChampion(
    {
      modelId: M,
      version: sha('onnx-v2').slice(0, 12),
      sha256: sha('onnx-v2'),
      since: '2026-11-03T07:00:02.000Z',
      change: 'promotion',
      workflow: { workflowId: RETRAIN, runId: run },
      approvals: [decision],
    },
    null,
    sha('onnx-v1').slice(0, 12),
  );
  await appendEntry(store, {
    ...base,
    id: `${run}-0003`,
    at: '2026-11-03T07:00:02.000Z',
    kind: 'promoted',
    summary: 'promoted',
    actor: 'alice@example.com',
    details: { from: sha('onnx-v1').slice(0, 12), to: sha('onnx-v2').slice(0, 12) },
  });
  return decision;
}

describe('the audit trail, verified whole from the store', function () {
  let dir: string;
  let store: ArtifactStore;
  const file = (key: string): string => path.join(dir, key);
  const problems = async (): Promise<string[]> => (await verifyTrail(store, M, { deep: true })).problems;

  /** What an insider does after editing entries: links rebuilt from scratch, head rewritten. */
  async function rebuildChain(without: (e: AuditEntry) => boolean = () => false): Promise<void> {
    const chain = await readChain(store, M);
    for (const key of await store.list(auditLinksPrefix(M))) await store.delete(key);
    let prev: string | null = null;
    let seq = 0;
    for (const c of chain) {
      const key = new URL(c.uri).pathname.slice(new URL(store.root).pathname.length + 1);
      if (without(c.entry)) {
        await store.delete(key);
        continue;
      }
      const bytes = await store.get(key);
      seq++;
      const link = `${JSON.stringify({ v: 'upkeep.audit-link/1', seq, entry: { key, id: c.entry.id, at: c.entry.at, kind: c.entry.kind, sha256: sha(bytes) }, prev })}\n`;
      await store.put(auditLinkKey(M, seq), link);
      prev = sha(link);
    }
    await store.put(auditHeadKey(M), JSON.stringify({ seq, sha256: prev }));
  }
  const entryFile = async (id: string): Promise<string> =>
    file(new URL((await readChain(store, M)).find((c) => c.entry.id === id)!.uri).pathname.slice(new URL(store.root).pathname.length + 1));

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-trail-'));
    store = createFileStore(dir);
    await evaluation(store, 'e1', '2026-11-01T06:00:00.000Z', '2026-11-01T06:01:00.000Z', { ...SPEC, keys: KEYS });
    await evaluation(store, 'e2', '2026-11-02T06:00:00.000Z', '2026-11-02T06:01:00.000Z', { ...SPEC, keys: KEYS }, 'degraded');
    await promotion(store, KEYS, alice.secretKey);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('verifies an untouched trail: every cited object re-hashed, signatures and registry agree', async function () {
    const v = await verifyTrail(store, M, { deep: true });
    assert.deepEqual(v.problems, []);
    assert.deepEqual(v.notes, []);
    assert.ok(v.objects >= 8, `${v.objects} objects`);
  });

  it('a spec edited to name another owner: it no longer hashes to its name', async function () {
    const key = (await store.list(`audit/${M}/specs`))[0]!;
    writeFileSync(file(key), readFileSync(file(key), 'utf8').replace('"owner": "alice@example.com"', '"owner": "mallory@example.com"'));
    const p = await problems();
    assert.equal(p[0], `spec ${key} does not hash to its name: it was altered`);
    assert.ok(
      p.some((x) => x.includes(`spec ${key} was altered`) && x.startsWith('entry 1 ')),
      p.join('\n'),
    );
  });

  it('an evaluation entry removed with the chain rebuilt: its report is cited by no entry', async function () {
    await rebuildChain((e) => e.id === 'e2-0001');
    const key = reportKeys(M, '2026-11-02T06:00:00.000Z', 'e2').json;
    assert.deepEqual(await problems(), [
      `report ${key} (window ending 2026-11-02T06:00:00.000Z, run e2) is cited by no entry: its evaluation entry was removed (or never recorded, or is still being recorded)`,
    ]);
  });

  it('an evaluation entry removed together with its report (chain rebuilt): its notification still names the run', async function () {
    await appendEntry(store, {
      id: 'notified-e2',
      modelId: M,
      at: '2026-11-02T06:01:01.000Z',
      kind: 'notified',
      summary: 'degraded sent',
      workflowId: `upkeep-evaluate-${M}`,
      runId: 'e2',
      details: { notification: 'degraded', to: ['alice@example.com'], title: 'churn is degraded', webhook: 'none' },
    });
    await store.delete(reportKeys(M, '2026-11-02T06:00:00.000Z', 'e2').json);
    await rebuildChain((e) => e.id === 'e2-0001');
    assert.deepEqual(await problems(), [
      'entry 5 (notified at 2026-11-02T06:01:01.000Z): a degraded notification of evaluation run e2, whose evaluation entry is not in the trail (removed)',
    ]);
  });

  it('a report, a snapshot and a data file altered after the fact', async function () {
    const report = reportKeys(M, '2026-11-01T06:00:00.000Z', 'e1').json;
    writeFileSync(file(report), readFileSync(file(report), 'utf8').replace('"owner": "alice@example.com"', '"owner": "mallory@example.com"'));
    const [manifest] = await store.list(`snapshots/${M}/manifests`);
    writeFileSync(file(manifest!), readFileSync(file(manifest!), 'utf8').replace('"rows": 1', '"rows": 100'));
    const [, data] = await store.list(`snapshots/${M}/files`);
    writeFileSync(file(data!), 'x,y\n9,9\n');
    const p = await problems();
    assert.ok(p.includes(`entry 1 (evaluation at 2026-11-01T06:01:00.000Z): report ${report} was altered (its sha256 is not the one cited)`), p.join('\n'));
    assert.ok(
      p.some((x) => x.includes(`snapshot manifest ${manifest} was altered`)),
      p.join('\n'),
    );
    assert.ok(
      p.some((x) => x.includes(`data file ${data} was altered`)),
      p.join('\n'),
    );
  });

  it('stored evidence an entry cites as { uri, sha256 } is re-hashed', async function () {
    const evidence = await store.put(`registry/${M}/evidence/r1.json`, '{"comparison":"champion 0.71, challenger 0.80"}\n');
    await appendEntry(store, {
      id: 'r1-0004',
      modelId: M,
      at: '2026-11-03T07:00:03.000Z',
      kind: 'compared',
      summary: 'compared',
      workflowId: RETRAIN,
      runId: 'r1',
      details: { evidence: { uri: evidence.uri, sha256: evidence.sha256 } },
    });
    assert.deepEqual(await problems(), []);
    writeFileSync(file(`registry/${M}/evidence/r1.json`), '{"comparison":"champion 0.71, challenger 0.99"}\n');
    assert.deepEqual(await problems(), [
      `entry 6 (compared at 2026-11-03T07:00:03.000Z): evidence object registry/${M}/evidence/r1.json was altered (its sha256 is not the one cited)`,
    ]);
  });

  it('an entry citing malformed references (a path out of the store, a sha256 that is a path) is named, not a crash', async function () {
    await appendEntry(store, {
      id: 'x-0001',
      modelId: M,
      at: '2026-11-04T00:00:00.000Z',
      kind: 'evaluation',
      summary: 'forged',
      runId: 'x',
      details: {
        verdict: 'healthy',
        report: `${store.root}/../../etc/passwd`,
        snapshot: { sha256: '../../etc/passwd' },
        config: { sha256: '../x' },
        evidence: { uri: `${store.root}/%2e%2e/x`, sha256: 'a'.repeat(64) },
      },
    });
    const v = await verifyTrail(store, M, { deep: true });
    assert.ok(
      v.problems.includes('entry 6 (evaluation at 2026-11-04T00:00:00.000Z): spec audit/churn/specs/../x.json is missing (removed)'),
      v.problems.join('\n'),
    );
    assert.ok(
      v.problems.some((p) => p.includes('cites a snapshot by a malformed sha256 "../../etc/passwd"')),
      v.problems.join('\n'),
    );
    assert.ok(
      v.notes.some((n) => n.includes('cites a report outside this store')),
      v.notes.join('\n'),
    );
  });

  it('a signature re-checked: the decision comment rewritten and the chain rebuilt consistently', async function () {
    const f = await entryFile('r1-0002');
    writeFileSync(f, readFileSync(f, 'utf8').replace('better on the holdout', 'approved without reading it'));
    await rebuildChain();
    const p = await problems();
    assert.ok(
      p.some((x) =>
        /^entry 4 \(decision at .*\): the signature of "alice@example.com" does not match this decision .*\(keys in force: entry 3 \(approval-requested\)\)$/.test(
          x,
        ),
      ),
      p.join('\n'),
    );
    // ...and the registry's approval is no longer the trail's decision? It is (same signature): only the signature fails.
  });

  it('a promotion entry removed with the chain rebuilt while the registry records the promotion', async function () {
    await rebuildChain((e) => e.kind === 'promoted');
    const p = await problems();
    assert.equal(p.length, 1, p.join('\n'));
    assert.match(
      p[0]!,
      /^the registry's champion change 1 \(promotion to [0-9a-f]{12} at 2026-11-03T07:00:02.000Z, run r1\) has no promoted entry in the trail/,
    );
  });

  it('a champion change in the registry without its decision in the trail, and a promotion entry without a registry record', async function () {
    unlinkSync(file(championHistoryKey(M, 1)));
    const p = await problems();
    assert.ok(
      p.some((x) => /^entry 5 \(promoted at .*\): the promotion to [0-9a-f]{12} has no champion change in the registry/.test(x)),
      p.join('\n'),
    );
    assert.ok(
      p.some((x) =>
        /^the champion pointer .* is not the registry's last champion change|names [0-9a-f]{12}, but the registry records no champion change/.test(x),
      ),
      p.join('\n'),
    );
  });
});

describe('decisions checked against the keys in force when they were made', function () {
  let dir: string;
  let store: ArtifactStore;
  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-trail-'));
    store = createFileStore(dir);
    await evaluation(store, 'e1', '2026-11-01T06:00:00.000Z', '2026-11-01T06:01:00.000Z', { ...SPEC, keys: KEYS });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** verify-decision's output and its count of problems. */
  async function verifyDecision(keys: DecisionKeys): Promise<{ bad: number; out: string }> {
    const { verifyDecisionsCommand } = await import('../../cli/keys.js');
    const lines: string[] = [];
    const log = console.log;
    console.log = (...a: unknown[]) => void lines.push(a.join(' '));
    try {
      const bad = await verifyDecisionsCommand({ id: M, keys }, store);
      return { bad, out: lines.join('\n') };
    } finally {
      console.log = log;
    }
  }

  it("an insider who put their own key in the config under the approver's id and re-signed does not pass", async function () {
    // The trail's request recorded alice's real key; the stored decision (trail and registry alike) is signed with mallory's.
    await promotion(store, KEYS, mallory.secretKey);
    const p = (await verifyTrail(store, M)).problems;
    assert.ok(
      p.some((x) =>
        /^entry 3 \(decision at .*\): the signature of "alice@example.com" does not match this decision .*\(keys in force: entry 2 \(approval-requested\)\)$/.test(
          x,
        ),
      ),
      p.join('\n'),
    );
    // Today's config holds mallory's key for alice: verify-decision still checks the keys in force then.
    const { bad, out } = await verifyDecision({ people: { 'alice@example.com': mallory.publicKey }, authenticators: {} });
    assert.ok(bad >= 1, out);
    assert.match(
      out,
      /NOT VERIFIED {2}generation 1 \(promotion to [0-9a-f]{12}\): promote approve by alice@example.com, signed by alice@example.com at .*: the signature of "alice@example.com" does not match/,
    );
  });

  it('a decision taken unsigned at a request opened before keys applied (a web decision) verifies as what it was', async function () {
    // The gate opened with no keys in force, so the workflow kept no signature; today the config lists the web server's key.
    await promotion(store, { people: {}, authenticators: {} }, undefined);
    assert.deepEqual((await verifyTrail(store, M)).problems, []);
    const { bad, out } = await verifyDecision({ people: {}, authenticators: { 'upkeep-web@host': newKeyPair().publicKey } });
    assert.equal(bad, 0, out);
    assert.match(
      out,
      /^verified {2}generation 1 \(promotion to [0-9a-f]{12}\): promote approve by alice@example.com; unsigned: no keys were in force for this request \(entry 2 \(approval-requested\)\)$/m,
    );
  });

  it('a signed decision verifies against the keys in force, though the key was replaced since', async function () {
    await promotion(store, KEYS, alice.secretKey);
    const { bad, out } = await verifyDecision({ people: { 'alice@example.com': newKeyPair().publicKey }, authenticators: {} });
    assert.equal(bad, 0, out);
    assert.match(out, /^verified {2}generation 1 .*, against the keys in force then \(entry 2 \(approval-requested\)\)$/m);
  });

  it('a trail from before requests recorded keys: the spec cited before the request opened holds them', async function () {
    // The beforeEach evaluation cites a spec with keys; here the request opens after one citing a spec without.
    await evaluation(store, 'e0', '2026-11-02T06:00:00.000Z', '2026-11-02T06:01:00.000Z', SPEC);
    const gate = {
      modelId: M,
      workflowId: RETRAIN,
      runId: 'old',
      details: { gate: 'retrain', openedAt: '2026-11-02T07:00:00.000Z', approvers: ['alice@example.com'] },
    };
    await appendEntry(store, { ...gate, id: 'old-0001', at: '2026-11-02T07:00:00.000Z', kind: 'approval-requested', summary: 'asked' });
    // Keys were added to the config while the request waited: the next evaluation cites them.
    await evaluation(store, 'e3', '2026-11-03T06:00:00.000Z', '2026-11-03T06:01:00.000Z', { ...SPEC, keys: KEYS });
    await appendEntry(store, {
      ...gate,
      id: 'old-0002',
      at: '2026-11-03T07:00:00.000Z',
      kind: 'decision',
      actor: 'alice@example.com',
      summary: 'approved',
      details: { ...gate.details, decision: 'approve' },
    });
    const v = await verifyTrail(store, M);
    assert.deepEqual(v.problems, []);
    assert.match(v.acts[0]!.inForce!.from, /^the spec [0-9a-f]{12} cited by entry 2$/);
  });

  it('a decision left unsigned although keys were in force is named', async function () {
    await promotion(store, KEYS, undefined);
    const p = (await verifyTrail(store, M)).problems;
    assert.deepEqual(p, [
      `entry 3 (decision at 2026-11-03T07:00:01.000Z): the promote approve by alice@example.com is not signed, although keys were in force (entry 2 (approval-requested))`,
    ]);
  });

  it('an unsigned approval whose comment was reworded in the registry disagrees with the trail', async function () {
    await promotion(store, { people: {}, authenticators: {} }, undefined);
    const f = path.join(dir, championHistoryKey(M, 1));
    writeFileSync(f, readFileSync(f, 'utf8').replace('better on the holdout', 'checked by the whole team'));
    const p = (await verifyTrail(store, M)).problems;
    assert.ok(
      p.some((x) => /^the registry's champion change 1 .*: the comment of its promote approve by alice@example.com is not the one in the trail$/.test(x)),
      p.join('\n'),
    );
  });

  it('verify-decision fails when the trail does not verify (a promotion entry removed)', async function () {
    await promotion(store, KEYS, alice.secretKey);
    const promoted = (await readChain(store, M)).find((c) => c.entry.kind === 'promoted')!;
    unlinkSync(new URL(promoted.uri));
    const { bad, out } = await verifyDecision(KEYS);
    assert.ok(bad >= 1, out);
    assert.match(out, /^NOT VERIFIED {2}the audit trail of churn does not verify/m);
  });

  it('verify-decision fails when a data file of a cited snapshot was altered', async function () {
    await promotion(store, KEYS, alice.secretKey);
    const [data] = await store.list(`snapshots/${M}/files`);
    writeFileSync(path.join(dir, data!), 'x,y\n9,9\n');
    const { bad, out } = await verifyDecision(KEYS);
    assert.ok(bad >= 1, out);
    assert.match(out, new RegExp(`data file ${data} was altered`));
  });
});

describe('commands that answer from the trail verify it first', function () {
  let dir: string;
  let store: ArtifactStore;
  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-trail-'));
    store = createFileStore(dir);
    await evaluation(store, 'e1', '2026-11-01T06:00:00.000Z', '2026-11-01T06:01:00.000Z', SPEC);
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    process.exitCode = undefined;
  });

  async function quietly<T>(f: () => Promise<T>): Promise<{ value: T; err: string }> {
    const lines: string[] = [];
    const error = console.error;
    console.error = (...a: unknown[]) => void lines.push(a.join(' '));
    try {
      return { value: await f(), err: lines.join('\n') };
    } finally {
      console.error = error;
    }
  }

  it('answers from an intact trail', async function () {
    const { checkedTrail } = await import('../../cli/commands/audit.js');
    const { value } = await quietly(() => checkedTrail(store, M, false));
    assert.equal(value!.chain.length, 1);
    assert.deepEqual(value!.problems, []);
    assert.equal(process.exitCode, undefined);
  });

  it('refuses to answer from a trail whose spec was edited (exit 1), and with --unverified answers marked', async function () {
    const { checkedTrail } = await import('../../cli/commands/audit.js');
    const key = (await store.list(`audit/${M}/specs`))[0]!;
    writeFileSync(path.join(dir, key), readFileSync(path.join(dir, key), 'utf8').replace('alice@example.com', 'mallory@example.com'));
    const refused = await quietly(() => checkedTrail(store, M, false));
    assert.equal(refused.value, undefined);
    assert.equal(process.exitCode, 1);
    assert.match(refused.err, /^the audit trail of churn does NOT verify \(\d problems?\):\n {2}- spec .* does not hash to its name/);
    assert.match(refused.err, /nothing is answered\. Pass --unverified/);
    process.exitCode = undefined;
    const shown = await quietly(() => checkedTrail(store, M, true));
    assert.equal(shown.value!.chain.length, 1);
    assert.ok(shown.value!.problems.length > 0);
    assert.equal(process.exitCode, 1);
  });

  /** Runs a command of audit-cli against this store through a config file; its stdout, stderr and exit code. */
  async function run(f: (config: string) => Promise<void>): Promise<{ out: string; err: string; code: number | undefined }> {
    const { modelYaml } = await import('../helpers/config-text.js');
    const config = path.join(dir, 'upkeep.yaml');
    writeFileSync(config, `store: ${JSON.stringify(dir)}\nmodels:\n${modelYaml()}`);
    const out: string[] = [];
    const log = console.log;
    const write = process.stdout.write.bind(process.stdout);
    console.log = (...a: unknown[]) => void out.push(a.join(' '));
    process.stdout.write = ((chunk: string) => out.push(String(chunk)) > 0) as typeof process.stdout.write;
    try {
      const { err } = await quietly(() => f(config));
      return { out: out.join('\n'), err, code: process.exitCode === undefined ? undefined : Number(process.exitCode) };
    } finally {
      console.log = log;
      process.stdout.write = write;
    }
  }

  it('who-was-watching and audit: refused on a broken trail, shown marked UNVERIFIED with --unverified', async function () {
    const { whoCommand, auditCommand } = await import('../../cli/commands/audit.js');
    const at = new Date('2026-11-02T00:00:00Z');
    const intact = await run((config) => whoCommand(M, { at, config }));
    assert.equal(intact.code, undefined, intact.err);
    assert.match(intact.out, /^churn at 2026-11-02T00:00:00.000Z \(from the audit chain in the store\)\n\nowner: +alice@example.com/);
    const key = (await store.list(`audit/${M}/specs`))[0]!;
    writeFileSync(path.join(dir, key), readFileSync(path.join(dir, key), 'utf8').replace('"owner": "alice@example.com"', '"owner": "mallory@example.com"'));
    const refused = await run((config) => whoCommand(M, { at, config }));
    assert.equal(refused.code, 1);
    assert.equal(refused.out, '', 'nothing answered');
    assert.match(refused.err, /does NOT verify/);
    process.exitCode = undefined;
    const shown = await run((config) => whoCommand(M, { at, config, unverified: true }));
    assert.equal(shown.code, 1);
    assert.match(shown.out, /^UNVERIFIED: the audit trail of churn does not verify/);
    assert.match(shown.out, /owner: +mallory@example.com[\s\S]*UNVERIFIED: /);
    process.exitCode = undefined;
    const json = await run((config) => whoCommand(M, { at, config, unverified: true, format: 'json' }));
    assert.equal(JSON.parse(json.out).verified, false);
    process.exitCode = undefined;
    const listed = await run((config) => auditCommand(M, { config, unverified: true, format: 'json' }));
    assert.deepEqual(
      (JSON.parse(listed.out) as { verified: boolean }[]).map((e) => e.verified),
      [false],
    );
    assert.equal(listed.code, 1);
  });

  it('who-was-watching refuses an instant in the future, naming it', async function () {
    const { checkInstant } = await import('../../cli/commands/audit.js');
    const now = new Date('2026-12-01T00:00:00Z');
    assert.throws(
      () => checkInstant(new Date('2027-01-01T00:00:00Z'), now),
      /^UpkeepError: --at 2027-01-01T00:00:00\.000Z is in the future \(now 2026-12-01T00:00:00\.000Z\)/,
    );
    checkInstant(new Date('2026-11-30T00:00:00Z'), now);
  });
});
