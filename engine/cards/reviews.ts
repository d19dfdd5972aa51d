/**
 * The card's "Periodic reviews" section (docs/governance.md#periodic-reviews): where the model
 * stands (reviewed when, next due, or unreviewed for how long), and each review recorded with its
 * answers, newest first. Built from the trail's `reviewed` entries (engine/audit/reviews.ts).
 */
import { markdownText as t } from '../../domain/escape.js';
import { describeStanding } from '../../domain/review.js';
import type { ModelReviews } from '../audit/reviews.js';

/** Most reviews shown on the card (newest first). */
export const MAX_REVIEWS = 8;

export interface CardReviews {
  every: string;
  questions: string[];
  reviewers: string[];
  /** One line: "unreviewed for 120 days (review due …)" or "reviewed …; next review due …". */
  standing: string;
  overdue: boolean;
  dueAt: string;
  /** Newest first, at most MAX_REVIEWS. */
  recorded: ModelReviews['reviews'];
}

export function buildCardReviews(r: ModelReviews): CardReviews {
  return {
    every: r.policy.every,
    questions: [...r.policy.questions],
    reviewers: [...r.policy.reviewers],
    standing: describeStanding(r.standing),
    overdue: r.standing.overdue,
    dueAt: r.standing.dueAt,
    recorded: [...r.reviews].reverse().slice(0, MAX_REVIEWS),
  };
}

export function renderCardReviews(reviews: CardReviews | undefined): string[] {
  if (!reviews) return [];
  const lines = [
    '## Periodic reviews',
    '',
    `Every ${t(reviews.every)}, the owner${reviews.reviewers.length ? ` or ${reviews.reviewers.map(t).join(', ')}` : ''} attests with a signed decision that the model is still fit for its stated use. ${reviews.overdue ? '**' : ''}${t(reviews.standing)}${reviews.overdue ? '**' : ''}.`,
    '',
  ];
  for (const r of reviews.recorded) {
    const verdict = r.outcome === 'fit' ? 'still fit for its stated use' : 'NOT fit for its stated use';
    lines.push(
      `- ${t(r.at.slice(0, 10))}: ${t(r.by ?? 'someone')} attested ${verdict}${r.signer ? ` (signed by ${t(r.signer)})` : ' (unsigned)'}${r.evidence ? `, evidence sha256 ${t(r.evidence.sha256.slice(0, 12))}` : ''}`,
    );
    for (const a of r.answers) lines.push(`  - ${t(a.question)} — ${a.answer === null ? '_no answer_' : t(a.answer)}`);
  }
  if (reviews.recorded.length) lines.push('');
  return lines;
}
