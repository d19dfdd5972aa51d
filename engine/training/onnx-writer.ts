/**
 * A minimal protobuf encoder for ONNX ModelProto: just enough to write the small graphs the
 * builtin trainer exports (nodes, float/int64 initializers, typed inputs and outputs with a
 * symbolic batch dimension, node attributes). Pure: no dependencies, no I/O.
 *
 * Field numbers follow onnx/onnx.proto (the same ones engine/evaluation/onnx-graph.ts reads).
 */

/** ONNX TensorProto.DataType values used here. */
export const OnnxType = {
  FLOAT: 1,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  DOUBLE: 11,
} as const;
export type OnnxElemType = (typeof OnnxType)[keyof typeof OnnxType];

export interface OnnxTensor {
  name?: string;
  dims: number[];
  /** FLOAT tensors take float32 values, INT64 tensors integer values, STRING tensors strings. */
  type: typeof OnnxType.FLOAT | typeof OnnxType.INT64 | typeof OnnxType.STRING;
  values: ArrayLike<number> | readonly string[];
}

/** A dimension is a fixed size or a symbolic name such as 'N'. */
export type OnnxDim = number | string;

export interface OnnxValueInfo {
  name: string;
  elemType: OnnxElemType;
  shape: OnnxDim[];
}

export type OnnxAttributeValue =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'ints'; value: readonly number[] }
  | { kind: 'floats'; value: ArrayLike<number> }
  | { kind: 'strings'; value: readonly string[] }
  | { kind: 'tensor'; value: OnnxTensor };

export interface OnnxNode {
  opType: string;
  /** '' for the default ai.onnx domain, 'ai.onnx.ml' for the ML operators. */
  domain?: string;
  name?: string;
  inputs: string[];
  outputs: string[];
  attributes?: Record<string, OnnxAttributeValue>;
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers?: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  docString?: string;
}

export interface OnnxModel {
  graph: OnnxGraph;
  producerName?: string;
  producerVersion?: string;
  docString?: string;
  /** Defaults to 8. */
  irVersion?: number;
  /** Defaults to ai.onnx 17 and ai.onnx.ml 3. */
  opsets?: { domain: string; version: number }[];
  metadata?: Record<string, string>;
}

const WIRE_VARINT = 0;
const WIRE_FIXED32 = 5;
const WIRE_LEN = 2;

const ATTR_TYPE = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

const utf8 = new TextEncoder();

/** Growable byte buffer with the protobuf primitives. */
class Writer {
  private buf = new Uint8Array(256);
  private len = 0;

  private ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }

  /** Unsigned varint for non-negative safe integers. */
  uvarint(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`not a non-negative safe integer: ${n}`);
    while (n >= 0x80) {
      this.byte((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    this.byte(n);
  }

  /** int64 varint: negative values are written as 10-byte two's complement. */
  int64(n: number): void {
    if (!Number.isSafeInteger(n)) throw new RangeError(`not a safe integer: ${n}`);
    if (n >= 0) {
      this.uvarint(n);
      return;
    }
    let v = BigInt.asUintN(64, BigInt(n));
    while (v >= 0x80n) {
      this.byte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.byte(Number(v));
  }

  tag(field: number, wire: number): void {
    this.uvarint(field * 8 + wire);
  }

  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }

  /** Length-delimited field. */
  bytesField(field: number, bytes: Uint8Array): void {
    this.tag(field, WIRE_LEN);
    this.uvarint(bytes.length);
    this.raw(bytes);
  }

  stringField(field: number, s: string): void {
    this.bytesField(field, utf8.encode(s));
  }

  int64Field(field: number, n: number): void {
    this.tag(field, WIRE_VARINT);
    this.int64(n);
  }

  floatField(field: number, x: number): void {
    this.tag(field, WIRE_FIXED32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, x, true);
    this.raw(b);
  }

  messageField(field: number, write: (w: Writer) => void): void {
    const inner = new Writer();
    write(inner);
    this.bytesField(field, inner.finish());
  }

  packedInt64(field: number, values: ArrayLike<number>): void {
    if (values.length === 0) return;
    const inner = new Writer();
    for (let i = 0; i < values.length; i++) inner.int64(values[i]!);
    this.bytesField(field, inner.finish());
  }

  packedFloat(field: number, values: ArrayLike<number>): void {
    if (values.length === 0) return;
    const f = Float32Array.from(values as ArrayLike<number>);
    const bytes = new Uint8Array(f.length * 4);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < f.length; i++) view.setFloat32(i * 4, f[i]!, true);
    this.bytesField(field, bytes);
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

function product(dims: number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

// TensorProto: dims=1, data_type=2, float_data=4, string_data=6, int64_data=7, name=8
function writeTensor(w: Writer, t: OnnxTensor): void {
  for (const d of t.dims) if (!Number.isSafeInteger(d) || d < 0) throw new RangeError(`bad tensor dimension ${d}`);
  const count = product(t.dims);
  if (t.values.length !== count) {
    throw new RangeError(`tensor ${t.name ?? '(unnamed)'}: ${t.values.length} values for dims [${t.dims.join(', ')}]`);
  }
  w.packedInt64(1, t.dims);
  w.int64Field(2, t.type);
  if (t.type === OnnxType.FLOAT) w.packedFloat(4, t.values as ArrayLike<number>);
  else if (t.type === OnnxType.INT64) w.packedInt64(7, t.values as ArrayLike<number>);
  else for (const s of t.values as readonly string[]) w.stringField(6, s);
  if (t.name !== undefined) w.stringField(8, t.name);
}

// AttributeProto: name=1, f=2, i=3, s=4, t=5, floats=7, ints=8, strings=9, type=20
function writeAttribute(w: Writer, name: string, a: OnnxAttributeValue): void {
  w.stringField(1, name);
  switch (a.kind) {
    case 'float':
      w.floatField(2, a.value);
      w.int64Field(20, ATTR_TYPE.FLOAT);
      return;
    case 'int':
      w.int64Field(3, a.value);
      w.int64Field(20, ATTR_TYPE.INT);
      return;
    case 'string':
      w.stringField(4, a.value);
      w.int64Field(20, ATTR_TYPE.STRING);
      return;
    case 'tensor':
      w.messageField(5, (m) => writeTensor(m, a.value));
      w.int64Field(20, ATTR_TYPE.TENSOR);
      return;
    case 'floats':
      w.packedFloat(7, a.value);
      w.int64Field(20, ATTR_TYPE.FLOATS);
      return;
    case 'ints':
      w.packedInt64(8, a.value);
      w.int64Field(20, ATTR_TYPE.INTS);
      return;
    case 'strings':
      for (const s of a.value) w.stringField(9, s);
      w.int64Field(20, ATTR_TYPE.STRINGS);
      return;
  }
}

// NodeProto: input=1, output=2, name=3, op_type=4, attribute=5, domain=7
function writeNode(w: Writer, n: OnnxNode): void {
  for (const i of n.inputs) w.stringField(1, i);
  for (const o of n.outputs) w.stringField(2, o);
  if (n.name !== undefined) w.stringField(3, n.name);
  w.stringField(4, n.opType);
  for (const [name, value] of Object.entries(n.attributes ?? {})) w.messageField(5, (m) => writeAttribute(m, name, value));
  if (n.domain) w.stringField(7, n.domain);
}

// ValueInfoProto: name=1, type=2 (TypeProto: tensor_type=1 (elem_type=1, shape=2 (dim=1 (dim_value=1, dim_param=2))))
function writeValueInfo(w: Writer, v: OnnxValueInfo): void {
  w.stringField(1, v.name);
  w.messageField(2, (type) =>
    type.messageField(1, (tensor) => {
      tensor.int64Field(1, v.elemType);
      tensor.messageField(2, (shape) => {
        for (const d of v.shape) {
          shape.messageField(1, (dim) => {
            if (typeof d === 'number') dim.int64Field(1, d);
            else dim.stringField(2, d);
          });
        }
      });
    }),
  );
}

// GraphProto: node=1, name=2, initializer=5, doc_string=10, input=11, output=12
function writeGraph(w: Writer, g: OnnxGraph): void {
  for (const n of g.nodes) w.messageField(1, (m) => writeNode(m, n));
  w.stringField(2, g.name);
  for (const t of g.initializers ?? []) {
    if (!t.name) throw new RangeError('initializers need a name');
    w.messageField(5, (m) => writeTensor(m, t));
  }
  if (g.docString) w.stringField(10, g.docString);
  for (const v of g.inputs) w.messageField(11, (m) => writeValueInfo(m, v));
  for (const v of g.outputs) w.messageField(12, (m) => writeValueInfo(m, v));
}

export const DEFAULT_OPSETS = [
  { domain: '', version: 17 },
  { domain: 'ai.onnx.ml', version: 3 },
] as const;

/**
 * Serialise a ModelProto. ModelProto: ir_version=1, producer_name=2, producer_version=3,
 * doc_string=6, graph=7, opset_import=8 (domain=1, version=2), metadata_props=14 (key=1, value=2).
 */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const w = new Writer();
  w.int64Field(1, model.irVersion ?? 8);
  if (model.producerName) w.stringField(2, model.producerName);
  if (model.producerVersion) w.stringField(3, model.producerVersion);
  if (model.docString) w.stringField(6, model.docString);
  w.messageField(7, (m) => writeGraph(m, model.graph));
  for (const o of model.opsets ?? DEFAULT_OPSETS) {
    w.messageField(8, (m) => {
      if (o.domain) m.stringField(1, o.domain);
      m.int64Field(2, o.version);
    });
  }
  for (const [key, value] of Object.entries(model.metadata ?? {})) {
    w.messageField(14, (m) => {
      m.stringField(1, key);
      m.stringField(2, value);
    });
  }
  return w.finish();
}
