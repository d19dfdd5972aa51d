/**
 * Periodic reviews (docs/governance.md#periodic-reviews): every so often a model's owner (and the
 * reviewers its config names) attest, with a signed decision, that it is still fit for its stated
 * use, answering the model's questions and citing the evidence since the last review. Pure rules
 * shared by the config check, the review workflow (inside the sandbox), the watchdog, the card and
 * `upkeep status`: no I/O, no clock (`now` is always given).
 */
import { durationMs } from './duration.js';

/** Asked when the config names no questions. */
export const DEFAULT_REVIEW_QUESTIONS: readonly string[] = [
  'Is the model still used for its stated purpose (intended_use)?',
  'Are the conditions that justified its deployment still valid?',
  'Is the evidence since the last review acceptable (verdicts, drift, incidents, decisions)?',
];

/** A model's `review:` as loaded (every filled in from the risk tier when the model does not set it). */
export interface ReviewPolicy {
  every: string;
  questions: string[];
  /** Asked besides the owner; each is the owner or one of the model's approvers. */
  reviewers: string[];
  reminder_every: string;
  escalate_after: string;
  expire_after: string;
}

/** The review policy of a model: its `review:` section, its cadence defaulting to the risk tier's `review_every`. */
export function reviewPolicy(review: Partial<ReviewPolicy> | undefined, tierEvery: string | undefined): ReviewPolicy | undefined {
  if (!review) return undefined;
  return {
    every: review.every ?? tierEvery ?? '180d',
    questions: review.questions?.length ? [...review.questions] : [...DEFAULT_REVIEW_QUESTIONS],
    reviewers: [...(review.reviewers ?? [])],
    reminder_every: review.reminder_every ?? '7d',
    escalate_after: review.escalate_after ?? '14d',
    expire_after: review.expire_after ?? '30d',
  };
}

/** Why a model's `review:` cannot stand (refused at load), or undefined. */
export function reviewConfigProblem(
  model: { owner: string; approvers: readonly string[]; review?: Partial<ReviewPolicy> | undefined },
  tier: { name: string; review_every: string },
): string | undefined {
  const r = model.review;
  if (!r) return undefined;
  if (r.every !== undefined && durationMs(r.every) > durationMs(tier.review_every))
    return `review.every ${r.every} is longer than its ${tier.name} risk tier allows (governance.tiers.${tier.name}.review_every ${tier.review_every}): review it at least that often`;
  const people = new Set([model.owner, ...model.approvers]);
  const stranger = (r.reviewers ?? []).find((p) => !people.has(p));
  if (stranger !== undefined)
    return `review.reviewers: ${stranger} is neither the owner nor an approver of the model (add them to approvers, so their key applies)`;
  if (r.expire_after !== undefined && r.escalate_after !== undefined && durationMs(r.escalate_after) >= durationMs(r.expire_after))
    return `review.escalate_after ${r.escalate_after} must be shorter than review.expire_after ${r.expire_after}`;
  return undefined;
}

/** Who may attest a model's review: its owner and its reviewers, each once. */
export const reviewDeciders = (owner: string, policy: Pick<ReviewPolicy, 'reviewers'>): string[] => [...new Set([owner, ...policy.reviewers])];

/** Where a model stands on its reviews: since when it is unreviewed, when the next is due, whether it is overdue. */
export interface ReviewStanding {
  /** The last attested review (ISO 8601), if any. */
  lastReviewAt?: string;
  /** What the clock runs from: the last review, else the model's first audit entry. */
  since: string;
  dueAt: string;
  overdue: boolean;
  /** Whole days since `since`. */
  unreviewedDays: number;
}

const DAY_MS = 86_400_000;

/** The standing from the last review (or, without one, the first entry of the model's trail). */
export function reviewStanding(o: { lastReviewAt?: string | undefined; bornAt: string; every: string; now: string }): ReviewStanding {
  const since = o.lastReviewAt ?? o.bornAt;
  const due = Date.parse(since) + durationMs(o.every);
  const now = Date.parse(o.now);
  return {
    ...(o.lastReviewAt ? { lastReviewAt: o.lastReviewAt } : {}),
    since,
    dueAt: new Date(due).toISOString(),
    overdue: now >= due,
    unreviewedDays: Math.max(0, Math.floor((now - Date.parse(since)) / DAY_MS)),
  };
}

/** Overdue past the escalation: a watchdog finding (a review lapses like an overdue approval). */
export function reviewLapsedSince(standing: ReviewStanding, escalateAfter: string, now: string): string | undefined {
  const lapse = Date.parse(standing.dueAt) + durationMs(escalateAfter);
  return Date.parse(now) >= lapse ? new Date(lapse).toISOString() : undefined;
}

/** "unreviewed for 120 days (due 2026-03-01)" or "reviewed 12 days ago; next due 2026-…": one line for status, card and fleet page. */
export function describeStanding(s: ReviewStanding): string {
  const due = s.dueAt.slice(0, 10);
  if (s.overdue) return `unreviewed for ${s.unreviewedDays} day${s.unreviewedDays === 1 ? '' : 's'} (review due ${due})`;
  return s.lastReviewAt ? `reviewed ${s.lastReviewAt.slice(0, 10)}; next review due ${due}` : `first review due ${due}`;
}

/**
 * The answers to a review's questions, read from the decision's comment: one numbered line per
 * question ("1. …", "2) …"); a line without a number continues the answer before it. The comment
 * is what the signature covers, so the answers are signed with the attestation.
 */
export function parseAnswers(questions: readonly string[], comment: string | undefined): (string | undefined)[] {
  const answers: (string | undefined)[] = questions.map(() => undefined);
  let current = -1;
  for (const line of (comment ?? '').split(/\r?\n/)) {
    const m = /^\s*(\d{1,3})\s*[.):]\s*(.*)$/.exec(line);
    if (m) {
      const i = Number(m[1]) - 1;
      current = i >= 0 && i < questions.length ? i : -1;
      if (current >= 0) answers[current] = m[2]!.trim();
    } else if (current >= 0 && line.trim()) answers[current] = `${answers[current] ?? ''} ${line.trim()}`.trim();
  }
  return answers.map((a) => (a ? a : undefined));
}

/** Why an attestation's comment does not answer every question, or undefined. */
export function answersProblem(questions: readonly string[], comment: string | undefined): string | undefined {
  const answers = parseAnswers(questions, comment);
  const missing = answers.flatMap((a, i) => (a === undefined ? [i + 1] : []));
  if (!missing.length) return undefined;
  return `a review attests by answering each question on a numbered line of the comment ("1. …"); unanswered: ${missing.join(', ')} of ${questions.length}`;
}

/** The evidence a review cites: counted from the audit trail since the last review (stored, content-addressed). */
export interface ReviewEvidenceSummary {
  since: string;
  until: string;
  evaluations: Record<string, number>;
  /** Evaluations whose verdict named drift. */
  drift: number;
  incidentsOpened: number;
  incidentsClosed: number;
  decisions: number;
  promotions: number;
  rollbacks: number;
  watchdogFindings: number;
}

/** The evidence in one line: "14 evaluations (12 healthy, 2 degraded), drift in 3, 1 incident opened, …". */
export function describeEvidenceSummary(e: ReviewEvidenceSummary): string {
  const total = Object.values(e.evaluations).reduce((a, b) => a + b, 0);
  const by = Object.entries(e.evaluations)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  const n = (count: number, what: string): string => `${count} ${what}${count === 1 ? '' : 's'}`;
  return [
    `${n(total, 'evaluation')}${by ? ` (${by})` : ''}`,
    `drift named in ${e.drift}`,
    `${n(e.incidentsOpened, 'incident')} opened, ${e.incidentsClosed} closed`,
    `${n(e.decisions, 'decision')}`,
    `${n(e.promotions, 'promotion')}, ${n(e.rollbacks, 'rollback')}`,
    `${n(e.watchdogFindings, 'watchdog finding')}`,
  ].join('; ');
}
