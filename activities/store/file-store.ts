import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile, link } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { assertKey, type ArtifactStore, type PutResult } from './store.js';

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A store in a local folder. Writes go to a temporary file that is renamed into place. */
export function createFileStore(rootUri: string): ArtifactStore {
  const rootDir = rootUri.startsWith('file://') ? fileURLToPath(rootUri) : path.resolve(rootUri);
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
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  };

  return {
    root,
    uriFor: (key) => pathToFileURL(fileFor(key)).href,
    exists,
    async put(key, data, opts = {}): Promise<PutResult> {
      const file = fileFor(key);
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      const result = { uri: pathToFileURL(file).href, sha256: sha256Hex(bytes), size: bytes.byteLength };
      await mkdir(path.dirname(file), { recursive: true });
      const tmp = `${file}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
      await writeFile(tmp, bytes);
      try {
        if (opts.ifAbsent) {
          // link() fails with EEXIST instead of replacing: first writer wins, atomically.
          try {
            await link(tmp, file);
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
              const existing = await readFile(file);
              return { ...result, sha256: sha256Hex(existing), size: existing.byteLength, created: false };
            }
            throw err;
          }
          return { ...result, created: true };
        }
        await rename(tmp, file);
        return { ...result, created: true };
      } finally {
        await rm(tmp, { force: true });
      }
    },
    async get(key) {
      return new Uint8Array(await readFile(fileFor(key)));
    },
    async tryGet(key) {
      try {
        return new Uint8Array(await readFile(fileFor(key)));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    },
    async list(prefix) {
      const base = prefix ? fileFor(prefix.replace(/\/$/, '')) : rootDir;
      const out: string[] = [];
      const walk = async (dir: string): Promise<void> => {
        let entries;
        try {
          entries = await readdir(dir, { withFileTypes: true });
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
          throw err;
        }
        for (const e of entries) {
          const full = path.join(dir, e.name);
          if (e.isDirectory()) await walk(full);
          else if (!e.name.includes('.tmp-')) out.push(path.relative(rootDir, full).split(path.sep).join('/'));
        }
      };
      await walk(base);
      return out.sort();
    },
  };
}
