/** Strings numbered in order of first appearance: labels and slice values as small integer codes. */
export class Interned {
  private readonly index = new Map<string, number>();

  constructor(readonly values: string[] = []) {
    values.forEach((v, i) => this.index.set(v, i));
  }

  /** The code of `value`, numbering it next when it is new. */
  code(value: string): number {
    let i = this.index.get(value);
    if (i === undefined) {
      i = this.values.length;
      this.values.push(value);
      this.index.set(value, i);
    }
    return i;
  }
}
