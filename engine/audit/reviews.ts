/**
 * Periodic reviews read from the audit trail (docs/governance.md#periodic-reviews): where each
 * model stands (last attested review, due date, overdue), the reviews recorded (for the card), and
 * the evidence a review cites, counted from the verified chain since the last review and stored
 * content-addressed so that the request carries its reference, not the data.
 */
import type { ModelSpec, UpkeepConfig } from '../../domain/config.js';
import type { AuditEntry } from '../../domain/maintenance.js';
import { reviewPolicy, reviewStanding, type ReviewEvidenceSummary, type ReviewPolicy, type ReviewStanding } from '../../domain/review.js';
import { storeEvidence } from '../registry/retrain-records.js';
import type { ArtifactStore } from '../store/store.js';
import { verifyChain } from './chain.js';

/** One review as the trail records it (a `reviewed` entry). */
export interface RecordedReview {
  at: string;
  outcome: 'fit' | 'not-fit' | 'expired';
  by?: string;
  signer?: string;
  /** Question and answer, in order. */
  answers: { question: string; answer: string | null }[];
  comment?: string;
  evidence?: { uri: string; sha256: string };
}

/** A model's reviews: its policy, where it stands now, and every review recorded (oldest first). */
export interface ModelReviews {
  modelId: string;
  policy: ReviewPolicy;
  standing: ReviewStanding;
  reviews: RecordedReview[];
  /** The chain did not verify: what is shown was read from a damaged trail. */
  chainProblems: number;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function recorded(e: AuditEntry): RecordedReview | undefined {
  if (e.kind !== 'reviewed') return undefined;
  const d = e.details ?? {};
  const outcome = d.outcome === 'fit' || d.outcome === 'not-fit' || d.outcome === 'expired' ? d.outcome : undefined;
  if (!outcome) return undefined;
  const answers = Array.isArray(d.answers)
    ? d.answers.flatMap((a: unknown) =>
        a && typeof a === 'object' && typeof (a as { question?: unknown }).question === 'string'
          ? [{ question: (a as { question: string }).question, answer: str((a as { answer?: unknown }).answer) ?? null }]
          : [],
      )
    : [];
  const ev = d.evidence as { uri?: unknown; sha256?: unknown } | undefined;
  return {
    at: e.at,
    outcome,
    ...(e.actor ? { by: e.actor } : {}),
    ...(str(d.signer) ? { signer: str(d.signer)! } : {}),
    answers,
    ...(e.comment ? { comment: e.comment } : {}),
    ...(ev && typeof ev.uri === 'string' && typeof ev.sha256 === 'string' ? { evidence: { uri: ev.uri, sha256: ev.sha256 } } : {}),
  };
}

/** The reviews of a model whose config asks for them (undefined otherwise), read from its verified chain. */
export async function modelReviews(store: ArtifactStore, spec: ModelSpec, now: string): Promise<ModelReviews | undefined> {
  if (!spec.review) return undefined;
  const chain = await verifyChain(store, spec.id);
  return reviewsOf(
    spec,
    chain.entries.map((c) => c.entry),
    chain.problems.length,
    now,
  );
}

/** The same from entries already read (and verified). */
export function reviewsOf(spec: ModelSpec, entries: readonly AuditEntry[], chainProblems: number, now: string): ModelReviews | undefined {
  const policy = reviewPolicy(spec.review, spec.tier?.review_every);
  if (!policy) return undefined;
  const reviews = entries.flatMap((e) => recorded(e) ?? []);
  const lastFit = reviews.filter((r) => r.outcome !== 'expired').at(-1);
  // A model never reviewed is due one period after its trail began (its first schedule or config entry).
  const bornAt = entries.reduce<string | undefined>((min, e) => (min === undefined || e.at < min ? e.at : min), undefined) ?? now;
  return {
    modelId: spec.id,
    policy,
    standing: reviewStanding({ lastReviewAt: lastFit?.at, bornAt, every: policy.every, now }),
    reviews,
    chainProblems,
  };
}

/** Every model of the config whose review is due at `now` (the review sweep starts one request each). */
export async function reviewsDue(store: ArtifactStore, config: Pick<UpkeepConfig, 'models'>, now: string): Promise<{ modelId: string; dueAt: string }[]> {
  const out: { modelId: string; dueAt: string }[] = [];
  for (const m of config.models) {
    const r = await modelReviews(store, m, now);
    if (r?.standing.overdue) out.push({ modelId: m.id, dueAt: r.standing.dueAt });
  }
  return out;
}

/** Counts what the trail holds between `since` and `until` (entries of the verified chain). */
export function countEvidence(entries: readonly AuditEntry[], since: string, until: string): ReviewEvidenceSummary {
  const s: ReviewEvidenceSummary = {
    since,
    until,
    evaluations: {},
    drift: 0,
    incidentsOpened: 0,
    incidentsClosed: 0,
    decisions: 0,
    promotions: 0,
    rollbacks: 0,
    watchdogFindings: 0,
  };
  for (const e of entries) {
    if (e.at < since || e.at > until) continue;
    const d = e.details ?? {};
    if (e.kind === 'evaluation' && typeof d.verdict === 'string') {
      s.evaluations[d.verdict] = (s.evaluations[d.verdict] ?? 0) + 1;
      if (Array.isArray(d.reasons) && d.reasons.some((r) => typeof r === 'string' && /drift/i.test(r))) s.drift++;
    } else if (e.kind === 'incident-opened') s.incidentsOpened++;
    else if (e.kind === 'incident-closed') s.incidentsClosed++;
    else if (e.kind === 'decision') s.decisions++;
    else if (e.kind === 'promoted') s.promotions++;
    else if (e.kind === 'rolled-back') s.rollbacks++;
    else if (e.kind === 'watchdog' && d.state === 'open') s.watchdogFindings++;
  }
  return s;
}

/** What a review request shows: its evidence stored (content-addressed, write-once) and its summary. */
export interface ReviewRequestFacts {
  standing: ReviewStanding;
  policy: ReviewPolicy;
  evidence: { uri: string; sha256: string };
  summary: ReviewEvidenceSummary;
  /** The chain's problems when it did not verify (the evidence says so too). */
  chainProblems: string[];
}

/**
 * The facts of a review request for `spec` at `now`, or undefined when none is due (or the model
 * asks for no reviews). The evidence since the last review is counted from the verified chain and
 * stored; the workflow passes its reference and summary, never the entries.
 */
export async function reviewRequestFacts(store: ArtifactStore, spec: ModelSpec, now: string): Promise<ReviewRequestFacts | undefined> {
  if (!spec.review) return undefined;
  const chain = await verifyChain(store, spec.id);
  const entries = chain.entries.map((c) => c.entry);
  const r = reviewsOf(spec, entries, chain.problems.length, now);
  if (!r?.standing.overdue) return undefined;
  const policy = r.policy;
  const summary = countEvidence(entries, r.standing.since, now);
  const evidence = await storeEvidence(store, spec.id, {
    kind: 'review',
    model: spec.id,
    intendedUse: spec.intended_use ?? null,
    questions: policy.questions,
    standing: r.standing,
    summary,
    chain: { ok: chain.ok, links: chain.links, head: chain.headSha256, problems: chain.problems },
    // The entries counted, by id: what an auditor reads back from the trail.
    cited: entries.filter((e) => e.at >= r.standing.since && e.at <= now && e.kind !== 'notified').map((e) => ({ id: e.id, at: e.at, kind: e.kind })),
  });
  return { standing: r.standing, policy, evidence, summary, chainProblems: chain.problems };
}
