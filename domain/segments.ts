/**
 * Weak segments found, not declared: the config of the search (`models[].segments`) and the shape
 * of what it reports. The search itself is engine/evaluation/segments/; its statistics are in
 * docs/statistics/segments.md.
 */
import { z } from 'zod';

/** A column name as the config spells it. */
const column = z.string().min(1).max(200);

/**
 * `models[].segments`: on by default, `search: false` turns it off (report only, it never changes
 * the verdict; family-wise error controlled, so an unchanged window reports none at least 95% of the
 * time). Its time and memory are bounded: at most about 1M sampled rows, chosen as the rows stream,
 * each keeping a byte per searched column, searched beside the rest of the finishing step
 * (docs/statistics/segments.md#cost; measured in the bench).
 */
export const segmentsSpec = z
  .strictObject({
    search: z.boolean().default(true),
    /** A segment with fewer labelled rows than this is neither tested nor reported. */
    min_rows: z.number().int().min(30).max(10_000_000).default(200),
    /** At most this many candidate segments are tested (single columns first, then pairs). */
    max_segments: z.number().int().min(1).max(20_000).default(1000),
    /** Also test pairs of columns (cells of two columns' values or bins). */
    pairs: z.boolean().default(true),
    /** Columns searched; by default the model's inputs. */
    columns: z.array(column).max(50).optional(),
    /** Quantile bins of a numeric column (computed on the reference profile). */
    bins: z.number().int().min(2).max(20).default(10),
    /** Family-wise error rate of the search (Holm's correction over every segment tested). */
    alpha: z.number().gt(0).lt(0.5).default(0.05),
    /** How many of the significant segments the report keeps, worst first. */
    report: z.number().int().min(1).max(20).default(3),
  })
  .superRefine((s, ctx) => {
    const seen = new Set<string>();
    for (const [i, c] of (s.columns ?? []).entries()) {
      if (seen.has(c)) ctx.addIssue({ code: 'custom', path: ['columns', i], message: `column ${c} is listed twice` });
      seen.add(c);
    }
  });

export type SegmentsSpec = z.infer<typeof segmentsSpec>;

/** One condition of a segment: a category, or a numeric bin [low, high) (low/high absent: unbounded). */
export type SegmentCondition =
  { column: string; value: string } | { column: string; low?: number; high?: number; missing?: false } | { column: string; missing: true };

/** A segment found significantly worse than the rest of the window. */
export interface WeakSegment {
  /** One condition, or two for a pair. */
  where: SegmentCondition[];
  /** As people read it: `plan = "student" and tenure_months in [3, 7)`. */
  label: string;
  rows: number;
  /** The primary metric on the segment's rows (null when undefined there, e.g. one class only). */
  metric: number | null;
  /** Mean per-row loss on the segment and on the rest of the window. */
  loss: number;
  restLoss: number;
  /**
   * What was tested (the report's `statistic`), segment minus rest, with its two-sided interval at
   * the report's confidence: for a classifier the excess of the loss over the model's own expectation.
   */
  diff: { value: number; low: number; high: number };
  /** The test statistic; null when the rest has no spread (the difference is then certain). */
  z: number | null;
  /** The segment's gap on the reference, when the reference profile has one: `diff` is then how much it grew. */
  referenceGap?: number;
  /** One-sided p-value (segment worse), and adjusted by Holm over every segment tested. */
  p: number;
  pAdjusted: number;
}

export interface SegmentSearchReport {
  /** The per-row loss tested: log_loss, error (misclassified), squared_error or absolute_error. */
  loss: 'log_loss' | 'error' | 'squared_error' | 'absolute_error';
  metric: string;
  /**
   * What is compared between a segment and the rest: `excess_loss` (classifiers), each row's loss
   * minus what the model's probabilities expect it to be; `loss` (regression), the loss itself.
   */
  statistic: 'excess_loss' | 'loss';
  /** The primary metric and the mean loss on the whole labelled window. */
  overall: number | null;
  overallLoss: number;
  /** Labelled rows searched: the window's, or a seeded sample of them when it has more (`sampledFrom`). */
  rows: number;
  /** The window's labelled rows when the search ran on a sample of `rows` of them. */
  sampledFrom?: number;
  columns: string[];
  /** Columns not searched, with why (no reference bins, absent, too many values). */
  skipped?: { column: string; reason: string }[];
  /** Of the segments tested, those compared with their gap on the reference (the rest against the window's rest alone). */
  againstReference: number;
  /** Segments tested (the size of the family the correction is over). */
  tested: number;
  correction: 'holm';
  alpha: number;
  confidence: number;
  /** Significant after the correction, how many in all and the worst few. */
  significant: number;
  worst: WeakSegment[];
}

/**
 * Stored in a reference profile (`segments`): each candidate segment's gap on the reference (its mean
 * tested value minus the rest's) as [rows, gap, variance of the gap], keyed by its conditions. A window
 * is then judged by how much a segment's gap grew, not by a gap the model always had there.
 */
export interface SegmentBaseline {
  loss: SegmentSearchReport['loss'];
  statistic: SegmentSearchReport['statistic'];
  gaps: Record<string, [number, number, number]>;
}
