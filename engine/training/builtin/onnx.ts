/** Export of a fitted builtin model as an ONNX graph (the graph is described in docs/training.md). */
import { encodeOnnxModel, OnnxType, type OnnxNode, type OnnxTensor, type OnnxValueInfo } from '../onnx-writer.js';
import type { BuiltinModel } from './types.js';
import { labelKind } from './validate.js';

export function exportOnnx(model: BuiltinModel): Uint8Array {
  const p = model.mean.length;
  const d = model.columns.length;
  const nodes: OnnxNode[] = [];
  const initializers: OnnxTensor[] = [];
  const inputs: OnnxValueInfo[] = [];
  const parts: string[] = [];

  if (p > 0) {
    const numericInput = model.numericInput ?? 'input';
    inputs.push({ name: numericInput, elemType: OnnxType.FLOAT, shape: ['N', p] });
    initializers.push({ name: 'scaler_mean', dims: [p], type: OnnxType.FLOAT, values: model.mean });
    initializers.push({ name: 'scaler_scale', dims: [p], type: OnnxType.FLOAT, values: model.scale });
    nodes.push({ opType: 'Sub', name: 'centre', inputs: [numericInput, 'scaler_mean'], outputs: ['centred'] });
    nodes.push({ opType: 'Div', name: 'standardise', inputs: ['centred', 'scaler_scale'], outputs: ['standardised'] });
    parts.push('standardised');
  }
  model.categorical.forEach((c, i) => {
    inputs.push({ name: c.name, elemType: OnnxType.STRING, shape: ['N', 1] });
    nodes.push({
      opType: 'OneHotEncoder',
      domain: 'ai.onnx.ml',
      name: `onehot_${i}`,
      inputs: [c.name],
      outputs: [`onehot_${i}_3d`],
      attributes: { cats_strings: { kind: 'strings', value: c.categories }, zeros: { kind: 'int', value: 1 } },
    });
    nodes.push({
      opType: 'Flatten',
      name: `flatten_${i}`,
      inputs: [`onehot_${i}_3d`],
      outputs: [`onehot_${i}`],
      attributes: { axis: { kind: 'int', value: 1 } },
    });
    parts.push(`onehot_${i}`);
  });
  let features = parts[0]!;
  if (parts.length > 1) {
    features = 'features';
    nodes.push({ opType: 'Concat', name: 'concat', inputs: parts, outputs: [features], attributes: { axis: { kind: 'int', value: 1 } } });
  }

  const outputs: OnnxValueInfo[] = [];
  const coefficients = model.weights.flat();
  if (model.task === 'regression') {
    nodes.push({
      opType: 'LinearRegressor',
      domain: 'ai.onnx.ml',
      name: 'regressor',
      inputs: [features],
      outputs: ['variable'],
      attributes: {
        coefficients: { kind: 'floats', value: coefficients },
        intercepts: { kind: 'floats', value: model.intercepts },
        targets: { kind: 'int', value: 1 },
      },
    });
    outputs.push({ name: 'variable', elemType: OnnxType.FLOAT, shape: ['N', 1] });
  } else {
    const classes = model.classes!;
    const ints = labelKind(classes) === 'int';
    nodes.push({
      opType: 'LinearClassifier',
      domain: 'ai.onnx.ml',
      name: 'classifier',
      inputs: [features],
      outputs: ['label', 'probabilities'],
      attributes: {
        coefficients: { kind: 'floats', value: coefficients },
        intercepts: { kind: 'floats', value: model.intercepts },
        post_transform: { kind: 'string', value: model.task === 'binary' ? 'LOGISTIC' : 'SOFTMAX' },
        multi_class: { kind: 'int', value: model.task === 'binary' ? 0 : 1 },
        ...(ints
          ? { classlabels_ints: { kind: 'ints', value: classes as number[] } }
          : { classlabels_strings: { kind: 'strings', value: classes.map(String) } }),
      },
    });
    outputs.push({ name: 'label', elemType: ints ? OnnxType.INT64 : OnnxType.STRING, shape: ['N'] });
    outputs.push({ name: 'probabilities', elemType: OnnxType.FLOAT, shape: ['N', classes.length] });
  }
  const kind = { binary: 'L2-regularised logistic regression', multiclass: 'L2-regularised softmax regression', regression: 'ridge regression' }[model.task];
  return encodeOnnxModel({
    producerName: 'upkeep-builtin',
    producerVersion: '1',
    docString: `${kind} on ${d} columns (${model.columns.join(', ')}) trained by the upkeep builtin trainer`,
    graph: { name: `builtin_${model.task}`, nodes, initializers, inputs, outputs },
    metadata: { 'upkeep.trainer': 'builtin', 'upkeep.task': model.task },
  });
}
