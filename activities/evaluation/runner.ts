/**
 * The inference port. The default implementation keeps ONNX Runtime sessions in a worker thread
 * (session.run is CPU-bound and would otherwise stall heartbeats), cached per model sha256.
 */
import { Worker } from 'node:worker_threads';

export type TensorType = 'float32' | 'float64' | 'int64' | 'int32' | 'string' | 'bool' | 'uint8' | 'int8';

export interface TensorData {
  type: TensorType;
  data: Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array | Int8Array | string[];
  dims: number[];
}

export interface ValueInfo {
  name: string;
  isTensor: boolean;
  type?: string;
  shape?: (number | string)[];
}

export interface ModelInfo {
  inputs: ValueInfo[];
  outputs: ValueInfo[];
}

export interface InferenceRunner {
  /** Creates (or reuses) the session for `key`; rejects when the bytes are not a loadable model. */
  load(key: string, modelBytes: Uint8Array): Promise<ModelInfo>;
  run(key: string, feeds: Record<string, TensorData>, outputs: string[]): Promise<Record<string, TensorData>>;
  close(): Promise<void>;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

export function createWorkerThreadRunner(opts: { intraOpThreads?: number; maxSessions?: number } = {}): InferenceRunner {
  let worker: Worker | undefined;
  let nextId = 1;
  const pending = new Map<number, Pending>();
  const loaded = new Set<string>();

  const start = (): Worker => {
    if (worker) return worker;
    const w = new Worker(new URL('./inference-worker.mjs', import.meta.url), {
      workerData: { intraOpThreads: opts.intraOpThreads ?? 0, maxSessions: opts.maxSessions ?? 8 },
      execArgv: [],
    });
    w.on('message', (msg: { id: number; ok: boolean; error?: string }) => {
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      if (pending.size === 0) w.unref();
      if (msg.ok) p.resolve(msg);
      else p.reject(new Error(msg.error));
    });
    const fail = (err: Error): void => {
      worker = undefined;
      loaded.clear();
      for (const p of pending.values()) p.reject(err);
      pending.clear();
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`inference worker exited with code ${code}`)));
    w.unref();
    worker = w;
    return w;
  };

  const call = <T>(msg: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<T> => {
    const w = start();
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      // Keep the process alive only while a request is in flight.
      w.ref();
      w.postMessage({ ...msg, id }, transfer);
    });
  };

  return {
    async load(key, modelBytes) {
      const reply = await call<{ info: ModelInfo }>({ op: 'load', key, bytes: modelBytes });
      loaded.add(key);
      return reply.info;
    },
    async run(key, feeds, outputs) {
      if (!loaded.has(key)) throw new Error(`model ${key} was not loaded in this runner`);
      const transfer: ArrayBuffer[] = [];
      for (const t of Object.values(feeds)) {
        if (ArrayBuffer.isView(t.data) && t.data.byteOffset === 0 && t.data.byteLength === t.data.buffer.byteLength) {
          transfer.push(t.data.buffer as ArrayBuffer);
        }
      }
      const reply = await call<{ outputs: Record<string, TensorData> }>({ op: 'run', key, feeds, outputs }, transfer);
      return reply.outputs;
    },
    async close() {
      const w = worker;
      worker = undefined;
      loaded.clear();
      if (w) await w.terminate();
    },
  };
}
