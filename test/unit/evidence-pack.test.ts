/**
 * The evidence pack (engine/evidence/): a quarter of a fixture trail (the ledger-store fixture,
 * moved to audit/, then a quarter of daily evaluations, a signed promotion with its evidence, a
 * plan change, an exported history and hostile entries appended), packed, extracted with the
 * system's tar, checked by the pack's own verify.mjs and by `upkeep audit pack verify`, then
 * tampered with file by file. index.html's links are checked without a browser.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { appendEntry, linkKeys } from '../../engine/audit/chain.js';
import type { AnchorSighting } from '../../engine/audit/anchor.js';
import { writeEvidencePack } from '../../engine/evidence/pack.js';
import { verifyPackArchive } from '../../engine/evidence/verify.js';
import { VERIFY_SCRIPT } from '../../engine/evidence/verify-script.js';
import { csvCell } from '../../engine/evidence/csv.js';
import { createFileStore } from '../../engine/store/file-store.js';
import { moveAuditTrail } from '../../engine/store/audit-layout.js';
import { artifactKey, evidenceKey, planKey, reportKeys, specKey, auditLinkKey } from '../../engine/store/keys.js';
import type { ArtifactStore } from '../../engine/store/store.js';
import type { AuditEntry } from '../../domain/maintenance.js';
import type { ModelSpec } from '../../domain/config.js';
import { monitoringPlan, planBytes } from '../../domain/monitoring-plan.js';
import { newKeyPair, newNonce, signDecision } from '../../domain/signature.js';
import { atFixtureRoot, putLedgerFixture } from '../helpers/ledger-fixture.js';

const M = 'churn';
const sha = (b: string | Uint8Array): string => createHash('sha256').update(b).digest('hex');
const alice = newKeyPair();
const HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)> ../../../etc/passwd';
const DAY = 86_400_000;
const Q_FROM = new Date('2026-10-01T00:00:00Z');
const Q_TO = new Date('2027-01-01T00:00:00Z');

/** The fixture's spec: what the fixture's evaluations cite, so the card can be rebuilt from it. */
const FIXTURE_SPEC = 'a655669d6f876b33dea6ac1b6bbcd1481242abc4154dc156d5621649a1843d5e';

async function evaluation(store: ArtifactStore, day: number, verdict: string): Promise<void> {
  const windowEnd = new Date(Date.parse('2026-10-01T06:00:00Z') + day * DAY).toISOString();
  const run = `ev-${String(day).padStart(3, '0')}`;
  const spec = { uri: store.uriFor(specKey(M, FIXTURE_SPEC)), sha256: FIXTURE_SPEC };
  const report = {
    schema: 'upkeep.evaluation-report/v1',
    modelId: M,
    verdict: { status: verdict, reasons: [] },
    window: { end: windowEnd },
    rows: 500,
    metrics: { roc_auc: verdict === 'healthy' ? 0.8 : 0.6 },
    model: { sha256: sha('onnx-v1') },
    workflow: { workflowId: `upkeep-evaluate-${M}`, runId: run, startedAt: windowEnd },
    spec,
  };
  const keys = reportKeys(M, windowEnd, run);
  await store.put(keys.markdown, `# Report ${run}\n\nverdict ${verdict}\n`);
  await store.put(keys.html, `<!doctype html><title>${run}</title><p>${verdict}</p>`);
  const json = await store.put(keys.json, `${JSON.stringify(report, null, 2)}\n`);
  await appendEntry(store, {
    id: `${run}-0001`,
    modelId: M,
    at: new Date(Date.parse(windowEnd) + 60_000).toISOString(),
    kind: 'evaluation',
    summary: `evaluated: ${verdict}`,
    workflowId: `upkeep-evaluate-${M}`,
    runId: run,
    details: { verdict, reasons: [], report: json.uri, reportSha256: json.sha256, config: spec, windowEnd },
  });
}

/** A promotion asked on 2026-11-20 with stored evidence and keys, approved signed by alice. */
async function signedPromotion(store: ArtifactStore): Promise<void> {
  const openedAt = '2026-11-20T07:00:00.000Z';
  const wf = `upkeep-retrain-${M}`;
  const evidence = `${JSON.stringify({ comparison: { champion: 0.61, candidate: 0.79 } }, null, 2)}\n`;
  const ev = await store.put(evidenceKey(M, sha(evidence)), evidence);
  const keys = { people: { 'alice@example.com': alice.publicKey }, authenticators: {} };
  const base = { modelId: M, workflowId: wf, runId: 'r9' };
  await appendEntry(store, {
    ...base,
    id: 'r9-0001',
    at: openedAt,
    kind: 'approval-requested',
    summary: 'asked alice: promote churn?',
    details: { gate: 'promote', openedAt, approvers: ['alice@example.com'], keys, candidate: 'v2', evidence: { uri: ev.uri, sha256: ev.sha256 } },
  });
  const act = { gate: 'promote', decision: 'approve', approver: 'alice@example.com', comment: 'better on the holdout' };
  const proof = signDecision(
    act,
    {
      model: M,
      workflow: wf,
      request: openedAt,
      candidate: 'v2',
      evidence: ev.sha256,
      signer: 'alice@example.com',
      at: '2026-11-20T09:00:00.000Z',
      nonce: newNonce(() => new Uint8Array(16).fill(3)),
    },
    alice.secretKey,
  );
  await appendEntry(store, {
    ...base,
    id: 'r9-0002',
    at: '2026-11-20T09:00:01.000Z',
    kind: 'decision',
    summary: 'alice approved promote churn',
    actor: 'alice@example.com',
    comment: act.comment,
    details: { gate: 'promote', openedAt, decision: 'approve', at: '2026-11-20T09:00:01.000Z', signer: 'alice@example.com', proof },
  });
}

/** Builds the fixture store: the ledger fixture moved to audit/, then the quarter. */
async function quarter(dir: string): Promise<ArtifactStore> {
  const store = atFixtureRoot(createFileStore(dir));
  await putLedgerFixture(store);
  await moveAuditTrail(store);
  const spec = JSON.parse(new TextDecoder().decode(await store.get(specKey(M, FIXTURE_SPEC)))) as ModelSpec;
  const plan = planBytes(monitoringPlan(spec));
  const planPut = await store.put(planKey(M, sha(plan)), plan);
  await appendEntry(store, {
    id: 'plan-first',
    modelId: M,
    at: '2026-09-15T00:00:00.000Z',
    kind: 'plan-changed',
    summary: 'monitoring plan in force',
    actor: 'ops@example.com',
    details: { plan: { uri: planPut.uri, sha256: planPut.sha256 }, previous: null, changed: ['first plan'] },
  });
  await evaluation(store, -10, 'healthy'); // before the quarter: the card as of its start
  for (let d = 0; d < 92; d++) await evaluation(store, d, d >= 45 && d < 52 ? 'degraded' : 'healthy');
  await signedPromotion(store);
  // Entries of kinds this version does not know (a review, a handover), with hostile text, ids and names.
  await appendEntry(store, {
    id: 'review-1',
    modelId: M,
    at: '2026-12-01T10:00:00.000Z',
    kind: 'review-attested' as AuditEntry['kind'],
    summary: `still fit for use ${HOSTILE}`,
    actor: `"><a href="https://evil.example/">x</a>`,
    comment: '=HYPERLINK("https://evil.example")',
    workflowId: '../../../../tmp/owned',
    runId: 'run/../../x',
    details: { answers: [HOSTILE] },
  });
  await appendEntry(store, {
    id: 'handover-1',
    modelId: M,
    at: '2026-12-02T10:00:00.000Z',
    kind: 'handover-accepted' as AuditEntry['kind'],
    summary: 'bob accepted churn from alice',
    actor: 'bob@example.com',
  });
  // One exported history of an evaluation run of the quarter.
  await store.put(
    `histories/${M}/upkeep-evaluate-${M}/ev-010.json`,
    JSON.stringify({ events: [{ eventId: '1', eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED' }] }),
  );
  return store;
}

/** Every file under a folder, relative, sorted. */
function filesUnder(dir: string, rel = ''): string[] {
  return readdirSync(path.join(dir, rel))
    .flatMap((n) => (statSync(path.join(dir, rel, n)).isDirectory() ? filesUnder(dir, rel ? `${rel}/${n}` : n) : [rel ? `${rel}/${n}` : n]))
    .sort();
}

/** A strict RFC 4180 reader: every row must have the header's number of cells. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  assert.equal(quoted, false, 'a quoted cell is not closed');
  assert.equal(row.length + cell.length, 0, 'the CSV does not end with CRLF');
  return rows;
}

const nodeVerify = (folder: string): { status: number | null; out: string } => {
  const r = spawnSync(process.execPath, [path.join(folder, 'verify.mjs')], { encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
};

describe('the evidence pack of a quarter', function () {
  this.timeout(60_000);
  let dir: string;
  let work: string;
  let store: ArtifactStore;
  let archive: string;
  let folder: string;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-pack-store-'));
    work = mkdtempSync(path.join(os.tmpdir(), 'upkeep-pack-out-'));
    store = await quarter(dir);
    archive = path.join(work, 'q4.tar.gz');
    // Anchors as a second store would hold them: of the head, and of link 1.
    const links = await linkKeys(store, M);
    const head = { links: links.length, sha256: sha(await store.get(links.at(-1)!)) };
    const anchor = (at: string, h: { links: number; sha256: string }): AnchorSighting => ({
      record: { v: 'upkeep.anchor/1', at, workflowId: 'upkeep-anchor-trail', runId: `a-${at}`, heads: [{ modelId: M, ...h }] },
      source: 'second store',
    });
    const anchors = [anchor('2027-01-01T12:00:00.000Z', head), anchor('2026-09-01T00:00:00.000Z', { links: 1, sha256: sha(await store.get(links[0]!)) })];
    const r = await writeEvidencePack(store, { modelId: M, from: Q_FROM, to: Q_TO, out: archive, anchors, now: new Date('2027-01-02T00:00:00Z') });
    assert.equal(r.verified, true);
    assert.equal(r.empty, false);
    // The fixture's own two evaluations (2026-11-02 and -03) fall in the quarter too.
    assert.equal(r.counts.evaluation, 94);
    // Read with the system's tar, as a reviewer without upkeep would.
    execFileSync('tar', ['xzf', archive, '-C', work]);
    folder = path.join(work, 'evidence-churn-20261001T000000Z-20270101T000000Z');
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it('holds every verdict with its report, the signed decision with its evidence and check, cards, plans, incidents, history and the chain', function () {
    const verdicts = JSON.parse(readFileSync(path.join(folder, 'verdicts/verdicts.json'), 'utf8')) as {
      verdict: string;
      runId: string;
      report: Record<string, string>;
      reportCheck: string;
    }[];
    assert.equal(verdicts.length, 94);
    assert.equal(verdicts.filter((v) => v.verdict === 'degraded').length, 7);
    for (const v of verdicts) {
      assert.equal(v.reportCheck, 'sha256 matches the entry');
      // The fixture's reports were written as JSON only (by an earlier version).
      for (const ext of v.runId.startsWith('ev-') ? ['json', 'md', 'html'] : ['json'])
        assert.ok(existsSync(path.join(folder, v.report[ext]!)), `${ext} report of ${JSON.stringify(v)}`);
    }
    const decisions = JSON.parse(readFileSync(path.join(folder, 'decisions/decisions.json'), 'utf8')) as {
      signed: boolean;
      signer: string;
      signature: string;
      verification: string;
      evidence: { file: string; sha256: string };
      requestSeq: number;
    }[];
    assert.equal(decisions.length, 1);
    const d = decisions[0]!;
    assert.equal(d.signed, true);
    assert.equal(d.signer, 'alice@example.com');
    assert.match(d.signature, /^[0-9a-f]{128}$/);
    assert.match(d.verification, /^signature valid against the keys in force/);
    assert.equal(sha(readFileSync(path.join(folder, d.evidence.file))), d.evidence.sha256);
    assert.ok(existsSync(path.join(folder, `chain/entries/${String(d.requestSeq).padStart(10, '0')}.json`)), 'the request the decision answers');
    const packed = JSON.parse(readFileSync(path.join(folder, 'pack.json'), 'utf8')) as { cards: unknown[] };
    for (const name of ['start', 'end']) {
      assert.ok(existsSync(path.join(folder, `cards/as-of-${name}.json`)), JSON.stringify(packed.cards));
      const card = JSON.parse(readFileSync(path.join(folder, `cards/as-of-${name}.json`), 'utf8')) as { details: { owner: string } };
      assert.equal(card.details.owner, 'churn-model-owners@example.com');
    }
    // The card as of the end links its reports inside the pack, relatively (from cards/).
    const cardJson = readFileSync(path.join(folder, 'cards/as-of-end.json'), 'utf8');
    assert.match(cardJson, /"reportUri": "\.\.\/reports\/20261231T060000Z_ev-091\.json"/);
    assert.ok(existsSync(path.join(folder, 'cards', '../reports/20261231T060000Z_ev-091.json')));
    // As of the start, the card knows only what was recorded before it.
    assert.doesNotMatch(readFileSync(path.join(folder, 'cards/as-of-start.json'), 'utf8'), /ev-000|alice approved/);
    const plans = JSON.parse(readFileSync(path.join(folder, 'plans/plans.json'), 'utf8')) as { inForceAtStart: boolean; file: string }[];
    assert.equal(plans.length, 1);
    assert.equal(plans[0]!.inForceAtStart, true);
    const incidents = JSON.parse(readFileSync(path.join(folder, 'incidents/incidents.json'), 'utf8')) as { state: string; badWindows: number }[];
    assert.equal(incidents.length, 1);
    assert.equal(incidents[0]!.state, 'closed');
    assert.equal(incidents[0]!.badWindows, 7);
    const histories = JSON.parse(readFileSync(path.join(folder, 'histories/histories.json'), 'utf8')) as { runId: string; file: string }[];
    assert.equal(histories.find((h) => h.runId === 'ev-010')?.file, 'histories/churn/upkeep-evaluate-churn/ev-010.json');
    assert.equal(histories.find((h) => h.runId === 'ev-011')?.file, '');
    const kinds = (JSON.parse(readFileSync(path.join(folder, 'pack.json'), 'utf8')) as { counts: Record<string, number> }).counts;
    assert.equal(kinds['review-attested'], 1);
    assert.equal(kinds['handover-accepted'], 1);
  });

  it("verifies offline with the pack's own verify.mjs and with upkeep audit pack verify", async function () {
    const r = nodeVerify(folder);
    assert.equal(r.status, 0, r.out);
    assert.match(
      r.out,
      /evidence pack intact: \d+ files match manifest\.json; \d+ links chained to head link \d+ \(sha256 [0-9a-f]{64}\), \d+ entries match their links, 2 anchors match/,
    );
    const anchors = JSON.parse(readFileSync(path.join(folder, 'chain/anchors.json'), 'utf8')) as { inPack: boolean }[];
    assert.deepEqual(
      anchors.map((a) => a.inPack),
      [true, true], // the fixture's first entries are in the quarter: its links from link 1 are packed
    );
    const v = await verifyPackArchive(archive);
    assert.deepEqual(v.problems, []);
    assert.equal(v.ok, true);
    // The bundled CLI carries this text: the build rewrites a dotted import.meta.url anywhere in a source file.
    assert.doesNotMatch(VERIFY_SCRIPT, /import\.meta\.url/);
    assert.equal(readFileSync(path.join(folder, 'verify.mjs'), 'utf8'), VERIFY_SCRIPT);
    // sha256sum alone agrees with the manifest.
    execFileSync('sha256sum', ['--quiet', '-c', 'MANIFEST.sha256'], { cwd: folder });
  });

  it('every JSON file parses, every CSV has a header and rows of its width, and entries.csv has a row per entry', function () {
    const files = filesUnder(folder);
    for (const f of files.filter((x) => x.endsWith('.json'))) assert.doesNotThrow(() => JSON.parse(readFileSync(path.join(folder, f), 'utf8')), f);
    for (const f of files.filter((x) => x.endsWith('.csv'))) {
      const rows = parseCsv(readFileSync(path.join(folder, f), 'utf8'));
      assert.ok(rows.length >= 1, f);
      for (const r of rows) assert.equal(r.length, rows[0]!.length, `${f}: ${JSON.stringify(r)}`);
    }
    const entries = parseCsv(readFileSync(path.join(folder, 'entries.csv'), 'utf8'));
    assert.equal(entries.length - 1, (JSON.parse(readFileSync(path.join(folder, 'entries.json'), 'utf8')) as unknown[]).length);
    // A comment written as a formula is shown as text in a spreadsheet.
    assert.ok(entries.some((r) => r.includes(`'=HYPERLINK("https://evil.example")`)));
    assert.equal(csvCell('-0.5'), '-0.5');
  });

  it('index.html has no script and no external address, every link resolves to a file of the pack, and hostile text is escaped', function () {
    const html = readFileSync(path.join(folder, 'index.html'), 'utf8');
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /<img/i);
    assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
    assert.match(html, /&#60;script&#62;alert\(1\)&#60;\/script&#62;/);
    const links = [...html.matchAll(/\s(?:href|src)\s*=\s*"([^"]*)"/gi)].map((m) => m[1]!);
    assert.ok(links.length > 200, `only ${links.length} links`);
    for (const l of links) {
      assert.doesNotMatch(l, /^[a-z][a-z0-9+.-]*:|^\/\/|^\//i, `${l} is not a relative link`);
      const target = path.resolve(folder, decodeURI(l.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))));
      assert.ok(target.startsWith(`${folder}${path.sep}`) && existsSync(target), `${l} does not resolve inside the pack`);
    }
    for (const card of ['as-of-start.md', 'as-of-end.md']) assert.ok(links.includes(`cards/${card}`));
  });

  it('no member of the archive escapes its folder, whatever the entries name', function () {
    const listing = execFileSync('tar', ['tzf', archive], { encoding: 'utf8' }).trim().split('\n');
    for (const m of listing) {
      assert.ok(m.startsWith('evidence-churn-20261001T000000Z-20270101T000000Z/'), m);
      assert.ok(!m.split('/').includes('..'), m);
    }
    assert.ok(!listing.some((m) => m.includes('owned')), 'a workflow id became a path');
  });

  describe('tampered with', function () {
    let copy: string;
    beforeEach(() => {
      copy = mkdtempSync(path.join(os.tmpdir(), 'upkeep-pack-tamper-'));
      execFileSync('tar', ['xzf', archive, '-C', copy]);
    });
    afterEach(() => rmSync(copy, { recursive: true, force: true }));
    const inCopy = (): string => path.join(copy, path.basename(folder));
    const repack = (): string => {
      const out = path.join(copy, 'tampered.tar.gz');
      execFileSync('tar', ['czf', out, '-C', copy, path.basename(folder)]);
      return out;
    };

    it('an altered report is named by verify.mjs and by upkeep audit pack verify', async function () {
      const report = 'reports/20261115T060000Z_ev-045.json';
      writeFileSync(path.join(inCopy(), report), readFileSync(path.join(inCopy(), report), 'utf8').replace('"degraded"', '"healthy"'));
      const r = nodeVerify(inCopy());
      assert.equal(r.status, 1);
      assert.match(r.out, new RegExp(`${report.replace(/\./g, '\\.')} was altered`));
      const v = await verifyPackArchive(repack());
      assert.equal(v.ok, false);
      assert.equal(v.problems.length, 2, v.problems.join('\n'));
      assert.equal(v.problems[0], `${report} was altered (its sha256 is not the one in the manifest)`);
      assert.match(v.problems[1]!, /^reports\/20261115T060000Z_ev-045\.json is not the report entry \d+ cites \(sha256 differs\)$/);
    });

    it('a removed file and an added file are named', async function () {
      unlinkSync(path.join(inCopy(), 'reports/20261115T060000Z_ev-045.html'));
      writeFileSync(path.join(inCopy(), 'reports/extra.json'), '{}');
      const v = await verifyPackArchive(repack());
      assert.deepEqual(v.problems, ['reports/20261115T060000Z_ev-045.html is missing (removed)', 'reports/extra.json is not in the manifest (added)']);
    });

    it('a broken chain is named even when the manifest is rewritten to match (a link altered, an entry altered)', function () {
      const links = filesUnder(inCopy(), 'chain/links');
      const victim = links[10]!;
      const text = readFileSync(path.join(inCopy(), victim), 'utf8');
      writeFileSync(path.join(inCopy(), victim), text.replace(/"prev":"[0-9a-f]{64}"/, `"prev":"${'0'.repeat(64)}"`));
      const entries = filesUnder(inCopy(), 'chain/entries');
      const entry = entries.find((e) => readFileSync(path.join(inCopy(), e), 'utf8').includes('"evaluated: healthy"'))!;
      writeFileSync(path.join(inCopy(), entry), readFileSync(path.join(inCopy(), entry), 'utf8').replace('evaluated', 'EVALUATED'));
      // The head link rewritten (it is anchored outside the store).
      const headLink = links.at(-1)!;
      writeFileSync(path.join(inCopy(), headLink), readFileSync(path.join(inCopy(), headLink), 'utf8').replace('"seq"', '"seq" '));
      // An entry removed with its line of the manifest.
      const gone = entries.find((e) => e !== entry && readFileSync(path.join(inCopy(), e), 'utf8').includes('"evaluated: healthy"'))!;
      unlinkSync(path.join(inCopy(), gone));
      // An insider who also rewrites both manifests.
      const manifestPath = path.join(inCopy(), 'manifest.json');
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { files: { path: string; sha256: string }[] };
      manifest.files = manifest.files.filter((f) => f.path !== gone);
      for (const f of manifest.files) f.sha256 = sha(readFileSync(path.join(inCopy(), f.path)));
      writeFileSync(manifestPath, JSON.stringify(manifest));
      writeFileSync(path.join(inCopy(), 'MANIFEST.sha256'), manifest.files.map((f) => `${f.sha256}  ${f.path}\n`).join(''));
      const r = nodeVerify(inCopy());
      assert.equal(r.status, 1);
      const seq = Number(victim.slice(-15, -5));
      assert.match(r.out, new RegExp(`link ${seq} does not follow link ${seq - 1}`));
      assert.match(
        r.out,
        new RegExp(`entry ${Number(entry.slice(-15, -5))} \\(${entry.replace(/\./g, '\\.')}\\) does not hash to the sha256 its link records`),
      );
      assert.match(
        r.out,
        new RegExp(`link ${Number(headLink.slice(-15, -5))} does not match the head anchored at 2027-01-01T12:00:00\\.000Z \\(second store\\)`),
      );
      assert.match(r.out, new RegExp(`entry ${Number(gone.slice(-15, -5))} is named by chain/segment\\.json but not in the manifest \\(removed\\)`));
    });
  });

  it('a hostile archive: a link, a path out of the folder and an absolute path are named and not extracted', async function () {
    const d = mkdtempSync(path.join(os.tmpdir(), 'upkeep-pack-hostile-'));
    try {
      execFileSync('tar', ['xzf', archive, '-C', d]);
      const top = path.basename(folder);
      symlinkSync('/etc/passwd', path.join(d, top, 'reports', 'passwd.json'));
      writeFileSync(path.join(d, 'evil.txt'), 'x');
      const out = path.join(d, 'hostile.tar.gz');
      // GNU tar keeps the names as given with -P: a member "../evil.txt" and one "/tmp/<d>/evil.txt".
      execFileSync('tar', ['czPf', out, '-C', d, top, '--transform', 's,^evil,../evil,', 'evil.txt', path.join(d, 'evil.txt')]);
      const listing = execFileSync('tar', ['tzPf', out], { encoding: 'utf8' });
      assert.match(listing, /^\.\.\/evil\.txt$/m);
      const v = await verifyPackArchive(out);
      assert.equal(v.ok, false);
      assert.ok(
        v.problems.some((p) => /reports\/passwd\.json" is not a regular file/.test(p)),
        v.problems.join('\n'),
      );
      assert.ok(
        v.problems.some((p) => /unsafe path "\.\.\/evil\.txt"/.test(p)),
        v.problems.join('\n'),
      );
      assert.ok(
        v.problems.some((p) => /^"\/tmp\/[^"]*evil\.txt" /.test(p)),
        v.problems.join('\n'),
      );
      assert.equal(existsSync(path.join(os.tmpdir(), 'evil.txt')), false);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('a period with nothing in it says so, and still verifies', async function () {
    const out = path.join(work, 'empty.tar.gz');
    const r = await writeEvidencePack(store, { modelId: M, from: new Date('2025-01-01T00:00:00Z'), to: new Date('2025-04-01T00:00:00Z'), out });
    assert.equal(r.empty, true);
    const v = await verifyPackArchive(out);
    assert.deepEqual(v.problems, []);
    const listing = execFileSync('tar', ['xzOf', out, '--wildcards', '*/index.html'], { encoding: 'utf8' });
    assert.match(listing, /Nothing was recorded for churn in this period/);
    assert.match(listing, /there was no card yet/);
  });

  it('refuses a model id that is a path, an existing archive, and leaves nothing half-written when the store fails', async function () {
    await assert.rejects(writeEvidencePack(store, { modelId: '../churn', from: Q_FROM, to: Q_TO, out: path.join(work, 'x.tar.gz') }), /is not a model id/);
    await assert.rejects(writeEvidencePack(store, { modelId: M, from: Q_FROM, to: Q_TO, out: archive }), /exists: choose another --out/);
    await assert.rejects(
      writeEvidencePack(store, { modelId: M, from: Q_FROM, to: Q_TO, out: path.join(work, 'no', 'such', 'x.tar.gz') }),
      /^UpkeepError: cannot write the archive .*x\.tar\.gz: ENOENT in /,
    );
    const failing: ArtifactStore = { ...store, get: async (key) => (key.includes('ev-050') ? Promise.reject(new Error('disk on fire')) : store.get(key)) };
    failing.tryGet = async (key) => (key.includes('ev-050') ? Promise.reject(new Error('disk on fire')) : store.tryGet(key));
    const out = path.join(work, 'half', 'x.tar.gz');
    execFileSync('mkdir', ['-p', path.dirname(out)]);
    await assert.rejects(writeEvidencePack(failing, { modelId: M, from: Q_FROM, to: Q_TO, out }), /disk on fire/);
    assert.deepEqual(readdirSync(path.dirname(out)), []);
  });

  it('refuses a trail that does not verify, and with unverified packs it marked', async function () {
    const d = mkdtempSync(path.join(os.tmpdir(), 'upkeep-pack-bad-'));
    try {
      const s = await quarter(d);
      const link = JSON.parse(readFileSync(path.join(d, auditLinkKey(M, 20)), 'utf8')) as { entry: { key: string } };
      const file = path.join(d, link.entry.key);
      writeFileSync(file, readFileSync(file, 'utf8').replace('evaluated', 'Evaluated'));
      const out = path.join(d, 'p.tar.gz');
      await assert.rejects(writeEvidencePack(s, { modelId: M, from: Q_FROM, to: Q_TO, out }), /does not verify .*no pack was written/);
      assert.equal(existsSync(out), false);
      const r = await writeEvidencePack(s, { modelId: M, from: Q_FROM, to: Q_TO, out, unverified: true });
      assert.equal(r.verified, false);
      const html = execFileSync('tar', ['xzOf', out, '--wildcards', '*/index.html'], { encoding: 'utf8' });
      assert.match(html, /UNVERIFIED: the audit trail of churn did not verify/);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});

describe('upkeep audit pack and audit pack verify, as commands', function () {
  this.timeout(120_000);
  let dir: string;
  const cli = (...args: string[]) =>
    spawnSync(
      process.execPath,
      ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href, path.join(process.cwd(), 'cli/main.ts'), ...args],
      {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, UPKEEP_CONFIG: '' },
      },
    );

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-pack-cli-'));
    const store = createFileStore(path.join(dir, 'store'));
    const spec = readFileSync(path.join(process.cwd(), `test/fixtures/ledger-store/ledger/${M}/specs/${FIXTURE_SPEC}.json`));
    await store.put(specKey(M, FIXTURE_SPEC), spec);
    await store.put(artifactKey(M, sha('onnx-v1')), 'onnx-v1');
    for (let d = 0; d < 3; d++) await evaluation(store, d, 'healthy');
    const { modelYaml } = await import('../helpers/config-text.js');
    writeFileSync(path.join(dir, 'upkeep.yaml'), `store: ${JSON.stringify(path.join(dir, 'store'))}\nmodels:\n${modelYaml()}`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('packs a period in one command, verifies it, names a tampered file, and refuses a model id that is a path in one line', function () {
    const made = cli('audit', 'pack', M, '--from', '2026-10-01', '--to', '2026-10-08', '--out', 'p.tar.gz', '--config', 'upkeep.yaml');
    assert.equal(made.status, 0, made.stderr);
    assert.match(made.stdout, /packed churn from 2026-10-01T00:00:00\.000Z to 2026-10-08T00:00:00\.000Z: 3 evaluation/);
    assert.match(made.stdout, /manifest\.json sha256 [0-9a-f]{64}/);
    const ok = cli('audit', 'pack', 'verify', 'p.tar.gz');
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /the evidence pack p\.tar\.gz is intact: \d+ files match its manifest/);
    // Tamper: extract, alter one report, pack again.
    execFileSync('tar', ['xzf', 'p.tar.gz'], { cwd: dir });
    const top = readdirSync(dir).find((n) => n.startsWith('evidence-churn-'))!;
    const report = readdirSync(path.join(dir, top, 'reports')).find((n) => n.endsWith('.md'))!;
    writeFileSync(path.join(dir, top, 'reports', report), 'rewritten\n');
    execFileSync('tar', ['czf', 'bad.tar.gz', top], { cwd: dir });
    const bad = cli('audit', 'pack', 'verify', 'bad.tar.gz');
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, new RegExp(`reports/${report.replace(/\./g, '\\.')} was altered`));
    const hostile = cli('audit', 'pack', '../churn', '--from', '2026-10-01', '--to', '2026-10-08', '--config', 'upkeep.yaml');
    assert.equal(hostile.status, 2);
    assert.match(hostile.stderr, /^upkeep: "\.\.\/churn" is not a model id/);
    assert.equal(hostile.stderr.trim().split('\n').length, 1);
    const again = cli('audit', 'pack', M, '--from', '2026-10-01', '--to', '2026-10-08', '--out', 'p.tar.gz', '--config', 'upkeep.yaml');
    assert.equal(again.status, 2);
    assert.match(again.stderr, /p\.tar\.gz exists: choose another --out/);
  });
});
