/**
 * The data-source port: reads the bytes behind a URI. `file://` here; `s3://` is another
 * implementation of the same interface.
 */
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { DEFAULT_LIMITS } from '../../domain/limits.js';
import { openRegularFile, readRegularFile, type RangeFile, type ReadRegularOptions } from '../open-regular.js';
import { UpkeepError } from '../errors.js';

export interface ReadOptions {
  /** Larger files are refused before they are read (default: limits.max_file_bytes). */
  maxBytes?: number;
  /** The setting maxBytes comes from, named in the refusal (default: limits.max_file_bytes). */
  limitName?: string;
  /** Stops a read between chunks (an activity's cancellation or read deadline). */
  signal?: AbortSignal;
  /** For messages: what the file is (default "data file"). */
  what?: string;
}

export interface DataSource {
  /** The object's bytes, or undefined when it does not exist. Other failures throw. */
  read(uri: string, opts?: ReadOptions): Promise<Uint8Array | undefined>;
  /** The object for reads by range (e.g. a Parquet footer, then its row groups), or undefined when it does not exist. */
  open?(uri: string, opts?: ReadOptions): Promise<RangeFile | undefined>;
  /** The names of the files in a folder (URI ending in /), or undefined when there is no such folder. */
  list?(folderUri: string): Promise<string[] | undefined>;
}

/** The local path of a file:// URI and how to open it: only a regular file, in shared memory. */
function localFile(uri: string, opts: ReadOptions): [string, ReadRegularOptions] {
  if (!uri.startsWith('file://')) throw new Error(`unsupported data URI ${uri}: only file:// is available in this deployment`);
  return [
    fileURLToPath(uri),
    {
      what: opts.what ?? 'data file',
      maxBytes: opts.maxBytes ?? DEFAULT_LIMITS.max_file_bytes,
      limitName: opts.limitName ?? 'limits.max_file_bytes',
      missingOk: true,
      shared: true,
      ...(opts.signal ? { signal: opts.signal } : {}),
    },
  ];
}

export function createFileDataSource(): DataSource {
  return {
    // Only a regular file is opened: a FIFO or device in a data window would block a thread.
    read: async (uri, opts = {}) => readRegularFile(...localFile(uri, opts)),
    open: async (uri, opts = {}) => openRegularFile(...localFile(uri, opts)),
    async list(folderUri) {
      if (!folderUri.startsWith('file://')) return undefined;
      const folder = fileURLToPath(folderUri);
      try {
        return (await readdir(folder, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
        // Not a missing day: a folder that cannot be read is reported, never taken for empty.
        throw new UpkeepError('UnreadableData', `data folder ${folder} cannot be listed (${code ?? (err as Error).message})`);
      }
    },
  };
}

export function baseName(uri: string): string {
  const clean = uri.split('?')[0]!;
  return decodeURIComponent(clean.slice(clean.lastIndexOf('/') + 1));
}
