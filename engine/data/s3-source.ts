/**
 * Data in S3: a window's files read with GetObject into shared memory (so evaluation threads decode
 * them without a copy), folders listed with ListObjectsV2. Errors name the bucket and key and say
 * whether it was access (not retried), absence (a missing day) or throttling (retried).
 */
import { describeS3Error, isMissing, parseS3Uri, s3Loader, type S3Options } from '../store/s3-client.js';
import type { DataSource } from './source.js';
import { DEFAULT_LIMITS } from '../../domain/limits.js';
import { UpkeepError } from '../errors.js';
import { formatBytes, type RangeFile } from '../open-regular.js';

export function createS3DataSource(opts: S3Options = {}): Required<DataSource> {
  const load = s3Loader(opts);
  return {
    async read(uri, readOpts = {}) {
      const { bucket, prefix: key } = parseS3Uri(uri);
      const { client, sdk } = await load();
      const maxBytes = readOpts.maxBytes ?? DEFAULT_LIMITS.max_file_bytes;
      let out;
      try {
        out = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key }), readOpts.signal ? { abortSignal: readOpts.signal } : {});
      } catch (err) {
        if (isMissing(err)) return undefined;
        throw describeS3Error(err, 'reading', bucket, key);
      }
      const size = out.ContentLength;
      if (size !== undefined && size > maxBytes) {
        out.Body?.transformToWebStream()
          .cancel()
          .catch(() => undefined);
        throw new UpkeepError(
          'UnreadableData',
          `${readOpts.what ?? 'data file'} ${uri}: is ${formatBytes(size)}, more than the limit of ${formatBytes(maxBytes)} (${readOpts.limitName ?? 'limits.max_file_bytes'})`,
        );
      }
      const body = await out.Body!.transformToByteArray();
      if (size !== undefined && body.byteLength !== size) throw new Error(`reading s3://${bucket}/${key}: got ${body.byteLength} of ${size} bytes`);
      const shared = new Uint8Array(new SharedArrayBuffer(body.byteLength));
      shared.set(body);
      return shared;
    },
    /** The object by ranges: one HeadObject for its size, then one ranged GetObject per read. */
    async open(uri, readOpts = {}): Promise<RangeFile | undefined> {
      const { bucket, prefix: key } = parseS3Uri(uri);
      const { client, sdk } = await load();
      const signal = readOpts.signal ? { abortSignal: readOpts.signal } : {};
      let size: number;
      let etag: string | undefined;
      try {
        const head = await client.send(new sdk.HeadObjectCommand({ Bucket: bucket, Key: key }), signal);
        size = head.ContentLength ?? 0;
        etag = head.ETag;
      } catch (err) {
        if (isMissing(err)) return undefined;
        throw describeS3Error(err, 'reading', bucket, key);
      }
      const maxBytes = readOpts.maxBytes ?? DEFAULT_LIMITS.max_file_bytes;
      if (size > maxBytes)
        throw new UpkeepError(
          'UnreadableData',
          `${readOpts.what ?? 'data file'} ${uri}: is ${formatBytes(size)}, more than the limit of ${formatBytes(maxBytes)} (${readOpts.limitName ?? 'limits.max_file_bytes'})`,
        );
      return {
        size,
        async read(start, end, into, at = 0) {
          const out = into ?? new Uint8Array(new SharedArrayBuffer(end - start));
          if (end <= start) return out;
          let got;
          try {
            // If-Match: every range comes from the object whose size was read.
            got = await client.send(
              new sdk.GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${start}-${end - 1}`, ...(etag ? { IfMatch: etag } : {}) }),
              signal,
            );
          } catch (err) {
            throw describeS3Error(err, 'reading', bucket, key);
          }
          const body = await got.Body!.transformToByteArray();
          if (body.byteLength !== end - start) throw new Error(`reading s3://${bucket}/${key} bytes ${start}-${end - 1}: got ${body.byteLength} bytes`);
          out.set(body, at);
          return out;
        },
        close: async () => undefined,
      };
    },
    async list(folderUri) {
      const { bucket, prefix } = parseS3Uri(folderUri);
      const base = prefix ? `${prefix}/` : '';
      const { client, sdk } = await load();
      const names: string[] = [];
      let token: string | undefined;
      do {
        let out;
        try {
          out = await client.send(new sdk.ListObjectsV2Command({ Bucket: bucket, Prefix: base, Delimiter: '/', ContinuationToken: token }));
        } catch (err) {
          throw describeS3Error(err, 'listing', bucket, base);
        }
        for (const o of out.Contents ?? []) if (o.Key && o.Key.length > base.length) names.push(o.Key.slice(base.length));
        token = out.IsTruncated ? out.NextContinuationToken : undefined;
      } while (token);
      return names.sort();
    },
  };
}
