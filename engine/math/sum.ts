/** Floating-point summation and constants shared by the statistics. */

/** float64 machine epsilon (np.finfo(np.float64).eps). */
export const FLOAT64_EPS = 2 ** -52;

/** Neumaier (improved Kahan–Babuška) compensated sum. */
export class CompensatedSum {
  private sum = 0;
  private comp = 0;

  add(x: number): void {
    const t = this.sum + x;
    if (Math.abs(this.sum) >= Math.abs(x)) this.comp += this.sum - t + x;
    else this.comp += x - t + this.sum;
    this.sum = t;
  }

  value(): number {
    return this.sum + this.comp;
  }
}
