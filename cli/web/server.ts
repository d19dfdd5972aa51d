/**
 * The web inbox (`upkeep serve`): a hono app over the config, the store and Temporal. Every page
 * needs a session; every POST passes an Origin / Sec-Fetch-Site check and a per-session CSRF
 * token; decisions go through the workflow's `decide` Update, signed by the server's own key as
 * an authenticator on behalf of the signed-in person. docs/web.md describes the security model.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { UpkeepConfig } from '../../domain/config.js';
import { newNonce, signDecision } from '../../domain/signature.js';
import { UpkeepError } from '../../engine/errors.js';
import { recordRefusal, recordWebAccess, type RefusedDecision, type WebAccess } from '../../engine/audit/access.js';
import type { ArtifactStore } from '../../engine/store/store.js';
import { reportsPrefix } from '../../engine/store/keys.js';
import { renderReportHtml } from '../../engine/pictures/report-html.js';
import type { EvaluationReport } from '../../engine/evaluation/report.js';
import { PROJECT_DIR } from '../../workers/paths.js';
import { openRequests, type OpenRequest } from '../client/requests.js';
import { sendDecision } from '../client/decisions.js';
import { chartData, fleet, inbox, modelPage } from './data.js';
import { errorPage, fleetPage, inboxPage, loginPage, reportName, type Viewer } from './pages.js';
import { modelPageHtml } from './model-page.js';
import { sameSecret, SessionStore, Throttle, type Session } from './sessions.js';
import { WEB_CSS } from './style.js';
import { assertionFromForm, Challenges, type PendingDecision, type RelyingParty } from './passkeys.js';
import { passkeyRoutes } from './passkey-routes.js';
import type { Authenticator } from './users.js';
import type { Registry } from 'prom-client';
import { bearerMatches } from '../metrics/token.js';

/** Form posts are small: a token, a comment of at most 2000 characters. */
export const MAX_BODY_BYTES = 16 * 1024;
export const LOGIN_FAILURES = 10;
export const LOGIN_WINDOW_MS = 15 * 60_000;
/** Addresses the throttle keeps a count for; beyond, new addresses share one (sessions.ts). */
export const THROTTLE_CLIENTS = 10_000;

export interface WebOptions {
  config: UpkeepConfig;
  store: ArtifactStore;
  client: Client;
  /** The workers' task queue: the inbox and the fleet list its maintenance requests. */
  taskQueue: string;
  authenticator: Authenticator;
  /** The server's signing key: its id is listed under `authenticators`. */
  signer: { id: string; secretKey: string };
  sessions: { idleMs: number; maxMs: number };
  /** The address people use (https://… behind a TLS proxy): the Origin POSTs must come from; https makes cookies Secure. */
  publicUrl?: string;
  /**
   * Host names a request may name (its Host header, without the port); any other gets 421, so a
   * page of another site whose name was rebound to this address (DNS rebinding) reads nothing.
   * Default: the loopback names and the public URL's host (`allowedHosts` in serve-cli.ts).
   */
  hosts?: readonly string[];
  now?: () => number;
  log?: (line: string) => void;
  /** GET /metrics for Prometheus, with the bearer token of metrics.token_file instead of a session (cli/metrics/endpoint.ts). */
  metrics?: { registry: Registry; token: string };
}

type Env = { Variables: { session: Session } };

function staticFiles(): Record<string, { type: string; body: string }> {
  const require = createRequire(import.meta.url);
  const uplot = path.dirname(require.resolve('uplot/dist/uPlot.iife.min.js'));
  // The chart script ships as a source file (package.json `files`), found from the sources and from dist/.
  const chart = path.join(PROJECT_DIR, 'cli', 'web', 'static', 'chart.mjs');
  return {
    'web.css': { type: 'text/css; charset=utf-8', body: WEB_CSS },
    'uPlot.min.css': { type: 'text/css; charset=utf-8', body: readFileSync(path.join(uplot, 'uPlot.min.css'), 'utf8') },
    'uPlot.iife.min.js': { type: 'text/javascript; charset=utf-8', body: readFileSync(path.join(uplot, 'uPlot.iife.min.js'), 'utf8') },
    'chart.mjs': { type: 'text/javascript; charset=utf-8', body: readFileSync(chart, 'utf8') },
    'passkey.mjs': { type: 'text/javascript; charset=utf-8', body: readFileSync(path.join(path.dirname(chart), 'passkey.mjs'), 'utf8') },
  };
}

/** A Host header's name: lowercase, without port, brackets or a final dot; undefined when malformed. */
export function hostName(host: string | undefined): string | undefined {
  if (!host || host.length > 300) return undefined;
  try {
    const name = new URL(`http://${host}`).hostname.toLowerCase().replace(/\.$/, '');
    return name.replace(/^\[(.*)\]$/, '$1') || undefined;
  } catch {
    return undefined;
  }
}

export const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '::1'] as const;

/** The peer's address (a TLS proxy's, behind one: then the throttle counts all clients together). */
function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown'; // not served by node (app.request in tests)
  }
}

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
/** A stored report's HTML page: its own inline style, nothing else loads or runs (engine/pictures/report-html.ts). */
const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; sandbox";

async function reportPageFromJson(store: WebOptions['store'], key: string): Promise<string | undefined> {
  const json = await store.tryGet(key);
  if (!json) return undefined;
  try {
    return renderReportHtml(JSON.parse(new TextDecoder().decode(json)) as EvaluationReport);
  } catch {
    return undefined;
  }
}

/** Whether the decision a device signed (its pending challenge) is the one the form posts. */
function pendingMatches(
  p: PendingDecision | undefined,
  f: { model: string; gate: string; decision: string; comment: string | undefined; opened: string; evidence: string },
): p is PendingDecision {
  return (
    !!p &&
    p.model === f.model &&
    p.act.gate === f.gate &&
    p.act.decision === f.decision &&
    (p.act.comment ?? '') === (f.comment ?? '') &&
    p.opened === f.opened &&
    p.evidence === f.evidence
  );
}

const sameWhere = (a: { model: string; workflow: string; request: string; candidate?: string; evidence?: string }, b: typeof a): boolean =>
  a.model === b.model && a.workflow === b.workflow && a.request === b.request && a.candidate === b.candidate && a.evidence === b.evidence;

export function createWebApp(o: WebOptions): { app: Hono<Env>; sessions: SessionStore } {
  const now = o.now ?? Date.now;
  const log = o.log ?? (() => {});
  const secure = o.publicUrl?.startsWith('https://') ?? false;
  const publicOrigin = o.publicUrl ? new URL(o.publicUrl).origin : undefined;
  const cookieName = secure ? '__Host-upkeep_session' : 'upkeep_session';
  const loginCookie = secure ? '__Host-upkeep_login' : 'upkeep_login';
  const sessions = new SessionStore({ ...o.sessions, now });
  const throttle = new Throttle({
    limit: LOGIN_FAILURES,
    windowMs: LOGIN_WINDOW_MS,
    maxClients: THROTTLE_CLIENTS,
    now,
    onOverflow: () =>
      log(
        `web: failed sign-ins from more than ${THROTTLE_CLIENTS} addresses in ${LOGIN_WINDOW_MS / 60_000} minutes: new addresses now share one count (${LOGIN_FAILURES} failures) until theirs expire`,
      ),
  });
  const hosts = new Set((o.hosts ?? [...LOOPBACK_HOSTS, ...(o.publicUrl ? [new URL(o.publicUrl).hostname] : [])]).map((h) => hostName(h) ?? h));
  const files = staticFiles();
  const data = { config: o.config, store: o.store, client: o.client, taskQueue: o.taskQueue };
  const app = new Hono<Env>();
  const viewer = (s: Session): Viewer => ({ user: s.user, csrf: s.csrf });
  // Sign-ins, failed sign-ins, sign-outs and refusals go to the store's `_web` chain (and refused
  // decisions to the model's chain) as well as to the console; false when the store did not take it.
  const access = async (a: Omit<WebAccess, 'at' | 'server'>): Promise<boolean> => {
    try {
      await recordWebAccess(o.store, { ...a, at: new Date(now()), server: o.signer.id });
      return true;
    } catch (err) {
      log(`web: could not record a ${a.event} in the access log: ${(err as Error).message}`);
      return false;
    }
  };
  const refusal = async (r: Omit<RefusedDecision, 'via' | 'at'>): Promise<void> => {
    try {
      await recordRefusal(o.store, { ...r, via: 'web', at: new Date(now()) });
    } catch (err) {
      log(`web: could not record the refused decision on ${r.modelId} in its audit chain: ${(err as Error).message}`);
    }
  };

  app.use(async (c, next) => {
    await next();
    const h = c.res.headers;
    // A stored report page sets its own (stricter: no script at all, a sandbox) policy.
    if (!h.has('Content-Security-Policy')) h.set('Content-Security-Policy', CSP);
    h.set('X-Content-Type-Options', 'nosniff');
    h.set('Referrer-Policy', 'no-referrer');
    h.set('X-Frame-Options', 'DENY');
    h.set('Cross-Origin-Opener-Policy', 'same-origin');
    h.set('Cross-Origin-Resource-Policy', 'same-origin');
    if (!h.has('Cache-Control')) h.set('Cache-Control', 'no-store');
    if (secure) h.set('Strict-Transport-Security', 'max-age=31536000');
  });
  // Before anything is read: a Host this server is not known by (DNS rebinding, a stray proxy) is refused.
  app.use(async (c, next) => {
    const host = c.req.header('host') ?? new URL(c.req.url).host; // browsers always send Host
    const name = hostName(host);
    if (!name || !hosts.has(name)) {
      log(`web: refused a request for host ${JSON.stringify(host)} (not one of ${[...hosts].join(', ')}; web.hosts adds names)`);
      return c.html(errorPage(name ? 421 : 400, 'This server does not answer to that host name.'), name ? 421 : 400);
    }
    await next();
  });
  app.use(bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => c.html(errorPage(413, 'The request is too large.'), 413) }));

  // Every POST comes from a page of this server: a browser says so with Sec-Fetch-Site and Origin.
  // Under Referrer-Policy no-referrer, browsers send `Origin: null` on form posts; that is taken
  // only with Sec-Fetch-Site: same-origin, which pages cannot forge.
  app.use(async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      const site = c.req.header('sec-fetch-site');
      const origin = c.req.header('origin');
      const expected = publicOrigin ?? new URL(c.req.url).origin;
      const ok = site === undefined ? origin === expected : site === 'same-origin' && (origin === expected || origin === 'null');
      if (!ok) {
        log(`web: refused a ${c.req.method} to ${c.req.path} from another origin (${c.req.header('origin') ?? 'no Origin'})`);
        // Recorded when it rides on a session (a cross-site post with someone's cookie); anonymous ones only in the log.
        const s = sessions.get(getCookie(c, cookieName));
        if (s)
          await access({
            event: 'refused-post',
            person: s.user,
            client: clientAddress(c),
            session: s.ref,
            why: `a post to ${c.req.path} from another origin (${JSON.stringify(c.req.header('origin') ?? 'no Origin')}, Sec-Fetch-Site ${JSON.stringify(site ?? 'absent')})`,
          });
        return c.html(errorPage(403, 'This form was not sent from this site, so it was refused.'), 403);
      }
    }
    await next();
  });

  app.get('/static/:name', (c) => {
    const f = files[c.req.param('name')];
    if (!f) return c.html(errorPage(404, 'No such file.'), 404);
    return c.body(f.body, 200, { 'Content-Type': f.type, 'Cache-Control': 'public, max-age=3600' });
  });

  app.get('/favicon.ico', (c) => c.body(null, 204));

  const metrics = o.metrics;
  if (metrics)
    app.get('/metrics', async (c) => {
      if (!bearerMatches(c.req.header('authorization'), metrics.token))
        return c.text('the metrics need the bearer token of metrics.token_file\n', 401, { 'WWW-Authenticate': 'Bearer' });
      return c.body(await metrics.registry.metrics(), 200, { 'Content-Type': metrics.registry.contentType });
    });

  const safeNext = (n: unknown): string => (typeof n === 'string' && /^\/(?![/\\])[A-Za-z0-9/_.@%?=&-]*$/.test(n) && n.length < 300 ? n : '/');

  const showLogin = (c: Context<Env>, status: 200 | 401 | 403 | 429, error?: string, next = '/') => {
    // One token per browser while it is valid: a second tab (or a favicon request) keeps the first form working.
    const current = getCookie(c, loginCookie);
    const token = current && /^[A-Za-z0-9_-]{32}$/.test(current) ? current : randomBytes(24).toString('base64url');
    setCookie(c, loginCookie, token, { httpOnly: true, sameSite: 'Strict', secure, path: '/', maxAge: 600 });
    return c.html(
      loginPage({ ...(error ? { error } : {}), loginCsrf: token, provider: o.authenticator.name === 'token' ? 'sign-in token' : o.authenticator.name, next }),
      status,
    );
  };

  app.get('/login', (c) => showLogin(c, 200, undefined, safeNext(c.req.query('next'))));

  app.post('/login', async (c) => {
    const client = clientAddress(c);
    const body = await c.req.parseBody();
    const next = safeNext(body.next);
    if (!sameSecret(getCookie(c, loginCookie), typeof body.csrf === 'string' ? body.csrf : undefined))
      return showLogin(c, 403, 'The sign-in form expired: try again.', next);
    if (!throttle.allowed(client)) {
      log(`web: sign-in refused, too many failed attempts from ${client}`);
      return showLogin(c, 429, `Too many failed sign-ins: wait ${LOGIN_WINDOW_MS / 60_000} minutes.`, next);
    }
    const person = await o.authenticator.authenticate(typeof body.token === 'string' ? body.token : '');
    if (!person) {
      throttle.fail(client);
      log(`web: failed sign-in from ${client}`);
      await access({ event: 'sign-in-failed', client });
      if (!throttle.allowed(client)) await access({ event: 'locked-out', client });
      return showLogin(c, 401, 'That token does not sign anyone in.', next);
    }
    sessions.destroy(getCookie(c, cookieName)); // a session id from before sign-in is never kept
    const s = sessions.create(person.id);
    // No session without its record: a sign-in the store did not take is refused.
    if (!(await access({ event: 'sign-in', person: person.id, client, session: s.ref }))) {
      sessions.destroy(s.id);
      return c.html(errorPage(503, 'The sign-in could not be recorded (the store did not answer): try again later.'), 503);
    }
    deleteCookie(c, loginCookie, { path: '/', secure });
    setCookie(c, cookieName, s.id, { httpOnly: true, sameSite: 'Strict', secure, path: '/' });
    log(`web: ${person.id} signed in (session ${s.ref})`);
    return c.redirect(next, 303);
  });

  // Everything below needs a live session of a person still in the users file.
  app.use(async (c, next) => {
    const s = sessions.get(getCookie(c, cookieName));
    if (!s || !(await o.authenticator.isActive(s.user))) {
      if (s) {
        sessions.destroy(s.id);
        log(`web: ended the session ${s.ref} of ${s.user}: no longer in the users file`);
        await access({ event: 'session-ended', person: s.user, client: clientAddress(c), session: s.ref, why: 'no longer in the users file' });
      }
      if (c.req.method === 'GET') return c.redirect(`/login?next=${encodeURIComponent(c.req.path)}`, 303);
      return c.html(errorPage(403, 'Sign in first.'), 403);
    }
    if (c.req.method === 'POST') {
      const body = await c.req.parseBody();
      if (!sameSecret(typeof body.csrf === 'string' ? body.csrf : undefined, s.csrf)) {
        log(`web: refused a ${c.req.path} post of ${s.user} without a valid CSRF token`);
        await access({
          event: 'refused-post',
          person: s.user,
          client: clientAddress(c),
          session: s.ref,
          why: `a post to ${c.req.path} without a valid CSRF token`,
        });
        return c.html(errorPage(403, 'This form is not from your session (missing or wrong CSRF token), so it was refused.', viewer(s)), 403);
      }
    }
    c.set('session', s);
    await next();
  });

  // Devices that sign for their owner (WebAuthn): the relying party is the public URL's host, else the host asked for.
  const challenges = new Challenges(now);
  const rp = (c: Context<Env>): RelyingParty => {
    const u = new URL(o.publicUrl ?? c.req.url);
    return { id: u.hostname, origin: u.origin };
  };
  passkeyRoutes(app, {
    store: o.store,
    client: o.client,
    taskQueue: o.taskQueue,
    now,
    challenges,
    rp,
    specOf: (id) => o.config.models.find((m) => m.id === id),
    models: o.config.models,
    viewer,
    access,
    client_address: clientAddress,
    log,
  });

  app.post('/logout', async (c) => {
    const s = c.get('session');
    sessions.destroy(s.id);
    deleteCookie(c, cookieName, { path: '/', secure });
    log(`web: ${s.user} signed out (session ${s.ref})`);
    await access({ event: 'sign-out', person: s.user, client: clientAddress(c), session: s.ref });
    return c.redirect('/login', 303);
  });

  app.get('/', async (c) => c.html(fleetPage(viewer(c.get('session')), await fleet(data, new Date(now())))));

  app.get('/inbox', async (c) => {
    const s = c.get('session');
    const notice = s.flash;
    delete s.flash;
    const { open, failed } = await inbox(data);
    return c.html(inboxPage(viewer(s), open, failed, notice));
  });

  app.get('/incidents', async (c) => {
    const { fleetIncidents, incidentsPage } = await import('./incidents-page.js');
    return c.html(incidentsPage(viewer(c.get('session')), await fleetIncidents(data.store, o.config.models)));
  });

  const specOf = (id: string) => o.config.models.find((m) => m.id === id);

  app.get('/models/:id', async (c) => {
    const spec = specOf(c.req.param('id'));
    if (!spec) return c.html(errorPage(404, `No model ${c.req.param('id')} in the config.`, viewer(c.get('session'))), 404);
    return c.html(modelPageHtml(viewer(c.get('session')), await modelPage(data, spec)));
  });

  app.get('/models/:id/trend.json', async (c) => {
    const spec = specOf(c.req.param('id'));
    if (!spec) return c.json({ error: 'no such model' }, 404);
    return c.json(await chartData(data, spec));
  });

  app.get('/models/:id/reports/:name', async (c) => {
    const spec = specOf(c.req.param('id'));
    const name = reportName(c.req.param('name'));
    const bytes = spec && name ? await o.store.tryGet(`${reportsPrefix(spec.id)}/${name}`) : undefined;
    if (spec && name?.endsWith('.html')) {
      // The page with the pictures: stored next to the report, or drawn from the JSON of a run from before it was.
      const page = bytes
        ? new TextDecoder().decode(bytes)
        : await reportPageFromJson(o.store, `${reportsPrefix(spec.id)}/${name.replace(/[.]html$/, '.json')}`);
      if (page) return c.body(page, 200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': REPORT_CSP });
    }
    if (!bytes) return c.html(errorPage(404, 'No such report.', viewer(c.get('session'))), 404);
    return c.body(new TextDecoder().decode(bytes), 200, {
      'Content-Type': name!.endsWith('.json') ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8',
    });
  });

  app.post('/inbox/:model/decide', async (c) => {
    const s = c.get('session');
    const v = viewer(s);
    const spec = specOf(c.req.param('model'));
    if (!spec) return c.html(errorPage(404, `No model ${c.req.param('model')} in the config.`, v), 404);
    const body = await c.req.parseBody();
    const field = (k: string): string | undefined => (typeof body[k] === 'string' ? (body[k] as string) : undefined);
    const decision = field('decision');
    const gate = field('gate');
    const comment = field('comment')?.trim() || undefined;
    if ((decision !== 'approve' && decision !== 'reject') || !gate) return c.html(errorPage(400, 'The form is incomplete (decision and gate).', v), 400);
    if (decision === 'reject' && !comment) return c.html(errorPage(400, 'A rejection needs a comment saying why.', v), 400);
    if (comment && comment.length > 2000) return c.html(errorPage(400, 'The comment is longer than 2000 characters.', v), 400);
    // The decision's one lookup (cli/client/requests.ts): the request of this gate on the workers'
    // task queue, checked here and then sent the decision as found.
    let request: OpenRequest | undefined;
    try {
      [request] = await openRequests(o.client, spec.id, { gate, taskQueue: o.taskQueue });
    } catch (err) {
      if (err instanceof UpkeepError) return c.html(errorPage(409, err.message, v), 409);
      throw err;
    }
    if (!request) return c.html(errorPage(409, `No ${gate} request of ${spec.id} is waiting for a decision any more.`, v), 409);
    const open = request.gate;
    if (!open.approvers.includes(s.user)) {
      log(`web: refused a decision on ${spec.id} by ${s.user}, who is not an approver`);
      await refusal({
        modelId: spec.id,
        workflowId: request.handle.workflowId,
        gate,
        request: open.openedAt,
        decision,
        claimedBy: s.user,
        why: `${s.user} is not an approver of ${spec.id} (approvers: ${open.approvers.join(', ')}); refused by the web inbox before anything was sent`,
        comment,
      });
      return c.html(errorPage(403, `${s.user} is not an approver of ${spec.id}: only ${open.approvers.join(', ')} can decide.`, v), 403);
    }
    if (field('opened') !== open.openedAt)
      return c.html(errorPage(409, `The ${gate} request of ${spec.id} changed since the page was loaded: reload the inbox.`, v), 409);
    // Signed on the person's device (the page asked it for the challenge of exactly this decision), else by the server for them.
    const device = assertionFromForm(field);
    const pending = device ? challenges.takeDecision(s.id) : undefined;
    if (device && !pendingMatches(pending, { model: spec.id, gate, decision, comment, opened: open.openedAt, evidence: field('evidence') ?? '' }))
      return c.html(errorPage(409, 'Your device signed another decision than this form, or its challenge expired: decide again.', v), 409);
    try {
      // Signed over the evidence the page showed (its sha256 is in the form): format 2.
      const result = await sendDecision(
        request,
        spec.id,
        { decision, approver: s.user, comment, gate, evidence: field('evidence') ?? '' },
        (act, where) => {
          if (device && pending) {
            if (!sameWhere(where, pending.proof))
              throw new UpkeepError('InvalidRequest', `the ${gate} request of ${spec.id} changed since your device signed: decide again`);
            return { ...pending.proof, signature: device.signature, device: device.device };
          }
          return signDecision(
            act,
            { ...where, signer: o.signer.id, at: new Date(now()).toISOString(), nonce: newNonce((n) => randomBytes(n)) },
            o.signer.secretKey,
          );
        },
        refusal,
      );
      // Say what the workflow kept, as verify-decision will read it: a gate opened while the model
      // had no keys takes the decision unsigned (it drops the signature it cannot check).
      const keptProof = [...(result.gate.approvals ?? []), ...(result.gate.decision ? [result.gate.decision] : [])].find((d) => d.approver === s.user)?.proof;
      const kept = keptProof && (keptProof.device ? `${keptProof.signer}'s device` : keptProof.signer);
      const how = kept ? `signed by ${kept}` : `recorded unsigned: the request opened ${open.openedAt}, before keys applied to ${spec.id}`;
      log(`web: ${s.user} ${decision === 'approve' ? 'approved' : 'rejected'} the ${gate} request of ${spec.id} (${how})`);
      s.flash = `${decision === 'approve' ? 'Approved' : 'Rejected'} the ${result.gate.gate} request of ${spec.id}: the gate is ${result.gate.state}${kept ? '' : `; the decision was ${how}`}.`;
      return c.redirect('/inbox', 303);
    } catch (err) {
      if (err instanceof UpkeepError) return c.html(errorPage(409, err.message, v), 409);
      throw err;
    }
  });

  app.notFound((c) => c.html(errorPage(404, 'No such page.'), 404));
  app.onError((err, c) => {
    log(`web: ${c.req.method} ${c.req.path} failed: ${err.message}`);
    return c.html(errorPage(500, 'Something went wrong; the server log says what.'), 500);
  });
  return { app, sessions };
}
