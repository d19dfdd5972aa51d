/**
 * The Temporal SDK's protobuf root, for a process that only talks to Temporal as a client (the
 * maintenance commands: approvals, approve / reject, retrain, rollback). Loading
 * @temporalio/client builds protobufjs reflection objects for every message the SDK knows,
 * ~1,500 of them: about a third of a command's start-up. A quarter of that is two namespaces a
 * client never reaches: `coresdk` (the worker's protocol with its native core) and
 * `temporal.api.cloud` (Temporal Cloud's operations API, a separate SDK package). scripts/build.mjs
 * (clientProtoRoot) writes the root without them next to this module (temporal-client-root.json); `useClientProtoRoot`
 * puts it where the SDK's root module would be, so the SDK loads it instead of building its own.
 * Every type the kept namespaces name is still in it (a test resolves all of them), and it is
 * used only when it was made from the SDK module installed now; otherwise, and when running from
 * the sources (no file), the SDK builds its whole root as usual.
 * Never in a process that may run a worker: the worker decodes `coresdk` messages.
 */
import { readFileSync, statSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';

/** Where the SDK's root module is; what the build read and the process would otherwise load. */
export const SDK_ROOT_MODULE = '@temporalio/proto/protos/json-module';

/** What scripts/build.mjs writes: the root as protobufjs's JSON, and the size of the SDK module it came from. */
export interface ClientProtoRoot {
  sourceBytes: number;
  root: { nested: Record<string, unknown> };
}

const STORED = new URL('temporal-client-root.json', import.meta.url);

interface Protobuf {
  roots: Record<string, unknown>;
  Root: { fromJSON(json: unknown): unknown };
}

/**
 * Installs the client's root in place of the SDK's, before @temporalio/client is first loaded;
 * true when it did. Nothing when the SDK's root is loaded already, the stored root is missing
 * (running the sources) or was made from another SDK module than the one installed.
 */
export function useClientProtoRoot(stored: URL | string = STORED): boolean {
  const require = createRequire(import.meta.url);
  let modulePath: string;
  try {
    modulePath = require.resolve(SDK_ROOT_MODULE);
  } catch {
    return false;
  }
  if (require.cache[modulePath]) return false;
  let saved: ClientProtoRoot;
  try {
    saved = JSON.parse(readFileSync(stored, 'utf8')) as ClientProtoRoot;
  } catch {
    return false;
  }
  if (saved.sourceBytes !== statSync(modulePath).size) return false;
  // The protobufjs the SDK's module would load, and its registry of roots, which the SDK's module fills.
  const protobuf = createRequire(modulePath)('protobufjs/light') as Protobuf;
  if (protobuf.roots.__temporal) return false;
  const root = protobuf.Root.fromJSON(saved.root);
  protobuf.roots.__temporal = root;
  const mod = new Module(modulePath);
  mod.filename = modulePath;
  mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(modulePath));
  mod.exports = root;
  mod.loaded = true;
  require.cache[modulePath] = mod;
  return true;
}
