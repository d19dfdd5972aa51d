/**
 * The workflow bundles the tests run, each built once per test run instead of once per mocha
 * process and helper (bundling is webpack over the workflows: seconds of CPU each time). `npm test`
 * builds them during its set-up, beside the dev server's start (`node --import tsx
 * test/helpers/bundles.ts <dir> <kind>`), and hands the folder over as UPKEEP_TEST_BUNDLES; a
 * process without it (a file run with `npx mocha`) builds each kind it needs once.
 */
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { bundleWorkflows } from '../../workers/worker.js';

/**
 * `plain`: upkeep's own bundle. `fast-failover`: with the fault tests' short heartbeat timeouts
 * (fast-failover-interceptors.ts). `traced`: with the tracing interceptors (docs/tracing.md).
 */
export const BUNDLE_KINDS = ['plain', 'fast-failover', 'traced'] as const;
export type BundleKind = (typeof BUNDLE_KINDS)[number];

const OPTIONS: Record<BundleKind, Parameters<typeof bundleWorkflows>[0]> = {
  plain: {},
  'fast-failover': { interceptorModules: [fileURLToPath(new URL('./fast-failover-interceptors.ts', import.meta.url))] },
  traced: { tracing: true },
};

const built = new Map<BundleKind, Promise<WorkflowBundleWithSourceMap>>();
const files = new Map<BundleKind, Promise<string>>();

/** The file of a kind that `npm test` built, when it did. */
function sharedFile(kind: BundleKind): string | undefined {
  const dir = process.env.UPKEEP_TEST_BUNDLES;
  return dir ? path.join(dir, `${kind}.json`) : undefined;
}

/** The bundle of `kind`: read from `npm test`'s file, else built (once in this process). */
export function testBundle(kind: BundleKind): Promise<WorkflowBundleWithSourceMap> {
  let bundle = built.get(kind);
  if (!bundle) {
    const file = sharedFile(kind);
    bundle = file ? Promise.resolve(JSON.parse(readFileSync(file, 'utf8')) as WorkflowBundleWithSourceMap) : bundleWorkflows(OPTIONS[kind]);
    built.set(kind, bundle);
  }
  return bundle;
}

/** Writes a bundle as worker processes read it (UPKEEP_TEST_WORKFLOW_BUNDLE), whole or not at all. */
function writeBundle(file: string, bundle: WorkflowBundleWithSourceMap): void {
  writeFileSync(`${file}.tmp`, JSON.stringify({ code: bundle.code, sourceMap: bundle.sourceMap }));
  renameSync(`${file}.tmp`, file);
}

/** The bundle of `kind` in a file, for worker processes: `npm test`'s, else one written once and removed when this process exits. */
export function testBundleFile(kind: BundleKind): Promise<string> {
  let file = files.get(kind);
  if (!file) {
    const shared = sharedFile(kind);
    file = shared
      ? Promise.resolve(shared)
      : testBundle(kind).then((bundle) => {
          const dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-bundle-'));
          process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
          const out = path.join(dir, 'workflows.json');
          writeBundle(out, bundle);
          return out;
        });
    files.set(kind, file);
  }
  return file;
}

// `node --import tsx test/helpers/bundles.ts <dir> <kind>...`: npm test's set-up. No top-level
// await: a module with one is loaded as ESM with its importers, and time-skipping.ts's named
// import from the CommonJS @temporalio/proto then fails.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [dir, ...kinds] = process.argv.slice(2);
  void (async () => {
    for (const kind of kinds) {
      if (!(BUNDLE_KINDS as readonly string[]).includes(kind)) throw new Error(`unknown bundle kind ${kind} (${BUNDLE_KINDS.join(', ')})`);
      writeBundle(path.join(dir!, `${kind}.json`), await bundleWorkflows(OPTIONS[kind as BundleKind]));
    }
  })().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
