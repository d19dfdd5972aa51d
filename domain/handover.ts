/**
 * Handover of a model's ownership (docs/governance.md#handover): the request as it is staged in the
 * store, and the shape checks the workflow applies to it. A handover is a gate ("handover") that only
 * the people it names may decide, always with a signature; once accepted, the trail's
 * `handover-accepted` entry names the new owner (engine/audit/owners.ts reads who owned the model
 * at any instant). Pure and deterministic: used by the workflow sandbox and by the CLI.
 */
import { LIMITS, MODEL_ID_PATTERN } from './inputs.js';

/** What opened the request: a person (`upkeep handover`), or the owner leaving the directory. */
export type HandoverSource = 'manual' | 'departure';

/** A handover request as staged in the store (content-addressed); the workflow takes only its reference. */
export interface HandoverRequest {
  modelId: string;
  /** Who may accept: the person named (manual), or the platform contacts (a departure). */
  to: string[];
  reason: string;
  /** Who asked: the person running `upkeep handover` (asserted by the command), or the command or watchdog that saw the departure. */
  requestedBy: string;
  source: HandoverSource;
  /** When it was staged (ISO 8601). */
  at: string;
  /** A departure: the person who left. */
  left?: string;
}

/** The reference a handover workflow is started with: nothing else is taken from whoever starts it. */
export interface StagedHandover {
  modelId: string;
  sha256: string;
}

/** How a handover request ended. */
export type HandoverOutcome = 'accepted' | 'rejected' | 'expired';

/** At most this many people may be asked to accept one request (the platform contacts of a departure). */
export const MAX_HANDOVER_CANDIDATES = 20;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown, max: number): boolean => typeof v === 'string' && v.trim() !== '' && v.length <= max && !/\p{Cc}/u.test(v);

/** The workflow's argument: `{ modelId, sha256 }` and nothing else; a problem in one line. */
export function stagedHandoverProblem(input: unknown): string | undefined {
  if (!isObject(input)) return 'a handover workflow takes { modelId, sha256 } of a request staged in the store';
  const extra = Object.keys(input).filter((k) => k !== 'modelId' && k !== 'sha256');
  if (extra.length > 0)
    return `a handover workflow takes only { modelId, sha256 } of a request staged in the store, not ${extra
      .slice(0, 3)
      .map((k) => JSON.stringify(k.slice(0, 40)))
      .join(', ')}`;
  if (typeof input.modelId !== 'string' || input.modelId.length > LIMITS.id || !MODEL_ID_PATTERN.test(input.modelId))
    return `modelId ${JSON.stringify(input.modelId)?.slice(0, 100)} is not a model id`;
  if (typeof input.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(input.sha256)) return 'sha256 must be 64 lowercase hex digits';
  return undefined;
}

/** A staged request's content (read back from the store): a problem in one line, or undefined. */
export function handoverRequestProblem(r: unknown): string | undefined {
  if (!isObject(r)) return 'a handover request must be an object';
  const allowed = ['modelId', 'to', 'reason', 'requestedBy', 'source', 'at', 'left'];
  const extra = Object.keys(r).filter((k) => !allowed.includes(k));
  if (extra.length > 0) return `unknown field ${JSON.stringify(extra[0]!.slice(0, 40))}`;
  if (typeof r.modelId !== 'string' || !MODEL_ID_PATTERN.test(r.modelId)) return 'modelId is not a model id';
  if (!Array.isArray(r.to) || r.to.length === 0) return 'to must name at least one person';
  if (r.to.length > MAX_HANDOVER_CANDIDATES) return `to names ${r.to.length} people; at most ${MAX_HANDOVER_CANDIDATES}`;
  if (!r.to.every((p) => text(p, LIMITS.id) && !/\s/.test(p as string))) return 'to must be people ids (no spaces, at most 200 characters)';
  if (new Set(r.to).size !== r.to.length) return 'to names someone twice';
  if (!text(r.reason, LIMITS.text)) return 'reason must be a non-empty line of at most 4000 characters';
  if (!text(r.requestedBy, LIMITS.id)) return 'requestedBy must be a person id';
  if (r.source !== 'manual' && r.source !== 'departure') return 'source must be manual or departure';
  if (typeof r.at !== 'string' || !Number.isFinite(Date.parse(r.at))) return 'at must be an ISO 8601 time';
  if (r.source === 'departure' && !text(r.left, LIMITS.id)) return 'a departure names the person who left';
  if (r.source === 'manual' && r.to.length !== 1) return 'a handover by hand names one new owner';
  return undefined;
}

/** One line for people: what the request asks. */
export function describeHandover(r: Pick<HandoverRequest, 'modelId' | 'to' | 'source' | 'left' | 'requestedBy' | 'reason'>, from: string | null): string {
  const owner = from ?? 'nobody known';
  if (r.source === 'departure')
    return `${r.left} left the directory; ${r.modelId} (owned by ${owner}) needs a new owner: one of ${r.to.join(', ')} accepts it (and may hand it on). ${r.reason}`;
  return `${r.requestedBy} asks ${r.to[0]} to take over ${r.modelId} from ${owner}: ${r.reason}`;
}
