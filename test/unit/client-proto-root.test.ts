import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
// @ts-expect-error plain JavaScript (scripts/build.mjs), no declarations
import { CLIENT_UNUSED_NAMESPACES, clientProtoRoot } from '../../scripts/build.mjs';
import { PROJECT_DIR } from '../../workers/paths.js';

type Json = { nested?: Record<string, Json> } & Record<string, unknown>;
type Saved = { sourceBytes: number; root: Json };

const require = createRequire(import.meta.url);
const protobuf = require('protobufjs/light') as { Root: { fromJSON(json: unknown): { resolveAll(): unknown } } };

/**
 * Runs cli/client/proto-root.ts in a fresh process (this one may have loaded the SDK's root):
 * seeds the root from `file`, loads @temporalio/client and reports what its protobuf root holds.
 */
function seeded(file: string): { seeded: boolean; coresdk: boolean; cloud: boolean; workflowMethods: number; resolved: boolean } {
  const code = `
    import { useClientProtoRoot } from ${JSON.stringify(path.join(PROJECT_DIR, 'cli', 'client', 'proto-root.ts'))};
    import { createRequire } from 'node:module';
    const seeded = useClientProtoRoot(${JSON.stringify(file)});
    const require = createRequire(${JSON.stringify(path.join(PROJECT_DIR, 'cli', 'main.ts'))});
    require('@temporalio/client');
    const { temporal, coresdk } = require('@temporalio/proto');
    const service = temporal.api.workflowservice.v1.WorkflowService;
    // Service.create resolves every method's request and response types, as a Connection does.
    const stub = service.create(() => {}, false, false);
    const methods = Object.keys(service.methods);
    console.log(JSON.stringify({ seeded, coresdk: Boolean(coresdk), cloud: Boolean(temporal.api.cloud), workflowMethods: methods.length,
      resolved: methods.every((m) => typeof stub[m[0].toLowerCase() + m.slice(1)] === 'function') }));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: PROJECT_DIR, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as ReturnType<typeof seeded>;
}

// The maintenance commands load @temporalio/client with a protobuf root that leaves out what a
// client never reaches (cli/client/proto-root.ts, written by scripts/build.mjs).
describe("the Temporal client's protobuf root (cli/client/proto-root.ts)", function () {
  this.timeout(60_000);
  let dir: string;
  let saved: Saved;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-proto-root-'));
    saved = clientProtoRoot() as Saved;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("is the SDK's root less exactly the worker's and Temporal Cloud's namespaces", () => {
    const sdk = (require('@temporalio/proto/protos/json-module') as { toJSON(): Json }).toJSON();
    assert.deepEqual(CLIENT_UNUSED_NAMESPACES, [['coresdk'], ['temporal', 'api', 'cloud']]);
    assert.ok(sdk.nested!.coresdk && sdk.nested!.temporal!.nested!.api!.nested!.cloud, 'the SDK has both namespaces');
    assert.equal(saved.root.nested!.coresdk, undefined);
    assert.equal(saved.root.nested!.temporal!.nested!.api!.nested!.cloud, undefined);
    delete sdk.nested!.coresdk;
    delete sdk.nested!.temporal!.nested!.api!.nested!.cloud;
    assert.deepEqual(saved.root, sdk);
  });

  it('names no type it does not hold: every reference resolves', () => {
    assert.doesNotThrow(() => protobuf.Root.fromJSON(saved.root).resolveAll());
  });

  it('is what @temporalio/client loads after useClientProtoRoot, and its WorkflowService has every method', () => {
    const file = path.join(dir, 'root.json');
    writeFileSync(file, JSON.stringify(saved));
    const r = seeded(file);
    assert.deepEqual(r, { seeded: true, coresdk: false, cloud: false, workflowMethods: r.workflowMethods, resolved: true });
    assert.ok(r.workflowMethods > 50, String(r.workflowMethods));
  });

  it("leaves the SDK's own root when the stored one was made from another SDK module, or there is none", () => {
    const other = path.join(dir, 'other.json');
    writeFileSync(other, JSON.stringify({ ...saved, sourceBytes: saved.sourceBytes + 1 }));
    for (const file of [other, path.join(dir, 'missing.json')]) {
      const r = seeded(file);
      assert.equal(r.seeded, false);
      assert.equal(r.coresdk, true, "the SDK's whole root");
      assert.equal(r.resolved, true);
    }
  });
});
