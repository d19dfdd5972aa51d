/**
 * Temporal's time-skipping test server for the workflow-logic tier (test/workflow-logic/): the
 * Java SDK's test server (io.temporal:temporal-test-server, MIT), run by a small launcher script
 * that the SDK starts as `<launcher> <port> --enable-time-skipping`. The SDK's own download of a
 * native build comes from a host this machine may not reach; Maven Central is reachable wherever
 * Maven works.
 *
 * The launcher is, in order: UPKEEP_TEST_SERVER; one in the tools folder (scripts/tool-cache.ts:
 * the user's cache, else the clone's .upkeep/tools/) under temporal-test-server-<version>/; else it
 * is made there, by one process at a time: Maven copies the server's jars (about 40 MB), a
 * class-data archive is dumped from one start (the JVM then starts in 2–3 s
 * instead of about 10 on a busy machine; the SDK waits 5), and the launcher is written last. Java
 * and Maven are installed with apt-get when missing and this runs as root; otherwise, or when a
 * step fails, the reason is logged and nothing is returned (the tier is skipped, saying why).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort, isExecutable, onPath, portInUse } from '../workers/dev-server.js';
import { shown, toolsDir, underLock } from './tool-cache.js';

export const TEST_SERVER_VERSION = '1.38.0';
const DIR = path.join(toolsDir(), `temporal-test-server-${TEST_SERVER_VERSION}`);
const LAUNCHER = path.join(DIR, 'temporal-test-server');
const MAIN_CLASS = 'io.temporal.testserver.TestServer';

export interface TestServerResolution {
  /** The launcher to give TestWorkflowEnvironment.createTimeSkipping as an existing path. */
  path?: string;
  /** Why there is none (one line). */
  missing?: string;
}

const POM = `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>upkeep.dev</groupId>
  <artifactId>temporal-test-server-fetch</artifactId>
  <version>1</version>
  <dependencies>
    <dependency>
      <groupId>io.temporal</groupId>
      <artifactId>temporal-test-server</artifactId>
      <version>${TEST_SERVER_VERSION}</version>
    </dependency>
  </dependencies>
</project>
`;

/** Installs Java and Maven with apt-get (root only); true when both are there afterwards. */
function aptInstall(log: (line: string) => void): boolean {
  const apt = onPath('apt-get', process.env);
  if (!apt || process.getuid?.() !== 0) return false;
  log('installing default-jre-headless and maven (apt-get) for the time-skipping test server');
  const install = (): number | null =>
    spawnSync(apt, ['install', '-y', '-q', '--no-install-recommends', 'default-jre-headless', 'maven'], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    }).status;
  if (install() !== 0) {
    spawnSync(apt, ['update', '-q'], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (install() !== 0) return false;
  }
  return Boolean(onPath('java', process.env) && onPath('mvn', process.env));
}

function jvmArgs(java: string, archive: string | undefined): string[] {
  // A short-lived server: the client compiler only, a small serial heap.
  return [
    java,
    '-XX:TieredStopAtLevel=1',
    '-XX:+UseSerialGC',
    '-Xmx512m',
    ...(archive ? [`-XX:SharedArchiveFile=${archive}`, '-Xlog:cds=off', '-Xlog:cds+dynamic=off'] : []),
  ];
}

/** Starts the server once with -XX:ArchiveClassesAtExit and stops it: the classes it loaded are archived. */
async function dumpArchive(java: string, archive: string): Promise<boolean> {
  const port = await freePort();
  const child = spawn(
    java,
    [
      '-XX:TieredStopAtLevel=1',
      '-XX:+UseSerialGC',
      '-Xmx512m',
      `-XX:ArchiveClassesAtExit=${archive}`,
      '-Xlog:cds=off',
      '-Xlog:cds+dynamic=off',
      '-cp',
      path.join(DIR, 'lib', '*'),
      MAIN_CLASS,
      String(port),
      '--enable-time-skipping',
    ],
    {
      stdio: 'ignore',
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 120_000;
  while (!(await portInUse(port)) && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  return existsSync(archive);
}

/**
 * Finds or makes the test server's launcher. `install: false` only looks (no Maven, no apt-get).
 */
export async function resolveTestServer(opts: { install?: boolean; log?: (line: string) => void } = {}): Promise<TestServerResolution> {
  const log = opts.log ?? (() => {});
  const configured = process.env.UPKEEP_TEST_SERVER;
  if (configured) {
    if (!isExecutable(configured)) throw new Error(`UPKEEP_TEST_SERVER=${configured} is not an executable file`);
    return { path: configured };
  }
  if (isExecutable(LAUNCHER)) return { path: LAUNCHER };
  if (opts.install === false) return { missing: `no time-skipping test server in ${shown(DIR)} (npm test sets it up)` };
  if (!(onPath('java', process.env) && onPath('mvn', process.env)) && !aptInstall(log)) {
    return { missing: 'the time-skipping test server needs Java and Maven (apt-get install default-jre-headless maven), and they are not installed' };
  }
  const java = onPath('java', process.env)!;
  const mvn = onPath('mvn', process.env)!;
  // The tools folder may be shared by other clones: one of them makes the server, the others wait for it.
  const made = await underLock(
    DIR,
    () => isExecutable(LAUNCHER),
    () => make(java, mvn, log),
  );
  if (made) return made;
  return isExecutable(LAUNCHER) ? { path: LAUNCHER } : { missing: `another npm test was making the test server in ${shown(DIR)} and did not finish` };
}

async function make(java: string, mvn: string, log: (line: string) => void): Promise<TestServerResolution> {
  mkdirSync(DIR, { recursive: true });
  writeFileSync(path.join(DIR, 'pom.xml'), POM);
  log(`fetching the Temporal test server ${TEST_SERVER_VERSION} from Maven Central into ${shown(DIR)}`);
  rmSync(path.join(DIR, 'lib'), { recursive: true, force: true });
  // Asynchronous: `npm test` type-checks and lints meanwhile.
  const status = await new Promise<number | null>((resolve) => {
    const child = spawn(
      mvn,
      ['-q', '-B', '-Dstyle.color=never', '-f', path.join(DIR, 'pom.xml'), 'dependency:copy-dependencies', '-DoutputDirectory=lib', '-DincludeScope=runtime'],
      { cwd: DIR, stdio: ['ignore', 'inherit', 'inherit'] },
    );
    child.once('error', () => resolve(null));
    child.once('exit', (code) => resolve(code));
  });
  const jars = existsSync(path.join(DIR, 'lib')) ? readdirSync(path.join(DIR, 'lib')).filter((f) => f.endsWith('.jar')) : [];
  if (status !== 0 || !jars.some((f) => f.startsWith('temporal-test-server-'))) {
    return { missing: `Maven could not fetch io.temporal:temporal-test-server:${TEST_SERVER_VERSION} (mvn exited ${status})` };
  }
  const archive = path.join(DIR, 'classes.jsa');
  rmSync(archive, { force: true });
  const archived = await dumpArchive(java, archive);
  if (!archived) log("could not archive the test server's classes: it starts without (slower)");
  const script = [
    '#!/bin/sh',
    `# Written by scripts/test-server.ts: the Temporal test server ${TEST_SERVER_VERSION}, args <port> [--enable-time-skipping].`,
    'dir=$(dirname "$0")',
    `exec ${jvmArgs(java, archived ? '"$dir/classes.jsa"' : undefined).join(' ')} -cp "$dir/lib/*" ${MAIN_CLASS} "$@"`,
    '',
  ].join('\n');
  const tmp = `${LAUNCHER}.tmp`;
  writeFileSync(tmp, script, { mode: 0o755 });
  renameSync(tmp, LAUNCHER);
  return { path: LAUNCHER };
}
