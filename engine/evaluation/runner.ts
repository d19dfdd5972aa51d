/**
 * The inference port: ONNX Runtime behind an interface, so that evaluation code can be tested and
 * run in any thread. The implementation (in-process-runner.ts) runs inside the evaluation worker
 * threads, never on the main event loop.
 */

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
