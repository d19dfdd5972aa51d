// A code cache for the CommonJS packages a command loads (Temporal's client, gRPC, protobufjs,
// ONNX Runtime's bindings) and for the CLI's own bundle (dist/cli/main.cjs, one entry per command),
// for Node versions without module.enableCompileCache (Node 20): compiling them is a large part of
// a command's start-up, and V8 can keep the compiled code between runs. Kept in the user's cache folder (not a shared temporary one: V8 trusts what
// it reads), one file per Node version and upkeep folder (the cache index is read at every start:
// one shared file held every clone's ~1,100 entries, 40 MB, whose index alone took 15 ms to read),
// rewritten when a run compiled something new (without the entries of modules that no longer
// exist, and then without the files of removed clones). V8 rejects
// an entry whose source length changed (and the module is then compiled as usual), but checks no
// more: the file is used only when this user alone may write it, and each entry only when its
// bytes hash to what the index recorded.
// Only packages in node_modules, and only modules without import() (on Node 20 a script given
// cached code loses its import() callback) or a #! line, and the CLI's bundle (built without
// import()): the others load as Node loads them.
import { createHash } from 'node:crypto';
import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import Module from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const NODE_MODULES = `${path.sep}node_modules${path.sep}`;
const sha256 = (data) => createHash('sha256').update(data).digest('hex');

/** This copy of upkeep's folder: each has its cache file. */
const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const PREFIX = `compile-cache-${process.version}-${process.arch}`;

function cacheFile() {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'upkeep', `${PREFIX}-${sha256(ROOT).slice(0, 16)}.bin`);
}

/**
 * Whether a cache file or folder may be trusted: V8 runs what it reads (it checks an entry against
 * its source by length only), so only something of this user that nobody else may write.
 */
function ownedPrivately(stat) {
  const uid = process.geteuid?.();
  return (uid === undefined || stat.uid === uid) && (stat.mode & 0o022) === 0;
}

function safeFolder(dir) {
  try {
    const s = lstatSync(dir);
    return s.isDirectory() && ownedPrivately(s);
  } catch {
    return false;
  }
}

/**
 * The stored entries: a JSON index (file → offset, length, sha256) then the code,
 * `<index length>\n<index><code>`. Nothing is used from a file that is not a regular file of this
 * user that only it may write (opened without following a link and without waiting on a FIFO),
 * nor an entry whose bytes do not hash to what the index says (damaged bytes crash V8). Only the
 * index is read at start; an entry's bytes are read (from the file opened then, whatever replaces
 * it meanwhile) and hashed when a module asks for them: a command loads a few of the entries.
 * Returns file → { read(), hash }.
 */
function readCache(file) {
  const entries = new Map();
  let fd;
  try {
    if (!safeFolder(path.dirname(file))) return entries;
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const stat = fstatSync(fd);
    if (!stat.isFile() || !ownedPrivately(stat)) return closed(fd, entries);
    const head = Buffer.alloc(Math.min(32, stat.size));
    readSync(fd, head, 0, head.length, 0);
    const nl = head.indexOf(10);
    const indexLength = Number(head.subarray(0, nl).toString());
    if (nl < 0 || !Number.isSafeInteger(indexLength) || nl + 1 + indexLength > stat.size) return closed(fd, entries);
    const header = Buffer.alloc(indexLength);
    readSync(fd, header, 0, indexLength, nl + 1);
    const headerEnd = nl + 1 + indexLength;
    const cacheFd = fd;
    for (const [name, start, length, hash, stamp] of JSON.parse(header.toString())) {
      if (typeof name !== 'string' || typeof hash !== 'string' || !Number.isSafeInteger(start) || !Number.isSafeInteger(length)) continue;
      if (start < 0 || length <= 0 || headerEnd + start + length > stat.size) continue;
      const read = () => {
        const data = Buffer.alloc(length);
        return readSync(cacheFd, data, 0, length, headerEnd + start) === length ? data : undefined;
      };
      entries.set(name, { read, hash, ...(typeof stamp === 'string' ? { stamp } : {}) });
    }
    // Left open for the entries' reads (not inherited by child processes: Node opens with O_CLOEXEC).
  } catch {
    // No cache yet, or an unreadable one: everything compiles as usual.
    if (fd !== undefined) closed(fd, entries).clear();
  }
  return entries;
}

function closed(fd, entries) {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
  return entries;
}

/** An entry's code if its bytes hash to what the index recorded (checked once per process). */
function verified(entry) {
  if (entry.ok === undefined) {
    try {
      entry.data = entry.read();
    } catch {
      entry.data = undefined;
    }
    entry.ok = entry.data !== undefined && sha256(entry.data) === entry.hash;
  }
  return entry.ok ? entry.data : undefined;
}

/**
 * Writes the entries, leaving out those whose module is gone (a removed clone's or temporary
 * install's packages would otherwise stay in the file, and be read by every run, for ever).
 */
function writeCache(file, entries) {
  const index = [];
  const parts = [];
  let offset = 0;
  for (const [name, entry] of entries) {
    if (!existsSync(fileOf(name))) continue;
    // This run's code, else the stored bytes (read now, only when the file is rewritten).
    const data = entry.read ? verified(entry) : entry.data;
    if (!data) continue;
    index.push([name, offset, data.length, entry.hash ?? sha256(data), ...(entry.stamp ? [entry.stamp] : [])]);
    parts.push(data);
    offset += data.length;
  }
  const header = Buffer.from(JSON.stringify(index));
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    // A folder someone else owns or may write is not ours to fill (nor, see readCache, to read).
    if (!safeFolder(path.dirname(file))) return;
    writeFileSync(tmp, Buffer.concat([Buffer.from(`${header.length}\n`), header, ...parts]), { mode: 0o600 });
    renameSync(tmp, file);
    removeStale(file);
  } catch {
    // A read-only home or a full disk: the next run compiles again.
  }
}

/**
 * Removes the other cache files of this Node version whose modules are all gone (a removed clone's),
 * and the one file all clones shared before each had its own.
 */
function removeStale(file) {
  const dir = path.dirname(file);
  for (const name of readdirSync(dir)) {
    const other = path.join(dir, name);
    if (other === file || !name.startsWith(PREFIX) || !name.endsWith('.bin')) continue;
    const entries = name === `${PREFIX}.bin` ? new Map() : readCache(other);
    if (![...entries.keys()].some((module) => existsSync(fileOf(module)))) rmSync(other, { force: true });
  }
}

/** The CLI's bundle (scripts/build.mjs) and the build it is of. */
const CLI_DIR = path.join(ROOT, 'dist', 'cli') + path.sep;
const BUILD_STAMP = path.join(ROOT, 'dist', '.build-stamp');
/** How many commands' code of the CLI bundle the file keeps (the most recently compiled). */
const BUNDLE_ENTRIES = 12;

/** The file of an entry: the CLI bundle's are `<file>#<command>`. */
const BUNDLE_ENTRY = new RegExp(`(\\${path.sep}dist\\${path.sep}cli\\${path.sep}[^#]+)#[a-z-]*$`);
const fileOf = (name) => name.replace(BUNDLE_ENTRY, '$1');

/**
 * The CLI bundle's entry: one per command, so that each holds the functions its command compiled
 * (a command given another's cached code compiles its own functions at every start). Only a
 * command-like word names one (at most BUNDLE_ENTRIES are kept).
 */
function bundleKey(filename) {
  const command = process.argv.slice(2).find((a) => !a.startsWith('-')) ?? '';
  return `${filename}#${/^[a-z][a-z-]{0,23}$/.test(command) ? command : ''}`;
}

/**
 * What the bundle's cached code must have been made from: V8 checks only the source's length, and
 * a rebuild may keep it (a changed digit), so the build's content hash and the file's time too.
 */
function bundleStamp(filename, content) {
  try {
    return `${content.length}:${statSync(filename).mtimeMs}:${readFileSync(BUILD_STAMP, 'utf8').split('\n')[1]}`;
  } catch {
    return undefined;
  }
}

/** Installs the cache for this process's CommonJS packages and the CLI's bundle (nothing when Node has its own). */
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
    const bundle = filename.startsWith(CLI_DIR);
    if (!bundle && (!filename.includes(NODE_MODULES) || content.startsWith('#!') || content.includes('import('))) return compile.call(mod, content, filename);
    const key = bundle ? bundleKey(filename) : filename;
    const stamp = bundle ? bundleStamp(filename, content) : undefined;
    if (bundle && stamp === undefined) return compile.call(mod, content, filename);
    const entry = entries.get(key);
    const cachedData = entry && entry.stamp === stamp && verified(entry);
    const script = new vm.Script(Module.wrap(content), { filename, ...(cachedData ? { cachedData } : {}) });
    if (!cachedData || script.cachedDataRejected) compiled.set(key, { script, stamp });
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
    // Made at exit, so the code includes the functions this run compiled lazily (last in the
    // file's order: the bundle's entries compiled longest ago are the ones dropped).
    for (const [name, { script, stamp }] of compiled) {
      entries.delete(name);
      entries.set(name, { data: script.createCachedData(), ...(stamp ? { stamp } : {}) });
    }
    const bundles = [...entries.keys()].filter((name) => name.startsWith(CLI_DIR));
    for (const name of bundles.slice(0, Math.max(0, bundles.length - BUNDLE_ENTRIES))) entries.delete(name);
    writeCache(file, entries);
  });
}
