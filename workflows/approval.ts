/**
 * The approval gate, used for "retrain?", "promote?", "rollback?" and "handover?" (always signed). Decisions arrive through the
 * `decide` Update; its validator refuses a bad request before it touches state (a malformed or
 * oversized argument, an unlisted approver, a rejection without a comment, a gate that is not open
 * or already decided, and, when the model has keys, a missing, forged or replayed signature). While a
 * gate waits it reminds, escalates and finally expires. Nothing is ever approved automatically:
 * rejection and expiry are results, not exceptions.
 */
import { ApplicationFailure, condition, setHandler } from '@temporalio/workflow';
import { decideUpdate, refreshApproversUpdate } from './definitions.js';
import { durationMs } from '../domain/duration.js';
import { decisionInputProblem } from '../domain/inputs.js';
import { keysApply, proofProblem, signaturesRequired, type DecisionKeys } from '../domain/signature.js';
import { assertionCounter } from '../domain/webauthn.js';
import { approvalProblem, type ApprovalRule } from '../domain/governance.js';
import { answersProblem } from '../domain/review.js';
import type { Decision, DecisionInput, GateName, GateStatus, NotificationKind } from '../domain/maintenance.js';

export interface GateTiming {
  reminder_every: string;
  escalate_after: string;
  expire_after: string;
}

export interface GateRequest {
  gate: GateName;
  /** Who may decide (the model's owner and approvers). */
  approvers: string[];
  /** Who is asked (and reminded). */
  notify: string[];
  /** Told on escalation, besides those asked. */
  escalation: string[];
  timing: GateTiming;
  /** Public keys from the config; when they apply, every decision must be signed. */
  keys?: DecisionKeys;
  /** An approval needs a comment, and why (shown with the request; the validator names it). */
  commentRequired?: string;
  /** The candidate decided on and the stored evidence shown: signatures must cover both. */
  candidate?: string;
  evidence?: { uri: string; sha256: string };
  /** The risk tier's rule (a promote gate): approvals are counted until it is met, and it may bar the owner and the requester. */
  rule?: ApprovalRule;
  /** A review gate: an approval (the attestation) answers each question on a numbered line of its comment. */
  questions?: string[];
}

/** What a signature is checked against: the request's workflow, the workflow's time, the keys. */
export interface DecisionAuth {
  workflowId: string;
  now: number;
  keys?: DecisionKeys | undefined;
  usedNonces?: ReadonlySet<string>;
  /** The highest sign counter seen per device credential in this workflow. */
  deviceCounters?: ReadonlyMap<string, number>;
}

/** What the gate reports while it runs; the workflow turns these into notifications and audit entries. */
export interface GateEvent {
  kind: Extract<NotificationKind, 'approval-requested' | 'reminder' | 'escalation' | 'expired' | 'decision'>;
  gate: GateStatus;
  to: string[];
  /** The public keys the gate checks signatures against (on `approval-requested`): the audit trail records them as the keys in force. */
  keys?: DecisionKeys;
  /** On `decision`: the decision told (an approval while more are needed; else the gate's decision). */
  decision?: Decision;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const copy = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

function refuse(message: string): never {
  throw ApplicationFailure.create({ type: 'InvalidRequest', message, nonRetryable: true });
}

/** Throws (refusing the Update) when `input` may not decide `open`. */
export function validateDecision(modelId: string, open: GateStatus | undefined, input: DecisionInput, auth: DecisionAuth): void {
  if (!input || typeof input !== 'object') refuse('a decision needs gate, decision and approver');
  const shape = decisionInputProblem(input);
  if (shape) refuse(`model ${modelId}: ${shape}`);
  if (!open) return refuse(`model ${modelId}: no request is waiting for a decision`);
  if (input.gate !== open.gate) refuse(`model ${modelId}: the open request is "${open.gate}", not "${input.gate}"`);
  if (open.decision)
    refuse(`model ${modelId}: the ${open.gate} request was already decided (${open.decision.decision} by ${open.decision.approver} at ${open.decision.at})`);
  if (open.state !== 'waiting') refuse(`model ${modelId}: the ${open.gate} request is ${open.state}`);
  // Past its expiry by workflow time, a request takes no decision, even one that reaches the
  // workflow before the expiry timer is handled (a worker that was down when it expired).
  if (auth.now >= Date.parse(open.expiresAt)) refuse(`model ${modelId}: the ${open.gate} request expired at ${open.expiresAt}`);
  if (typeof input.approver !== 'string' || !open.approvers.includes(input.approver)) {
    refuse(`model ${modelId}: ${JSON.stringify(input.approver)} is not an approver of this model (approvers: ${open.approvers.join(', ')})`);
  }
  // Separation of duties: the tier may bar the owner and the requester, and counts different people.
  if (input.decision === 'approve' && open.rule) {
    const barred = approvalProblem(
      open.rule,
      input.approver,
      (open.approvals ?? []).map((a) => a.approver),
    );
    if (barred) refuse(`model ${modelId}: ${barred}`);
  }
  if (input.decision === 'reject' && !(typeof input.comment === 'string' && input.comment.trim())) {
    refuse(`model ${modelId}: a rejection needs a comment saying why`);
  }
  if (input.decision === 'approve' && open.commentRequired && !(typeof input.comment === 'string' && input.comment.trim())) {
    refuse(`model ${modelId}: approving this ${open.gate} request needs a comment saying why, because ${open.commentRequired}`);
  }
  // A handover binds a person to a model: taken only with their signature, whatever the model's keys.
  if (open.gate === 'handover' && !keysApply(auth.keys, [input.approver]))
    refuse(
      `model ${modelId}: a handover is accepted or declined only with a signed decision, and no public key is configured for ${input.approver} (upkeep keys create --id ${input.approver}; the platform team adds it to the keys file)`,
    );
  if (input.decision === 'approve' && open.questions) {
    const unanswered = answersProblem(open.questions, input.comment);
    if (unanswered) refuse(`model ${modelId}: ${unanswered}`);
  }
  const problem = proofProblem(input, input.proof, {
    model: modelId,
    workflow: auth.workflowId,
    request: open.openedAt,
    now: auth.now,
    keys: auth.keys,
    deciders: open.approvers,
    ...(auth.usedNonces ? { usedNonces: auth.usedNonces } : {}),
    ...(auth.deviceCounters ? { deviceCounters: auth.deviceCounters } : {}),
    // A gate that stored its evidence takes only signatures over it and its candidate (format 2).
    ...(open.evidence ? { shown: { candidate: open.candidate ?? '', evidence: open.evidence.sha256 } } : {}),
  });
  if (problem) refuse(problem);
}

/** Who may decide on the model now, and their keys: read from the worker's config by an activity. */
export interface CurrentDeciders {
  approvers: string[];
  keys?: DecisionKeys | undefined;
}

/** How an open gate reads its deciders again (`refreshApprovers`), and what it reports when they changed. */
export interface ApproverRefresh {
  load: () => Promise<CurrentDeciders>;
  onChange: (gate: GateStatus, change: string) => void;
}

/** What changed between two sets of deciders, in one line; undefined when nothing did. */
export function deciderChange(before: { approvers: readonly string[]; keys: DecisionKeys | undefined }, after: CurrentDeciders): string | undefined {
  const parts: string[] = [];
  const added = after.approvers.filter((a) => !before.approvers.includes(a));
  const removed = before.approvers.filter((a) => !after.approvers.includes(a));
  if (added.length) parts.push(`approvers added: ${added.join(', ')}`);
  if (removed.length) parts.push(`approvers removed: ${removed.join(', ')}`);
  for (const kind of ['people', 'authenticators'] as const) {
    const was = before.keys?.[kind] ?? {};
    const now = after.keys?.[kind] ?? {};
    const changed = [...new Set([...Object.keys(was), ...Object.keys(now)])].filter((id) => was[id] !== now[id]).sort();
    const what = kind === 'people' ? 'keys' : 'authenticator keys';
    if (changed.length)
      parts.push(`${what} changed for ${changed.map((id) => `${id} (${!was[id] ? 'added' : !now[id] ? 'removed' : 'replaced'})`).join(', ')}`);
  }
  return parts.length ? parts.join('; ') : undefined;
}

/**
 * Registers the `decide` Update handler (call once, at the start of the workflow) and returns
 * `request`, which opens a gate and resolves when it is approved, rejected or expired. With
 * `refresh`, also the `refreshApprovers` Update: the open gate reads its approvers and keys again.
 */
export function createApprovals(modelId: string, workflowId: string, onEvent: (e: GateEvent) => void, refresh?: ApproverRefresh) {
  const gates: GateStatus[] = [];
  let open: GateStatus | undefined;
  let keys: DecisionKeys | undefined;
  const usedNonces = new Set<string>();
  // Sign counters of device (WebAuthn) signatures taken: a counting device must show a higher one each time.
  const deviceCounters = new Map<string, number>();
  let refreshing = false;

  if (refresh) {
    setHandler(
      refreshApproversUpdate,
      async (): Promise<GateStatus> => {
        const gate = open!;
        refreshing = true;
        try {
          // What the worker's config says now; nothing the caller sends is taken.
          const now = await refresh.load();
          // Decided or closed while the config was read: nothing to change.
          if (open !== gate || gate.state !== 'waiting' || gate.decision) return copy(gate);
          const change = deciderChange({ approvers: gate.approvers, keys }, now);
          if (change) {
            gate.approvers = [...now.approvers];
            keys = now.keys;
            if (signaturesRequired(gate.gate, keys, gate.approvers)) gate.signaturesRequired = true;
            else delete gate.signaturesRequired;
            refresh.onChange(copy(gate), change);
          }
          return copy(gate);
        } finally {
          refreshing = false;
        }
      },
      {
        validator: () => {
          if (!open || open.state !== 'waiting' || open.decision) refuse(`model ${modelId}: no request is waiting for a decision`);
          if (refreshing) refuse(`model ${modelId}: the ${open.gate} request is reading its approvers already`);
        },
      },
    );
  }

  setHandler(
    decideUpdate,
    (input: DecisionInput): GateStatus => {
      const gate = open!;
      // A signature is kept only when it was verified (the model has keys).
      const proof = input.proof && gate.signaturesRequired ? { ...input.proof } : undefined;
      const decision: Decision = {
        gate: input.gate,
        decision: input.decision,
        approver: input.approver,
        at: iso(Date.now()),
        ...(input.comment ? { comment: input.comment } : {}),
        ...(proof ? { proof } : {}),
      };
      if (proof) usedNonces.add(proof.nonce);
      if (proof?.device) deviceCounters.set(proof.device.credential, assertionCounter(proof.device));
      // An approval while the tier needs more is kept and counted; the gate stays open.
      if (gate.rule && input.decision === 'approve' && (gate.approvals?.length ?? 0) + 1 < gate.rule.approvalsRequired) {
        (gate.approvals ??= []).push(decision);
        return copy(gate);
      }
      gate.decision = decision;
      gate.state = input.decision === 'approve' ? 'approved' : 'rejected';
      gate.closedAt = decision.at;
      return copy(gate);
    },
    { validator: (input: DecisionInput) => validateDecision(modelId, open, input, { workflowId, now: Date.now(), keys, usedNonces, deviceCounters }) },
  );

  const emit = (gate: GateStatus, kind: GateEvent['kind'], to: string[], decision?: Decision): void => {
    gate.notified.push({ kind, to, at: iso(Date.now()) });
    onEvent({
      kind,
      gate: copy(gate),
      to,
      ...(kind === 'approval-requested' ? { keys: copy(keys ?? { people: {}, authenticators: {} }) } : {}),
      ...(decision ? { decision: copy(decision) } : {}),
    });
  };

  return {
    gates,
    get open(): GateStatus | undefined {
      return open;
    },
    async request(req: GateRequest): Promise<GateStatus> {
      const start = Date.now();
      // At least a second apart, whatever the config says (durations are validated as positive).
      const reminderEvery = Math.max(1000, durationMs(req.timing.reminder_every));
      const escalateAt = start + durationMs(req.timing.escalate_after);
      const expireAt = start + durationMs(req.timing.expire_after);
      const gate: GateStatus = {
        gate: req.gate,
        state: 'waiting',
        openedAt: iso(start),
        expiresAt: iso(expireAt),
        approvers: [...req.approvers],
        notified: [],
        reminders: 0,
        escalated: false,
        ...(signaturesRequired(req.gate, req.keys, req.approvers) ? { signaturesRequired: true } : {}),
        ...(req.commentRequired ? { commentRequired: req.commentRequired } : {}),
        ...(req.candidate ? { candidate: req.candidate } : {}),
        ...(req.evidence ? { evidence: { ...req.evidence } } : {}),
        ...(req.rule ? { rule: { ...req.rule } } : {}),
        ...(req.questions ? { questions: [...req.questions] } : {}),
      };
      gates.push(gate);
      open = gate;
      keys = req.keys;
      emit(gate, 'approval-requested', req.notify);
      let nextReminder = start + reminderEvery;
      // Approvals counted while more are needed are told (and recorded) one by one, as they arrive.
      let told = 0;
      const tell = (): void => {
        for (; told < (gate.approvals?.length ?? 0); told++) emit(gate, 'decision', req.notify, gate.approvals![told]);
      };
      try {
        for (;;) {
          const wake = Math.min(nextReminder, gate.escalated ? Infinity : escalateAt, expireAt);
          const woke = await condition(() => gate.decision !== undefined || (gate.approvals?.length ?? 0) > told, Math.max(1, wake - Date.now()));
          tell();
          // A decision that arrived together with the timer still counts.
          if (gate.decision) break;
          if (woke) continue;
          const now = Date.now();
          if (now >= expireAt) {
            gate.state = 'expired';
            gate.closedAt = iso(now);
            emit(gate, 'expired', [...new Set([...req.notify, ...req.escalation])]);
            break;
          }
          let escalatedNow = false;
          if (!gate.escalated && now >= escalateAt) {
            gate.escalated = escalatedNow = true;
            emit(gate, 'escalation', [...new Set([...req.escalation, ...req.notify])]);
          }
          if (now >= nextReminder) {
            // The escalation already told everyone; a reminder due at the same moment is skipped.
            if (!escalatedNow) {
              gate.reminders++;
              emit(gate, 'reminder', req.notify);
            }
            while (nextReminder <= now) nextReminder += reminderEvery;
          }
        }
        if (gate.decision) emit(gate, 'decision', req.notify);
        return copy(gate);
      } finally {
        open = undefined;
      }
    },
  };
}
