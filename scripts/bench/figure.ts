/**
 * One bench figure beside its target, in the one format every bench file prints, e.g.
 *   evaluate 3M in process: 1.19× lower bound (target ≤ 1.25) met
 * scripts/bench.ts gathers every such line (its own and its sections') into the closing summary
 * of `npm run bench`, so a figure printed from any bench file with `figure()` is listed there.
 */

/** A bound on the figure: at most (≤), below (<) or at least (≥) `value`. */
export type Target = { atMost: number } | { below: number } | { atLeast: number };

export interface FigureFormat {
  /** Written right after the number, e.g. '×', ' s', ' MiB' (default: nothing). */
  unit?: string;
  /** Decimals (default 2). */
  digits?: number;
  /** What the number is a multiple or measure of, e.g. 'lower bound' in "1.19× lower bound". */
  of?: string;
  /** A note in parentheses after the verdict, e.g. the medians the ratio came from. */
  note?: string;
}

export function targetText(t: Target, f: FigureFormat = {}): string {
  // A ratio's bound reads "≤ 1.25"; a measure's keeps its unit: "< 1024 MiB".
  const unit = f.unit === '×' ? '' : (f.unit ?? '');
  if ('atMost' in t) return `≤ ${t.atMost}${unit}`;
  if ('below' in t) return `< ${t.below}${unit}`;
  return `≥ ${t.atLeast}${unit}`;
}

export function isMet(value: number, t: Target): boolean {
  if (!Number.isFinite(value)) return false;
  if ('atMost' in t) return value <= t.atMost;
  if ('below' in t) return value < t.below;
  return value >= t.atLeast;
}

/** The figure's line: `name: value[unit][ of] (target …) met|NOT met[ (note)]`. */
export function figureLine(name: string, value: number, target: Target, f: FigureFormat = {}): string {
  const shown = Number.isFinite(value) ? value.toFixed(f.digits ?? 2) : String(value);
  const verdict = isMet(value, target) ? 'met' : 'NOT met';
  return `${name}: ${shown}${f.unit ?? ''}${f.of ? ` ${f.of}` : ''} (target ${targetText(target, f)}) ${verdict}${f.note ? `   (${f.note})` : ''}`;
}

/** Prints the figure's line (indented like the sections' other lines) and returns whether it is met. */
export function figure(name: string, value: number, target: Target, f: FigureFormat = {}): boolean {
  console.log(`  ${figureLine(name, value, target, f)}`);
  return isMet(value, target);
}

/** Lines printed by figure(), recognised among all of a run's output (for the closing summary). */
export const FIGURE_LINE = /\(target [≤<≥] [^)]*\) (met|NOT met)\b/;

/** The closing summary of a run's output: every figure line, and how many are met. */
export function figureSummary(printed: string[]): string[] {
  const lines = printed.filter((l) => FIGURE_LINE.test(l)).map((l) => l.trim());
  const met = lines.filter((l) => FIGURE_LINE.exec(l)![1] === 'met').length;
  return [`== targets: ${met} of ${lines.length} met ==`, ...lines.map((l) => `  ${l}`)];
}
