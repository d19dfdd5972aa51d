/**
 * Shape, type and size checks of what reaches a workflow from outside: Update and signal
 * arguments and workflow inputs. Each returns a one-line problem, or undefined when the value is
 * fine. Pure and deterministic: used inside the workflow sandbox and by the CLI.
 */
import type { DecisionProof } from './signature.js';
import { GATE_NAMES } from './requests.js';

export const LIMITS = {
  /** Ids: people, signers, models, versions, workflow ids. */
  id: 200,
  /** Comments and reasons. */
  text: 4000,
  /** An ISO 8601 time. */
  time: 40,
  /** A signature's hex digits (64 bytes). */
  signature: 128,
  nonce: 64,
  /** A device's DER ECDSA P-256 signature (at most 72 bytes), hex. */
  deviceSignature: 144,
  /** A sha256 in hex. */
  sha256: 64,
  /** Everything else about one piece of evidence (verdict reasons, metrics), as JSON. */
  evidenceJson: 64 * 1024,
  metrics: 200,
} as const;

/** A model id as the config allows it; also the name of its folders in the store (no "/", no ".." ). */
export const MODEL_ID_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;

type Problem = string | undefined;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function str(obj: Record<string, unknown>, key: string, max: number, required: boolean): Problem {
  const v = obj[key];
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'string') return `${key} must be a string${v === undefined ? '' : `, not ${v === null ? 'null' : typeof v}`}`;
  if (required && v.trim() === '') return `${key} must not be empty`;
  if (v.length > max) return `${key} is ${v.length} characters; at most ${max}`;
  return undefined;
}

function onlyKeys(obj: Record<string, unknown>, allowed: readonly string[]): Problem {
  const extra = Object.keys(obj).filter((k) => !allowed.includes(k));
  return extra.length > 0
    ? `unknown field${extra.length > 1 ? 's' : ''} ${extra
        .slice(0, 5)
        .map((k) => JSON.stringify(k.slice(0, 40)))
        .join(', ')}`
    : undefined;
}

const first = (...problems: (() => Problem)[]): Problem => {
  for (const p of problems) {
    const found = p();
    if (found) return found;
  }
  return undefined;
};

export function proofProblemShape(proof: unknown): Problem {
  if (proof === undefined) return undefined;
  if (!isObject(proof)) return 'proof must be an object';
  const p = proof as Record<keyof DecisionProof, unknown>;
  return first(
    () => onlyKeys(p, ['model', 'workflow', 'request', 'signer', 'at', 'nonce', 'signature', 'candidate', 'evidence', 'device']),
    () => str(p, 'model', LIMITS.id, true),
    () => str(p, 'workflow', LIMITS.id, true),
    () => str(p, 'request', LIMITS.id, true),
    () => str(p, 'signer', LIMITS.id, true),
    () => str(p, 'at', LIMITS.time, true),
    () => str(p, 'nonce', LIMITS.nonce, true),
    // A device's DER ECDSA signature is up to 72 bytes; an Ed25519 one is 64.
    () => str(p, 'signature', p.device === undefined ? LIMITS.signature : LIMITS.deviceSignature, true),
    // Format 2 (upkeep-decision-2): "" when the gate has no candidate or evidence.
    () => str(p, 'candidate', LIMITS.id, false),
    () => str(p, 'evidence', LIMITS.sha256, false),
    () => deviceShapeProblem(p.device),
  );
}

/** What a device (WebAuthn) sends, in base64url characters at most. */
const DEVICE_LIMITS = { credential: 1366, authenticatorData: 1400, clientDataJSON: 2800 } as const;

/** A device assertion (WebAuthn): three base64url strings of bounded length. */
function deviceShapeProblem(device: unknown): Problem {
  if (device === undefined) return undefined;
  if (!isObject(device)) return 'proof.device must be an object';
  return first(
    () => onlyKeys(device, ['credential', 'authenticatorData', 'clientDataJSON']),
    () => str(device, 'credential', DEVICE_LIMITS.credential, true),
    () => str(device, 'authenticatorData', DEVICE_LIMITS.authenticatorData, true),
    () => str(device, 'clientDataJSON', DEVICE_LIMITS.clientDataJSON, true),
  );
}

/** The `decide` Update's argument. */
export function decisionInputProblem(input: unknown): Problem {
  if (!isObject(input)) return 'a decision needs gate, decision and approver';
  return first(
    () => onlyKeys(input, ['gate', 'decision', 'approver', 'comment', 'proof']),
    () =>
      (GATE_NAMES as readonly unknown[]).includes(input.gate)
        ? undefined
        : `gate must be ${GATE_NAMES.slice(0, -1).join(', ')} or ${GATE_NAMES.at(-1)}, not ${JSON.stringify(input.gate)?.slice(0, 60)}`,
    () =>
      input.decision === 'approve' || input.decision === 'reject'
        ? undefined
        : `decision must be approve or reject, not ${JSON.stringify(input.decision)?.slice(0, 60)}`,
    () => str(input, 'approver', LIMITS.id, true),
    () => str(input, 'comment', LIMITS.text, false),
    () => proofProblemShape(input.proof),
  );
}

/** The `attachEvidence` signal's argument (and a retrain workflow's first evidence). */
/** How far past `now` an evidence's window end may be (clocks differ a little, never by days). */
export const WINDOW_END_SKEW_MS = 60 * 60_000;

/**
 * `now` (the workflow's time) bounds the window end: evidence chooses the retrain's windows, so a
 * time that is not a time, or one in the future, would break or empty a request already approved.
 */
export function evidenceProblem(e: unknown, now?: number): Problem {
  if (!isObject(e)) return `evidence must be an object, not ${e === null ? 'null' : Array.isArray(e) ? 'an array' : typeof e}`;
  return first(
    () => onlyKeys(e, ['source', 'at', 'reason', 'requestedBy', 'workflowId', 'runId', 'windowEnd', 'version', 'verdict', 'metrics', 'reportUri']),
    () =>
      e.source === 'evaluation' || e.source === 'manual' ? undefined : `source must be evaluation or manual, not ${JSON.stringify(e.source)?.slice(0, 60)}`,
    () => str(e, 'at', LIMITS.time, true),
    () => (Number.isFinite(Date.parse(e.at as string)) ? undefined : 'at must be an ISO 8601 time'),
    () => str(e, 'reason', LIMITS.text, true),
    () => str(e, 'requestedBy', LIMITS.id, false),
    () => str(e, 'workflowId', LIMITS.id, false),
    () => str(e, 'runId', LIMITS.id, false),
    () => str(e, 'windowEnd', LIMITS.time, false),
    () => {
      if (e.windowEnd === undefined) return undefined;
      const t = Date.parse(e.windowEnd as string);
      if (!Number.isFinite(t)) return 'windowEnd must be an ISO 8601 time';
      return now !== undefined && t > now + WINDOW_END_SKEW_MS ? `windowEnd ${e.windowEnd as string} is in the future` : undefined;
    },
    () => str(e, 'version', LIMITS.id, false),
    () => str(e, 'reportUri', LIMITS.text, false),
    () => {
      if (e.verdict === undefined) return undefined;
      const v = e.verdict;
      if (!isObject(v) || typeof v.status !== 'string' || !Array.isArray(v.reasons) || !v.reasons.every((r) => typeof r === 'string'))
        return 'verdict must be { status, reasons: string[] }';
      return undefined;
    },
    () => {
      if (e.metrics === undefined) return undefined;
      if (!isObject(e.metrics)) return 'metrics must be an object of numbers';
      const entries = Object.entries(e.metrics);
      if (entries.length > LIMITS.metrics) return `metrics has ${entries.length} entries; at most ${LIMITS.metrics}`;
      return entries.every(([, v]) => v === null || typeof v === 'number') ? undefined : 'metrics must be numbers (or null)';
    },
    () => (JSON.stringify(e).length > LIMITS.evidenceJson ? `evidence is larger than ${LIMITS.evidenceJson} bytes as JSON` : undefined),
  );
}

/** A rollback workflow's input. */
export function rollbackInputProblem(input: unknown): Problem {
  if (!isObject(input)) return 'a rollback needs modelId, reason and requestedBy';
  return first(
    () => onlyKeys(input, ['modelId', 'to', 'reason', 'requestedBy', 'emergency', 'proof']),
    () => str(input, 'modelId', LIMITS.id, true),
    () =>
      MODEL_ID_PATTERN.test(input.modelId as string)
        ? undefined
        : `modelId ${JSON.stringify(input.modelId).slice(0, 100)} is not a model id (lowercase letters, digits, ".", "_" or "-")`,
    () => str(input, 'to', LIMITS.id, false),
    () => str(input, 'reason', LIMITS.text, true),
    () => str(input, 'requestedBy', LIMITS.id, true),
    () => (input.emergency === undefined || typeof input.emergency === 'boolean' ? undefined : 'emergency must be true or false'),
    () => proofProblemShape(input.proof),
  );
}
