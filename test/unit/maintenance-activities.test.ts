import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ApplicationFailure } from '@temporalio/common';
import { stringify } from 'yaml';
import { parseConfig } from '../../engine/config/load.js';
import { readChain } from '../../engine/audit/chain.js';
import { createTrailActivities } from '../../activities/trail.js';
import { readAuditTrail } from '../../engine/audit/read.js';
import { newest } from '../../engine/cards/update.js';
import { webhookPayload } from '../../engine/notify/notify.js';
import { createFileStore } from '../../engine/store/file-store.js';
import { reportKeys } from '../../engine/store/keys.js';
import type { ArtifactStore } from '../../engine/store/store.js';
import type { AuditEntry, NotificationEvent } from '../../domain/maintenance.js';
import { demoModel } from '../helpers/demo-workspace.js';

const MODEL = 'churn';

const entry = (id: string, at: string, overrides: Partial<AuditEntry> = {}): AuditEntry => ({
  id,
  modelId: MODEL,
  at,
  kind: 'decision',
  summary: `entry ${id}`,
  ...overrides,
});

const event: NotificationEvent = {
  kind: 'approval-requested',
  modelId: MODEL,
  to: ['alice@example.com', 'bob@example.com'],
  title: 'Retrain churn?',
  text: 'roc_auc fell to 0.68, below the minimum 0.72.',
  at: '2026-03-01T06:00:00.000Z',
  workflowId: 'upkeep-retrain-churn',
  details: { gate: 'retrain' },
};

interface Received {
  method: string;
  url: string;
  contentType: string | undefined;
  body: string;
}

describe('the maintenance activities', function () {
  let dir: string;
  let store: ArtifactStore;
  let lines: string[];

  /** Activities over a config with the demo model and `extra` top-level settings. */
  const activitiesWith = (extra: Record<string, unknown> = {}, attempt?: number) => {
    const config = parseConfig(stringify({ version: 1, store: 'store', ...extra, models: [demoModel(MODEL)] }), { name: 'upkeep.yaml', baseDir: dir });
    return createTrailActivities({
      store,
      loadConfig: async () => ({ ...config, name: 'upkeep.yaml' }),
      log: (line) => lines.push(line),
      ...(attempt ? { attempt: () => attempt } : {}),
    });
  };

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-maintenance-'));
    store = createFileStore(path.join(dir, 'store'));
    lines = [];
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('the audit trail', function () {
    it('writes an entry recorded twice once and keeps the first version', async function () {
      const a = activitiesWith();
      const e = entry('gate-1', '2026-03-01T06:00:00.000Z');
      await a.recordLedger({ entries: [e] });
      await a.recordLedger({ entries: [{ ...e, summary: 'rewritten by a retry' }] });
      assert.deepEqual(await store.list(`audit/${MODEL}/maintenance`), [`audit/${MODEL}/maintenance/20260301T060000Z_gate-1.json`]);
      // …and linked into the audit chain once.
      assert.deepEqual(await store.list(`audit/${MODEL}/chain`), [`audit/${MODEL}/chain/0000000001.json`]);
      assert.deepEqual(await readAuditTrail(store, MODEL), [e]);
    });

    it('reads entries back oldest first, however they were recorded', async function () {
      const a = activitiesWith();
      const late = entry('a-late', '2026-03-01T06:00:00.900Z');
      const early = entry('b-early', '2026-03-01T06:00:00.100Z');
      const later = entry('c', '2026-03-02T00:00:00.000Z');
      const first = entry('z', '2026-02-28T23:59:59.000Z');
      await a.recordLedger({ entries: [later, late] });
      await a.recordLedger({ entries: [early, first] });
      // Both entries of 06:00:00 share a key prefix (milliseconds are not in the key): only the sort orders them.
      assert.deepEqual(
        (await readAuditTrail(store, MODEL)).map((e) => e.id),
        ['z', 'b-early', 'a-late', 'c'],
      );
    });

    it('keeps evaluations apart from maintenance entries and reads them only when asked', async function () {
      const a = activitiesWith();
      await a.recordLedger({ entries: [entry('eval-1', '2026-03-01T06:00:00.000Z', { kind: 'evaluation' }), entry('gate-1', '2026-03-01T07:00:00.000Z')] });
      assert.deepEqual(
        (await readAuditTrail(store, MODEL)).map((e) => e.id),
        ['gate-1'],
      );
      assert.deepEqual(
        (await readAuditTrail(store, MODEL, { evaluations: true })).map((e) => e.id),
        ['eval-1', 'gate-1'],
      );
    });

    it("logs an evaluation's verdict once, as it is recorded, and no line for other entries", async function () {
      const a = activitiesWith();
      const details = {
        verdict: 'degraded',
        reasons: ['roc_auc 0.5700 is below the minimum 0.7200', 'a note'],
        report: 'file:///s/r.json',
        windowEnd: '2026-03-01T06:00:00.000Z',
      };
      const evaluation = entry('eval-1', '2026-03-01T06:00:00.000Z', { kind: 'evaluation', details });
      await a.recordLedger({ entries: [evaluation, entry('gate-1', '2026-03-01T07:00:00.000Z')] });
      await a.recordLedger({ entries: [evaluation] });
      await a.recordLedger({ entries: [entry('eval-2', '2026-03-01T06:00:01.000Z', { kind: 'evaluation', details: { windowEnd: details.windowEnd } })] });
      assert.deepEqual(lines, [`[upkeep] ${MODEL}: degraded — roc_auc 0.5700 is below the minimum 0.7200 (report file:///s/r.json)`]);
    });

    it('logs why a bad verdict asked nobody for a retrain (the cooldown), with how to ask now', async function () {
      const a = activitiesWith();
      const summary = 'no retrain requested: the last retrain request closed not-recommended at 2026-03-01T05:00:00.000Z, within the cooldown';
      await a.recordLedger({
        entries: [entry('eval-3', '2026-03-01T06:00:02.000Z', { kind: 'evaluation', summary, details: { windowEnd: '2026-03-01T06:00:00.000Z' } })],
      });
      assert.deepEqual(lines, [`[upkeep] ${MODEL}: ${summary} (retrain.cooldown; \`upkeep retrain ${MODEL} --reason "…"\` asks now)`]);
    });

    it('reads an empty log for a model without entries', async function () {
      assert.deepEqual(await readAuditTrail(store, MODEL), []);
    });
  });

  describe('notifications', function () {
    let server: Server | undefined;
    afterEach(async () => {
      if (!server) return;
      const s = server;
      server = undefined;
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    });

    /** A webhook receiver on 127.0.0.1 answering every request with `status` (and `headers`, `body`). */
    async function receiver(
      status: number,
      answer: { headers?: Record<string, string>; body?: string } = {},
    ): Promise<{ url: string; host: string; received: Received[] }> {
      const received: Received[] = [];
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          received.push({
            method: req.method ?? '',
            url: req.url ?? '',
            contentType: req.headers['content-type'],
            body: Buffer.concat(chunks).toString('utf8'),
          });
          res.writeHead(status, { 'content-type': 'text/plain', ...answer.headers });
          res.end(answer.body ?? (status < 300 ? 'ok' : 'no'));
        });
      });
      const s = server;
      await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
      const { port } = s.address() as AddressInfo;
      return { url: `http://127.0.0.1:${port}/hooks/secret`, host: `127.0.0.1:${port}`, received };
    }

    it('only logs one line when no webhook is configured', async function () {
      const result = await activitiesWith().notify(event);
      assert.deepEqual(result, { webhook: 'none' });
      assert.deepEqual(lines, ['[upkeep] approval-requested churn → alice@example.com, bob@example.com: Retrain churn?']);
    });

    it('POSTs the event as JSON to the configured webhook', async function () {
      const hook = await receiver(200);
      const result = await activitiesWith({ notify: { webhook: hook.url } }).notify(event);
      assert.deepEqual(result, { webhook: 'sent' });
      assert.equal(hook.received.length, 1);
      const got = hook.received[0]!;
      assert.equal(got.method, 'POST');
      assert.equal(got.url, '/hooks/secret');
      assert.equal(got.contentType, 'application/json');
      assert.deepEqual(JSON.parse(got.body), webhookPayload(event));
      assert.equal(lines.length, 1);
    });

    it('does not send again a notification already delivered and recorded (an attempt retried after it sent)', async function () {
      const hook = await receiver(200);
      const a = activitiesWith({ notify: { webhook: hook.url } });
      assert.deepEqual(await a.notify(event), { webhook: 'sent' });
      assert.deepEqual(await a.notify(event), { webhook: 'sent' });
      assert.equal(hook.received.length, 1);
      const chain = await readChain(store, MODEL);
      assert.deepEqual(
        chain.map((c) => [c.entry.kind, c.entry.details?.webhook]),
        [['notified', 'sent']],
      );
      // Another notification (another time) is sent.
      await a.notify({ ...event, at: '2026-03-01T06:00:01.000Z' });
      assert.equal(hook.received.length, 2);
    });

    it('fails without retries when the webhook answers 404', async function () {
      const hook = await receiver(404);
      await assert.rejects(activitiesWith({ notify: { webhook: hook.url } }).notify(event), (err: unknown) => {
        assert.ok(err instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(err)}`);
        assert.equal(err.type, 'WebhookRefused');
        assert.equal(err.nonRetryable, true);
        assert.equal(err.message, `webhook POST to ${hook.host} answered HTTP 404 (not retryable)`);
        return true;
      });
      assert.equal(hook.received.length, 1);
      // The refusal is final: recorded with its status, and not sent again if the activity runs again.
      const [c] = await readChain(store, MODEL);
      assert.equal(c!.entry.details?.webhook, 'refused');
      assert.deepEqual(
        { ...(c!.entry.details?.delivery as object), workerClock: undefined },
        {
          channel: 'webhook',
          outcome: 'refused',
          status: 404,
          attempt: 1,
          error: `webhook POST to ${hook.host} answered HTTP 404 (not retryable)`,
          workerClock: undefined,
        },
      );
      assert.match(c!.entry.summary, /NOT delivered/);
      await assert.rejects(
        activitiesWith({ notify: { webhook: hook.url } }).notify(event),
        (err: unknown) => err instanceof ApplicationFailure && err.nonRetryable && err.type === 'WebhookRefused',
      );
      assert.equal(hook.received.length, 1);
    });

    it("fails with a retryable error carrying the attempt's status, worker clock and attempt when the webhook answers 500, and records nothing yet", async function () {
      const hook = await receiver(500);
      await assert.rejects(activitiesWith({ notify: { webhook: hook.url } }, 2).notify(event), (err: unknown) => {
        assert.ok(err instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(err)}`);
        assert.equal(err.nonRetryable, false);
        assert.equal(err.type, 'WebhookError');
        assert.equal(err.message, `webhook POST to ${hook.host} answered HTTP 500`);
        const facts = err.details?.[0] as Record<string, unknown>;
        assert.deepEqual(
          { ...facts, workerClock: typeof facts.workerClock },
          { channel: 'webhook', outcome: 'gave-up', status: 500, workerClock: 'string', attempt: 2, error: err.message },
        );
        return true;
      });
      // Temporal retries it: only the attempt that delivers (or the workflow that gives up) records it.
      assert.deepEqual(await readChain(store, MODEL), []);
    });

    /** The delivery an entry of the chain records. */
    const deliveries = async () => (await readChain(store, MODEL)).map((c) => c.entry.details?.delivery as Record<string, unknown> | undefined);

    it("records the delivery: channel, HTTP status, the receiver's X-Request-Id, the worker's clock and the attempt", async function () {
      const hook = await receiver(202, { headers: { 'x-request-id': 'req-8f2c1' } });
      const before = Date.now();
      await activitiesWith({ notify: { webhook: hook.url } }, 3).notify(event);
      const [d] = await deliveries();
      assert.deepEqual(
        { ...d, workerClock: undefined },
        { channel: 'webhook', outcome: 'delivered', status: 202, responseId: 'req-8f2c1', attempt: 3, workerClock: undefined },
      );
      const clock = Date.parse(d!.workerClock as string);
      assert.ok(clock >= before && clock <= Date.now(), `worker clock ${String(d!.workerClock)}`);
      const [c] = await readChain(store, MODEL);
      assert.equal(c!.entry.at, event.at, "the entry's time stays the workflow's");
      assert.match(c!.entry.summary, /\(webhook HTTP 202, id req-8f2c1, attempt 3\)$/);
    });

    it('takes the response id from a small JSON answer, and nothing that does not look like an id', async function () {
      const hook = await receiver(200, { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ok: true, id: 'msg_01HZX' }) });
      const a = activitiesWith({ notify: { webhook: hook.url } });
      await a.notify(event);
      assert.equal((await deliveries())[0]?.responseId, 'msg_01HZX');
      server!.closeAllConnections();
      await new Promise<void>((resolve) => server!.close(() => resolve()));
      const echo = await receiver(200, { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: '/hooks/secret?token=abc def' }) });
      await activitiesWith({ notify: { webhook: echo.url } }).notify({ ...event, at: '2026-03-01T06:00:02.000Z' });
      const second = (await deliveries())[1]!;
      assert.equal(second.status, 200);
      assert.equal('responseId' in second, false);
    });

    it("records a notification that only went to the worker's log as such", async function () {
      await activitiesWith().notify(event);
      const [d] = await deliveries();
      assert.deepEqual({ ...d, workerClock: typeof d?.workerClock }, { channel: 'log', outcome: 'logged', attempt: 1, workerClock: 'string' });
    });
  });

  describe('the model card', function () {
    const git = (repo: string, ...args: string[]): string => execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8' }).trim();

    function gitRepo(): string {
      const repo = path.join(dir, 'cards-repo');
      mkdirSync(repo);
      git(repo, 'init', '-q');
      git(repo, 'config', 'user.name', 'Test');
      git(repo, 'config', 'user.email', 'test@example.com');
      return repo;
    }

    it('writes the card as Markdown and JSON into the store, saying the config artifact runs', async function () {
      const result = await activitiesWith().updateModelCard({ modelId: MODEL, reason: 'evaluation' });
      const mdFile = path.join(dir, 'store', 'cards', `${MODEL}.md`);
      const jsonFile = path.join(dir, 'store', 'cards', `${MODEL}.json`);
      assert.deepEqual(result, { markdownUri: pathToFileURL(mdFile).href, jsonUri: pathToFileURL(jsonFile).href });
      const artifact = pathToFileURL(path.join(dir, 'models', 'churn.onnx')).href;
      const markdown = readFileSync(mdFile, 'utf8');
      assert.ok(markdown.includes(`No version has been promoted yet: the artifact declared in upkeep.yaml runs (${artifact}).`), markdown);
      const card = JSON.parse(readFileSync(jsonFile, 'utf8')) as { modelId: string; current: { change: string; artifact: string; version: string | null } };
      assert.equal(card.modelId, MODEL);
      assert.equal(card.current.change, 'config');
      assert.equal(card.current.artifact, artifact);
      assert.equal(card.current.version, null);
    });

    it('commits the card to the configured git repository once, and not again when nothing changed', async function () {
      const repo = gitRepo();
      const a = activitiesWith({ cards: { git: repo } });
      await a.updateModelCard({ modelId: MODEL, reason: 'evaluation' });
      assert.equal(git(repo, 'rev-list', '--count', 'HEAD'), '1');
      assert.equal(git(repo, 'log', '-1', '--format=%s'), `${MODEL}: model card after evaluation`);
      assert.deepEqual(git(repo, 'ls-files').split('\n'), [`model-cards/${MODEL}.json`, `model-cards/${MODEL}.md`]);
      assert.equal(git(repo, 'show', `HEAD:model-cards/${MODEL}.md`), readFileSync(path.join(dir, 'store', 'cards', `${MODEL}.md`), 'utf8').trim());

      await a.updateModelCard({ modelId: MODEL, reason: 'evaluation' });
      assert.equal(git(repo, 'rev-list', '--count', 'HEAD'), '1');
      assert.equal(git(repo, 'status', '--porcelain'), '');
    });

    it('leaves files it did not write alone: something else staged in the repository is not committed', async function () {
      const repo = gitRepo();
      const a = activitiesWith({ cards: { git: repo } });
      await a.updateModelCard({ modelId: MODEL, reason: 'evaluation' });
      writeFileSync(path.join(repo, 'notes.txt'), "someone else's work\n");
      git(repo, 'add', 'notes.txt');
      await a.updateModelCard({ modelId: MODEL, reason: 'evaluation' });
      assert.equal(git(repo, 'rev-list', '--count', 'HEAD'), '1');
      assert.equal(git(repo, 'status', '--porcelain'), 'A  notes.txt');
    });

    it('commits when an evaluation changes the verdict, not for every evaluation', async function () {
      const repo = gitRepo();
      const a = activitiesWith({ cards: { git: repo } });
      const report = (end: string, status: string, auc: number) =>
        store.put(
          reportKeys(MODEL, end, 'run').json,
          JSON.stringify({ window: { end }, verdict: { status, reasons: [] }, rows: 1000, metrics: { roc_auc: auc }, model: { sha256: 'a'.repeat(64) } }),
        );
      await report('2026-03-01T06:00:00.000Z', 'healthy', 0.8);
      await a.updateModelCard({ modelId: MODEL, reason: 'evaluation' });
      await report('2026-03-02T06:00:00.000Z', 'healthy', 0.79);
      await a.updateModelCard({ modelId: MODEL, reason: 'evaluation' });
      assert.equal(git(repo, 'rev-list', '--count', 'HEAD'), '1', 'a second healthy window is not a commit');
      assert.match(readFileSync(path.join(dir, 'store', 'cards', `${MODEL}.md`), 'utf8'), /0\.7900/, 'the store card has it all the same');
      await report('2026-03-03T06:00:00.000Z', 'degraded', 0.6);
      await a.updateModelCard({ modelId: MODEL, reason: 'evaluation' });
      assert.equal(git(repo, 'rev-list', '--count', 'HEAD'), '2');
    });

    it('does not commit the first card after an upgrade: a card an earlier version wrote holds its entries as maintenanceLog', async function () {
      const repo = gitRepo();
      const a = activitiesWith({ cards: { git: repo } });
      await a.recordLedger({ entries: [entry('gate-1', '2026-03-01T06:00:00.000Z', { kind: 'approval-requested', summary: 'retrain requested' })] });
      await a.updateModelCard({ modelId: MODEL, reason: 'approval-requested' });
      assert.equal(git(repo, 'rev-list', '--count', 'HEAD'), '1');
      // The card as the earlier version wrote it, in the store and in git: the same entries under their first name.
      const key = `cards/${MODEL}.json`;
      const { auditTrail, ...rest } = JSON.parse(new TextDecoder().decode(await store.get(key))) as Record<string, unknown>;
      assert.ok(Array.isArray(auditTrail) && auditTrail.length === 1);
      const old = `${JSON.stringify({ ...rest, maintenanceLog: auditTrail }, null, 2)}\n`;
      await store.put(key, old);
      writeFileSync(path.join(repo, 'model-cards', `${MODEL}.json`), old);
      git(repo, 'commit', '-q', '-am', 'the card of the earlier version');
      await a.updateModelCard({ modelId: MODEL, reason: 'evaluation' });
      assert.equal(git(repo, 'rev-list', '--count', 'HEAD'), '2', 'nothing a reader cares about changed: no commit');
    });

    it('dates the card by the newest thing it lists, an evaluation after the last audit entry included', async function () {
      const a = activitiesWith();
      await a.recordLedger({ entries: [entry('gate-1', '2026-03-01T06:00:00.000Z', { kind: 'approval-requested', summary: 'retrain requested' })] });
      await store.put(
        reportKeys(MODEL, '2026-03-02T06:00:00.000Z', 'run').json,
        JSON.stringify({
          window: { end: '2026-03-02T06:00:00.000Z' },
          verdict: { status: 'healthy', reasons: [] },
          rows: 1000,
          metrics: { roc_auc: 0.8 },
          model: { sha256: 'a'.repeat(64) },
        }),
      );
      await a.updateModelCard({ modelId: MODEL, reason: 'evaluation' });
      const card = JSON.parse(readFileSync(path.join(dir, 'store', 'cards', `${MODEL}.json`), 'utf8')) as { generatedAt: string };
      assert.equal(card.generatedAt, '2026-03-02T06:00:00.000Z');
      assert.equal(newest([]), '1970-01-01T00:00:00.000Z');
      assert.equal(newest(['2026-03-01T06:00:00.000Z', '2026-03-02T05:00:00+00:00', '2026-02-01T00:00:00.000Z']), '2026-03-02T05:00:00+00:00');
    });

    it('commits again when the card changed', async function () {
      const repo = gitRepo();
      const a = activitiesWith({ cards: { git: repo } });
      await a.updateModelCard({ modelId: MODEL, reason: 'evaluation' });
      await a.recordLedger({ entries: [entry('gate-1', '2026-03-01T06:00:00.000Z', { kind: 'approval-requested', summary: 'retrain requested' })] });
      await a.updateModelCard({ modelId: MODEL, reason: 'approval-requested' });
      assert.equal(git(repo, 'rev-list', '--count', 'HEAD'), '2');
      assert.equal(git(repo, 'log', '-1', '--format=%s'), `${MODEL}: model card after approval-requested`);
      assert.match(git(repo, 'show', `HEAD:model-cards/${MODEL}.md`), /retrain requested/);
    });
  });
});
