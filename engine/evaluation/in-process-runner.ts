/**
 * ONNX Runtime sessions in the current thread, cached per model sha256. Used inside the
 * evaluation worker threads, where blocking on inference is what the thread is for.
 *
 * At most `maxSessions` sessions are kept (the least recently used released), but the bytes of up
 * to `maxModels` models are remembered: a model whose session was released is loaded again when it
 * is run, so a thread that alternates between more models than it keeps sessions for still runs
 * every one (the prepared-model cache of shard-handler.ts is bounded by the same `maxModels`).
 * A session is released only once no run is using it.
 */
import './ort-env.js';
import * as ort from 'onnxruntime-node';
import type { InferenceRunner, ModelInfo, TensorData, ValueInfo } from './runner.js';

/** Models whose bytes a runner remembers by default (their sessions are fewer). */
export const MAX_MODELS = 32;

function describe(meta: readonly ort.InferenceSession.ValueMetadata[]): ValueInfo[] {
  return meta.map((m) => (m.isTensor ? { name: m.name, isTensor: true, type: m.type, shape: [...m.shape] } : { name: m.name, isTensor: false }));
}

interface Entry {
  session: Promise<ort.InferenceSession>;
  /** Runs in progress; an evicted entry is released when the last one ends. */
  using: number;
  evicted: boolean;
}

export function createInProcessRunner(opts: { intraOpThreads?: number; maxSessions?: number; maxModels?: number } = {}): InferenceRunner {
  const sessions = new Map<string, Entry>();
  const bytesOf = new Map<string, Uint8Array>();
  const maxSessions = opts.maxSessions ?? 4;
  const maxModels = Math.max(maxSessions, opts.maxModels ?? MAX_MODELS);
  const release = (e: Entry): void => void e.session.then((s) => s.release()).catch(() => undefined);
  /** Moves `key` to the most recent end of `map`. */
  const touch = <V>(map: Map<string, V>, key: string, value: V): void => {
    map.delete(key);
    map.set(key, value);
  };
  const open = (key: string, modelBytes: Uint8Array): Entry => {
    let e = sessions.get(key);
    if (e) {
      touch(sessions, key, e);
      return e;
    }
    // ONNX Runtime refuses shared memory: give it its own copy once per session.
    const own = modelBytes.buffer instanceof SharedArrayBuffer ? new Uint8Array(modelBytes) : modelBytes;
    const session = ort.InferenceSession.create(own, { intraOpNumThreads: opts.intraOpThreads ?? 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
    e = { session, using: 0, evicted: false };
    const entry = e;
    sessions.set(key, entry);
    session.catch(() => {
      if (sessions.get(key) === entry) sessions.delete(key);
    });
    while (sessions.size > maxSessions) {
      const [oldest, old] = sessions.entries().next().value as [string, Entry];
      sessions.delete(oldest);
      old.evicted = true;
      if (old.using === 0) release(old);
    }
    return entry;
  };
  return {
    async load(key, modelBytes) {
      touch(bytesOf, key, modelBytes);
      while (bytesOf.size > maxModels) bytesOf.delete(bytesOf.keys().next().value!);
      const s = await open(key, modelBytes).session;
      return { inputs: describe(s.inputMetadata), outputs: describe(s.outputMetadata) } satisfies ModelInfo;
    },
    async run(key, feeds, outputs) {
      const bytes = bytesOf.get(key);
      const e = bytes ? open(key, bytes) : sessions.get(key);
      if (!e) throw new Error(`model ${key} was not loaded in this runner`);
      e.using++;
      try {
        const s = await e.session;
        const input: Record<string, ort.Tensor> = {};
        for (const [name, t] of Object.entries(feeds)) input[name] = new ort.Tensor(t.type, t.data as never, t.dims);
        const result = await s.run(input, outputs);
        const out: Record<string, TensorData> = {};
        for (const name of outputs) {
          const r = result[name]!;
          out[name] = { type: r.type as TensorData['type'], data: r.data as TensorData['data'], dims: [...r.dims] };
        }
        return out;
      } finally {
        if (--e.using === 0 && e.evicted) release(e);
      }
    },
    async close() {
      const all = [...sessions.values()];
      sessions.clear();
      bytesOf.clear();
      await Promise.allSettled(all.map(async (e) => (await e.session).release()));
    },
  };
}
