/**
 * `npm test`: type-check, lint, then the whole mocha suite against a Temporal dev server that this
 * script starts on free ports (in memory) and always stops, whatever the outcome.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { resolveTemporalCli, startDevServer, type DevServer } from '../workers/dev-server.js';
import { PROJECT_DIR } from '../workers/paths.js';
import { readSettings } from '../workers/settings.js';

const env = process.env;
const log = (line: string): void => console.log(`upkeep test: ${line}`);

function run(cmd: string, args: string[], extraEnv: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: PROJECT_DIR, stdio: 'inherit', env: { ...env, ...extraEnv } });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

const bin = (name: string): string => path.join(PROJECT_DIR, 'node_modules', '.bin', name);

async function main(): Promise<number> {
  const mochaArgs = process.argv.slice(2);
  if (mochaArgs.length === 0) {
    log('type-check');
    if ((await run(bin('tsc'), ['--noEmit', '-p', '.'])) !== 0) return 1;
    log('lint');
    if ((await run(bin('eslint'), ['.'])) !== 0) return 1;
    if ((await run(bin('depcruise'), ['-c', '.dependency-cruiser.cjs', '.'])) !== 0) return 1;
  }
  const cli = resolveTemporalCli({ settings: readSettings(env), log });
  let server: DevServer | undefined;
  const extra: Record<string, string> = {};
  if (cli) {
    server = await startDevServer({ cli, log, startTimeoutMs: 90_000 });
    log(`Temporal dev server at ${server.address}`);
    extra.UPKEEP_TEST_TEMPORAL_ADDRESS = server.address;
  } else {
    log('no Temporal CLI: workflow tests start one through the SDK download');
  }
  const stop = async () => {
    await server?.stop();
  };
  process.on('SIGINT', () => void stop().then(() => process.exit(130)));
  try {
    return await run(bin('mocha'), mochaArgs.length > 0 ? mochaArgs : ['test/**/*.test.ts'], extra);
  } finally {
    await stop();
    if (server) log('Temporal dev server stopped');
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
