/**
 * Reading an ONNX model file (a config's artifact, a stored copy, `--onnx`): refused before it is
 * read when it is larger than `limits.max_model_bytes`, or when its first bytes cannot start an
 * ONNX model, so that a huge or garbage file is neither read nor parsed whole.
 */
import { fileURLToPath } from 'node:url';
import { DEFAULT_LIMITS } from '../../domain/limits.js';
import type { DataSource } from '../data/source.js';
import { UpkeepError } from '../errors.js';

/** ModelProto's fields (onnx.proto) and their wire types (0 varint, 2 length-delimited). */
const MODEL_FIELDS = new Map([
  [1, 0], // ir_version
  [2, 2], // producer_name
  [3, 2], // producer_version
  [4, 2], // domain
  [5, 0], // model_version
  [6, 2], // doc_string
  [7, 2], // graph
  [8, 2], // opset_import
  [14, 2], // metadata_props
  [20, 2], // training_info
  [25, 2], // functions
]);

/** How many first bytes the check reads. */
export const ONNX_HEAD_BYTES = 16;

function varint(b: Uint8Array, at: number): [number, number] | undefined {
  let v = 0;
  for (let i = 0; i < 10 && at + i < b.length; i++) {
    v += (b[at + i]! & 0x7f) * 2 ** (7 * i);
    if ((b[at + i]! & 0x80) === 0) return [v, at + i + 1];
  }
  return undefined;
}

/**
 * Why `head` (the first bytes of a file of `size` bytes) cannot start an ONNX model, or undefined:
 * a protobuf ModelProto starts with one of its fields, with its wire type, and a length-delimited
 * one fits in the file.
 */
export function onnxHeadProblem(head: Uint8Array, size: number): string | undefined {
  const bad = 'not an ONNX model (its first bytes are not those of a protobuf ModelProto)';
  if (size === 0) return 'not an ONNX model (the file is empty)';
  const tag = varint(head, 0);
  if (!tag || MODEL_FIELDS.get(Math.floor(tag[0] / 8)) !== tag[0] % 8) return bad;
  const value = varint(head, tag[1]);
  if (!value) return head.length - tag[1] >= 10 || head.length === size ? bad : undefined;
  if (tag[0] % 8 === 2 && value[1] + value[0] > size) return bad;
  return undefined;
}

/**
 * ONNX Runtime's reason for refusing to load a model, with what to do about the causes a new user
 * meets: skl2onnx exports a pipeline trained on float64 columns with float64 inputs and a mix of
 * float64 and float32 tensors inside (tree ensembles compute in float32), which ONNX Runtime
 * refuses with a type error naming tensor(double) and tensor(float).
 */
export function explainLoadFailure(message: string): string {
  const reason = message.trim();
  if (/type error/i.test(reason) && /tensor\(double\)/.test(reason) && /tensor\(float\)/.test(reason)) {
    return (
      `${reason} (float64 and float32 tensors are mixed in the graph, as skl2onnx exports a model fitted on ` +
      `float64 columns: cast the numeric columns to float32 before exporting, e.g. ` +
      `to_onnx(model, X.astype({c: "float32" for c in numeric_columns})[:1], options={"zipmap": False}), and declare those inputs type: float)`
    );
  }
  return reason;
}

export interface ReadModelOptions {
  /** For messages: "model churn: artifact", "model file". */
  what: string;
  /** Default: limits.max_model_bytes's default. */
  maxBytes?: number;
  signal?: AbortSignal;
}

/** A URI as a person knows it: the path of a file:// URI. */
function shown(uri: string): string {
  return uri.startsWith('file://') ? fileURLToPath(uri) : uri;
}

/** The model file's bytes, or undefined when it does not exist; refused before reading when too large or not ONNX. */
export async function readModelFile(data: DataSource, uri: string, opts: ReadModelOptions): Promise<Uint8Array | undefined> {
  const readOpts = {
    what: opts.what,
    maxBytes: opts.maxBytes ?? DEFAULT_LIMITS.max_model_bytes,
    limitName: 'limits.max_model_bytes',
    ...(opts.signal ? { signal: opts.signal } : {}),
  };
  const check = (head: Uint8Array, size: number): void => {
    const problem = onnxHeadProblem(head, size);
    if (problem) throw new UpkeepError('InvalidModel', `${opts.what} ${shown(uri)}: ${problem}; not read further`);
  };
  if (data.open) {
    const file = await data.open(uri, readOpts);
    if (!file) return undefined;
    try {
      check(await file.read(0, Math.min(file.size, ONNX_HEAD_BYTES)), file.size);
      return await file.read(0, file.size);
    } finally {
      await file.close();
    }
  }
  const bytes = await data.read(uri, readOpts);
  if (bytes) check(bytes.subarray(0, ONNX_HEAD_BYTES), bytes.length);
  return bytes;
}
