/**
 * Tiny ONNX models whose outputs are not what they claim, written with the project's own ONNX
 * writer: a classifier over the fixtures' four features x1..x4 (input `input` [N, 4]) whose
 * `probabilities` [N, classes] hold NaN, values outside [0, 1], rows that do not sum to 1, or a
 * shape other than rows × classes; and a regressor whose `variable` is not finite.
 */
import { encodeOnnxModel, OnnxType, type OnnxNode } from '../../engine/training/onnx-writer.js';

const attr = {
  int: (value: number) => ({ kind: 'int' as const, value }),
  ints: (value: number[]) => ({ kind: 'ints' as const, value }),
};

/**
 * logits = f(input) · W + b, then `activation` to `probabilities`; f is Sqrt when `sqrt` (NaN for
 * every row with a negative feature), the identity otherwise. `rowsMean` averages the rows into
 * one ([1, classes]: a shape that is not rows × classes).
 */
export function classifierModel(o: {
  classes?: number;
  W?: number[];
  b: number[];
  activation: 'softmax' | 'sigmoid' | 'none';
  sqrt?: boolean;
  rowsMean?: boolean;
}): Uint8Array {
  const k = o.classes ?? 2;
  const nodes: OnnxNode[] = [];
  let x = 'input';
  if (o.sqrt) {
    nodes.push({ opType: 'Sqrt', inputs: [x], outputs: ['rooted'] });
    x = 'rooted';
  }
  nodes.push({ opType: 'MatMul', inputs: [x, 'W'], outputs: ['xw'] }, { opType: 'Add', inputs: ['xw', 'b'], outputs: ['logits'] });
  let y = 'logits';
  const last = o.rowsMean ? 'scores' : 'probabilities';
  if (o.activation === 'softmax') nodes.push({ opType: 'Softmax', inputs: [y], outputs: [(y = last)], attributes: { axis: attr.int(1) } });
  else if (o.activation === 'sigmoid') nodes.push({ opType: 'Sigmoid', inputs: [y], outputs: [(y = last)] });
  else nodes.push({ opType: 'Identity', inputs: [y], outputs: [(y = last)] });
  if (o.rowsMean) nodes.push({ opType: 'ReduceMean', inputs: [y], outputs: ['probabilities'], attributes: { axes: attr.ints([0]), keepdims: attr.int(1) } });
  return encodeOnnxModel({
    graph: {
      name: 'bad-classifier',
      nodes,
      initializers: [
        { name: 'W', dims: [4, k], type: OnnxType.FLOAT, values: o.W ?? new Array<number>(4 * k).fill(0) },
        { name: 'b', dims: [k], type: OnnxType.FLOAT, values: o.b },
      ],
      inputs: [{ name: 'input', elemType: OnnxType.FLOAT, shape: ['N', 4] }],
      outputs: [{ name: 'probabilities', elemType: OnnxType.FLOAT, shape: [o.rowsMean ? 'M' : 'N', 'C'] }],
    },
  });
}

/** variable = Sqrt(input) · W: NaN for every row with a negative feature. */
export function sqrtRegressorModel(features: number): Uint8Array {
  return encodeOnnxModel({
    graph: {
      name: 'bad-regressor',
      nodes: [
        { opType: 'Sqrt', inputs: ['input'], outputs: ['rooted'] },
        { opType: 'MatMul', inputs: ['rooted', 'W'], outputs: ['variable'] },
      ],
      initializers: [{ name: 'W', dims: [features, 1], type: OnnxType.FLOAT, values: new Array<number>(features).fill(1) }],
      inputs: [{ name: 'input', elemType: OnnxType.FLOAT, shape: ['N', features] }],
      outputs: [{ name: 'variable', elemType: OnnxType.FLOAT, shape: ['N', 1] }],
    },
  });
}

/**
 * A softmax over two classes, its columns then repeated features/2 times (Tile by a count taken
 * from the input's shape at run time, so that ONNX Runtime cannot know the output's width when
 * loading): [N, 4] on four features, which only running it shows.
 */
export function tiledClassifierModel(): Uint8Array {
  return encodeOnnxModel({
    graph: {
      name: 'tiled-classifier',
      nodes: [
        { opType: 'MatMul', inputs: ['input', 'W'], outputs: ['xw'] },
        { opType: 'Softmax', inputs: ['xw'], outputs: ['scores'], attributes: { axis: attr.int(1) } },
        { opType: 'Shape', inputs: ['input'], outputs: ['shape'] },
        { opType: 'Gather', inputs: ['shape', 'one'], outputs: ['features'], attributes: { axis: attr.int(0) } },
        { opType: 'Div', inputs: ['features', 'two'], outputs: ['half'] },
        { opType: 'Concat', inputs: ['one', 'half'], outputs: ['repeats'], attributes: { axis: attr.int(0) } },
        { opType: 'Tile', inputs: ['scores', 'repeats'], outputs: ['probabilities'] },
      ],
      initializers: [
        { name: 'W', dims: [4, 2], type: OnnxType.FLOAT, values: [0, 1, 0, -1, 0, 0.5, 0, 0] },
        { name: 'one', dims: [1], type: OnnxType.INT64, values: [1] },
        { name: 'two', dims: [1], type: OnnxType.INT64, values: [2] },
      ],
      inputs: [{ name: 'input', elemType: OnnxType.FLOAT, shape: ['N', 'F'] }],
      outputs: [{ name: 'probabilities', elemType: OnnxType.FLOAT, shape: ['N', 'C'] }],
    },
  });
}
