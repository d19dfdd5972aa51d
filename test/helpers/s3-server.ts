/** The S3 server of scripts/s3-server.ts for a mocha `describe`. */
import { resolveVersitygw, startS3Server, type S3Server } from '../../scripts/s3-server.js';

export { resolveVersitygw, startS3Server, VERSITYGW_VERSION, type S3Server } from '../../scripts/s3-server.js';

/**
 * A versitygw server for the enclosing mocha `describe`: started before its tests (which are
 * skipped when there is no binary), stopped after them. With `credentialsInEnv`, its keys are
 * also the environment's AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (the SDK's standard provider
 * chain reads them) while the tests run. Returns a getter for the running server.
 */
export function useS3Server(opts: { credentialsInEnv?: boolean } = {}): () => S3Server {
  let server: S3Server | undefined;
  const saved = { AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY };
  before(async function () {
    const binary = resolveVersitygw({ install: false });
    if (!binary) this.skip();
    server = await startS3Server(binary!);
    if (opts.credentialsInEnv) {
      process.env.AWS_ACCESS_KEY_ID = server.accessKeyId;
      process.env.AWS_SECRET_ACCESS_KEY = server.secretAccessKey;
    }
  });
  after(async () => {
    await server?.stop();
    if (!opts.credentialsInEnv) return;
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
  return () => server!;
}
