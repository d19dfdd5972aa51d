/**
 * Reads of immutable objects a run refers to (snapshot files, stored artifacts, partial results):
 * one that is missing is an operational fault (retried), not bad input.
 */
import type { RangeFile } from '../open-regular.js';
import type { DataSource } from './source.js';

export interface StoredReaders {
  /** The object's bytes; throws when it is missing. */
  read(uri: string, what: string): Promise<Uint8Array>;
  /** The object for reads by range, when the data source can (file:// and s3:// can). */
  open?(uri: string, what: string): Promise<RangeFile>;
}

/** Readers over the data source; `signal` (a cancellation) stops a read between chunks. */
export function storedReaders(data: DataSource, signal?: AbortSignal): StoredReaders {
  const opts = (what: string) => ({ what, ...(signal ? { signal } : {}) });
  return {
    async read(uri, what) {
      const bytes = await data.read(uri, opts(what));
      // The store is immutable: an object that vanished is an operational fault, retried.
      if (!bytes) throw new Error(`${what} ${uri} is missing from the store`);
      return bytes;
    },
    ...(data.open
      ? {
          async open(uri: string, what: string) {
            const file = await data.open!(uri, opts(what));
            if (!file) throw new Error(`${what} ${uri} is missing from the store`);
            return file;
          },
        }
      : {}),
  };
}
