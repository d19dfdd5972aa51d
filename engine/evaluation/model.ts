/**
 * Checks an ONNX model against its spec before any data is touched, and works out which outputs
 * hold the predicted label, the class probabilities or the regression value.
 */
import type { ModelSpec } from '../../domain/config.js';
import { UpkeepError } from '../errors.js';
import { readOnnxGraphFacts } from './onnx-graph.js';
import { explainLoadFailure } from './model-file.js';
import type { InferenceRunner, ModelInfo, TensorType, ValueInfo } from './runner.js';

export interface PreparedInput {
  name: string;
  type: Extract<TensorType, 'float32' | 'float64' | 'int64' | 'string'>;
  columns: string[];
}

export interface PreparedModel {
  /** sha256 of the ONNX bytes: the session cache key and the model version's identity. */
  key: string;
  modelId: string;
  artifact: string;
  task: ModelSpec['task'];
  inputs: PreparedInput[];
  labelOutput?: string;
  probaOutput?: string;
  valueOutput?: string;
  /** Canonical class labels in probability-column order (classifiers). */
  classes?: string[];
  positiveIndex?: number;
}

const SPEC_TO_TENSOR = { float: 'float32', double: 'float64', int64: 'int64', string: 'string' } as const;

/** Labels compare as strings: 1, 1.0 and "1" are the same class; true/false are 1/0. */
export function canonicalLabel(v: string | number | boolean): string {
  if (typeof v === 'boolean') return v ? '1' : '0';
  return String(v);
}

function rank(v: ValueInfo): number | undefined {
  return v.shape?.length;
}

function lastDim(v: ValueInfo): number | undefined {
  const d = v.shape?.[v.shape.length - 1];
  return typeof d === 'number' && d > 0 ? d : undefined;
}

export async function prepareModel(spec: ModelSpec, bytes: Uint8Array, key: string, runner: InferenceRunner, artifactName: string): Promise<PreparedModel> {
  const where = `model ${spec.id} (${artifactName})`;
  const invalid = (msg: string, cause?: unknown): UpkeepError => new UpkeepError('InvalidModel', `${where}: ${msg}`, { cause });

  let facts;
  try {
    facts = readOnnxGraphFacts(bytes);
  } catch (err) {
    throw invalid(`not a readable ONNX model (${(err as Error).message})`, err);
  }
  let info: ModelInfo;
  try {
    info = await runner.load(key, bytes);
  } catch (err) {
    throw invalid(`ONNX Runtime cannot load it: ${explainLoadFailure((err as Error).message)}`, err);
  }

  const nonTensor = info.outputs.filter((o) => !o.isTensor);
  if (nonTensor.length > 0 || facts.opTypes.includes('ZipMap')) {
    const names = nonTensor.map((o) => o.name).join(', ') || 'its probabilities';
    throw invalid(
      `output ${names} is a sequence of maps (ZipMap), which ONNX Runtime for Node cannot return. ` +
        `Export the classifier without ZipMap, e.g. with skl2onnx: to_onnx(model, X, options={"zipmap": False}), ` +
        `so that probabilities come out as a float tensor [N, classes].`,
    );
  }

  // Inputs: the spec must name exactly the model's inputs, with matching element types and widths.
  const modelInputs = new Map(info.inputs.map((i) => [i.name, i]));
  const declared = new Set(spec.inputs.map((i) => i.name));
  const missing = info.inputs.filter((i) => !declared.has(i.name)).map((i) => i.name);
  const unknown = spec.inputs.filter((i) => !modelInputs.has(i.name)).map((i) => i.name);
  if (missing.length > 0 || unknown.length > 0) {
    const expects = info.inputs.map((i) => `${i.name} (${i.type} ${JSON.stringify(i.shape)})`).join(', ');
    throw invalid(
      `inputs do not match the spec: the model expects ${expects}` +
        (unknown.length ? `; the spec declares unknown input ${unknown.join(', ')}` : '') +
        (missing.length ? `; the spec does not feed ${missing.join(', ')}` : ''),
    );
  }
  const inputs: PreparedInput[] = spec.inputs.map((s) => {
    const m = modelInputs.get(s.name)!;
    const want = SPEC_TO_TENSOR[s.type];
    if (m.type !== want) throw invalid(`input ${s.name} has element type ${m.type} but the spec says ${s.type}`);
    const width = lastDim(m);
    const r = rank(m);
    if (r !== undefined && r !== 2) throw invalid(`input ${s.name} has rank ${r}; upkeep feeds [rows, columns] tensors`);
    if (width !== undefined && width !== s.columns.length) {
      throw invalid(`input ${s.name} takes ${width} columns but the spec lists ${s.columns.length} (${s.columns.join(', ')})`);
    }
    return { name: s.name, type: want, columns: s.columns };
  });

  const outputs = new Map(info.outputs.map((o) => [o.name, o]));
  const pick = (declaredName: string | undefined, conventional: string, accept: (o: ValueInfo) => boolean, what: string): string | undefined => {
    if (declaredName !== undefined) {
      const o = outputs.get(declaredName);
      if (!o) throw invalid(`declared ${what} output ${declaredName} does not exist; outputs are ${[...outputs.keys()].join(', ')}`);
      if (!accept(o)) throw invalid(`output ${declaredName} (${o.type} ${JSON.stringify(o.shape)}) cannot be the ${what}`);
      return declaredName;
    }
    const conv = outputs.get(conventional);
    if (conv && accept(conv)) return conventional;
    return info.outputs.find(accept)?.name;
  };
  const isFloat = (o: ValueInfo): boolean => o.type === 'float32' || o.type === 'float64';

  const prepared: PreparedModel = { key, modelId: spec.id, artifact: artifactName, task: spec.task, inputs };
  if (spec.task === 'regression') {
    prepared.valueOutput = pick(spec.outputs.value, 'variable', (o) => isFloat(o) && (rank(o) === undefined || rank(o)! <= 2), 'value');
    if (!prepared.valueOutput) throw invalid('no float output to read predictions from; declare outputs.value');
    return prepared;
  }

  prepared.probaOutput = pick(spec.outputs.probabilities, 'probabilities', (o) => isFloat(o) && rank(o) === 2, 'probabilities');
  prepared.labelOutput = pick(spec.outputs.label, 'label', (o) => (o.type === 'int64' || o.type === 'string' || o.type === 'int32') && rank(o) === 1, 'label');
  if (!prepared.probaOutput) {
    throw invalid(`no [N, classes] float output with class probabilities; outputs are ${info.outputs.map((o) => `${o.name} (${o.type})`).join(', ')}`);
  }
  const classes = (spec.classes ?? facts.classLabels)?.map(canonicalLabel);
  if (!classes)
    throw invalid('the model does not record its class labels; declare classes: in the spec (evaluate --onnx: --classes a,b,c), in probability-column order');
  const width = lastDim(outputs.get(prepared.probaOutput)!);
  if (width !== undefined && width !== classes.length) {
    throw invalid(`output ${prepared.probaOutput} has ${width} columns but there are ${classes.length} classes (${classes.join(', ')})`);
  }
  prepared.classes = classes;
  // A model that records no class labels can only output class indices (an ArgMax export): read
  // the prediction from the probabilities, whose columns the declared classes name.
  const labelType = prepared.labelOutput ? outputs.get(prepared.labelOutput)!.type : undefined;
  if (!facts.classLabels && spec.outputs.label === undefined && labelType !== 'string') delete prepared.labelOutput;
  if (spec.task === 'binary') {
    if (classes.length !== 2) throw invalid(`a binary model needs 2 classes, this one has ${classes.length} (${classes.join(', ')})`);
    const positive = canonicalLabel(spec.label.positive!);
    const idx = classes.indexOf(positive);
    if (idx < 0) throw invalid(`label.positive ${positive} is not one of the model's classes (${classes.join(', ')})`);
    prepared.positiveIndex = idx;
  } else if (classes.length < 2) {
    throw invalid(`a multiclass model needs at least 2 classes, this one has ${classes.length}`);
  }
  return prepared;
}
