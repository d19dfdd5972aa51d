/** A typed array that grows as values are pushed, then hands over exactly its contents. */
export class Growable<T extends Float64Array | Float32Array | Int32Array> {
  private buf: T;
  length = 0;
  constructor(
    private readonly make: (n: number) => T,
    initial = 1024,
  ) {
    this.buf = make(initial);
  }
  reserve(extra: number): void {
    if (this.length + extra <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + extra) cap *= 2;
    const next = this.make(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
  /** Room for exactly `extra` more values (a table's rows, known before its batches come). */
  reserveExact(extra: number): void {
    if (this.length + extra <= this.buf.length) return;
    const next = this.make(this.length + extra);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
  push(values: ArrayLike<number>): void {
    this.reserve(values.length);
    (this.buf as Float64Array).set(values as ArrayLike<number>, this.length);
    this.length += values.length;
  }
  view(): T {
    return this.buf.subarray(0, this.length) as T;
  }
  /** An array that owns exactly the contents (safe to transfer to another thread); when the buffer is already that, it is handed over and this is left empty. */
  copy(): T {
    // Already exactly its contents (reserved exactly, see addTable): no second copy.
    if (this.length === this.buf.length) {
      const own = this.buf;
      this.buf = this.make(0);
      this.length = 0;
      return own;
    }
    return this.buf.slice(0, this.length) as T;
  }
}
