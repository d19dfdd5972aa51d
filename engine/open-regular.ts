/**
 * The one way upkeep reads a file it is given (data, models, profiles, configs, artifacts): only a
 * regular file is opened, never a FIFO, socket, device or folder (opening a FIFO blocks until a
 * writer appears, reading a device may never end). The path is checked with stat before opening,
 * opened non-blocking, and the open handle is checked again (the path may have been swapped in
 * between). Its size is checked against a cap before any memory is allocated.
 */
import { constants as bufferConstants } from 'node:buffer';
import { constants, fstatSync, lstatSync, openSync, readSync, closeSync, statSync, type Stats } from 'node:fs';
import { lstat, open, stat } from 'node:fs/promises';
import { UpkeepError, type UpkeepErrorType } from './errors.js';

export interface ReadRegularOptions {
  /** What the file is, for messages: "data file", "config", "model file". */
  what: string;
  /** Refuse files larger than this many bytes (checked before reading). */
  maxBytes?: number;
  /** Where the limit comes from, e.g. "limits.max_file_bytes" (named in the message). */
  limitName?: string;
  /** The error type thrown (default UnreadableData). */
  type?: UpkeepErrorType;
  /** Return undefined for a missing file instead of throwing. */
  missingOk?: boolean;
  /** Read into shared memory (evaluation threads decode it without a copy). */
  shared?: boolean;
  /** Checked between chunks: an aborted read stops with this signal's reason. */
  signal?: AbortSignal;
  /**
   * Refuse a file that its group or everyone may write (a config or keys file says who may
   * approve): the file's name in the message, e.g. "the keys file".
   */
  ownerWritesOnly?: string;
  /**
   * Refuse a symbolic link in the file's place instead of following it (store objects: a link
   * planted in the store must not make upkeep read, and then publish, a file elsewhere).
   */
  noFollow?: boolean;
}

/** Why a file others may write is refused, with the mode and the chmod that fixes it. */
export function writableByOthers(what: string, file: string, mode: number): string | undefined {
  if (process.platform === 'win32' || (mode & 0o022) === 0) return undefined;
  const m = (mode & 0o7777).toString(8).padStart(4, '0');
  const who = mode & 0o002 ? 'everyone' : 'its group';
  const arg = /^[\w@%+=:,./-]+$/.test(file) ? file : `'${file.replace(/'/g, `'\\''`)}'`;
  return `${what} ${file} is writable by ${who} (mode ${m}): anyone who can write it can change who may approve; run: chmod go-w ${arg}`;
}

/** What a non-regular file is, in words; undefined for a regular file. */
export function fileKind(s: Stats): string | undefined {
  if (s.isFile()) return undefined;
  if (s.isDirectory()) return 'a folder';
  if (s.isFIFO()) return 'a named pipe (FIFO)';
  if (s.isSocket()) return 'a socket';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

const ERRNO_WORDS: Record<string, string> = {
  ENOENT: 'no such file',
  ENOTDIR: 'no such file (a part of the path is not a folder)',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a folder, not a file',
  ELOOP: 'a symbolic link where none is followed, or too many links',
  ENAMETOOLONG: 'the path is too long',
};

/** An errno code in words (no stack trace, no code for a user mistake). */
export function whyUnreadable(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  return (code && ERRNO_WORDS[code]) ?? (err as Error).message;
}

export function formatBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} bytes` : `${v.toFixed(1)} ${units[u]}`;
}

const CHUNK = 8 * 1024 * 1024;
const FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;
const NOFOLLOW_FLAGS = FLAGS | constants.O_NOFOLLOW;
/** The largest file that can be read whole into one array (Node's buffer limit). */
const WHOLE_MAX = bufferConstants.MAX_LENGTH;

function refuse(file: string, opts: ReadRegularOptions, why: string): UpkeepError {
  return new UpkeepError(opts.type ?? 'UnreadableData', `${opts.what} ${file}: ${why}`);
}

/** Checks a stat result: a regular file within the size cap. */
function checkStats(file: string, s: Stats, opts: ReadRegularOptions): void {
  if (s.isSymbolicLink()) throw refuse(file, opts, 'is a symbolic link, which is not followed here');
  const kind = fileKind(s);
  if (kind) throw refuse(file, opts, `is ${kind}, not a regular file`);
  if (opts.maxBytes !== undefined && s.size > opts.maxBytes) {
    throw refuse(file, opts, `is ${formatBytes(s.size)}, more than the limit of ${formatBytes(opts.maxBytes)}${opts.limitName ? ` (${opts.limitName})` : ''}`);
  }
  const writable = opts.ownerWritesOnly ? writableByOthers(opts.ownerWritesOnly, file, s.mode) : undefined;
  if (writable) throw new UpkeepError(opts.type ?? 'UnreadableData', writable);
}

/** Why a file is not read whole (it would not fit one array; a planted huge file must not crash a command). */
function tooLargeWhole(size: number): string {
  return `is ${formatBytes(size)}, more than the ${formatBytes(WHOLE_MAX)} that can be read at once`;
}

function sameFile(a: Stats, b: Stats): boolean {
  return a.ino === b.ino && a.dev === b.dev;
}

/** Random access to a file or object: its size and byte ranges, without reading it whole. */
export interface RangeFile {
  readonly size: number;
  /** Bytes [start, end) into `into` at `at` (default: a new array). */
  read(start: number, end: number, into?: Uint8Array, at?: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** Why an open is refused when the path moved to another file between the checks and the open. */
export const REPLACED = 'was replaced while being opened';

/** Opens a regular file for reads by range (the same checks as readRegularFile). */
export async function openRegularFile(file: string, opts: ReadRegularOptions): Promise<RangeFile | undefined> {
  let before: Stats;
  try {
    before = await (opts.noFollow ? lstat : stat)(file);
  } catch (err) {
    if (opts.missingOk && (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw refuse(file, opts, whyUnreadable(err));
  }
  checkStats(file, before, opts);
  let handle;
  try {
    handle = await open(file, opts.noFollow ? NOFOLLOW_FLAGS : FLAGS);
  } catch (err) {
    if (opts.missingOk && (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw refuse(file, opts, whyUnreadable(err));
  }
  let size: number;
  try {
    const now = await handle.stat();
    checkStats(file, now, opts);
    if (!sameFile(before, now)) throw refuse(file, opts, REPLACED);
    size = now.size;
  } catch (err) {
    await handle.close();
    throw err;
  }
  const h = handle;
  return {
    size,
    async read(start, end, into, at = 0) {
      const out = into ?? (opts.shared ? new Uint8Array(new SharedArrayBuffer(end - start)) : new Uint8Array(end - start));
      for (let offset = start; offset < end;) {
        opts.signal?.throwIfAborted();
        const { bytesRead } = await h.read(out, at + offset - start, Math.min(CHUNK, end - offset), offset);
        if (bytesRead === 0) throw refuse(file, opts, `shrank while being read (${offset} of ${size} bytes)`);
        offset += bytesRead;
      }
      return out;
    },
    close: () => h.close(),
  };
}

/** The whole file, or undefined when it does not exist and `missingOk` is set. */
export async function readRegularFile(file: string, opts: ReadRegularOptions): Promise<Uint8Array | undefined> {
  const f = await openRegularFile(file, opts);
  if (!f) return undefined;
  try {
    if (f.size > WHOLE_MAX) throw refuse(file, opts, tooLargeWhole(f.size));
    return await f.read(0, f.size);
  } finally {
    await f.close();
  }
}

/** The same checks, synchronously (for command-line steps that read one small file). */
export function readRegularFileSync(file: string, opts: ReadRegularOptions): Uint8Array | undefined {
  let before: Stats;
  try {
    before = (opts.noFollow ? lstatSync : statSync)(file);
  } catch (err) {
    if (opts.missingOk && (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw refuse(file, opts, whyUnreadable(err));
  }
  checkStats(file, before, opts);
  let fd: number;
  try {
    fd = openSync(file, opts.noFollow ? NOFOLLOW_FLAGS : FLAGS);
  } catch (err) {
    throw refuse(file, opts, whyUnreadable(err));
  }
  try {
    const now = fstatSync(fd);
    checkStats(file, now, opts);
    if (!sameFile(before, now)) throw refuse(file, opts, REPLACED);
    if (now.size > WHOLE_MAX) throw refuse(file, opts, tooLargeWhole(now.size));
    const out = new Uint8Array(now.size);
    let offset = 0;
    while (offset < out.length) {
      const n = readSync(fd, out, offset, Math.min(CHUNK, out.length - offset), offset);
      if (n === 0) throw refuse(file, opts, `shrank while being read (${offset} of ${out.length} bytes)`);
      offset += n;
    }
    return out;
  } finally {
    closeSync(fd);
  }
}
