/**
 * The inbox's passkey routes (cli/web/passkeys.ts has the checks): the Devices page, the
 * registration's options and result, and the challenge of a decision signed on the device.
 * Every route here runs after the session and CSRF checks of server.ts.
 */
import { createHash } from 'node:crypto';
import type { Context, Hono } from 'hono';
import { html } from 'hono/html';
import type { ModelSpec } from '../../domain/config.js';
import { UpkeepError } from '../../engine/errors.js';
import type { WebAccess } from '../../engine/audit/access.js';
import type { ArtifactStore } from '../../engine/store/store.js';
import type { Client } from '@temporalio/client';
import { openRequests } from '../client/requests.js';
import { layout, type Viewer } from './pages.js';
import type { Session } from './sessions.js';
import { Challenges, devicesFor, passkeyKey, passkeyYaml, registeredPasskeys, registrationProblem, savePasskey, type RelyingParty } from './passkeys.js';

type Env = { Variables: { session: Session } };

export interface PasskeyContext {
  store: ArtifactStore;
  client: Client;
  taskQueue: string;
  now: () => number;
  challenges: Challenges;
  rp: (c: Context<Env>) => RelyingParty;
  specOf: (id: string) => ModelSpec | undefined;
  models: readonly ModelSpec[];
  viewer: (s: Session) => Viewer;
  access: (a: Omit<WebAccess, 'at' | 'server'>) => Promise<boolean>;
  client_address: (c: Context<Env>) => string;
  log: (line: string) => void;
}

export function passkeyRoutes(app: Hono<Env>, x: PasskeyContext): void {
  app.get('/passkeys', async (c) => {
    const s = c.get('session');
    const mine = await registeredPasskeys(x.store, s.user);
    const listed = new Set(x.models.flatMap((m) => devicesFor(m, s.user)));
    const rp = x.rp(c);
    return c.html(
      layout(
        'Devices that sign your decisions',
        x.viewer(s),
        html`<p>A device you register here (a passkey: this computer, a phone, a security key) signs your decisions itself: the server only forwards what it signed. Once the platform team adds its line to the keys file (<code>passkeys:</code>), the inbox asks the device to sign each decision you take.</p>
<form method="post" action="/passkeys/register" id="register-passkey" data-rp="${rp.id}"><input type="hidden" name="csrf" value="${s.csrf}"><label>Which device (optional) <input type="text" name="label" maxlength="100"></label> <button type="submit">Register this device</button></form>
<p id="passkey-status" role="status"></p>
${
  mine.length === 0
    ? html`<p>No device registered yet.</p>`
    : html`<table><thead><tr><th>Registered</th><th>Device</th><th>In the keys file</th><th>Line for the keys file</th></tr></thead><tbody>${mine.map(
        (p) =>
          html`<tr><td>${p.registeredAt}</td><td>${p.label ?? '—'}</td><td>${listed.has(p.credential) ? 'yes: it signs your decisions' : 'not yet'}</td><td><code class="passkey-line">${passkeyYaml(p)}</code></td></tr>`,
      )}</tbody></table>`
}`,
        { passkey: true },
      ),
    );
  });

  app.post('/passkeys/options', (c) => {
    const s = c.get('session');
    const rp = x.rp(c);
    return c.json({
      challenge: x.challenges.registration(s.id),
      rp: { id: rp.id, name: 'upkeep' },
      user: { id: createHash('sha256').update(s.user).digest('base64url'), name: s.user, displayName: s.user },
      pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
      attestation: 'none',
      authenticatorSelection: { userVerification: 'required', residentKey: 'preferred' },
      timeout: 120_000,
    });
  });

  app.post('/passkeys/register', async (c) => {
    const s = c.get('session');
    const body = await c.req.parseBody();
    const field = (k: string): string => (typeof body[k] === 'string' ? (body[k] as string) : '');
    const challenge = x.challenges.takeRegistration(s.id);
    if (!challenge) return c.json({ error: 'The registration expired: press the button again.' }, 409);
    const rp = x.rp(c);
    const checked = registrationProblem({ clientDataJSON: field('clientDataJSON'), attestationObject: field('attestationObject') }, { challenge, ...rp });
    if ('problem' in checked) {
      x.log(`web: refused the device registration of ${s.user}: ${checked.problem}`);
      return c.json({ error: `The device was not registered: ${checked.problem}.` }, 400);
    }
    const label = field('label').trim().slice(0, 100);
    const entry = {
      id: s.user,
      credential: checked.credential,
      public_key: checked.publicKey,
      rp_id: rp.id,
      origin: rp.origin,
      ...(label ? { label } : {}),
      registeredAt: new Date(x.now()).toISOString(),
    };
    if (await x.store.exists(passkeyKey(checked.credential)))
      return c.json({ error: 'This credential id is registered already; the first registration is kept.' }, 409);
    // Recorded before it is kept: a device the trail does not name is never listed.
    const recorded = await x.access({
      event: 'passkey-registered',
      person: s.user,
      client: x.client_address(c),
      session: s.ref,
      why: `credential ${checked.credential}, P-256 public key ${checked.publicKey}, for ${rp.origin}${label ? ` (${label})` : ''}`,
    });
    if (!recorded) return c.json({ error: 'The registration could not be recorded (the store did not answer): try again later.' }, 503);
    if (!(await savePasskey(x.store, entry))) return c.json({ error: 'This credential id is registered already; the first registration is kept.' }, 409);
    x.log(`web: ${s.user} registered a device (credential ${checked.credential.slice(0, 16)}…); its line for the keys file is on /passkeys`);
    return c.json({ registered: true, line: passkeyYaml(entry) });
  });

  // The challenge of a decision signed on the device: the sha256 of the exact decision's canonical bytes.
  app.post('/inbox/:model/challenge', async (c) => {
    const s = c.get('session');
    const spec = x.specOf(c.req.param('model'));
    if (!spec) return c.json({ error: `No model ${c.req.param('model')} in the config.` }, 404);
    const credentials = devicesFor(spec, s.user);
    if (credentials.length === 0) return c.json({ device: false });
    const body = await c.req.parseBody();
    const field = (k: string): string => (typeof body[k] === 'string' ? (body[k] as string) : '');
    const decision = field('decision');
    const gate = field('gate');
    const comment = field('comment').trim();
    if ((decision !== 'approve' && decision !== 'reject') || !gate) return c.json({ error: 'The form is incomplete (decision and gate).' }, 400);
    let request;
    try {
      [request] = await openRequests(x.client, spec.id, { gate, taskQueue: x.taskQueue });
    } catch (err) {
      if (err instanceof UpkeepError) return c.json({ error: err.message }, 409);
      throw err;
    }
    if (!request || request.gate.openedAt !== field('opened'))
      return c.json({ error: `The ${gate} request of ${spec.id} changed since the page was loaded: reload the inbox.` }, 409);
    if (!request.gate.approvers.includes(s.user)) return c.json({ device: false });
    const shown = request.gate.evidence;
    if (field('evidence') !== (shown?.sha256 ?? ''))
      return c.json({ error: `The ${gate} request of ${spec.id} shows other evidence now: reload the inbox.` }, 409);
    const act = { gate: request.gate.gate, decision, approver: s.user, ...(comment ? { comment } : {}) };
    const where = {
      model: spec.id,
      workflow: request.handle.workflowId,
      request: request.gate.openedAt,
      ...(shown ? { candidate: request.gate.candidate ?? '', evidence: shown.sha256 } : {}),
    };
    const challenge = x.challenges.decision(s.id, { model: spec.id, act, opened: request.gate.openedAt, evidence: field('evidence'), where }, s.user);
    return c.json({ device: true, challenge, rpId: x.rp(c).id, allowCredentials: credentials, timeout: 120_000 });
  });
}
