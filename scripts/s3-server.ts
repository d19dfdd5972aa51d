/**
 * A real S3 server for the tests and the benchmark: versitygw (Apache-2.0) with its POSIX backend, on 127.0.0.1 and
 * a free port, its data in a temporary folder. Chosen over moto because it enforces conditional
 * writes as S3 does (412 to a second `If-None-Match: *` and to a stale `If-Match`), which the store
 * relies on; test/store/contract.test.ts checks that it does.
 *
 * The binary is, in order: UPKEEP_VERSITYGW; `versitygw` on PATH; a build in the tools folder
 * (scripts/tool-cache.ts: the user's cache, else the clone's .upkeep/tools/) under
 * versitygw-<version>/; else `go install …@<version>` builds it there (about 75 s on two cores
 * with an empty Go cache; `npm test` does it before the suite starts, see scripts/test.ts).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { freePort, isExecutable, onPath, portInUse } from '../workers/dev-server.js';
import { shown, toolsDir } from './tool-cache.js';

export const VERSITYGW_VERSION = 'v1.8.0';
const LOCAL = path.join(toolsDir(), `versitygw-${VERSITYGW_VERSION}`, 'bin', 'versitygw');

type Lookup = { found: string | undefined } | { build: { go: string; args: string[]; env: NodeJS.ProcessEnv; gobin: string } };

/** The binary if there is one (or it may not be built), else how to build it. */
function lookUp(opts: { install?: boolean; log?: (line: string) => void }): Lookup {
  const log = opts.log ?? (() => {});
  const configured = process.env.UPKEEP_VERSITYGW;
  if (configured) {
    if (!isExecutable(configured)) throw new Error(`UPKEEP_VERSITYGW=${configured} is not an executable file`);
    return { found: configured };
  }
  const found = onPath('versitygw', process.env) ?? (isExecutable(LOCAL) ? LOCAL : undefined);
  if (found || opts.install === false) return { found };
  const go = onPath('go', process.env) ?? (isExecutable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (!go) {
    log('no versitygw and no Go toolchain to build it: the S3 tests will be skipped');
    return { found: undefined };
  }
  mkdirSync(path.dirname(LOCAL), { recursive: true });
  log(`building versitygw ${VERSITYGW_VERSION} (go install) into ${shown(path.dirname(LOCAL))}`);
  // Installed into a folder of this process, then moved into place in one rename: the tools folder
  // may be shared by other clones, building and running the same binary meanwhile.
  const gobin = mkdtempSync(path.join(path.dirname(LOCAL), '.build-'));
  return {
    build: {
      go,
      args: ['install', `github.com/versity/versitygw/cmd/versitygw@${VERSITYGW_VERSION}`],
      env: { ...process.env, GOBIN: gobin, GOFLAGS: '-mod=mod' },
      gobin,
    },
  };
}

function built(status: number | null, gobin: string, log: (line: string) => void): string | undefined {
  try {
    if (status === 0) renameSync(path.join(gobin, 'versitygw'), LOCAL);
  } catch {
    // not built: said below
  } finally {
    rmSync(gobin, { recursive: true, force: true });
  }
  if (status === 0 && isExecutable(LOCAL)) return LOCAL;
  log(`could not build versitygw (go install exited ${status}): the S3 tests will be skipped`);
  return undefined;
}

/** The versitygw binary, built with Go when `install` allows and there is none yet. */
export function resolveVersitygw(opts: { install?: boolean; log?: (line: string) => void } = {}): string | undefined {
  const look = lookUp(opts);
  if ('found' in look) return look.found;
  const r = spawnSync(look.build.go, look.build.args, { stdio: ['ignore', 'inherit', 'inherit'], env: look.build.env });
  return built(r.status, look.build.gobin, opts.log ?? (() => {}));
}

/** resolveVersitygw without blocking: `npm test` starts the dev server meanwhile. */
export async function resolveVersitygwAsync(opts: { install?: boolean; log?: (line: string) => void } = {}): Promise<string | undefined> {
  const look = lookUp(opts);
  if ('found' in look) return look.found;
  const { go, args, env, gobin } = look.build;
  const status = await new Promise<number | null>((resolve) => {
    const child = spawn(go, args, { stdio: ['ignore', 'inherit', 'inherit'], env });
    child.once('error', () => resolve(null));
    child.once('exit', (code) => resolve(code));
  });
  return built(status, gobin, opts.log ?? (() => {}));
}

export interface S3Server {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** A client for this server (path-style, region us-east-1). */
  client(): S3Client;
  createBucket(name: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startS3Server(binary: string): Promise<S3Server> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-s3-'));
  const port = await freePort();
  const accessKeyId = 'upkeeptest';
  const secretAccessKey = 'upkeeptestsecret';
  const child: ChildProcess = spawn(binary, ['--port', `127.0.0.1:${port}`, 'posix', dir], {
    env: { ...process.env, ROOT_ACCESS_KEY: accessKeyId, ROOT_SECRET_KEY: secretAccessKey },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-4000)));
  child.stderr?.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 30_000;
  while (!(await portInUse(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`versitygw did not start on 127.0.0.1:${port}:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const endpoint = `http://127.0.0.1:${port}`;
  const client = (): S3Client => new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId, secretAccessKey } });
  return {
    endpoint,
    accessKeyId,
    secretAccessKey,
    client,
    async createBucket(name) {
      const c = client();
      try {
        await c.send(new CreateBucketCommand({ Bucket: name }));
      } finally {
        c.destroy();
      }
    },
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
