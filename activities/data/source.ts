/**
 * The data-source port: reads the bytes behind a URI. `file://` here; `s3://` is another
 * implementation of the same interface.
 */
import { open, readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export interface DataSource {
  /** The object's bytes, or undefined when it does not exist. Other failures throw. */
  read(uri: string): Promise<Uint8Array | undefined>;
  /** The names of the files in a folder (URI ending in /), or undefined when it cannot be listed. */
  list?(folderUri: string): Promise<string[] | undefined>;
}

export function createFileDataSource(): DataSource {
  return {
    async read(uri) {
      if (!uri.startsWith('file://')) throw new Error(`unsupported data URI ${uri}: only file:// is available in this deployment`);
      let handle;
      try {
        handle = await open(fileURLToPath(uri), 'r');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
      try {
        return await readShared(handle);
      } finally {
        await handle.close();
      }
    },
    async list(folderUri) {
      if (!folderUri.startsWith('file://')) return undefined;
      try {
        return (await readdir(fileURLToPath(folderUri), { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
      } catch {
        return undefined;
      }
    },
  };
}

export function baseName(uri: string): string {
  const clean = uri.split('?')[0]!;
  return decodeURIComponent(clean.slice(clean.lastIndexOf('/') + 1));
}

/**
 * Reads a whole file into shared memory, so that evaluation threads can decode it without a copy.
 */
async function readShared(handle: import('node:fs/promises').FileHandle): Promise<Uint8Array> {
  const { size } = await handle.stat();
  const out = new Uint8Array(new SharedArrayBuffer(size));
  let offset = 0;
  while (offset < size) {
    const { bytesRead } = await handle.read(out, offset, size - offset, offset);
    if (bytesRead === 0) throw new Error(`file shrank while being read (${offset} of ${size} bytes)`);
    offset += bytesRead;
  }
  return out;
}
