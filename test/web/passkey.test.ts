/**
 * A decision signed by the person's own device, in a real browser: Chromium's virtual WebAuthn
 * authenticator (CDP WebAuthn.addVirtualAuthenticator) registers a passkey on /passkeys, the
 * platform team lists it (and require_own_signature) in the config, and the owner approves a
 * retrain from the inbox: the device signs the decision's challenge, the workflow's validator
 * verifies the assertion, and a decision the server signs on her behalf is refused.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { parse, stringify } from 'yaml';
import { decideUpdate, maintenanceStatusQuery, retrainWorkflowId, type EvaluateModelResult } from '../../workflows/definitions.js';
import type { MaintenanceStatus } from '../../domain/maintenance.js';
import { newNonce, signDecision } from '../../domain/signature.js';
import { readChain } from '../../engine/audit/chain.js';
import { verifyTrail } from '../../engine/audit/verify-trail.js';
import { evaluateModel } from '../../workflows/index.js';
import { createUpkeepWorker } from '../../workers/worker.js';
import { createSigningKey } from '../../cli/keys.js';
import { durationMs } from '../../domain/duration.js';
import { startWebServer, webSetup, type RunningWebServer } from '../../cli/commands/serve.js';
import { tokenAuthenticator, addUser } from '../../cli/web/users.js';
import { registeredPasskeys } from '../../cli/web/passkeys.js';
import { passkeysCommand } from '../../cli/commands/passkeys.js';
import { createDemoWorkspace, OWNER, type DemoWorkspace } from '../helpers/demo-workspace.js';
import { testTemporal, uniqueModelId, uniqueTaskQueue } from '../helpers/temporal.js';
import { fixedPort } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';

const CHROMIUM = process.env.UPKEEP_CHROMIUM ?? '/usr/bin/chromium';
const SERVER_ID = 'upkeep-web@test';

describe("the web inbox: a decision signed on the person's device (WebAuthn, Chromium virtual authenticator)", function () {
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
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  });
  after(async () => {
    await web?.close();
    await browser?.close();
    ws?.remove();
    if (keyDir) rmSync(keyDir, { recursive: true, force: true });
  });

  it('registers a passkey, then approves a retrain with it; a server signature on her behalf is refused', async function () {
    const t = await testTemporal();
    const modelId = uniqueModelId('passkey');
    const taskQueue = uniqueTaskQueue('passkey');
    keyDir = mkdtempSync(path.join(tmpdir(), 'upkeep-passkey-keys-'));
    const serverKey = createSigningKey(keyDir, SERVER_ID).key;
    ws = createDemoWorkspace({
      modelId,
      end: new Date('2026-11-21T06:00:00.000Z'),
      days: 12,
      drifted: true,
      config: { authenticators: [{ id: SERVER_ID, public_key: serverKey.publicKey }], web: { users_file: 'people.json', authenticator: SERVER_ID } },
    });
    const token = addUser(path.join(ws.dir, 'people.json'), OWNER);
    // WebAuthn needs a domain as rpId: the page is served as localhost, on one port for both servers (the origin includes it).
    const port = await fixedPort();
    const url = `http://localhost:${port}`;
    const logLines: string[] = [];
    const serve = async () => {
      const setup = await webSetup(ws!.configPath, { stateDir: ws!.dir, keyDir: keyDir! });
      web = await startWebServer({
        config: setup.config,
        store: setup.store,
        client: t.client,
        taskQueue,
        authenticator: tokenAuthenticator(setup.users),
        signer: { id: setup.key.id, secretKey: setup.key.secretKey },
        sessions: { idleMs: durationMs(setup.config.web.session_ttl), maxMs: durationMs(setup.config.web.session_max) },
        host: '127.0.0.1',
        port,
        log: (l) => logLines.push(l),
      });
      return setup;
    };

    const page: Page = await (await browser!.newContext()).newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable', { enableUI: false });
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    const signIn = async () => {
      await page.goto(`${url}/inbox`);
      await page.fill('input[name=token]', token);
      await Promise.all([page.waitForURL(`${url}/inbox`), page.click('button[type=submit]')]);
    };

    // 1. Alice registers this browser's authenticator on /passkeys.
    let setup = await serve();
    await signIn();
    await page.goto(`${url}/passkeys`);
    await page.fill('input[name=label]', 'test browser');
    await page.click('#register-passkey button');
    await page.waitForFunction(() => /Registered/.test(document.getElementById('passkey-status')?.textContent ?? ''));
    const [registered] = await registeredPasskeys(setup.store, OWNER);
    assert.ok(registered, 'the store keeps the registered device');
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    assert.equal(credentials.length, 1);
    assert.equal(registered.credential, Buffer.from(credentials[0]!.credentialId, 'base64').toString('base64url'), 'the credential the authenticator made');
    assert.equal(registered.rp_id, 'localhost');
    assert.equal(registered.origin, url);
    const webTrail = (await readChain(setup.store, '_web')).map((c) => c.entry);
    assert.ok(
      webTrail.some((e) => e.details?.event === 'passkey-registered' && e.actor === OWNER && String(e.details?.why).includes(registered.public_key)),
      'the registration is in the _web trail with the public key',
    );
    await page.waitForSelector('code.passkey-line');
    assert.match(await page.locator('code.passkey-line').innerText(), new RegExp(`credential: ${registered.credential}`));
    // The platform team sees it with `upkeep users passkeys`, not listed yet, with the line to add.
    const printed = async (): Promise<string> => {
      const lines: string[] = [];
      const log = console.log;
      console.log = (l: string) => lines.push(l);
      try {
        await passkeysCommand(OWNER, { config: ws!.configPath });
      } finally {
        console.log = log;
      }
      return lines.join('\n');
    };
    assert.match(
      await printed(),
      new RegExp(`^${OWNER}, registered .* \\(test browser\\), for ${url}: not listed yet[^]*credential: ${registered.credential}`),
    );
    await web!.close();
    web = undefined;

    // 2. The platform team lists the device and requires people's own signatures for this model.
    const raw = parse(readFileSync(ws.configPath, 'utf8')) as { passkeys?: unknown[]; models: Record<string, unknown>[] };
    raw.passkeys = [{ id: OWNER, credential: registered.credential, public_key: registered.public_key, rp_id: registered.rp_id, origin: registered.origin }];
    raw.models[0]!.require_own_signature = true;
    writeFileSync(ws.configPath, stringify(raw));
    setup = await serve();
    assert.match(await printed(), /: listed: it signs their decisions/);

    const { worker } = await createUpkeepWorker({
      connection: t.connection,
      namespace: 'default',
      taskQueue,
      configPath: ws.configPath,
      workflowBundle: t.bundle,
      scratchDir: ws.dir,
      log: () => {},
    });
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
      const waiting = await waitFor(
        'the retrain gate',
        async () => {
          const s: MaintenanceStatus = await handle.query(maintenanceStatusQuery);
          return s.stage === 'awaiting-retrain-approval' && s.gate ? s : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 500, ignoreErrors: true },
      );

      // 3. A decision the server signs for her is refused: the model takes only her own signature.
      const act = { gate: 'retrain' as const, decision: 'approve' as const, approver: OWNER, comment: 'signed by the server' };
      const byServer = signDecision(
        act,
        {
          model: modelId,
          workflow: handle.workflowId,
          request: waiting.gate!.openedAt,
          signer: SERVER_ID,
          at: new Date().toISOString(),
          nonce: newNonce((n) => crypto.getRandomValues(new Uint8Array(n))),
        },
        serverKey.secretKey,
      );
      await assert.rejects(handle.executeUpdate(decideUpdate, { args: [{ ...act, proof: byServer }] }), (err: Error) =>
        /not by "upkeep-web@test" on their behalf \(require_own_signature\)/.test(`${err.message} ${(err.cause as Error | undefined)?.message}`),
      );

      // 4. A device assertion for one decision posted with another (a changed comment) is refused before anything is sent.
      await signIn();
      const csrf = (await page.locator('form.signout input[name=csrf]').getAttribute('value'))!;
      const form = { csrf, gate: 'retrain', opened: waiting.gate!.openedAt, evidence: '', decision: 'approve', comment: 'what I signed' };
      const challenged = (await (await page.request.post(`${url}/inbox/${modelId}/challenge`, { form, headers: { origin: url } })).json()) as {
        device: boolean;
        challenge: string;
        allowCredentials: string[];
      };
      assert.equal(challenged.device, true);
      // As a string: the test's compiler would wrap named functions in a helper the page does not have.
      const signed = (await page.evaluate(`(async (c) => {
        const bytes = (t) => Uint8Array.from(atob(t.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (t.length % 4)) % 4)), (ch) => ch.charCodeAt(0));
        const b64 = (b) => btoa(String.fromCharCode(...new Uint8Array(b))).replace(/[+]/g, '-').replace(/[/]/g, '_').replace(/=+$/, '');
        const a = await navigator.credentials.get({
          publicKey: { challenge: bytes(c.challenge), rpId: 'localhost', allowCredentials: c.allowCredentials.map((id) => ({ type: 'public-key', id: bytes(id) })), userVerification: 'required' },
        });
        return { device_credential: b64(a.rawId), device_authenticator_data: b64(a.response.authenticatorData), device_client_data: b64(a.response.clientDataJSON), device_signature: b64(a.response.signature) };
      })(${JSON.stringify(challenged)})`)) as Record<string, string>;
      const swapped = await page.request.post(`${url}/inbox/${modelId}/decide`, {
        form: { ...form, ...signed, comment: 'something else' },
        headers: { origin: url },
        maxRedirects: 0,
      });
      assert.equal(swapped.status(), 409);
      assert.match(await swapped.text(), /Your device signed another decision than this form/);
      assert.equal(((await handle.query(maintenanceStatusQuery)) as MaintenanceStatus).gate?.state, 'waiting', 'nothing was sent');

      // 5. Alice approves from the inbox: the page asks her device to sign the decision's challenge.
      const { credentials: before } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
      await page.goto(`${url}/inbox`);
      const request = page.locator(`section.request[data-model="${modelId}"]`);
      await request.locator('form.decide-form input[name=comment]').first().fill('approved on my device');
      await Promise.all([page.waitForURL(`${url}/inbox`), request.locator('button.approve').click()]);
      assert.match((await page.textContent('p.notice')) ?? '', /Approved the retrain request of .*: the gate is approved/);
      assert.ok(
        logLines.some((l) => l.includes(`signed by ${OWNER}'s device`)),
        logLines.join('\n'),
      );
      const { credentials: after } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
      assert.equal(after[0]!.signCount, before[0]!.signCount + 1, 'the device signed once');

      const decided: MaintenanceStatus = await handle.query(maintenanceStatusQuery);
      assert.notEqual(decided.stage, 'awaiting-retrain-approval');
      // The stage moves on when the workflow takes the decision; its entry is written by an activity after that.
      const decision = await waitFor('the decision in the audit chain', async () =>
        (await readChain(setup.store, modelId)).map((c) => c.entry).find((e) => e.kind === 'decision' && e.actor === OWNER),
      );
      assert.equal(decision.details?.signatureKind, 'device');
      assert.equal((decision.details?.proof as { signer?: string }).signer, OWNER);
      assert.ok((decision.details?.proof as { device?: unknown }).device, 'the assertion is kept with the decision');
      // audit verify re-checks the device signature offline.
      const v = await verifyTrail(setup.store, modelId);
      assert.deepEqual(
        v.problems.filter((p) => /signature|device/.test(p)),
        [],
      );
      assert.match(v.signers ?? '', /1 on the person's device/);
    });
    assert.deepEqual(errors, []);
  });
});
