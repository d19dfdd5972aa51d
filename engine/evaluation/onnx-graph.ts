/**
 * A minimal, read-only walk of an ONNX ModelProto (protobuf) to find what the runtime does not
 * expose: the class labels of classifier operators and whether the graph ends in a ZipMap.
 * Only the few fields needed are decoded; everything else is skipped by wire type.
 */

export interface OnnxGraphFacts {
  /** Class labels in probability-column order, from the first classifier node that records them. */
  classLabels?: (string | number)[];
  /** Operator types present in the main graph. */
  opTypes: string[];
  producer?: string;
}

class Reader {
  pos = 0;
  constructor(
    readonly buf: Uint8Array,
    readonly end = buf.length,
  ) {}
  varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.end) throw new Error('truncated protobuf varint');
      const b = this.buf[this.pos++]!;
      if (shift < 49) result += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if ((b & 0x80) === 0) return result;
      if (shift > 70) throw new Error('malformed protobuf varint');
    }
  }
  /** Signed int64 stored as two's complement varint (negative numbers take 10 bytes). */
  int64(): number {
    const start = this.pos;
    let lo = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.end) throw new Error('truncated protobuf varint');
      const b = BigInt(this.buf[this.pos++]!);
      lo |= (b & 0x7fn) << shift;
      shift += 7n;
      if ((b & 0x80n) === 0n) break;
      if (this.pos - start > 10) throw new Error('malformed protobuf varint');
    }
    return Number(BigInt.asIntN(64, lo));
  }
  bytes(): Uint8Array {
    const len = this.varint();
    if (this.pos + len > this.end) throw new Error('truncated protobuf field');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
  skip(wireType: number): void {
    switch (wireType) {
      case 0:
        this.varint();
        return;
      case 1:
        this.pos += 8;
        return;
      case 2:
        this.bytes();
        return;
      case 5:
        this.pos += 4;
        return;
      default:
        throw new Error(`unsupported protobuf wire type ${wireType}`);
    }
  }
  *fields(): Generator<[field: number, wireType: number]> {
    while (this.pos < this.end) {
      const key = this.varint();
      yield [Math.floor(key / 8), key & 7];
    }
    if (this.pos > this.end) throw new Error('truncated protobuf message');
  }
}

const text = new TextDecoder();
const CLASSIFIER_OPS = new Set(['LinearClassifier', 'TreeEnsembleClassifier', 'SVMClassifier', 'ZipMap']);

interface NodeFacts {
  opType: string;
  ints?: number[];
  strings?: string[];
}

function readNode(buf: Uint8Array): NodeFacts {
  const r = new Reader(buf);
  const node: NodeFacts = { opType: '' };
  for (const [field, wt] of r.fields()) {
    if (field === 4 && wt === 2) node.opType = text.decode(r.bytes());
    else if (field === 5 && wt === 2) {
      const attr = r.bytes();
      const a = new Reader(attr);
      let name = '';
      const ints: number[] = [];
      const strings: string[] = [];
      for (const [f, w] of a.fields()) {
        if (f === 1 && w === 2) name = text.decode(a.bytes());
        else if (f === 8 && w === 0) ints.push(a.int64());
        else if (f === 8 && w === 2) {
          const packed = a.bytes();
          const p = new Reader(packed);
          while (p.pos < p.end) ints.push(p.int64());
        } else if (f === 9 && w === 2) strings.push(text.decode(a.bytes()));
        else a.skip(w);
      }
      if (name === 'classlabels_int64s' || name === 'classlabels_ints') node.ints = ints;
      if (name === 'classlabels_strings') node.strings = strings;
    } else r.skip(wt);
  }
  return node;
}

/** Throws when the bytes are not a parseable ONNX model. */
export function readOnnxGraphFacts(bytes: Uint8Array): OnnxGraphFacts {
  const r = new Reader(bytes);
  const facts: OnnxGraphFacts = { opTypes: [] };
  let sawGraph = false;
  for (const [field, wt] of r.fields()) {
    if (field === 2 && wt === 2) facts.producer = text.decode(r.bytes());
    else if (field === 7 && wt === 2) {
      sawGraph = true;
      const g = new Reader(r.bytes());
      for (const [gf, gwt] of g.fields()) {
        if (gf === 1 && gwt === 2) {
          const node = readNode(g.bytes());
          facts.opTypes.push(node.opType);
          if (!facts.classLabels && CLASSIFIER_OPS.has(node.opType)) {
            if (node.strings && node.strings.length > 0) facts.classLabels = node.strings;
            else if (node.ints && node.ints.length > 0) facts.classLabels = node.ints;
          }
        } else g.skip(gwt);
      }
    } else r.skip(wt);
  }
  if (!sawGraph) throw new Error('no graph in ONNX model');
  return facts;
}

/** Estimator operators, most telling first, and what kind of model each makes. */
const MODEL_KINDS: [op: string, kind: string][] = [
  ['TreeEnsembleClassifier', 'tree ensemble classifier (e.g. gradient boosting, random forest)'],
  ['TreeEnsembleRegressor', 'tree ensemble regressor (e.g. gradient boosting, random forest)'],
  ['TreeEnsemble', 'tree ensemble'],
  ['SVMClassifier', 'support vector classifier'],
  ['SVMRegressor', 'support vector regressor'],
  ['LinearClassifier', 'linear classifier'],
  ['LinearRegressor', 'linear regressor'],
  ['Conv', 'convolutional network'],
  ['LSTM', 'recurrent network'],
  ['GRU', 'recurrent network'],
];

/**
 * What kind of model an ONNX file holds, in one phrase, from its estimator operator and its
 * producer ("tree ensemble classifier (…), TreeEnsembleClassifier, by skl2onnx"); a graph without
 * a known estimator is named by its operators. Never throws: an unreadable file is "unknown".
 */
export function describeModelType(bytes: Uint8Array): string {
  let facts: OnnxGraphFacts;
  try {
    facts = readOnnxGraphFacts(bytes);
  } catch {
    return 'unknown (the ONNX graph could not be read)';
  }
  const by = facts.producer ? `, by ${facts.producer.slice(0, 60)}` : '';
  const hit = MODEL_KINDS.find(([op]) => facts.opTypes.includes(op));
  if (hit) return `${hit[1]} (${hit[0]}${by})`;
  const ops = [...new Set(facts.opTypes)].slice(0, 6);
  return `graph of ${ops.join(', ') || 'no operators'}${facts.opTypes.length > ops.length ? ', …' : ''}${by}`;
}
