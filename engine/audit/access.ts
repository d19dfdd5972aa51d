/**
 * What only the edges see, recorded where an auditor looks:
 * - a decision refused before it changed anything (a forged or unsigned decision, a post by
 *   someone who is not an approver): a `refused` entry in the model's audit chain, written by the
 *   CLI or the web inbox that got the refusal back (an Update's validator cannot run activities,
 *   so the workflow itself records nothing; a refusal sent straight to Temporal by someone else
 *   is in Temporal's history at most);
 * - the web inbox's sign-ins, failed sign-ins, sign-outs, ended sessions and refused posts:
 *   `web-access` entries in a chain of their own, `audit/_web/` (`upkeep audit _web`).
 * Never a token, a cookie, a CSRF token or a session id: sessions are named by a random reference.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { AuditEntry } from '../../domain/maintenance.js';
import type { ArtifactStore } from '../store/store.js';
import { appendEntry } from './chain.js';

/** The chain of the web inbox's access log (not a model id: those start with a letter or digit). */
export const WEB_TRAIL = '_web';

export interface RefusedDecision {
  modelId: string;
  workflowId: string;
  /** The gate (retrain, promote, rollback-request…) and its request (its opening time). */
  gate: string;
  request: string;
  decision: string;
  /** Who the decision claims to be from (signed or not: the refusal may be why). */
  claimedBy: string;
  /** The signer of the proof, when there was one. */
  signer?: string | undefined;
  nonce?: string | undefined;
  why: string;
  /** cli or web (with the signed-in person there). */
  via: 'cli' | 'web';
  /** The refusing side's clock (not the workflow's: the refusal carries no time). */
  at: Date;
  comment?: string | undefined;
}

export function refusedDecisionEntry(r: RefusedDecision): AuditEntry {
  // The same refusal recorded twice (a retried record) is one entry.
  const id = createHash('sha256')
    .update(JSON.stringify([r.modelId, r.workflowId, r.request, r.decision, r.claimedBy, r.signer ?? null, r.nonce ?? r.at.toISOString()]))
    .digest('hex')
    .slice(0, 32);
  const signed = r.signer ? `signed by ${r.signer}` : 'unsigned';
  return {
    id: `refused-${id}`,
    modelId: r.modelId,
    at: r.at.toISOString(),
    kind: 'refused',
    summary: `refused a decision to ${r.decision} the ${r.gate} request, claimed by ${r.claimedBy} (${signed}, sent from the ${r.via === 'web' ? 'web inbox' : 'CLI'}): ${r.why}`,
    actor: r.claimedBy,
    ...(r.comment ? { comment: r.comment } : {}),
    workflowId: r.workflowId,
    details: {
      gate: r.gate,
      request: r.request,
      decision: r.decision,
      via: r.via,
      ...(r.signer ? { signer: r.signer } : {}),
      ...(r.nonce ? { nonce: r.nonce } : {}),
      why: r.why,
    },
  };
}

/** Links a refusal into the model's audit chain. */
export async function recordRefusal(store: ArtifactStore, r: RefusedDecision): Promise<void> {
  await appendEntry(store, refusedDecisionEntry(r));
}

export type WebAccessEvent = 'sign-in' | 'sign-in-failed' | 'locked-out' | 'sign-out' | 'session-ended' | 'refused-post' | 'passkey-registered';

export interface WebAccess {
  event: WebAccessEvent;
  at: Date;
  /** The person, when known (never for a failed sign-in). */
  person?: string | undefined;
  /** The client's address (a proxy's, behind one). */
  client: string;
  /** The session's random reference (not its cookie). */
  session?: string | undefined;
  /** Why: a refused post's reason, an ended session's cause. */
  why?: string | undefined;
  /** The server's authenticator id: which inbox recorded it. */
  server: string;
}

/** One line an auditor reads: who, what, from where, why. */
function accessSummary(a: WebAccess): string {
  const why = a.why ? `: ${a.why}` : '';
  switch (a.event) {
    case 'sign-in':
      return `${a.person} signed in (${a.client})`;
    case 'sign-in-failed':
      return `failed sign-in from ${a.client}`;
    case 'locked-out':
      return `${a.client} locked out: too many failed sign-ins, none taken for the rest of the window`;
    case 'sign-out':
      return `${a.person} signed out (${a.client})`;
    case 'session-ended':
      return `ended the session of ${a.person} (${a.client})${why}`;
    case 'refused-post':
      return `refused a post of ${a.person ?? 'someone not signed in'} (${a.client})${why}`;
    case 'passkey-registered':
      return `${a.person} registered a device that signs their decisions (${a.client})${why}`;
  }
}

export function webAccessEntry(a: WebAccess): AuditEntry {
  return {
    id: `web-${randomUUID()}`,
    modelId: WEB_TRAIL,
    at: a.at.toISOString(),
    kind: 'web-access',
    summary: accessSummary(a),
    ...(a.person ? { actor: a.person } : {}),
    details: { event: a.event, client: a.client, server: a.server, ...(a.session ? { session: a.session } : {}), ...(a.why ? { why: a.why } : {}) },
  };
}

/** Links one web access event into the `_web` chain. */
export async function recordWebAccess(store: ArtifactStore, a: WebAccess): Promise<void> {
  await appendEntry(store, webAccessEntry(a));
}
