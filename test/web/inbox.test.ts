/**
 * The web inbox in a real browser (Chromium from the system, driven by playwright-core) against
 * a real dev server and worker: sign in, read the evidence, approve, see the retrain move on;
 * another model's approver and forged posts are refused and change nothing. Screenshots of each
 * page go to .upkeep/test-artifacts/web/.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { chromium, type Browser, type Page } from 'playwright-core';
import { parse, stringify } from 'yaml';
import {
  attachEvidenceSignal,
  maintenanceStatusQuery,
  retrainWorkflowId,
  type EvaluateModelResult,
  type RetrainModelResult,
} from '../../workflows/definitions.js';
import type { MaintenanceStage, MaintenanceStatus } from '../../domain/maintenance.js';
import { newKeyPair, storedDecisionProblem } from '../../domain/signature.js';
import { loadConfig } from '../../engine/config/load.js';
import { openStore } from '../../engine/store/open.js';
import { readChain } from '../../engine/audit/chain.js';
import { evaluateModel } from '../../workflows/index.js';
import { createUpkeepWorker } from '../../workers/worker.js';
import { PROJECT_DIR } from '../../workers/paths.js';
import { createSigningKey } from '../../cli/keys.js';
import { durationMs } from '../../domain/duration.js';
import { startWebServer, webSetup, type RunningWebServer } from '../../cli/commands/serve.js';
import { tokenAuthenticator, addUser } from '../../cli/web/users.js';
import { latestReports } from '../../cli/web/data.js';
import { createDemoWorkspace, demoModel, OWNER, type DemoWorkspace } from '../helpers/demo-workspace.js';
import { testTemporal, uniqueModelId, uniqueTaskQueue } from '../helpers/temporal.js';
import { waitFor } from '../helpers/wait.js';

const CHROMIUM = process.env.UPKEEP_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = path.join(PROJECT_DIR, '.upkeep', 'test-artifacts', 'web');
const SERVER_ID = 'upkeep-web@test';
const BOB = 'bob@example.com';

async function atStage(h: WorkflowHandle, stage: MaintenanceStage): Promise<MaintenanceStatus> {
  return waitFor(
    `stage ${stage}`,
    async () => {
      const s: MaintenanceStatus = await h.query(maintenanceStatusQuery);
      return s.stage === stage && (s.gate || !stage.startsWith('awaiting')) ? s : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 500, ignoreErrors: true },
  );
}

describe('the web inbox in a browser: sign in, evidence, approve, refusals', function () {
  this.timeout(300_000);
  let browser: Browser | undefined;
  let ws: DemoWorkspace | undefined;
  let keyDir: string | undefined;
  let web: RunningWebServer | undefined;

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      console.log(`    skipped: no Chromium at ${CHROMIUM} (install Debian's chromium package, or set UPKEEP_CHROMIUM)`);
      this.skip();
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    console.log(`    screenshots: ${ARTIFACTS}`);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  });
  after(async () => {
    await web?.close();
    await browser?.close();
    ws?.remove();
    if (keyDir) rmSync(keyDir, { recursive: true, force: true });
  });

  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

  async function signIn(page: Page, token: string): Promise<void> {
    await page.goto(`${web!.url}/inbox`);
    await page.fill('input[name=token]', token);
    await Promise.all([page.waitForURL(`${web!.url}/inbox`), page.click('button[type=submit]')]);
  }

  it("an owner reads the evidence and approves from the browser; the retrain moves on; refused: another model's approver, forged posts", async function () {
    const t = await testTemporal();
    const modelId = uniqueModelId('web');
    const otherId = uniqueModelId('web-other');
    const taskQueue = uniqueTaskQueue('web');
    keyDir = mkdtempSync(path.join(tmpdir(), 'upkeep-web-keys-'));
    const serverKey = createSigningKey(keyDir, SERVER_ID).key;
    ws = createDemoWorkspace({
      modelId,
      end: new Date('2026-11-21T06:00:00.000Z'),
      days: 12,
      drifted: true,
      config: { authenticators: [{ id: SERVER_ID, public_key: serverKey.publicKey }], web: { users_file: 'people.json', authenticator: SERVER_ID } },
    });
    // A second model whose only deciders are Bob and his lead.
    const raw = parse(readFileSync(ws.configPath, 'utf8')) as { models: unknown[] };
    raw.models.push(demoModel(otherId, { owner: BOB, approvers: ['bob-lead@example.com'] }));
    writeFileSync(ws.configPath, stringify(raw));
    const aliceToken = addUser(path.join(ws.dir, 'people.json'), OWNER);
    const bobToken = addUser(path.join(ws.dir, 'people.json'), BOB);

    const setup = await webSetup(ws.configPath, { stateDir: ws.dir, keyDir });
    assert.equal(setup.created, false, 'the server uses the key listed in the config');
    const logLines: string[] = [];
    web = await startWebServer({
      config: setup.config,
      store: setup.store,
      client: t.client,
      taskQueue,
      authenticator: tokenAuthenticator(setup.users),
      signer: { id: setup.key.id, secretKey: setup.key.secretKey },
      sessions: { idleMs: durationMs(setup.config.web.session_ttl), maxMs: durationMs(setup.config.web.session_max) },
      host: '127.0.0.1',
      port: 0,
      log: (l) => logLines.push(l),
    });
    const { worker, engine } = await createUpkeepWorker({
      connection: t.connection,
      namespace: 'default',
      taskQueue,
      configPath: ws.configPath,
      workflowBundle: t.bundle,
      scratchDir: ws.dir,
      log: () => {},
    });
    try {
      await worker.runUntil(async () => {
        for (const windowEnd of ['2026-11-19T06:00:00.000Z', '2026-11-20T06:00:00.000Z']) {
          const r: EvaluateModelResult = await t.client.workflow.execute(evaluateModel, {
            taskQueue,
            workflowId: `evaluate-${modelId}-${windowEnd}`,
            args: [{ modelId, windowEnd }],
          });
          assert.equal(r.verdict.status, 'degraded');
        }
        const handle = t.client.workflow.getHandle(retrainWorkflowId(modelId));
        const waiting = await atStage(handle, 'awaiting-retrain-approval');
        assert.equal(waiting.gate!.signaturesRequired, true);

        // A wrong token does not sign in.
        const alice = await (await browser!.newContext()).newPage();
        // The pages run under the CSP without a violation or a script error (the chart included).
        const consoleErrors: string[] = [];
        alice.on('console', (m) => {
          if (m.type() === 'error' && !/status of 40[13]/.test(m.text())) consoleErrors.push(m.text());
        });
        alice.on('pageerror', (e) => consoleErrors.push(e.message));
        await alice.goto(`${web!.url}/`);
        assert.match(alice.url(), /\/login\?next=%2F$/);
        await alice.fill('input[name=token]', 'upk_not-a-token');
        await alice.click('button[type=submit]');
        await alice.waitForSelector('p.error');
        assert.match((await alice.textContent('p.error')) ?? '', /That token does not sign anyone in/);
        await shot(alice, '01-login-refused');

        // The owner signs in: the fleet, the model page with its chart, the inbox with the evidence.
        await signIn(alice, aliceToken);
        await alice.goto(`${web!.url}/`);
        const row = alice.locator('table.fleet tr', { hasText: modelId });
        assert.match(await row.innerText(), /degraded/);
        assert.match(await row.innerText(), /retrain, waiting \d+m/);
        await shot(alice, '02-fleet');
        await alice.click(`a[href="/models/${modelId}"]`);
        await alice.waitForSelector('#trend[data-ready=true]');
        assert.equal(await alice.getAttribute('#trend', 'data-points'), '2', 'both evaluations are on the chart');
        assert.ok((await alice.locator('#trend canvas').count()) > 0, 'uPlot drew the chart');
        await shot(alice, '03-model');
        // The drift and quality tables are the latest report's.
        const [latest] = await latestReports(setup.store, modelId, 1);
        const columns = Object.entries(latest!.drift?.columns ?? {});
        assert.equal(await alice.locator('table.drift tbody tr').count(), columns.length);
        assert.equal(await alice.locator('table.drift tbody tr.drifted').count(), columns.filter(([, c]) => c.drifted).length);
        assert.equal(await alice.locator('table.quality tbody tr').count(), latest!.quality?.issues.length ?? 0);
        assert.match(await alice.locator('table.timeline').innerText(), /retrain-requested/);
        // The drift strip of a real evaluation: a row per tested column, a cell per window, the latest report's states.
        const strip = await alice
          .locator('figure.drift-strip g.cell')
          .evaluateAll((els) =>
            els.map((e) => [
              e.parentElement!.getAttribute('data-column'),
              e.getAttribute('data-window'),
              e.getAttribute('data-state'),
              e.getAttribute('data-score'),
            ]),
          );
        assert.equal(strip.length, columns.length * 2, 'both windows');
        for (const [name, c] of columns) {
          const cell = strip.find(([column, window]) => column === name && window === latest!.window.end)!;
          assert.equal(cell[3], String(c.score), name);
          assert.equal(
            cell[2],
            c.drifted === null ? 'untested' : !c.drifted ? 'no' : latest!.drift!.alarm?.columns.includes(name) ? 'counted' : 'single',
            name,
          );
        }
        assert.match(await alice.locator('dl.card').innerText(), /Predicts which subscribers cancel/);

        await alice.goto(`${web!.url}/inbox`);
        const request = alice.locator(`section.request[data-model="${modelId}"]`);
        const evidence = await request.locator('ul.evidence').innerText();
        assert.match(evidence, /degraded window ending 2026-11-19/);
        assert.match(evidence, /degraded window ending 2026-11-20/);
        const reportHref = await request.locator('ul.evidence a', { hasText: 'report' }).first().getAttribute('href');
        const report = (await (await alice.request.get(`${web!.url}${reportHref}`)).json()) as { modelId: string; verdict: { status: string } };
        assert.equal(report.modelId, modelId);
        assert.equal(report.verdict.status, 'degraded');
        await shot(alice, '04-inbox-retrain');

        // Forged posts with Alice's cookie: no CSRF token, a wrong one, another Origin. Nothing changes.
        const action = `${web!.url}/inbox/${modelId}/decide`;
        const csrf = (await request.locator('input[name=csrf]').first().getAttribute('value'))!;
        const fields = { gate: 'retrain', opened: waiting.gate!.openedAt, decision: 'approve' };
        for (const [what, form, origin] of [
          ['no CSRF token', fields, web!.url],
          ['a wrong CSRF token', { ...fields, csrf: `${csrf.slice(0, -2)}xx` }, web!.url],
          ['a foreign Origin', { ...fields, csrf }, 'https://evil.example'],
        ] as const) {
          const res = await alice.request.post(action, { form, headers: { origin }, maxRedirects: 0 });
          assert.equal(res.status(), 403, what);
        }
        let status: MaintenanceStatus = await handle.query(maintenanceStatusQuery);
        assert.equal(status.gate?.state, 'waiting', 'the forged posts changed nothing');

        // Bob reads the inbox, has no buttons for this model, and a direct post is refused.
        const bob = await (await browser!.newContext()).newPage();
        await signIn(bob, bobToken);
        const bobsView = bob.locator(`section.request[data-model="${modelId}"]`);
        assert.equal(await bobsView.locator('button').count(), 0, "no buttons for another model's approver");
        assert.match(await bobsView.innerText(), /Only churn-owner@example\.com, ml-lead@example\.com can decide/);
        await shot(bob, '05-inbox-other-approver');
        const bobCsrf = (await bob.locator('form.signout input[name=csrf]').getAttribute('value'))!;
        const bobPost = await bob.request.post(action, { form: { ...fields, csrf: bobCsrf }, headers: { origin: web!.url }, maxRedirects: 0 });
        assert.equal(bobPost.status(), 403);
        assert.match(await bobPost.text(), /bob@example\.com is not an approver of/);
        status = await handle.query(maintenanceStatusQuery);
        assert.equal(status.gate?.state, 'waiting', "Bob's post changed nothing");
        // Where an auditor looks: the refusal in the model's chain, the refused posts and sign-ins in the _web chain.
        const refused = (await readChain(setup.store, modelId)).filter((c) => c.entry.kind === 'refused');
        assert.equal(refused.length, 1);
        assert.equal(refused[0]!.entry.actor, 'bob@example.com');
        assert.match(refused[0]!.entry.summary, /claimed by bob@example\.com \(unsigned, sent from the web inbox\): bob@example\.com is not an approver of/);
        const access = (await readChain(setup.store, '_web')).map((c) => (c.entry.details as { event: string }).event);
        assert.deepEqual(access.filter((e) => e === 'refused-post').length, 3, "the three forged posts with Alice's cookie");
        assert.ok(access.filter((e) => e === 'sign-in').length >= 2, 'Alice and Bob signed in');

        // Alice approves: the gate closes, the candidate is trained and compared, the promotion gate opens.
        await Promise.all([alice.waitForURL(`${web!.url}/inbox`), request.locator('button.approve').click()]);
        assert.match((await alice.textContent('p.notice')) ?? '', /Approved the retrain request of .*: the gate is approved/);
        const promote = await atStage(handle, 'awaiting-promotion-approval');
        assert.ok(promote.comparison, 'a comparison is ready');
        await alice.reload();
        const table = await alice.locator(`section.request[data-model="${modelId}"] table.comparison`).innerText();
        assert.match(table, new RegExp(`Champion ${promote.comparison!.champion.version}`));
        assert.match(table, new RegExp(`Challenger ${promote.comparison!.challenger.version}`));
        const sides = await alice
          .locator(`section.request[data-model="${modelId}"] figure.comparison-picture g.side`)
          .evaluateAll((gs) => gs.map((g) => ['data-value', 'data-low', 'data-high'].map((a) => g.getAttribute(a))));
        const c = promote.comparison!;
        assert.deepEqual(sides, [
          [String(c.champion.value), String(c.champion.low), String(c.champion.high)],
          [String(c.challenger.value), String(c.challenger.low), String(c.challenger.high)],
        ]);
        const coverage = alice.locator(`section.request[data-model="${modelId}"] figure.coverage-picture svg`);
        assert.deepEqual(
          [await coverage.getAttribute('data-days-asked'), await coverage.getAttribute('data-days-with-data')],
          [String(c.candidate!.training.daysAsked), String(c.candidate!.training.daysWithData)],
        );
        await shot(alice, '06-inbox-promote');
        const promoteForm = alice.locator(`section.request[data-model="${modelId}"] form`, { has: alice.locator('button.approve') });
        await promoteForm.locator('input[name=comment]').fill('holdout looks right');
        await Promise.all([alice.waitForURL(`${web!.url}/inbox`), promoteForm.locator('button.approve').click()]);

        const result: RetrainModelResult = await handle.result();
        assert.equal(result.outcome, 'promoted');
        assert.deepEqual(
          result.decisions.map((d) => [d.gate, d.decision, d.approver, d.proof?.signer]),
          [
            ['retrain', 'approve', OWNER, SERVER_ID],
            ['promote', 'approve', OWNER, SERVER_ID],
          ],
        );
        assert.equal(result.decisions[1]!.comment, 'holdout looks right');
        for (const d of result.decisions)
          assert.equal(storedDecisionProblem(modelId, d, { people: {}, authenticators: { [SERVER_ID]: serverKey.publicKey } }), undefined);
        await alice.goto(`${web!.url}/inbox`);
        assert.equal(await alice.locator(`section.request[data-model="${modelId}"]`).count(), 0, 'nothing waits any more');
        assert.ok(
          logLines.some((l) => l.includes(`${OWNER} approved the promote request of ${modelId}`)),
          logLines.join('\n'),
        );
        assert.ok(!logLines.join('\n').includes(aliceToken) && !logLines.join('\n').includes(csrf), 'no secrets in the log');
        assert.deepEqual(consoleErrors, [], 'no CSP violation or script error in the browser');

        // Bob rejects a retrain of his own model: a comment is required, a stale form is refused.
        const other = await t.client.workflow.signalWithStart('retrainModel', {
          taskQueue,
          workflowId: retrainWorkflowId(otherId),
          args: [{ modelId: otherId }],
          signal: attachEvidenceSignal,
          signalArgs: [{ source: 'manual', at: new Date().toISOString(), reason: 'quarterly refresh', requestedBy: BOB }],
        });
        const otherGate = (await atStage(other, 'awaiting-retrain-approval')).gate!;
        await bob.goto(`${web!.url}/inbox`);
        const bobsOwn = bob.locator(`section.request[data-model="${otherId}"]`);
        assert.match(await bobsOwn.locator('ul.evidence').innerText(), /requested by bob@example\.com: quarterly refresh/);
        const otherAction = `${web!.url}/inbox/${otherId}/decide`;
        const noComment = await bob.request.post(otherAction, {
          form: { csrf: bobCsrf, gate: 'retrain', opened: otherGate.openedAt, decision: 'reject' },
          headers: { origin: web!.url },
          maxRedirects: 0,
        });
        assert.equal(noComment.status(), 400);
        assert.match(await noComment.text(), /A rejection needs a comment/);
        const stale = await bob.request.post(otherAction, {
          form: { csrf: bobCsrf, gate: 'retrain', opened: '2026-01-01T00:00:00.000Z', decision: 'approve' },
          headers: { origin: web!.url },
          maxRedirects: 0,
        });
        assert.equal(stale.status(), 409);
        assert.equal(((await other.query(maintenanceStatusQuery)) as MaintenanceStatus).gate?.state, 'waiting');
        const rejectForm = bobsOwn.locator('form', { has: bob.locator('button.reject') });
        await rejectForm.locator('input[name=comment]').fill('not this quarter: <b>the feed</b> is moving');
        await Promise.all([bob.waitForURL(`${web!.url}/inbox`), rejectForm.locator('button.reject').click()]);
        assert.match((await bob.textContent('p.notice')) ?? '', /Rejected the retrain request of .*: the gate is rejected/);
        const rejected: RetrainModelResult = await other.result();
        assert.equal(rejected.outcome, 'retrain-rejected');
        assert.deepEqual(
          [rejected.decisions[0]!.approver, rejected.decisions[0]!.comment, rejected.decisions[0]!.proof?.signer],
          [BOB, 'not this quarter: <b>the feed</b> is moving', SERVER_ID],
        );
        await bob.goto(`${web!.url}/models/${otherId}`);
        assert.match(await bob.locator('table.timeline').innerText(), /not this quarter: <b>the feed<\/b> is moving/, 'the comment is shown as text');
        await shot(bob, '07-model-after-reject');
      });
    } finally {
      await engine.close();
    }
  });

  it('a session ends after its idle limit, and signing out ends it at once', async function () {
    const t = await testTemporal();
    const own = createDemoWorkspace({ modelId: uniqueModelId('web-session'), end: new Date('2026-11-21T06:00:00.000Z'), days: 1, drifted: false });
    const config = await loadConfig(own.configPath);
    const short = await startWebServer({
      config,
      store: openStore(config),
      client: t.client,
      taskQueue: uniqueTaskQueue('web-session'),
      authenticator: tokenAuthenticator(path.join(own.dir, 'people.json')),
      signer: { id: SERVER_ID, secretKey: newKeyPair().secretKey },
      sessions: { idleMs: 1500, maxMs: 60_000 },
      host: '127.0.0.1',
      port: 0,
    });
    try {
      const token = addUser(path.join(own.dir, 'people.json'), 'carol@example.com');
      const page = await (await browser!.newContext()).newPage();
      await page.goto(`${short.url}/login`);
      await page.fill('input[name=token]', token);
      await Promise.all([page.waitForURL(`${short.url}/`), page.click('button[type=submit]')]);
      assert.match((await page.textContent('header')) ?? '', /carol@example\.com/);
      await new Promise((r) => setTimeout(r, 2000));
      await page.goto(`${short.url}/inbox`);
      assert.match(page.url(), /\/login\?next=%2Finbox$/, 'idle too long: back to the sign-in page');
      await shot(page, '08-session-expired');
      await page.fill('input[name=token]', token);
      await Promise.all([page.waitForURL(`${short.url}/inbox`), page.click('button[type=submit]')]);
      await Promise.all([page.waitForURL(`${short.url}/login`), page.click('form.signout button')]);
      await page.goto(`${short.url}/`);
      assert.match(page.url(), /\/login\?next=%2F$/, 'signed out');
    } finally {
      await short.close();
      own.remove();
    }
  });
});
