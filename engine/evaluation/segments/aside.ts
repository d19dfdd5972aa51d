/**
 * The segment search of a large window in a second evaluation thread, while the first finishes the
 * rest (merge, metrics, interval, drift, quality). Both read a classifier's labels, predictions and
 * probabilities in shared memory (window-arrays.ts allocates them there; neither thread writes
 * them); the search's own rows are moved to the second thread. The search is the one the
 * finishing thread would run, on the same rows: only the whole window's metric (`overall`) is
 * filled in afterwards, from the finished summary.
 */
import type { ModelSpec } from '../../../domain/config.js';
import type { EvaluationSummary } from '../../../domain/evaluation.js';
import type { SegmentSearchReport } from '../../../domain/segments.js';
import type { ReferenceProfile } from '../../drift/profile.js';
import type { Collected } from '../evaluator.js';
import type { PreparedModel } from '../model.js';
import { searchOptions, searchWindow, type WindowSearchOptions } from './window.js';

/** Below this many rows the search takes a few milliseconds: not worth a message to another thread. */
export const SEARCH_ASIDE_ROWS = 100_000;

/** What the second thread needs: the window's rows (arrays in shared memory, read in place) and the search's options. */
export interface SearchAsideInput {
  window: Collected;
  options: Omit<WindowSearchOptions, 'overall'>;
}

const shared = (a: ArrayBufferView | undefined): boolean => a !== undefined && a.buffer instanceof SharedArrayBuffer;

/**
 * The search to run in another thread, when it applies: a classifier's large window joined as one
 * part whose labels and outputs are in shared memory (a regression's are moved to the finishing
 * thread), and a search the finishing thread does not need again (`keep`: a detailed run keeps
 * the rows for the reference's gaps). The part's search rows are taken from it: the caller moves
 * them (searchTransfer) to the thread that searches.
 */
export function searchAsideInput(
  spec: ModelSpec,
  prepared: PreparedModel,
  parts: Collected[],
  profile: ReferenceProfile | undefined,
  keep: boolean,
): SearchAsideInput | undefined {
  if (!spec.segments.search || keep || parts.length !== 1) return undefined;
  const p = parts[0]!;
  if (p.task === 'regression' || !p.search || p.rows < SEARCH_ASIDE_ROWS || !p.labels) return undefined;
  if (![p.yTrueClass, p.yPredClass, p.proba].every(shared)) return undefined;
  const window: Collected = {
    task: p.task,
    rows: p.rows,
    rowsRead: p.rows,
    droppedRows: 0,
    invalid: [],
    ...(p.unlabelled ? { unlabelled: p.unlabelled } : {}),
    yTrueClass: p.yTrueClass!,
    yPredClass: p.yPredClass!,
    proba: p.proba!,
    labels: p.labels,
    search: p.search,
  };
  delete p.search;
  return { window, options: searchOptions(spec, prepared, profile, true) };
}

/** The buffers of the search's own rows, moved (not copied) to the thread that searches; each once (a buffer listed twice fails the message). */
export function searchTransfer(input: SearchAsideInput): ArrayBuffer[] {
  const rows = input.window.search!;
  const buffers = [rows.position, ...Object.values(rows.columns).map((c) => c.codes)]
    .filter((a) => a.byteLength > 0 && !(a.buffer instanceof SharedArrayBuffer))
    .map((a) => a.buffer as ArrayBuffer);
  return [...new Set(buffers)];
}

/** The search in the second thread (its `overall` left null for fillSegments). */
export function searchAside(input: SearchAsideInput): SegmentSearchReport | null {
  return searchWindow(input.window, { ...input.options, overall: null }) ?? null;
}

/**
 * The search's report in the summary, in the place the finishing thread kept for it (report
 * order), with the whole window's metric; no report (too few labelled rows): the place removed.
 */
export function fillSegments(summary: EvaluationSummary, spec: ModelSpec, report: SegmentSearchReport | null): void {
  if (!report) {
    delete summary.segments;
    return;
  }
  report.overall = summary.metrics[spec.thresholds.metric] ?? null;
  summary.segments = report;
}
