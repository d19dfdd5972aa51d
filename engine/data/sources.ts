/**
 * The data source of a config: file:// from the local file system, s3:// through the AWS SDK with
 * the config's S3 settings for the object's bucket. Models, reference profiles and data windows
 * are all read through it.
 */
import type { S3Settings } from '../../domain/config.js';
import { parseS3Uri, s3OptionsFor } from '../store/s3-client.js';
import { createS3DataSource } from './s3-source.js';
import { createFileDataSource, type DataSource } from './source.js';

export function createDataSource(s3?: S3Settings): Required<DataSource> {
  const file = createFileDataSource();
  const buckets = new Map<string, ReturnType<typeof createS3DataSource>>();
  const s3For = (uri: string) => {
    const { bucket } = parseS3Uri(uri);
    let source = buckets.get(bucket);
    if (!source) buckets.set(bucket, (source = createS3DataSource(s3OptionsFor(s3, bucket))));
    return source;
  };
  return {
    read: (uri, opts) => (uri.startsWith('s3://') ? s3For(uri).read(uri, opts) : file.read(uri, opts)),
    open: (uri, opts) => (uri.startsWith('s3://') ? s3For(uri).open(uri, opts) : file.open!(uri, opts)),
    list: async (folderUri) => (folderUri.startsWith('s3://') ? s3For(folderUri).list(folderUri) : file.list?.(folderUri)),
  };
}
