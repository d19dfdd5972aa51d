/**
 * Who owned a model at an instant (docs/governance.md#handover). Two kinds of record say who the
 * owner is, and the newest one before the instant wins:
 * - the config: `owner:` of the model's spec, as the trail's entries cite it (a change of owner
 *   takes effect at the first entry that cites the new spec);
 * - an accepted handover: a `handover-accepted` entry, signed by the new owner, that the entry's own
 *   keys verify (an entry that does not verify is ignored and reported).
 * A config left naming the previous owner after a handover does not undo it: only a config whose
 * owner changed after the handover does. Pure: the caller reads the chain and the cited specs.
 */
import type { AuditEntry } from '../../domain/maintenance.js';
import { storedDecisionProblem, type DecisionKeys, type DecisionProof } from '../../domain/signature.js';
import type { ArtifactStore } from '../store/store.js';
import { specKey } from '../store/keys.js';
import type { ChainedEntry } from './chain.js';

/** The people a stored spec names (the spec has many more fields). */
export interface SpecPeople {
  owner: string;
  approvers: string[];
  escalation: string[];
}

export interface OwnerAt {
  /** The accountable owner at the instant; null when no entry before it says. */
  owner: string | null;
  /** What says so: the config's spec, or an accepted handover. */
  how: 'config' | 'handover' | 'unknown';
  /** Since when (the entry's time) and which entry. */
  since?: string;
  seq?: number;
  /** The config's owner at the instant, as the entries before it cite the spec (null: none cited yet). */
  configOwner: string | null;
  /** The accepted handover the owner comes from: who handed over, who signed, in which workflow. */
  handover?: { from: string | null; signer: string; workflowId?: string; requestedBy?: string; source?: string };
  /** A handover asked for and not yet accepted, rejected or expired at the instant: the owner above stays accountable. */
  pending?: { to: string[]; since: string; workflowId?: string; requestedBy?: string; source?: string };
  /** `handover-accepted` entries that do not verify (ignored), one line each. */
  problems: string[];
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const isKeys = (v: unknown): v is DecisionKeys =>
  typeof v === 'object' && v !== null && typeof (v as DecisionKeys).people === 'object' && typeof (v as DecisionKeys).authenticators === 'object';

/** The config sha256 an entry cites, if any (the spec in force from that entry on). */
export const citedSpec = (e: AuditEntry): string | undefined => {
  const c = e.details?.config as { sha256?: unknown } | undefined;
  return c && typeof c.sha256 === 'string' ? c.sha256 : undefined;
};

/** Why a `handover-accepted` entry does not prove the new owner accepted, or undefined when it does. */
export function acceptanceProblem(modelId: string, e: AuditEntry): string | undefined {
  const to = str(e.details?.to);
  const proof = e.details?.proof as DecisionProof | undefined;
  const keys = e.details?.keys;
  if (!to || e.actor !== to) return `entry ${e.id}: names no new owner (details.to and actor must agree)`;
  if (!proof) return `entry ${e.id}: the acceptance by ${to} is not signed`;
  if (!isKeys(keys)) return `entry ${e.id}: records no keys to check the acceptance's signature against`;
  const act = { gate: 'handover', decision: 'approve', approver: to, ...(e.comment ? { comment: e.comment } : {}) };
  const problem = storedDecisionProblem(modelId, { ...act, proof }, keys, e.workflowId);
  return problem ? `entry ${e.id}: ${problem.replace(`model ${modelId}: `, '')}` : undefined;
}

/** The owner at `at`: the newest owner statement (a change of the config's owner, or a verified handover) at or before it. */
export function ownerAt(modelId: string, chain: readonly ChainedEntry[], at: Date, specs: ReadonlyMap<string, Pick<SpecPeople, 'owner'>>): OwnerAt {
  const t = at.getTime();
  const out: OwnerAt = { owner: null, how: 'unknown', configOwner: null, problems: [] };
  /** Which handover gate is pending: its workflow run. */
  let pendingRun: string | undefined;
  for (const { seq, entry: e } of chain) {
    if (Date.parse(e.at) > t) continue;
    const sha = citedSpec(e);
    const spec = sha ? specs.get(sha) : undefined;
    if (spec && spec.owner !== out.configOwner) {
      // The config names a new owner (or the first one): from this entry on, it is the owner.
      out.configOwner = spec.owner;
      out.owner = spec.owner;
      out.how = 'config';
      out.since = e.at;
      out.seq = seq;
      delete out.handover;
    }
    const run = `${e.workflowId ?? ''}/${e.runId ?? ''}`;
    switch (e.kind) {
      case 'handover-requested':
        out.pending = {
          to: strings(e.details?.to),
          since: e.at,
          ...opt({ workflowId: e.workflowId, requestedBy: e.actor, source: str(e.details?.source) }),
        };
        pendingRun = run;
        break;
      case 'decision':
      case 'expired':
        // A rejection or an expiry ends the request and changes nothing.
        if (str(e.details?.gate) === 'handover' && pendingRun === run && !(e.kind === 'decision' && str(e.details?.decision) === 'approve')) {
          delete out.pending;
          pendingRun = undefined;
        }
        break;
      case 'handover-accepted': {
        if (pendingRun === run) {
          delete out.pending;
          pendingRun = undefined;
        }
        const problem = acceptanceProblem(modelId, e);
        if (problem) {
          out.problems.push(problem);
          break;
        }
        const from = out.owner;
        out.owner = str(e.details?.to)!;
        out.how = 'handover';
        out.since = e.at;
        out.seq = seq;
        out.handover = {
          from,
          signer: (e.details!.proof as DecisionProof).signer,
          ...opt({ workflowId: e.workflowId, requestedBy: str(e.details?.requestedBy), source: str(e.details?.source) }),
        };
        break;
      }
      default:
        break;
    }
  }
  return out;
}

/**
 * Whether the config agrees with the trail's owner (what `upkeep check` and status tell): `stale`
 * when a handover was accepted and the config still names the owner before it (set owner: to the
 * new one); a note when the config names a third person, not yet recorded; undefined when they agree.
 */
export function configOwnerLag(o: OwnerAt, configOwner: string): { stale: boolean; text: string } | undefined {
  if (o.how !== 'handover' || !o.owner || o.owner === configOwner) return undefined;
  if (o.handover?.from === configOwner || o.configOwner === configOwner)
    return {
      stale: true,
      text: `${o.owner} accepted the handover at ${o.since} (signed by ${o.handover?.signer ?? '?'}), but the config still says owner: ${configOwner}: set owner: ${o.owner}`,
    };
  return {
    stale: false,
    text: `the config says owner: ${configOwner}, while the trail's owner is ${o.owner} (accepted the handover at ${o.since}); ${configOwner} becomes the owner when the config is next recorded (schedules sync)`,
  };
}

/** The people of every spec the chain cites, read from the store (a spec missing from it is left out). */
export async function readCitedSpecs(store: ArtifactStore, modelId: string, chain: readonly ChainedEntry[]): Promise<Map<string, SpecPeople>> {
  const specs = new Map<string, SpecPeople>();
  for (const sha of new Set(chain.map((c) => citedSpec(c.entry)).filter((s): s is string => s !== undefined))) {
    const bytes = await store.tryGet(specKey(modelId, sha));
    if (!bytes) continue;
    const spec = JSON.parse(new TextDecoder().decode(bytes)) as {
      owner: string;
      approvers?: (string | { id: string })[];
      approval?: { escalation?: string[] };
    };
    specs.set(sha, {
      owner: spec.owner,
      approvers: (spec.approvers ?? []).map((a) => (typeof a === 'string' ? a : a.id)),
      escalation: spec.approval?.escalation ?? [],
    });
  }
  return specs;
}

function opt<T extends Record<string, unknown>>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}

/** A model's maintenance entries (engine/audit/read.ts) numbered as the trail lists them, for ownerAt (their links are not needed). */
export const trailAsChain = (trail: readonly AuditEntry[]): ChainedEntry[] => trail.map((entry, i) => ({ seq: i + 1, entry, uri: '' }));

/** The owner at `at` as `chain` says, with the specs it cites read from the store. */
export async function readOwnerAt(store: ArtifactStore, modelId: string, chain: readonly ChainedEntry[], at: Date): Promise<OwnerAt> {
  return ownerAt(modelId, chain, at, await readCitedSpecs(store, modelId, chain));
}
