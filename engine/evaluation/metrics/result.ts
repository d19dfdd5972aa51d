/** Builds a MetricsResult: a non-finite value becomes null with a reason, never NaN or ±Infinity. */
import type { MetricsResult } from './types.js';

export class ResultBuilder<K extends string> {
  readonly metrics: Record<K, number | null>;
  readonly reasons: Record<string, string> = {};
  readonly warnings: Record<string, string> = {};

  constructor(names: readonly K[]) {
    const metrics = {} as Record<K, number | null>;
    for (const name of names) metrics[name] = null;
    this.metrics = metrics;
  }

  value(name: K, v: number, warning?: string): void {
    if (!Number.isFinite(v)) {
      this.nullify(name, `the computed value is not finite (${String(v)}), e.g. after floating-point overflow`);
      return;
    }
    this.metrics[name] = v;
    delete this.reasons[name];
    if (warning !== undefined && warning !== '') this.warnings[name] = warning;
  }

  nullify(name: K, reason: string): void {
    this.metrics[name] = null;
    this.reasons[name] = reason;
    delete this.warnings[name];
  }

  nullifyAll(names: readonly K[], reason: string): void {
    for (const name of names) this.nullify(name, reason);
  }

  build(): MetricsResult<K> {
    return { metrics: this.metrics, reasons: this.reasons, warnings: this.warnings };
  }
}
