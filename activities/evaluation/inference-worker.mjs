// Runs ONNX Runtime sessions off the main event loop. Plain JavaScript so that it loads in a
// worker thread whatever TypeScript loader the parent process uses.
// Messages: { id, op: 'load', key, bytes } and { id, op: 'run', key, feeds, outputs }.
import { parentPort, workerData } from 'node:worker_threads';
import ort from 'onnxruntime-node';

const sessions = new Map(); // key -> Promise<InferenceSession>, most recently used last
const maxSessions = workerData?.maxSessions ?? 8;
const sessionOptions = {
  intraOpNumThreads: workerData?.intraOpThreads ?? 0,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
};

function describe(meta) {
  return meta.map((m) => (m.isTensor ? { name: m.name, isTensor: true, type: m.type, shape: [...m.shape] } : { name: m.name, isTensor: false }));
}

async function getSession(key, bytes) {
  let p = sessions.get(key);
  if (p) {
    sessions.delete(key);
    sessions.set(key, p);
    return p;
  }
  if (!bytes) throw new Error(`model ${key} is not loaded`);
  p = ort.InferenceSession.create(bytes, sessionOptions);
  sessions.set(key, p);
  p.catch(() => sessions.delete(key));
  while (sessions.size > maxSessions) {
    const [oldest, op] = sessions.entries().next().value;
    sessions.delete(oldest);
    op.then((s) => s.release()).catch(() => {});
  }
  return p;
}

function transferables(tensors) {
  const list = [];
  for (const t of Object.values(tensors)) if (ArrayBuffer.isView(t.data)) list.push(t.data.buffer);
  return list;
}

parentPort.on('message', async (msg) => {
  try {
    if (msg.op === 'load') {
      const session = await getSession(msg.key, msg.bytes);
      parentPort.postMessage({ id: msg.id, ok: true, info: { inputs: describe(session.inputMetadata), outputs: describe(session.outputMetadata) } });
    } else if (msg.op === 'run') {
      const session = await getSession(msg.key);
      const feeds = {};
      for (const [name, t] of Object.entries(msg.feeds)) feeds[name] = new ort.Tensor(t.type, t.data, t.dims);
      const results = await session.run(feeds, msg.outputs);
      const out = {};
      for (const name of msg.outputs) {
        const r = results[name];
        out[name] = { type: r.type, data: r.data, dims: [...r.dims] };
      }
      parentPort.postMessage({ id: msg.id, ok: true, outputs: out }, transferables(out));
    } else {
      throw new Error(`unknown op ${msg.op}`);
    }
  } catch (err) {
    parentPort.postMessage({ id: msg.id, ok: false, error: String(err?.message ?? err) });
  }
});
