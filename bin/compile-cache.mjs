// A code cache for the CommonJS packages a command loads (Temporal's client, gRPC, protobufjs,
// ONNX Runtime's bindings), for Node versions without module.enableCompileCache (Node 20):
// compiling them is a large part of a Temporal command's start-up, and V8 can keep the compiled
// code between runs. Kept in the user's cache folder (not a shared temporary one: V8 trusts what
// it reads), one file per Node version, rewritten when a run compiled something new. V8 checks
// each entry against the source and rejects a stale one; the module is then compiled as usual.
// Only packages in node_modules, and only modules without import() or a #! line: the others load as Node loads them.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';

const NODE_MODULES = `${path.sep}node_modules${path.sep}`;

function cacheFile() {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'upkeep', `compile-cache-${process.version}-${process.arch}.bin`);
}

/** The stored entries: a JSON index (file → offset, length) then the code, `<index length>\n<index><code>`. */
function readCache(file) {
  const entries = new Map();
  try {
    const blob = readFileSync(file);
    const nl = blob.indexOf(10);
    const headerEnd = nl + 1 + Number(blob.subarray(0, nl).toString());
    const index = JSON.parse(blob.subarray(nl + 1, headerEnd).toString());
    for (const [name, start, length] of index) entries.set(name, blob.subarray(headerEnd + start, headerEnd + start + length));
  } catch {
    // No cache yet, or an unreadable one: everything compiles as usual.
  }
  return entries;
}

function writeCache(file, entries) {
  const index = [];
  const parts = [];
  let offset = 0;
  for (const [name, data] of entries) {
    index.push([name, offset, data.length]);
    parts.push(data);
    offset += data.length;
  }
  const header = Buffer.from(JSON.stringify(index));
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(tmp, Buffer.concat([Buffer.from(`${header.length}\n`), header, ...parts]), { mode: 0o600 });
    renameSync(tmp, file);
  } catch {
    // A read-only home or a full disk: the next run compiles again.
  }
}

/** Installs the cache for this process's CommonJS packages (nothing when Node has its own). */
export function useCompileCache() {
  if (typeof Module.enableCompileCache === 'function' || process.env.UPKEEP_NO_COMPILE_CACHE) return;
  const file = cacheFile();
  const entries = readCache(file);
  const compiled = new Map();
  const compile = Module.prototype._compile;
  Module.prototype._compile = function compileCached(content, filename) {
    return cachedCompile(this, content, filename);
  };
  const cachedCompile = (mod, content, filename) => {
    if (!filename.includes(NODE_MODULES) || content.startsWith('#!') || content.includes('import(')) return compile.call(mod, content, filename);
    const cachedData = entries.get(filename);
    const script = new vm.Script(Module.wrap(content), { filename, ...(cachedData ? { cachedData } : {}) });
    if (!cachedData || script.cachedDataRejected) compiled.set(filename, script);
    const fn = script.runInThisContext({ displayErrors: true });
    const require = (id) => mod.require(id);
    require.resolve = (request, options) => Module._resolveFilename(request, mod, false, options);
    require.resolve.paths = (request) => Module._resolveLookupPaths(request, mod);
    require.main = process.mainModule;
    require.extensions = Module._extensions;
    require.cache = Module._cache;
    return fn.call(mod.exports, mod.exports, require, mod, filename, path.dirname(filename));
  };
  process.once('exit', () => {
    if (compiled.size === 0) return;
    // Made at exit, so the code includes the functions this run compiled lazily.
    for (const [name, script] of compiled) entries.set(name, script.createCachedData());
    writeCache(file, entries);
  });
}
