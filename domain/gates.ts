/**
 * Gates beyond the primary metric: each value an evaluation computed for a declared business metric
 * (models[].metrics) or a fairness gap (models[].fairness) carries the gate the config set on it,
 * and the verdict judges them all the same way the primary metric is judged: a breach the interval
 * cannot confirm is a warning, a confirmed breach degrades the window, and each failing gate is
 * named. Pure: runs inside workflow code (workflows/policy.ts).
 */

/** A gate as declared: an absolute bound on the side that is worse, and the worsening allowed from a baseline. */
export interface GateSpec {
  /** Fails below this (values where higher is better). */
  min?: number | undefined;
  /** Fails above this (values where lower is better: costs, errors, gaps). */
  max?: number | undefined;
  /** Fails when the value is worse than `baseline` by more than this. */
  max_drop?: number | undefined;
}

/** One gated value of an evaluation, self-describing: what it is, what it was judged against. */
export interface GatedValue {
  /** The name the verdict uses, unique within an evaluation (e.g. `cost`, `recall@precision0.9`, `demographic_parity_difference[sex]`). */
  name: string;
  /** What produced it, for the report: `business` (a declared metric) or `fairness` (a gap between groups). */
  kind: 'business' | 'fairness';
  /** null: not defined on this window (`why` says why); the gate is not judged. */
  value: number | null;
  why?: string;
  lowerIsBetter: boolean;
  gate: GateSpec;
  /** What max_drop is measured from (the config's baseline for this name, or the version's). */
  baseline?: number;
  /** The value's interval at `level` (e.g. 0.95), when computed. */
  interval?: { low: number; high: number; level: number; method: string };
  /** The worsening from the baseline and its interval (same level), when computed. */
  drop?: { value: number; low: number; high: number };
  /** Judged on an estimate (labels not known yet): the name says so in every reason. */
  estimated?: boolean;
  /** Too few rows behind it to judge: reported, never failed (`why` says how few). */
  small?: boolean;
}

export type GateStatus = 'passed' | 'failed' | 'uncertain' | 'not-judged';

/** One bound of one gated value, judged. */
export interface GateOutcome {
  name: string;
  kind: GatedValue['kind'];
  /** Which bound: min, max or max_drop. */
  bound: keyof GateSpec;
  status: GateStatus;
  /** The sentence the verdict uses. */
  text: string;
}

const fmt = (v: number): string => (Math.abs(v) >= 1000 || v === 0 ? String(Number(v.toFixed(4))) : Number(v.toPrecision(4)).toString());

/**
 * Judges every bound of every gated value. A breach whose interval still reaches the bound is
 * `uncertain` (a warning); a value that is null or small is `not-judged`, with the reason.
 */
export function judgeGates(values: readonly GatedValue[]): GateOutcome[] {
  const out: GateOutcome[] = [];
  for (const v of values) {
    const label = v.estimated ? `estimated ${v.name}` : v.name;
    const bounds = (['min', 'max', 'max_drop'] as const).filter((b) => v.gate[b] !== undefined);
    const push = (bound: keyof GateSpec, status: GateStatus, text: string): void => {
      out.push({ name: v.name, kind: v.kind, bound, status, text });
    };
    if (v.value === null || v.small) {
      for (const b of bounds) push(b, 'not-judged', `${label}: not judged (${v.why ?? (v.small ? 'too few rows' : 'undefined on this window')})`);
      continue;
    }
    const value = v.value;
    const ci = v.interval;
    const level = ci ? `${Math.round(ci.level * 100)}%` : '';
    const inside = ci ? `, but its ${level} interval [${fmt(ci.low)}, ${fmt(ci.high)}] still contains it` : '';
    if (v.gate.min !== undefined) {
      const min = v.gate.min;
      const text = `${label} ${fmt(value)} is ${value < min ? 'below' : 'at or above'} the minimum ${fmt(min)}`;
      if (value >= min) push('min', 'passed', text);
      else if (ci && ci.high >= min) push('min', 'uncertain', text + inside);
      else push('min', 'failed', text);
    }
    if (v.gate.max !== undefined) {
      const max = v.gate.max;
      const text = `${label} ${fmt(value)} is ${value > max ? 'above' : 'at or below'} the maximum ${fmt(max)}`;
      if (value <= max) push('max', 'passed', text);
      else if (ci && ci.low <= max) push('max', 'uncertain', text + inside);
      else push('max', 'failed', text);
    }
    if (v.gate.max_drop !== undefined) {
      const allowed = v.gate.max_drop;
      if (v.baseline === undefined) {
        push('max_drop', 'not-judged', `${label}: max_drop has no baseline to measure from`);
        continue;
      }
      const worsening = v.lowerIsBetter ? value - v.baseline : v.baseline - value;
      const word = v.lowerIsBetter ? 'rise' : 'drop';
      if (worsening <= 0) {
        push('max_drop', 'passed', `${label} ${fmt(value)} is no worse than the baseline ${fmt(v.baseline)}`);
        continue;
      }
      const text = `${label} ${word} of ${fmt(worsening)} from the baseline ${fmt(v.baseline)} is ${worsening > allowed ? 'more than' : 'within'} the allowed ${fmt(allowed)}`;
      if (worsening <= allowed) push('max_drop', 'passed', text);
      else if (v.drop && v.drop.low <= allowed)
        push(
          'max_drop',
          'uncertain',
          `${text}, but the ${level || 'interval'} interval of the ${word} [${fmt(v.drop.low)}, ${fmt(v.drop.high)}] still contains the allowed ${fmt(allowed)}`,
        );
      else push('max_drop', 'failed', text);
    }
  }
  return out;
}

/** The names of the gates that failed, each once, in order: what the verdict names. */
export function failedGateNames(outcomes: readonly GateOutcome[]): string[] {
  return [...new Set(outcomes.filter((o) => o.status === 'failed').map((o) => o.name))];
}
