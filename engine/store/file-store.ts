import { sha256Hex } from '../util.js';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, link, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { withLock } from './lock.js';
import { assertKey, type ArtifactStore, type CasResult, type PutResult } from './store.js';
import { readRegularFile, REPLACED } from '../open-regular.js';

/** Temporary files (and lock staging folders) older than this were left by a crashed writer. */
export const TMP_MAX_AGE_MS = 60 * 60_000;

export interface FileStoreOptions {
  /** Mode of the objects written (default 0600: the store holds data and models). */
  fileMode?: number;
  /** Mode of the folders created (default 0700). */
  dirMode?: number;
}

const code = (err: unknown): string | undefined => (err as NodeJS.ErrnoException).code;

/** fsync of a folder, so a rename or link in it survives a power loss. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * A store in a local folder. Writes go to a temporary file (synced to disk) that is renamed or
 * linked into place, then the folder is synced. Objects are 0600 and folders 0700 unless the
 * config's `store_mode` says otherwise. Temporary files left by a crashed writer are removed the
 * first time the store writes.
 */
export function createFileStore(rootUri: string, opts: FileStoreOptions = {}): ArtifactStore & { sweep(): Promise<string[]> } {
  const rootDir = rootUri.startsWith('file://') ? fileURLToPath(rootUri) : path.resolve(rootUri);
  const fileMode = opts.fileMode ?? 0o600;
  const dirMode = opts.dirMode ?? 0o700;
  const root = pathToFileURL(rootDir).href;
  const fileFor = (key: string): string => {
    assertKey(key);
    return path.join(rootDir, ...key.split('/'));
  };
  const exists = async (key: string): Promise<boolean> => {
    try {
      await stat(fileFor(key));
      return true;
    } catch (err) {
      if (code(err) === 'ENOENT') return false;
      throw err;
    }
  };

  /** Creates the folders of `file` with dirMode (mkdir's mode is reduced by the umask: chmod). */
  const ensureDir = async (dir: string): Promise<void> => {
    const first = await mkdir(dir, { recursive: true, mode: dirMode });
    if (first === undefined) return;
    for (let d = dir; d.length >= first.length; d = path.dirname(d)) await chmod(d, dirMode);
  };

  /** Writes `bytes` to a new temporary file next to `file`, with fileMode, synced. */
  const writeTemp = async (file: string, bytes: Uint8Array): Promise<string> => {
    await ensureDir(path.dirname(file));
    const tmp = `${file}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
    const handle = await open(tmp, 'wx', fileMode);
    try {
      await handle.chmod(fileMode);
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return tmp;
  };

  /** Writes chunks to a new temporary file next to `file`, checking their sha256 and size; returns its path. */
  const writeTempChunks = async (file: string, chunks: AsyncIterable<Uint8Array>, expected: { sha256: string; size: number }): Promise<string> => {
    await ensureDir(path.dirname(file));
    const tmp = `${file}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
    const handle = await open(tmp, 'wx', fileMode);
    const hash = createHash('sha256');
    let size = 0;
    try {
      await handle.chmod(fileMode);
      for await (const chunk of chunks) {
        hash.update(chunk);
        size += chunk.byteLength;
        await handle.write(chunk);
      }
      await handle.sync();
    } catch (err) {
      await handle.close();
      await rm(tmp, { force: true });
      throw err;
    }
    await handle.close();
    const sha256 = hash.digest('hex');
    if (sha256 !== expected.sha256 || size !== expected.size) {
      await rm(tmp, { force: true });
      throw new Error(
        `${file}: the source changed while it was copied (${size} bytes, sha256 ${sha256.slice(0, 12)}…, expected ${expected.size} bytes, ${expected.sha256.slice(0, 12)}…)`,
      );
    }
    return tmp;
  };

  /** An object's bytes (undefined when absent); a FIFO or folder in its place is refused, not waited on. */
  // An object overwritten (renamed over) while it is being opened is read again: the new one is
  // whole too (every write is a rename or a link). Anything else that moves it is refused.
  const readObject = async (key: string): Promise<Uint8Array | undefined> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await readRegularFile(fileFor(key), { what: 'store object', missingOk: true, noFollow: true });
      } catch (err) {
        if (!(attempt < 5 && err instanceof Error && err.message.endsWith(REPLACED))) throw err;
      }
    }
  };

  /** A folder's entries; none when it does not exist. */
  const entriesOf = async (dir: string) => {
    try {
      return await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (code(err) === 'ENOENT') return [];
      throw err;
    }
  };

  /**
   * Removes temporary files and lock staging folders older than TMP_MAX_AGE_MS from one folder
   * (writers make them next to their target); returns their keys.
   */
  const sweepFolder = async (dir: string): Promise<string[]> => {
    const removed: string[] = [];
    for (const e of await entriesOf(dir)) {
      if (!/\.tmp-(\d+-[0-9a-f]+|lockstage-.*|lock)$/.test(e.name)) continue;
      const full = path.join(dir, e.name);
      const s = await stat(full).catch(() => undefined);
      if (s && Date.now() - s.mtimeMs > TMP_MAX_AGE_MS) {
        await rm(full, { recursive: true, force: true });
        removed.push(path.relative(rootDir, full).split(path.sep).join('/'));
      }
    }
    return removed;
  };
  /** Every folder of the store, swept (for maintenance; writes sweep only the folder they write to). */
  const sweep = async (): Promise<string[]> => {
    const removed: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      removed.push(...(await sweepFolder(dir)));
      for (const e of await entriesOf(dir)) if (e.isDirectory() && !e.name.includes('.tmp-')) await walk(path.join(dir, e.name));
    };
    await walk(rootDir);
    return removed;
  };
  // Once per folder and process: a write pays for its own folder only, not for the whole store.
  const swept = new Map<string, Promise<unknown>>();
  const sweepOnce = (file: string): Promise<unknown> => {
    const dir = path.dirname(file);
    let done = swept.get(dir);
    if (!done) swept.set(dir, (done = sweepFolder(dir).catch(() => undefined)));
    return done;
  };

  const putResult = (file: string, bytes: Uint8Array): PutResult => ({
    uri: pathToFileURL(file).href,
    sha256: sha256Hex(bytes),
    size: bytes.byteLength,
    created: true,
  });
  const asBytes = (data: Uint8Array | string): Uint8Array => (typeof data === 'string' ? Buffer.from(data, 'utf8') : data);

  return {
    root,
    uriFor: (key) => pathToFileURL(fileFor(key)).href,
    exists,
    sweep,
    async put(key, data, opts = {}): Promise<PutResult> {
      const file = fileFor(key);
      const bytes = asBytes(data);
      const result = putResult(file, bytes);
      await sweepOnce(file);
      const tmp = await writeTemp(file, bytes);
      try {
        if (opts.ifAbsent) {
          // link() fails with EEXIST instead of replacing: first writer wins, atomically.
          try {
            await link(tmp, file);
          } catch (err) {
            if (code(err) === 'EEXIST') {
              const existing = (await readRegularFile(file, { what: 'store object', noFollow: true }))!;
              return { ...result, sha256: sha256Hex(existing), size: existing.byteLength, created: false };
            }
            throw err;
          }
        } else {
          await rename(tmp, file);
        }
        await syncDir(path.dirname(file));
        return result;
      } finally {
        await rm(tmp, { force: true });
      }
    },
    async putStream(key, chunks, expected): Promise<PutResult> {
      const file = fileFor(key);
      const result = { uri: pathToFileURL(file).href, sha256: expected.sha256, size: expected.size };
      if (await exists(key)) return { ...result, created: false };
      await sweepOnce(file);
      const tmp = await writeTempChunks(file, chunks(), expected);
      try {
        try {
          await link(tmp, file);
        } catch (err) {
          if (code(err) === 'EEXIST') return { ...result, created: false };
          throw err;
        }
        await syncDir(path.dirname(file));
        return { ...result, created: true };
      } finally {
        await rm(tmp, { force: true });
      }
    },
    async putIfMatch(key, data, expected): Promise<CasResult> {
      const file = fileFor(key);
      const bytes = asBytes(data);
      await sweepOnce(file);
      await ensureDir(path.dirname(file));
      return withLock(
        file,
        async (lock) => {
          const stored = await readRegularFile(file, { what: 'store object', missingOk: true, noFollow: true });
          const current = stored ? sha256Hex(stored) : null;
          if (current !== expected) return { ok: false, current };
          const tmp = await writeTemp(file, bytes);
          try {
            // A holder paused past the stale age may have lost its lock: then it must not write.
            if (!(await lock.stillHeld())) return { ok: false, current };
            await rename(tmp, file);
          } finally {
            await rm(tmp, { force: true });
          }
          await syncDir(path.dirname(file));
          return { ok: true, result: putResult(file, bytes) };
        },
        { dirMode, fileMode },
      );
    },
    async get(key) {
      const bytes = await readObject(key);
      if (!bytes) throw new Error(`store object ${fileFor(key)} does not exist`);
      return bytes;
    },
    tryGet: readObject,
    async delete(key) {
      const file = fileFor(key);
      await rm(file, { force: true });
      await syncDir(path.dirname(file)).catch(() => undefined);
    },
    async list(prefix) {
      const base = prefix ? fileFor(prefix.replace(/\/$/, '')) : rootDir;
      const out: string[] = [];
      const walk = async (dir: string): Promise<void> => {
        for (const e of await entriesOf(dir)) {
          const full = path.join(dir, e.name);
          if (e.name.includes('.tmp-')) continue;
          if (e.isDirectory()) await walk(full);
          else out.push(path.relative(rootDir, full).split(path.sep).join('/'));
        }
      };
      await walk(base);
      return out.sort();
    },
  };
}
