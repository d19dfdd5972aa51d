/**
 * Keeps a window's drift sketches bounded while its parts are scored: parts are folded, in window
 * order, into one sketch per column each time at least EXACT_VALUES rows have come in, so that at
 * most about EXACT_VALUES rows' values are held per column beside the folded sketch. Folding in
 * window order, at row counts the parts fix, makes the result the same whatever order the threads
 * finish in. A window of at most EXACT_VALUES rows is never folded: its sketches stay exact.
 */
import { EXACT_VALUES, type ColumnSketch } from '../drift/sketch.js';

type Sketches = Record<string, ColumnSketch>;

export class SketchFolder {
  private readonly done: (Sketches | undefined)[] = [];
  private readonly rows: number[] = [];
  private next = 0;
  private pendingRows = 0;
  private folded: Sketches | undefined;
  private chain: Promise<void> = Promise.resolve();

  /** `fold` merges sketches (in order) in an evaluation thread: mergeSketches with EXACT_VALUES. */
  constructor(private readonly fold: (lists: Record<string, ColumnSketch[]>) => Promise<Sketches>) {}

  /** Part `index` is done, with its rows and sketches (which the folder may take over). */
  add(index: number, rows: number, sketches: Sketches): void {
    this.done[index] = sketches;
    this.rows[index] = rows;
    while (this.done[this.next] !== undefined) {
      this.pendingRows += this.rows[this.next]!;
      this.next++;
      if (this.pendingRows >= EXACT_VALUES) {
        this.pendingRows = 0;
        this.foldUpTo(this.next);
      }
    }
  }

  private from = 0;

  private foldUpTo(end: number): void {
    const parts = this.done.slice(this.from, end) as Sketches[];
    for (let i = this.from; i < end; i++) this.done[i] = {};
    this.from = end;
    this.chain = this.chain.then(async () => {
      const lists: Record<string, ColumnSketch[]> = {};
      for (const p of this.folded ? [this.folded, ...parts] : parts) for (const [name, s] of Object.entries(p)) (lists[name] ??= []).push(s);
      this.folded = await this.fold(lists);
    });
  }

  /** The sketches per part, in order: the folded ones first (in the first part's place), then the rest. */
  async result(count: number): Promise<Sketches[]> {
    await this.chain;
    const out: Sketches[] = [];
    for (let i = 0; i < count; i++) out.push(this.done[i] ?? {});
    if (this.folded) out[0] = this.folded;
    return out;
  }
}
