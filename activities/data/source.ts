/**
 * The data-source port: reads the bytes behind a URI. `file://` here; `s3://` is another
 * implementation of the same interface.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export interface DataSource {
  /** The object's bytes, or undefined when it does not exist. Other failures throw. */
  read(uri: string): Promise<Uint8Array | undefined>;
}

export function createFileDataSource(): DataSource {
  return {
    async read(uri) {
      if (!uri.startsWith('file://')) throw new Error(`unsupported data URI ${uri}: only file:// is available in this deployment`);
      try {
        return new Uint8Array(await readFile(fileURLToPath(uri)));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    },
  };
}

export function baseName(uri: string): string {
  const clean = uri.split('?')[0]!;
  return decodeURIComponent(clean.slice(clean.lastIndexOf('/') + 1));
}
