/**
 * The segment search's report as people read it: one sentence and a row per weak segment, shared by
 * the Markdown report, the HTML page and the model card (each escapes for its own sink).
 */
import type { SegmentSearchReport, WeakSegment } from '../../../domain/segments.js';

const LOSS_NAMES: Record<SegmentSearchReport['loss'], string> = {
  log_loss: 'log loss',
  error: 'misclassification',
  squared_error: 'squared error',
  absolute_error: 'absolute error',
};

const num = (v: number | null | undefined): string => (v === null || v === undefined || !Number.isFinite(v) ? '—' : Number(v.toPrecision(4)).toString());
const p = (v: number): string => (v < 1e-4 ? v.toExponential(1) : num(v));

/** One sentence: what was searched and what was found. */
export function segmentSentence(s: SegmentSearchReport): string {
  const what = s.statistic === 'excess_loss' ? `${LOSS_NAMES[s.loss]} beyond what the model's probabilities expect` : LOSS_NAMES[s.loss];
  const against =
    s.againstReference > 0
      ? `, ${s.againstReference} of them against their gap on the reference`
      : ', none against a reference (no segment gaps in its profile)';
  const found =
    s.significant === 0
      ? 'none is significantly worse than the rest'
      : `${s.significant} ${s.significant === 1 ? 'is' : 'are'} significantly worse than the rest`;
  // A column the config named but the search could not use is said, not dropped silently (a typo, a column the reference lacks).
  const skipped = s.skipped?.length ? ` Not searched: ${s.skipped.map((k) => `${k.column} (${k.reason})`).join(', ')}.` : '';
  return `${s.tested} segments of ${s.columns.length} columns tested on ${s.rows} labelled rows${s.sampledFrom ? ` (a seeded sample of the window's ${s.sampledFrom})` : ''} (${what}, Holm-corrected at ${s.alpha}${against}): ${found}.${skipped}`;
}

export const SEGMENT_HEADER = ['segment', 'rows', 'metric (window)', 'loss (rest)', 'gap grew by [interval]', 'adjusted p'];

/** A table row of plain text per reported segment. */
export function segmentRow(s: SegmentSearchReport, w: WeakSegment): string[] {
  return [
    w.label,
    String(w.rows),
    `${num(w.metric)} (${num(s.overall)})`,
    `${num(w.loss)} (${num(w.restLoss)})`,
    `${num(w.diff.value)} [${num(w.diff.low)}, ${num(w.diff.high)}]${w.referenceGap === undefined ? ' (no reference gap)' : ''}`,
    p(w.pAdjusted),
  ];
}

/** The report's "Weak segments" section; `t` escapes text for Markdown. */
export function segmentMarkdown(s: SegmentSearchReport, t: (text: string) => string): string[] {
  const lines = ['## Weak segments', '', t(segmentSentence(s)), ''];
  if (s.worst.length === 0) return lines;
  lines.push(`| ${SEGMENT_HEADER.join(' | ')} |`, '|---|---:|---:|---:|---:|---:|');
  for (const w of s.worst) lines.push(`| ${segmentRow(s, w).map(t).join(' | ')} |`);
  lines.push('', t('Rows of these segments, for relabelling: upkeep evaluate … --segments-export keys.csv'), '');
  return lines;
}
