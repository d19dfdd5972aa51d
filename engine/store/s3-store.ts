/**
 * The artifact store in S3 or an S3-compatible server, through AWS SDK for JavaScript v3.
 * Immutable keys are written with `If-None-Match: *`, compare-and-swap with `If-Match` on the
 * ETag read together with the content: no locks, the server decides. Credentials come from the
 * SDK's standard provider chain (environment, shared config and profile, web identity, instance
 * metadata); `endpoint` and path-style addressing serve S3-compatible servers (docs/storage.md).
 * The SDK is loaded on first use, so commands that never touch S3 do not pay for it.
 */
import { createHash } from 'node:crypto';
import { UpkeepError } from '../errors.js';
import { describeS3Error, isMissing, isPreconditionFailed, parseS3Uri, s3Loader, type S3Options } from './s3-client.js';
import { assertKey, type ArtifactStore, type CasResult, type PutResult } from './store.js';

export interface S3StoreOptions extends S3Options {
  /** Bodies above this size go up as multipart uploads (default 16 MiB). */
  multipartThreshold?: number;
}

const DEFAULT_MULTIPART = 16 * 1024 * 1024;

const sha256Hex = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const toBytes = (data: Uint8Array | string): Uint8Array => (typeof data === 'string' ? Buffer.from(data, 'utf8') : data);

export function createS3Store(rootUri: string, opts: S3StoreOptions = {}): ArtifactStore {
  const { bucket, prefix } = parseS3Uri(rootUri.replace(/\/+$/, ''));
  const load = s3Loader(opts);
  const threshold = opts.multipartThreshold ?? DEFAULT_MULTIPART;
  const root = `s3://${bucket}${prefix ? `/${prefix}` : ''}`;
  const objectKey = (key: string): string => {
    assertKey(key);
    return prefix ? `${prefix}/${key}` : key;
  };
  const uriFor = (key: string): string => `s3://${bucket}/${objectKey(key)}`;

  /** The object's bytes and ETag, or undefined when it does not exist. */
  async function read(key: string): Promise<{ bytes: Uint8Array; etag: string | undefined } | undefined> {
    const Key = objectKey(key);
    const { client, sdk } = await load();
    try {
      const out = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key }));
      const bytes = await out.Body!.transformToByteArray();
      return { bytes, etag: out.ETag };
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw describeS3Error(err, 'reading', bucket, Key);
    }
  }

  async function write(key: string, bytes: Uint8Array, condition: { IfNoneMatch?: string; IfMatch?: string }): Promise<void> {
    const Key = objectKey(key);
    const { client, sdk } = await load();
    if (bytes.byteLength > threshold && !condition.IfMatch) {
      // Multipart: S3 applies If-None-Match when the upload completes.
      const { Upload } = await import('@aws-sdk/lib-storage');
      await new Upload({ client, params: { Bucket: bucket, Key, Body: bytes, ...condition } }).done();
      return;
    }
    await client.send(new sdk.PutObjectCommand({ Bucket: bucket, Key, Body: bytes, ...condition }));
  }

  const result = (key: string, bytes: Uint8Array, created: boolean): PutResult => ({
    uri: uriFor(key),
    sha256: sha256Hex(bytes),
    size: bytes.byteLength,
    created,
  });

  return {
    root,
    uriFor,
    async exists(key) {
      const Key = objectKey(key);
      const { client, sdk } = await load();
      try {
        await client.send(new sdk.HeadObjectCommand({ Bucket: bucket, Key }));
        return true;
      } catch (err) {
        if (isMissing(err)) return false;
        throw describeS3Error(err, 'looking up', bucket, Key);
      }
    },
    async put(key, data, putOpts = {}): Promise<PutResult> {
      const bytes = toBytes(data);
      try {
        await write(key, bytes, putOpts.ifAbsent ? { IfNoneMatch: '*' } : {});
        return result(key, bytes, true);
      } catch (err) {
        if (putOpts.ifAbsent && isPreconditionFailed(err)) {
          // First writer wins: report what is there.
          const existing = await read(key);
          if (existing) return result(key, existing.bytes, false);
        }
        throw err instanceof UpkeepError ? err : describeS3Error(err, 'writing', bucket, objectKey(key));
      }
    },
    async putStream(key, chunks, expected): Promise<PutResult> {
      const Key = objectKey(key);
      const made = { uri: uriFor(key), sha256: expected.sha256, size: expected.size };
      const { client, sdk } = await load();
      try {
        await client.send(new sdk.HeadObjectCommand({ Bucket: bucket, Key }));
        return { ...made, created: false };
      } catch (err) {
        if (!isMissing(err)) throw describeS3Error(err, 'looking up', bucket, Key);
      }
      // The chunks are hashed on their way up: a mismatch fails the upload before it completes, and
      // an aborted multipart upload leaves nothing visible.
      async function* checked(): AsyncGenerator<Uint8Array> {
        const hash = createHash('sha256');
        let size = 0;
        for await (const chunk of chunks()) {
          hash.update(chunk);
          size += chunk.byteLength;
          yield chunk;
        }
        const sha256 = hash.digest('hex');
        if (sha256 !== expected.sha256 || size !== expected.size)
          throw new Error(`${uriFor(key)}: the source changed while it was copied (${size} bytes, expected ${expected.size})`);
      }
      const { Upload } = await import('@aws-sdk/lib-storage');
      const { Readable } = await import('node:stream');
      try {
        await new Upload({
          client,
          params: { Bucket: bucket, Key, Body: Readable.from(checked()), IfNoneMatch: '*' },
          partSize: Math.max(threshold, 5 * 1024 * 1024),
        }).done();
        return { ...made, created: true };
      } catch (err) {
        if (isPreconditionFailed(err)) return { ...made, created: false };
        throw err instanceof UpkeepError ? err : describeS3Error(err, 'writing', bucket, Key);
      }
    },
    async delete(key) {
      const Key = objectKey(key);
      const { client, sdk } = await load();
      try {
        await client.send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key }));
      } catch (err) {
        if (!isMissing(err)) throw describeS3Error(err, 'removing', bucket, Key);
      }
    },
    async putIfMatch(key, data, expected): Promise<CasResult> {
      const current = await read(key);
      const currentSha = current ? sha256Hex(current.bytes) : null;
      if (currentSha !== expected) return { ok: false, current: currentSha };
      const bytes = toBytes(data);
      try {
        await write(key, bytes, current ? (current.etag ? { IfMatch: current.etag } : {}) : { IfNoneMatch: '*' });
        return { ok: true, result: result(key, bytes, true) };
      } catch (err) {
        if (!isPreconditionFailed(err)) throw describeS3Error(err, 'writing', bucket, objectKey(key));
        // Another writer came first: report what it wrote.
        const now = await read(key);
        return { ok: false, current: now ? sha256Hex(now.bytes) : null };
      }
    },
    async get(key) {
      const found = await read(key);
      if (!found) throw new Error(`reading ${uriFor(key)}: no such object`);
      return found.bytes;
    },
    async tryGet(key) {
      return (await read(key))?.bytes;
    },
    async list(listPrefix) {
      const base = listPrefix ? objectKey(listPrefix.replace(/\/$/, '')) + '/' : prefix ? `${prefix}/` : '';
      const strip = prefix ? prefix.length + 1 : 0;
      const keys: string[] = [];
      let token: string | undefined;
      const { client, sdk } = await load();
      do {
        let out;
        try {
          out = await client.send(new sdk.ListObjectsV2Command({ Bucket: bucket, Prefix: base, ContinuationToken: token }));
        } catch (err) {
          throw describeS3Error(err, 'listing', bucket, base);
        }
        for (const o of out.Contents ?? []) if (o.Key && !o.Key.endsWith('/')) keys.push(o.Key.slice(strip));
        token = out.IsTruncated ? out.NextContinuationToken : undefined;
      } while (token);
      return keys.sort();
    },
  };
}
