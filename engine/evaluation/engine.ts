/**
 * The evaluation engine: a small pool of worker threads that decode and score shards of a window
 * in parallel (a whole CSV/JSONL file, or a range of a Parquet file's row groups) and, after it,
 * merge, compute metrics, drift, quality and the interval (a large bootstrap split by resample
 * ranges over all of them). The main thread only plans and dispatches: its event loop stays free.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
// Before the evaluation threads start: a thread's process.env is its own copy, the real environment
// (which ONNX Runtime reads) is set from this one.
import './ort-env.js';
import { parquetMetadata } from 'hyparquet';
import { UpkeepError, type UpkeepErrorType } from '../errors.js';
import type { Collected } from './evaluator.js';
import { Interned } from './intern.js';
import { joinSearchRows } from './segments/sample.js';
import { mergeSorted } from '../drift/sketch.js';
import type { PreparedModel } from './model.js';
import { mergeOutputIssues } from './output-check.js';
import { mergeLogged } from './logged.js';
import { mergeSamples } from './row-sample.js';
import type { ModelMessage, ShardReply, ShardRequest, WindowFile } from './types.js';

/** A request before the pool numbers it. */
export type ShardTask = ShardRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

/** What an evaluation thread does with a request (shard-handler.ts); given to run small windows in the calling thread. */
export type ShardHandler = (msg: ShardRequest) => Promise<{ reply: ShardReply; transfer: ArrayBuffer[] }>;

/** A queued request and whom to answer; `settled` resolves once it is answered either way. */
type Job = {
  msg: ShardTask;
  transfer?: ArrayBuffer[];
  resolve: (r: ShardReply & { ok: true }) => void;
  reject: (e: Error) => void;
  settled?: Promise<unknown>;
};

/** How long close() lets a thread finish the task it is running before stopping it. */
const CLOSE_GRACE_MS = 10_000;

/** Bytes that several threads can read without copies. */
export function toShared(bytes: Uint8Array): Uint8Array {
  if (bytes.buffer instanceof SharedArrayBuffer) return bytes;
  const shared = new Uint8Array(new SharedArrayBuffer(bytes.byteLength));
  shared.set(bytes);
  return shared;
}

export class ShardPool {
  private readonly workers: { worker: Worker; busy?: { id: number; task: Job } }[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  /** Requests running in this thread (runInline). */
  private readonly inline = new Set<Promise<unknown>>();

  constructor(readonly threads: number) {}

  private spawn(): { worker: Worker; busy?: { id: number; task: Job } } {
    const worker = new Worker(new URL('./shard-worker.mjs', import.meta.url), { execArgv: [] });
    const slot: { worker: Worker; busy?: { id: number; task: Job } } = { worker };
    worker.on('message', (reply: ShardReply) => {
      const busy = slot.busy;
      if (!busy || busy.id !== reply.id) return;
      slot.busy = undefined;
      if (reply.ok) busy.task.resolve(reply);
      else {
        const { type, message } = reply.error;
        busy.task.reject(type ? new UpkeepError(type as UpkeepErrorType, message) : new Error(message));
      }
      this.pump();
    });
    const fail = (err: Error): void => {
      const i = this.workers.indexOf(slot);
      if (i >= 0) this.workers.splice(i, 1);
      slot.busy?.task.reject(err);
      slot.busy = undefined;
      this.pump();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`evaluation worker exited with code ${code}`)));
    this.workers.push(slot);
    return slot;
  }

  private pump(): void {
    if (this.closed) return;
    while (this.queue.length > 0) {
      let slot = this.workers.find((w) => !w.busy);
      if (!slot && this.workers.length < this.threads) slot = this.spawn();
      if (!slot) break;
      const task = this.queue.shift()!;
      const id = this.nextId++;
      slot.busy = { id, task };
      slot.worker.ref();
      slot.worker.postMessage({ ...task.msg, id }, task.transfer ?? []);
    }
    for (const w of this.workers) if (!w.busy) w.worker.unref();
  }

  /** Queues a request; buffers in `transfer` move to the worker thread (they are unusable here after). */
  run(msg: ShardTask, transfer?: ArrayBuffer[]): Promise<ShardReply & { ok: true }> {
    if (this.closed) return Promise.reject(new Error('evaluation engine is closed'));
    let job!: Job;
    const reply = new Promise<ShardReply & { ok: true }>((resolve, reject) => {
      job = { msg, transfer, resolve, reject };
    });
    job.settled = reply.then(
      () => undefined,
      () => undefined,
    );
    this.queue.push(job);
    this.pump();
    return reply;
  }

  /**
   * Runs a request in this thread instead, for a small window: no thread to start and load the
   * evaluation code into (most of a small evaluation's time). The request and the reply are copied
   * as a message is (the buffers in `transfer` moved), and a failure comes back as it does from a
   * thread, so the caller sees the same either way.
   */
  runInline(handle: ShardHandler, msg: ShardTask, transfer?: ArrayBuffer[]): Promise<ShardReply & { ok: true }> {
    if (this.closed) return Promise.reject(new Error('evaluation engine is closed'));
    const request = structuredClone({ ...msg, id: this.nextId++ }, { transfer: transfer ?? [] }) as ShardRequest;
    const reply = handle(request).then(
      ({ reply, transfer }) => structuredClone(reply, { transfer }) as ShardReply & { ok: true },
      (err: unknown) => {
        throw err instanceof UpkeepError ? new UpkeepError(err.type, err.message) : new Error(err instanceof Error ? (err.stack ?? err.message) : String(err));
      },
    );
    const settled: Promise<unknown> = reply.then(
      () => this.inline.delete(settled),
      () => this.inline.delete(settled),
    );
    this.inline.add(settled);
    return reply;
  }

  /**
   * Stops the threads. One running a task gets CLOSE_GRACE_MS to finish it first: ONNX Runtime
   * aborts the whole process when its thread is torn down in the middle of a run.
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.queue.splice(0)) t.reject(new Error('evaluation engine is closed'));
    const running = [...this.workers.flatMap((w) => (w.busy ? [w.busy.task.settled] : [])), ...this.inline];
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(running), new Promise((r) => (timer = setTimeout(r, CLOSE_GRACE_MS)))]);
    clearTimeout(timer);
    await Promise.all(this.workers.splice(0).map((w) => w.worker.terminate()));
  }
}

/**
 * Splits a Parquet file (or its row-group range `within`) into row-group ranges for `parts`
 * threads; other formats are one shard. Concatenated in order, the ranges cover the same rows.
 */
export function planShards(
  file: WindowFile,
  bytes: Uint8Array,
  parts: number,
  within?: { start: number; end: number },
): ({ start: number; end: number } | undefined)[] {
  if (file.format !== 'parquet') return [undefined];
  if (parts <= 1 && !within) return [undefined];
  let groups: number;
  try {
    groups = parquetMetadata(bytes).row_groups.length;
  } catch {
    return [within]; // the reader reports what is wrong with the file
  }
  const from = within?.start ?? 0;
  const to = within ? Math.min(within.end, groups) : groups;
  if (to - from <= 1 || parts <= 1) return [within && { start: from, end: to }];
  const n = Math.min(to - from, parts);
  const ranges = [];
  for (let i = 0; i < n; i++) ranges.push({ start: from + Math.floor((i * (to - from)) / n), end: from + Math.floor(((i + 1) * (to - from)) / n) });
  return ranges;
}

/** Rows of a Parquet file read whole (of its row groups `within`); undefined when its footer cannot be read (the reader says why). */
export function parquetRows(bytes: Uint8Array, within?: { start: number; end: number }): number | undefined {
  try {
    const groups = parquetMetadata(bytes).row_groups;
    let rows = 0;
    for (let g = within?.start ?? 0; g < Math.min(within?.end ?? groups.length, groups.length); g++) rows += Number(groups[g]!.num_rows);
    return rows;
  } catch {
    return undefined;
  }
}

function concat<T extends Float64Array | Float32Array | Int32Array>(parts: T[], make: (n: number) => T): T {
  const out = make(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p as never, at);
    at += p.length;
  }
  return out;
}

type ArrayField = 'yTrueClass' | 'yPredClass' | 'proba' | 'yTrueValue' | 'yPredValue';

/**
 * One field of every part, joined; each part lets go of its array once joined, so that a large
 * window's peak is its parts plus one field, not twice its parts.
 */
function join<F extends ArrayField>(parts: Collected[], field: F, make: (n: number) => NonNullable<Collected[F]>): NonNullable<Collected[F]> {
  if (parts.length === 1) return parts[0]![field]!;
  const out = concat(
    parts.map((p) => p[field]!) as (Float64Array | Float32Array | Int32Array)[],
    make as (n: number) => Float64Array | Float32Array | Int32Array,
  ) as NonNullable<Collected[F]>;
  for (const p of parts) delete p[field];
  return out;
}

/** One entry per file and column, summed over the shards that read parts of the file. */
export function invalidByFile(list: Collected['invalid']): Collected['invalid'] {
  const byKey = new Map<string, Collected['invalid'][number]>();
  for (const i of list) {
    const key = JSON.stringify([i.file, i.column]);
    const seen = byKey.get(key);
    if (!seen) byKey.set(key, { ...i });
    else {
      seen.nulls += i.nulls;
      seen.nan += i.nan;
      seen.infinite += i.infinite;
    }
  }
  return [...byKey.values()];
}

/** Joins shard results in order (taking their arrays: the parts are left empty); labels unknown to the model are renumbered consistently. */
export function mergeCollected(model: PreparedModel, parts: Collected[]): Collected {
  const base: Omit<Collected, 'labels' | 'yTrueClass' | 'yPredClass' | 'proba' | 'yTrueValue' | 'yPredValue'> = {
    task: model.task,
    rows: parts.reduce((n, p) => n + p.rows, 0),
    rowsRead: parts.reduce((n, p) => n + p.rowsRead, 0),
    droppedRows: parts.reduce((n, p) => n + p.droppedRows, 0),
    invalid: invalidByFile(parts.flatMap((p) => p.invalid)),
  };
  const unlabelled = parts.reduce((n, p) => n + (p.unlabelled ?? 0), 0);
  if (unlabelled > 0) base.unlabelled = unlabelled;
  const labelAbsent = [...new Set(parts.flatMap((p) => p.labelAbsent ?? []))];
  if (labelAbsent.length > 0) base.labelAbsent = labelAbsent;
  if (parts.length > 0 && parts.every((p) => p.sample)) {
    const offsets: number[] = [];
    parts.reduce((n, p) => (offsets.push(n), n + p.rows), 0);
    base.sample =
      parts.length === 1
        ? parts[0]!.sample!
        : mergeSamples(
            parts.map((p) => p.sample!),
            offsets,
          );
    for (const p of parts) delete p.sample;
  }
  if (parts.some((p) => p.search)) {
    const offsets: number[] = [];
    parts.reduce((n, p) => (offsets.push(n), n + p.rows), 0);
    const withRows = parts.flatMap((p, i) => (p.search ? [{ rows: p.search, at: offsets[i]! }] : []));
    base.search = joinSearchRows(
      withRows.map((w) => w.rows),
      withRows.map((w) => w.at),
    );
    for (const p of parts) delete p.search;
  }
  // In window order: the first bad row of the first part that has one.
  const outputIssues = parts.reduce<Collected['outputIssues']>((acc, p) => mergeOutputIssues(acc, p.outputIssues), undefined);
  if (outputIssues) base.outputIssues = outputIssues;
  // Counts add up; the examples are the window's first ones, as the parts are in window order.
  const logged = parts.reduce<Collected['logged']>((acc, p) => mergeLogged(acc, p.logged), undefined);
  if (logged) base.logged = logged;
  const names = Object.keys(parts[0]?.segments ?? {});
  if (names.length > 0) {
    const segments: NonNullable<Collected['segments']> = {};
    for (const name of names) {
      const values = new Interned();
      const codes = parts.map((p) => {
        const seg = p.segments![name]!;
        const remap = Int32Array.from(seg.values, (v) => values.code(v));
        if (remap.every((c, i) => c === i)) return seg.codes;
        // A plain loop: a callback per row (TypedArray.map) costs a second on a 3M-row window's columns.
        const out = new Int32Array(seg.codes.length);
        for (let i = 0; i < out.length; i++) out[i] = remap[seg.codes[i]!]!;
        return out;
      });
      segments[name] = { codes: concat(codes, (n) => new Int32Array(n)), values: values.values };
    }
    Object.assign(base, { segments });
  }
  if (model.task === 'regression') {
    return {
      ...base,
      yTrueValue: join(parts, 'yTrueValue', (n) => new Float64Array(n)),
      yPredValue: join(parts, 'yPredValue', (n) => new Float64Array(n)),
    };
  }
  // Sorted score runs from every shard merge into one sorted run (no second sort).
  const runs = parts.flatMap((p) => p.scoreRuns ?? [p.sortedScores]);
  for (const p of parts) {
    delete p.sortedScores;
    delete p.scoreRuns;
  }
  if (model.task === 'binary' && runs.every((r) => r !== undefined)) {
    const pos = mergeSorted(runs.map((r) => r!.pos));
    Object.assign(base, { sortedScores: { pos, neg: mergeSorted(runs.map((r) => r!.neg)) } });
  }
  runs.length = 0;
  const labels = new Interned([...model.classes!]);
  for (const p of parts) {
    const local = p.labels!;
    if (local.length === labels.values.length && local.every((l, i) => labels.values[i] === l)) continue;
    const remap = local.map((l) => labels.code(l));
    // -1 (an unlabelled row) stays -1.
    for (const arr of [p.yTrueClass!, p.yPredClass!]) for (let i = 0; i < arr.length; i++) if (arr[i]! >= 0) arr[i] = remap[arr[i]!]!;
  }
  return {
    ...base,
    labels: labels.values,
    yTrueClass: join(parts, 'yTrueClass', (n) => new Int32Array(n)),
    yPredClass: join(parts, 'yPredClass', (n) => new Int32Array(n)),
    // Float32 probabilities stay so when every part's are (the same numbers, half the memory).
    proba: join(parts, 'proba', (n) => (parts.every((p) => p.proba instanceof Float32Array) ? new Float32Array(n) : new Float64Array(n))),
  };
}

export function defaultThreads(): number {
  return Math.max(1, Math.min(os.availableParallelism(), 4));
}

export type { ModelMessage };
