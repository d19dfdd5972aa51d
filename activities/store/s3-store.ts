/**
 * The artifact store in S3 or an S3-compatible server, through AWS SDK for JavaScript v3.
 * Immutable keys are written with `If-None-Match: *`, compare-and-swap with `If-Match` on the
 * ETag read together with the content: no locks, the server decides. Credentials come from the
 * SDK's standard provider chain (environment, shared config and profile, web identity, instance
 * metadata); `endpoint` and path-style addressing serve S3-compatible servers (docs/storage.md).
 * The SDK is loaded on first use, so commands that never touch S3 do not pay for it.
 */
import { createHash } from 'node:crypto';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { UpkeepError } from '../errors.js';
import { assertKey, type ArtifactStore, type CasResult, type PutResult } from './store.js';

export interface S3StoreOptions {
  region?: string;
  /** An S3-compatible server, e.g. http://127.0.0.1:7070. */
  endpoint?: string;
  /** Path-style addressing (bucket in the path); the default with an endpoint. */
  forcePathStyle?: boolean;
  /** Bodies above this size go up as multipart uploads (default 16 MiB). */
  multipartThreshold?: number;
  /** For tests: a client to use instead of one built from the options. */
  client?: S3Client;
}

export interface S3Location {
  bucket: string;
  /** '' or a prefix without leading or trailing '/'. */
  prefix: string;
}

/** s3://bucket[/prefix] → its bucket and prefix; an error naming the URI otherwise. */
export function parseS3Uri(uri: string): S3Location {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(uri);
  if (!m) throw new UpkeepError('InvalidConfig', `${uri} is not an S3 URI (s3://bucket/prefix, with a bucket name of 3 to 63 lower-case letters, digits, dots and hyphens)`);
  return { bucket: m[1]!, prefix: (m[2] ?? '').replace(/^\/+|\/+$/g, '') };
}

const DEFAULT_MULTIPART = 16 * 1024 * 1024;

interface S3ErrorShape {
  name?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

const statusOf = (err: unknown): number | undefined => (err as S3ErrorShape)?.$metadata?.httpStatusCode;
const codeOf = (err: unknown): string => (err as S3ErrorShape)?.name ?? (err as S3ErrorShape)?.Code ?? '';
const isMissing = (err: unknown): boolean => statusOf(err) === 404 || codeOf(err) === 'NoSuchKey' || codeOf(err) === 'NotFound';
const isPreconditionFailed = (err: unknown): boolean => statusOf(err) === 412 || codeOf(err) === 'PreconditionFailed';

/**
 * An S3 failure as an error that names the object and says what kind it was. Access problems are
 * not retried (an UpkeepError); throttling, server errors and network trouble stay plain errors,
 * which Temporal retries.
 */
export function describeS3Error(err: unknown, action: string, bucket: string, key: string): Error {
  const where = `s3://${bucket}/${key}`;
  const status = statusOf(err);
  const code = codeOf(err);
  const detail = (err as Error)?.message ?? String(err);
  if (status === 403 || code === 'AccessDenied' || code === 'InvalidAccessKeyId' || code === 'SignatureDoesNotMatch') {
    return new UpkeepError('StoreAccessDenied', `${action} ${where}: access denied (${code || status}): check the credentials and the bucket policy`, { cause: err });
  }
  if (code === 'NoSuchBucket') return new UpkeepError('StoreAccessDenied', `${action} ${where}: bucket ${bucket} does not exist`, { cause: err });
  if (isMissing(err)) return new Error(`${action} ${where}: no such object`, { cause: err });
  if (status === 429 || status === 503 || code === 'SlowDown' || code === 'ThrottlingException') {
    return new Error(`${action} ${where}: throttled by the server (${code || status}); retried`, { cause: err });
  }
  if (status !== undefined && status >= 500) return new Error(`${action} ${where}: server error ${status} (${code}); retried`, { cause: err });
  return new Error(`${action} ${where}: ${code ? `${code}: ` : ''}${detail}`, { cause: err });
}

const sha256Hex = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const toBytes = (data: Uint8Array | string): Uint8Array => (typeof data === 'string' ? Buffer.from(data, 'utf8') : data);

export function createS3Store(rootUri: string, opts: S3StoreOptions = {}): ArtifactStore {
  const { bucket, prefix } = parseS3Uri(rootUri.replace(/\/+$/, ''));
  const config: S3ClientConfig = {
    ...(opts.region ? { region: opts.region } : {}),
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    forcePathStyle: opts.forcePathStyle ?? opts.endpoint !== undefined,
  };
  let loaded: Promise<{ client: S3Client; sdk: typeof import('@aws-sdk/client-s3') }> | undefined;
  const load = () =>
    (loaded ??= import('@aws-sdk/client-s3').then((sdk) => ({ sdk, client: opts.client ?? new sdk.S3Client(config) })));
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

  const result = (key: string, bytes: Uint8Array, created: boolean): PutResult => ({ uri: uriFor(key), sha256: sha256Hex(bytes), size: bytes.byteLength, created });

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
