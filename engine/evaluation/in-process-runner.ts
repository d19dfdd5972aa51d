/**
 * ONNX Runtime sessions in the current thread, cached per model sha256. Used inside the
 * evaluation worker threads, where blocking on inference is what the thread is for.
 */
import './ort-env.js';
import * as ort from 'onnxruntime-node';
import type { InferenceRunner, ModelInfo, TensorData, ValueInfo } from './runner.js';

function describe(meta: readonly ort.InferenceSession.ValueMetadata[]): ValueInfo[] {
  return meta.map((m) => (m.isTensor ? { name: m.name, isTensor: true, type: m.type, shape: [...m.shape] } : { name: m.name, isTensor: false }));
}

export function createInProcessRunner(opts: { intraOpThreads?: number; maxSessions?: number } = {}): InferenceRunner {
  const sessions = new Map<string, Promise<ort.InferenceSession>>();
  const maxSessions = opts.maxSessions ?? 4;
  return {
    async load(key, modelBytes) {
      let p = sessions.get(key);
      if (!p) {
        // ONNX Runtime refuses shared memory: give it its own copy once per session.
        const own = modelBytes.buffer instanceof SharedArrayBuffer ? new Uint8Array(modelBytes) : modelBytes;
        p = ort.InferenceSession.create(own, { intraOpNumThreads: opts.intraOpThreads ?? 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
        sessions.set(key, p);
        p.catch(() => sessions.delete(key));
        while (sessions.size > maxSessions) {
          const [oldest, old] = sessions.entries().next().value as [string, Promise<ort.InferenceSession>];
          sessions.delete(oldest);
          void old.then((s) => s.release()).catch(() => undefined);
        }
      } else {
        sessions.delete(key);
        sessions.set(key, p);
      }
      const s = await p;
      return { inputs: describe(s.inputMetadata), outputs: describe(s.outputMetadata) } satisfies ModelInfo;
    },
    async run(key, feeds, outputs) {
      const p = sessions.get(key);
      if (!p) throw new Error(`model ${key} was not loaded in this runner`);
      const s = await p;
      const input: Record<string, ort.Tensor> = {};
      for (const [name, t] of Object.entries(feeds)) input[name] = new ort.Tensor(t.type, t.data as never, t.dims);
      const result = await s.run(input, outputs);
      const out: Record<string, TensorData> = {};
      for (const name of outputs) {
        const r = result[name]!;
        out[name] = { type: r.type as TensorData['type'], data: r.data as TensorData['data'], dims: [...r.dims] };
      }
      return out;
    },
    async close() {
      const all = [...sessions.values()];
      sessions.clear();
      await Promise.allSettled(all.map(async (p) => (await p).release()));
    },
  };
}
