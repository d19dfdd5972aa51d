/**
 * Progress of long CLI operations on one line of stderr, rewritten in place: shown when stderr is
 * a terminal, silent when it is piped or redirected (not a byte is written then). Updates are
 * throttled, and the line is cleared at the end so that the command's own output follows cleanly.
 */

/** What progress writes to: process.stderr, or a stream a test hands in. */
export interface ProgressStream {
  write(chunk: string): boolean;
  isTTY?: boolean;
  columns?: number;
}

export interface Progress {
  /** Whether anything is shown at all (stderr is a terminal). */
  readonly enabled: boolean;
  /** Shows `text`, at most once per interval; `force` shows it at once (e.g. the last step). */
  update(text: string, force?: boolean): void;
  /** Clears the line; later updates are ignored. */
  done(): void;
}

/** Time between two redraws. */
export const PROGRESS_INTERVAL_MS = 100;

const CLEAR_LINE = '\r\x1b[K';

export function createProgress(o: { stream?: ProgressStream; intervalMs?: number; now?: () => number } = {}): Progress {
  const stream = o.stream ?? process.stderr;
  const interval = o.intervalMs ?? PROGRESS_INTERVAL_MS;
  const now = o.now ?? Date.now;
  const enabled = stream.isTTY === true;
  let last = -Infinity;
  let shown = false;
  let finished = false;
  return {
    enabled,
    update(text, force = false) {
      if (!enabled || finished) return;
      const t = now();
      if (!force && t - last < interval) return;
      last = t;
      // One character short of the width: writing the last column makes some terminals wrap.
      const width = stream.columns && stream.columns > 1 ? stream.columns - 1 : undefined;
      const line = width && [...text].length > width ? [...text].slice(0, width).join('') : text;
      stream.write(`${CLEAR_LINE}${line}`);
      shown = true;
    },
    done() {
      if (finished) return;
      finished = true;
      if (shown) stream.write(CLEAR_LINE);
    },
  };
}

/**
 * 1234567 -> 1,234,567. Not toLocaleString: its first call loads ICU's number formatting, a tenth
 * of `upkeep evaluate`'s CPU on a small file (its progress line is drawn once the rows are known).
 */
export const formatCount = (n: number): string => String(Math.round(n)).replace(/\B(?=(\d{3})+$)/g, ',');

/** `label: done/total` (with a percentage), or `label: done` when the total is unknown. */
export function countLine(label: string, done: number, total?: number, unit = ''): string {
  const u = unit ? ` ${unit}` : '';
  if (total === undefined || total <= 0) return `${label}: ${formatCount(done)}${u}`;
  return `${label}: ${formatCount(done)}/${formatCount(total)}${u} (${Math.floor((100 * Math.min(done, total)) / total)}%)`;
}

/**
 * Runs `work` with a progress line, cleared however `work` ends: `work` gets the Progress to
 * update. The usual shape of a long command.
 */
export async function withProgress<T>(work: (progress: Progress) => Promise<T>, o: { stream?: ProgressStream; intervalMs?: number } = {}): Promise<T> {
  const progress = createProgress(o);
  try {
    return await work(progress);
  } finally {
    progress.done();
  }
}
