/**
 * What the S3 store and the S3 data source share: URIs, clients (the AWS SDK loaded on first use)
 * and errors that name the bucket and key and say what kind they are.
 */
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { UpkeepError } from '../errors.js';
import type { S3Settings } from '../../domain/config.js';

/** Where and how to reach S3: the standard provider chain supplies credentials. */
export interface S3Options {
  region?: string;
  /** An S3-compatible server, e.g. http://127.0.0.1:7070. */
  endpoint?: string;
  /** Path-style addressing (bucket in the path); the default with an endpoint. */
  forcePathStyle?: boolean;
  /** For tests: a client to use instead of one built from the options. */
  client?: S3Client;
}

export type S3Sdk = typeof import('@aws-sdk/client-s3');

/** The config's S3 settings for one bucket: its own entry over the general ones. */
export function s3OptionsFor(settings: S3Settings | undefined, bucket: string): S3Options {
  const own = settings?.buckets[bucket] ?? {};
  const region = own.region ?? settings?.region;
  const endpoint = own.endpoint ?? settings?.endpoint;
  const pathStyle = own.path_style ?? settings?.path_style;
  return { ...(region ? { region } : {}), ...(endpoint ? { endpoint } : {}), ...(pathStyle !== undefined ? { forcePathStyle: pathStyle } : {}) };
}

/** A client and the SDK, loaded once on first use. */
export function s3Loader(opts: S3Options): () => Promise<{ client: S3Client; sdk: S3Sdk }> {
  const config: S3ClientConfig = {
    ...(opts.region ? { region: opts.region } : {}),
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    forcePathStyle: opts.forcePathStyle ?? opts.endpoint !== undefined,
  };
  let loaded: Promise<{ client: S3Client; sdk: S3Sdk }> | undefined;
  return () => (loaded ??= import('@aws-sdk/client-s3').then((sdk) => ({ sdk, client: opts.client ?? new sdk.S3Client(config) })));
}

export interface S3Location {
  bucket: string;
  /** '' or a prefix without leading or trailing '/'. */
  prefix: string;
}

/** s3://bucket[/prefix] → its bucket and prefix; an error naming the URI otherwise. */
export function parseS3Uri(uri: string): S3Location {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(uri);
  if (!m)
    throw new UpkeepError(
      'InvalidConfig',
      `${uri} is not an S3 URI (s3://bucket/prefix, with a bucket name of 3 to 63 lower-case letters, digits, dots and hyphens)`,
    );
  return { bucket: m[1]!, prefix: (m[2] ?? '').replace(/^\/+|\/+$/g, '') };
}

interface S3ErrorShape {
  name?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

const statusOf = (err: unknown): number | undefined => (err as S3ErrorShape)?.$metadata?.httpStatusCode;
const codeOf = (err: unknown): string => (err as S3ErrorShape)?.name ?? (err as S3ErrorShape)?.Code ?? '';
export const isMissing = (err: unknown): boolean => statusOf(err) === 404 || codeOf(err) === 'NoSuchKey' || codeOf(err) === 'NotFound';
export const isPreconditionFailed = (err: unknown): boolean => statusOf(err) === 412 || codeOf(err) === 'PreconditionFailed';

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
    return new UpkeepError('StoreAccessDenied', `${action} ${where}: access denied (${code || status}): check the credentials and the bucket policy`, {
      cause: err,
    });
  }
  if (code === 'NoSuchBucket') return new UpkeepError('StoreAccessDenied', `${action} ${where}: bucket ${bucket} does not exist`, { cause: err });
  if (isMissing(err)) return new Error(`${action} ${where}: no such object`, { cause: err });
  if (status === 429 || status === 503 || code === 'SlowDown' || code === 'ThrottlingException') {
    return new Error(`${action} ${where}: throttled by the server (${code || status}); retried`, { cause: err });
  }
  if (status !== undefined && status >= 500) return new Error(`${action} ${where}: server error ${status} (${code}); retried`, { cause: err });
  return new Error(`${action} ${where}: ${code ? `${code}: ` : ''}${detail}`, { cause: err });
}
