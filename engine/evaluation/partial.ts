/**
 * Evaluation shards: the plan that splits a window into shards (contiguous file and row-group
 * ranges, balanced by rows) and the binary form of a shard's partial result in the store.
 */
import type { WindowPartial } from './types.js';

/** One piece of a window: a whole file, or a range of a Parquet file's row groups. */
export interface ShardPart {
  /** Index into the snapshot's files. */
  file: number;
  rowGroups?: { start: number; end: number };
  rows: number;
}

export interface ShardSpec {
  index: number;
  of: number;
  parts: ShardPart[];
  rows: number;
}

/** A unit the plan never splits: a CSV/JSONL file, or one Parquet row group (`group`). */
export interface PlanUnit {
  file: number;
  group?: number;
  rows: number;
}

/**
 * Splits the window's units, in order, into at most `k` contiguous shards of about equal rows.
 * Shards that would be empty are left out, so there may be fewer than `k`.
 */
export function planWindowShards(units: PlanUnit[], k: number): ShardSpec[] {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`shards must be a positive integer, got ${k}`);
  const total = units.reduce((n, u) => n + u.rows, 0);
  const groups: PlanUnit[][] = Array.from({ length: k }, () => []);
  let before = 0;
  units.forEach((u, i) => {
    // By rows before the unit (by position when the window has no rows), so shards stay in order.
    const at = total > 0 ? Math.floor((before * k) / total) : Math.floor((i * k) / units.length);
    groups[Math.min(k - 1, at)]!.push(u);
    before += u.rows;
  });
  const used = groups.filter((g) => g.length > 0);
  return used.map((g, index) => {
    const parts: ShardPart[] = [];
    for (const u of g) {
      const last = parts[parts.length - 1];
      if (u.group !== undefined && last?.file === u.file && last.rowGroups?.end === u.group) {
        last.rowGroups.end++;
        last.rows += u.rows;
      } else parts.push({ file: u.file, ...(u.group !== undefined ? { rowGroups: { start: u.group, end: u.group + 1 } } : {}), rows: u.rows });
    }
    return { index, of: used.length, parts, rows: g.reduce((n, u) => n + u.rows, 0) };
  });
}

const MAGIC = 'UPKEEP-SHARD-1\n';
type Typed = Float64Array | Int32Array | Float32Array | Uint8Array | Uint16Array;
const KINDS = { f64: Float64Array, i32: Int32Array, f32: Float32Array, u8: Uint8Array, u16: Uint16Array } as const;

function kindOf(a: Typed): keyof typeof KINDS {
  return a instanceof Float64Array ? 'f64' : a instanceof Int32Array ? 'i32' : a instanceof Float32Array ? 'f32' : a instanceof Uint8Array ? 'u8' : 'u16';
}

/**
 * A partial result as bytes: the magic line, a JSON header (typed arrays replaced by references
 * into the body, non-finite numbers spelled out) and the arrays' bytes, each 8-byte aligned.
 */
export function encodePartial(partial: WindowPartial, meta: Record<string, unknown>): Uint8Array {
  const arrays: Typed[] = [];
  let at = 0;
  const header = JSON.stringify({ meta, partial }, (_key, value: unknown) => {
    if (
      value instanceof Float64Array ||
      value instanceof Int32Array ||
      value instanceof Float32Array ||
      value instanceof Uint8Array ||
      value instanceof Uint16Array
    ) {
      const ref = { $a: kindOf(value), at, n: value.length };
      arrays.push(value);
      at += Math.ceil(value.byteLength / 8) * 8;
      return ref;
    }
    if (typeof value === 'number' && !Number.isFinite(value)) return { $n: String(value) };
    return value;
  });
  const head = new TextEncoder().encode(MAGIC + header + '\n');
  const bodyStart = Math.ceil((head.length + 4) / 8) * 8;
  const out = new Uint8Array(bodyStart + at);
  new DataView(out.buffer).setUint32(0, head.length, true);
  out.set(head, 4);
  let offset = bodyStart;
  for (const a of arrays) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), offset);
    offset += Math.ceil(a.byteLength / 8) * 8;
  }
  return out;
}

/** The partial result and its meta; `what` names the object in the error when it is not one. */
export function decodePartial(bytes: Uint8Array, what: string): { meta: Record<string, unknown>; partial: WindowPartial } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headLength = bytes.length >= 4 ? view.getUint32(0, true) : -1;
  const text = headLength >= 0 && headLength + 4 <= bytes.length ? new TextDecoder().decode(bytes.subarray(4, 4 + headLength)) : '';
  if (!text.startsWith(MAGIC)) throw new Error(`${what} is not an evaluation shard's result`);
  const bodyStart = Math.ceil((headLength + 4) / 8) * 8;
  return JSON.parse(text.slice(MAGIC.length), (key, value: unknown) => {
    if (value && typeof value === 'object' && '$a' in value) {
      const ref = value as { $a: keyof typeof KINDS; at: number; n: number };
      const ctor = KINDS[ref.$a] as (typeof KINDS)[keyof typeof KINDS] | undefined;
      if (!ctor || bodyStart + ref.at + ref.n * ctor.BYTES_PER_ELEMENT > bytes.length) throw new Error(`${what} is truncated`);
      const start = bytes.byteOffset + bodyStart + ref.at;
      const end = start + ref.n * ctor.BYTES_PER_ELEMENT;
      // Sorted score runs are kept until the window is finished: copies, so that the partial's
      // bytes can go once its other arrays are joined. Those are views when aligned (no second copy).
      if (key !== 'pos' && key !== 'neg' && start % ctor.BYTES_PER_ELEMENT === 0) return new ctor(bytes.buffer as ArrayBuffer, start, ref.n);
      return new ctor(bytes.buffer.slice(start, end) as ArrayBuffer);
    }
    if (value && typeof value === 'object' && '$n' in value) return Number((value as { $n: string }).$n);
    return value;
  }) as { meta: Record<string, unknown>; partial: WindowPartial };
}

/** Bytes [start, end) of the stored object, into `into` when given. */
type Read = (start: number, end: number, into?: Uint8Array) => Promise<Uint8Array>;

/** The header of a stored partial (typed arrays left as references into the body) and where its body starts. */
async function readHeader(read: Read, what: string): Promise<{ header: { meta: Record<string, unknown>; partial: unknown }; bodyStart: number }> {
  const first = await read(0, 4);
  if (first.length < 4) throw new Error(`${what} is not an evaluation shard's result`);
  const headLength = new DataView(first.buffer, first.byteOffset, first.byteLength).getUint32(0, true);
  const text = new TextDecoder().decode(await read(4, 4 + headLength));
  if (!text.startsWith(MAGIC)) throw new Error(`${what} is not an evaluation shard's result`);
  const header = JSON.parse(text.slice(MAGIC.length), (_key, value: unknown) =>
    value && typeof value === 'object' && '$n' in value ? Number((value as { $n: string }).$n) : value,
  ) as { meta: Record<string, unknown>; partial: unknown };
  return { header, bodyStart: Math.ceil((headLength + 4) / 8) * 8 };
}

/** Rows in a stored partial, from its header alone (its first bytes, read by range). */
export async function partialRows(read: Read, what: string): Promise<number> {
  const { header } = await readHeader(read, what);
  return (header.partial as { parts: { rows: number }[] }).parts.reduce((n, p) => n + p.rows, 0);
}

/**
 * A stored partial read by range: its header, then each array straight from its byte range into
 * an array of its own, so that the object is never held whole beside its arrays.
 */
export async function readPartial(read: Read, size: number, what: string): Promise<{ meta: Record<string, unknown>; partial: WindowPartial }> {
  const { header, bodyStart } = await readHeader(read, what);
  const resolve = async (value: unknown): Promise<unknown> => {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) value[i] = await resolve(value[i]);
      return value;
    }
    if (!value || typeof value !== 'object') return value;
    if ('$a' in value) {
      const ref = value as { $a: keyof typeof KINDS; at: number; n: number };
      const ctor = KINDS[ref.$a] as (typeof KINDS)[keyof typeof KINDS] | undefined;
      const start = bodyStart + ref.at;
      const end = ctor ? start + ref.n * ctor.BYTES_PER_ELEMENT : Infinity;
      if (!ctor || end > size) throw new Error(`${what} is truncated`);
      const out = new ctor(ref.n);
      if (ref.n > 0) await read(start, end, new Uint8Array(out.buffer));
      return out;
    }
    for (const [k, v] of Object.entries(value)) (value as Record<string, unknown>)[k] = await resolve(v);
    return value;
  };
  await resolve(header);
  return header as { meta: Record<string, unknown>; partial: WindowPartial };
}
