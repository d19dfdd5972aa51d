/**
 * A gzip-compressed POSIX tar (ustar) archive, written and read with node:zlib alone: `tar xzf`
 * (GNU tar, bsdtar, Windows' tar), Python's tarfile and any archive manager read it, so an evidence
 * pack needs no upkeep to be opened.
 *
 * Writing streams one file at a time to a temporary file beside the destination, synced, then
 * renamed into place: a crash leaves no half-written archive under the final name. Reading
 * extracts regular files only, under a folder of the caller's, and names everything else (a link,
 * a device, an absolute path or `..`, a member twice) instead of following it.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { createGunzip, createGzip, type Gzip } from 'node:zlib';
import { UpkeepError } from '../errors.js';
import { sha256Hex } from '../util.js';

const BLOCK = 512;
/** Archive paths: relative, `/`-separated parts of letters, digits, `.`, `_`, `-`, `=`, `+`, no `.` or `..` part. */
const SAFE_PATH = /^[A-Za-z0-9._=+-]+(\/[A-Za-z0-9._=+-]+)*$/;

export function isSafeArchivePath(p: string): boolean {
  return p.length <= 250 && SAFE_PATH.test(p) && !p.split('/').some((part) => part === '.' || part === '..');
}

/** Splits a path into ustar's prefix (≤ 155) and name (≤ 100) at a `/`. */
function splitPath(p: string): { name: string; prefix: string } {
  if (Buffer.byteLength(p) <= 100) return { name: p, prefix: '' };
  for (let i = p.indexOf('/'); i !== -1; i = p.indexOf('/', i + 1)) {
    const prefix = p.slice(0, i);
    const name = p.slice(i + 1);
    if (prefix.length <= 155 && name.length <= 100) return { name, prefix };
  }
  throw new UpkeepError('InvalidRequest', `archive path ${JSON.stringify(p)} is too long for a tar header`);
}

function octal(buf: Buffer, value: number, offset: number, length: number): void {
  buf.write(`${value.toString(8).padStart(length - 1, '0')}\0`, offset, length, 'ascii');
}

function header(p: string, size: number, mtime: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  const { name, prefix } = splitPath(p);
  h.write(name, 0, 100, 'utf8');
  octal(h, 0o644, 100, 8);
  octal(h, 0, 108, 8);
  octal(h, 0, 116, 8);
  octal(h, size, 124, 12);
  octal(h, Math.floor(mtime / 1000), 136, 12);
  h.fill(0x20, 148, 156); // the checksum counts its own field as spaces
  h.write('0', 156, 1, 'ascii');
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  h.write('upkeep', 265, 32, 'ascii');
  h.write('upkeep', 297, 32, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return h;
}

export interface TarGzWriter {
  /** Adds a file; returns its sha256 (hex). Paths must be safe (isSafeArchivePath) and unique. */
  add(p: string, data: Uint8Array | string): Promise<{ sha256: string; bytes: number }>;
  /** Ends the archive and renames it into place. */
  finish(): Promise<void>;
  /** Removes the temporary file (after an error). */
  abort(): Promise<void>;
}

/** Opens `<dest>.tmp-<random>` beside `dest`; `finish` syncs it and renames it to `dest`. */
export async function createTarGz(dest: string, mtime: number): Promise<TarGzWriter> {
  const tmp = path.join(path.dirname(dest), `.${path.basename(dest)}.tmp-${randomBytes(6).toString('hex')}`);
  const file: FileHandle = await open(tmp, 'wx', 0o644).catch((err: NodeJS.ErrnoException) => {
    throw new UpkeepError('InvalidRequest', `cannot write the archive ${dest}: ${err.code ?? err.message} in ${path.dirname(dest)}`);
  });
  const gzip: Gzip = createGzip({ level: 9 });
  let failed: Error | undefined;
  const done = new Promise<void>((resolve, reject) => {
    gzip.on('data', (chunk: Buffer) => {
      gzip.pause();
      file.write(chunk).then(
        () => gzip.resume(),
        (err: Error) => {
          failed = err;
          reject(err);
        },
      );
    });
    gzip.on('end', resolve);
    gzip.on('error', reject);
  });
  const seen = new Set<string>();
  const write = (b: Buffer): Promise<void> =>
    new Promise((resolve, reject) => {
      if (failed) return reject(failed);
      if (gzip.write(b)) resolve();
      else gzip.once('drain', resolve);
    });
  return {
    async add(p, data) {
      if (!isSafeArchivePath(p))
        throw new UpkeepError('InvalidRequest', `refusing the archive path ${JSON.stringify(p.slice(0, 200))}: not a safe relative path`);
      if (seen.has(p)) throw new UpkeepError('InvalidRequest', `the archive path ${p} was written twice`);
      seen.add(p);
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      await write(header(p, bytes.length, mtime));
      await write(bytes);
      const pad = (BLOCK - (bytes.length % BLOCK)) % BLOCK;
      if (pad) await write(Buffer.alloc(pad));
      return { sha256: sha256Hex(bytes), bytes: bytes.length };
    },
    async finish() {
      await write(Buffer.alloc(BLOCK * 2));
      gzip.end();
      await done;
      await file.sync();
      await file.close();
      await rename(tmp, dest);
    },
    async abort() {
      gzip.destroy();
      await file.close().catch(() => undefined);
      await rm(tmp, { force: true });
    },
  };
}

/** The `path` record of a pax extended header ("<length> path=<value>\n" records). */
function paxPath(text: string): string | undefined {
  let rest = text;
  while (rest.length > 0) {
    const space = rest.indexOf(' ');
    const length = Number(rest.slice(0, space));
    if (space <= 0 || !Number.isInteger(length) || length <= space) return undefined;
    const record = Buffer.from(rest).subarray(0, length).toString('utf8');
    const m = /^\d+ path=([\s\S]*)\n$/.exec(record);
    if (m) return m[1];
    rest = Buffer.from(rest).subarray(length).toString('utf8');
  }
  return undefined;
}

/** An extracted file; the verification reads its contents from the folder (and hashes what it checks there). */
export interface ExtractedMember {
  path: string;
  bytes: number;
}

/** Caps on what an archive may declare before anything is extracted (a pack of a year is far below them). */
const EXTRACT_LIMITS = { files: 200_000, totalBytes: 8 * 2 ** 30 };

const field = (h: Buffer, offset: number, length: number): string => {
  const s = h.subarray(offset, offset + length);
  const end = s.indexOf(0);
  return s.subarray(0, end === -1 ? length : end).toString('utf8');
};

/**
 * Extracts a .tar.gz's regular files into `dir` (which must be empty or absent).
 * Members that are not regular files or directories, unsafe paths and duplicates are not
 * extracted: each is a line of `problems`. Stops with an error past EXTRACT_LIMITS.
 */
export async function extractTarGz(archive: string, dir: string): Promise<{ members: ExtractedMember[]; problems: string[] }> {
  await mkdir(dir, { recursive: true });
  const members: ExtractedMember[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  let pending: Buffer = Buffer.alloc(0);
  let current:
    | {
        path: string | undefined;
        left: number;
        pad: number;
        size: number;
        out?: FileHandle;
        meta?: string;
        kept?: Buffer[];
      }
    | undefined;
  /** The next member's name from a GNU long-name ('L') or pax ('x') header before it (GNU tar writes these for long paths). */
  let longName: string | undefined;
  let total = 0;
  let ended = false;
  const input = createReadStream(archive).pipe(createGunzip());
  for await (const chunk of input as AsyncIterable<Buffer>) {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    for (;;) {
      if (current) {
        if (current.left > 0) {
          if (pending.length === 0) break;
          const take = pending.subarray(0, Math.min(current.left, pending.length));
          if (current.out) await current.out.write(take);
          if (current.kept) current.kept.push(Buffer.from(take));
          current.left -= take.length;
          pending = pending.subarray(take.length);
          if (current.left > 0) break;
        }
        if (pending.length < current.pad) break;
        pending = pending.subarray(current.pad);
        if (current.out) await current.out.close();
        if (current.meta === 'L') longName = field(Buffer.concat(current.kept ?? []), 0, current.size);
        else if (current.meta === 'x') longName = paxPath(Buffer.concat(current.kept ?? []).toString('utf8')) ?? longName;
        if (current.path !== undefined) members.push({ path: current.path, bytes: current.size });
        current = undefined;
        continue;
      }
      if (ended || pending.length < BLOCK) break;
      const h = pending.subarray(0, BLOCK);
      pending = pending.subarray(BLOCK);
      if (h.every((b) => b === 0)) {
        ended = true;
        break;
      }
      const size = parseInt(field(h, 124, 12).trim() || '0', 8);
      const type = String.fromCharCode(h[156]!);
      const prefix = field(h, 345, 155);
      const name = field(h, 0, 100);
      const meta = type === 'L' || type === 'x' || type === 'g' ? type : undefined;
      const p = !meta && longName !== undefined ? longName : prefix ? `${prefix}/${name}` : name;
      if (!meta) longName = undefined;
      if (!Number.isFinite(size) || size < 0) throw new UpkeepError('InvalidData', `${archive}: a tar header declares no valid size (not an evidence pack)`);
      total += size;
      if (members.length >= EXTRACT_LIMITS.files || total > EXTRACT_LIMITS.totalBytes)
        throw new UpkeepError(
          'InvalidData',
          `${archive} declares more than ${EXTRACT_LIMITS.files} files or ${EXTRACT_LIMITS.totalBytes} bytes: not read further`,
        );
      const clean = p.replace(/\/$/, '');
      let keep: string | undefined;
      if (meta) {
        if (size > 1 << 20) throw new UpkeepError('InvalidData', `${archive}: a tar extended header of ${size} bytes (not an evidence pack)`);
        current = { path: undefined, left: size, pad: (BLOCK - (size % BLOCK)) % BLOCK, size, meta, kept: [] };
        continue;
      }
      if (type === '5') {
        if (!isSafeArchivePath(clean)) problems.push(`the archive holds a folder with an unsafe path ${JSON.stringify(clean.slice(0, 200))}: not extracted`);
      } else if (type !== '0' && type !== '\0')
        problems.push(`${JSON.stringify(clean.slice(0, 200))} is not a regular file (tar type ${JSON.stringify(type)}): not extracted`);
      else if (!isSafeArchivePath(clean)) problems.push(`the archive holds a file with an unsafe path ${JSON.stringify(clean.slice(0, 200))}: not extracted`);
      else if (seen.has(clean)) problems.push(`${clean} appears twice in the archive: the second copy was not extracted`);
      else keep = clean;
      let out: FileHandle | undefined;
      if (keep !== undefined) {
        seen.add(keep);
        const target = path.join(dir, ...keep.split('/'));
        await mkdir(path.dirname(target), { recursive: true });
        out = await open(target, 'wx', 0o600);
      }
      current = { path: keep, left: size, pad: (BLOCK - (size % BLOCK)) % BLOCK, size, ...(out ? { out } : {}) };
      if (type === '5' && current.left === 0) current.path = undefined;
    }
  }
  if (current) {
    await current.out?.close();
    problems.push(`${current.path ?? 'the last member'} is cut short: the archive ends inside it (truncated)`);
  } else if (!ended) problems.push('the archive has no end-of-archive marker (truncated)');
  return { members, problems };
}
