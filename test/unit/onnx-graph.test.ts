import assert from 'node:assert/strict';
import { readOnnxGraphFacts } from '../../engine/evaluation/onnx-graph.js';
import { fixtureBytes } from '../helpers/fixtures.js';

describe('reading ONNX graph facts', function () {
  it('finds integer class labels of a classifier', function () {
    assert.deepEqual(readOnnxGraphFacts(fixtureBytes('models/binary.onnx')).classLabels, [0, 1]);
  });

  it('finds string class labels in probability-column order', function () {
    assert.deepEqual(readOnnxGraphFacts(fixtureBytes('models/multiclass.onnx')).classLabels, ['bronze', 'gold', 'silver']);
    assert.deepEqual(readOnnxGraphFacts(fixtureBytes('models/multi_input.onnx')).classLabels, ['no', 'yes']);
  });

  it('sees a ZipMap operator', function () {
    assert.ok(readOnnxGraphFacts(fixtureBytes('models/binary_zipmap.onnx')).opTypes.includes('ZipMap'));
    assert.ok(!readOnnxGraphFacts(fixtureBytes('models/binary.onnx')).opTypes.includes('ZipMap'));
  });

  it('has no class labels for a regressor', function () {
    assert.equal(readOnnxGraphFacts(fixtureBytes('models/regression.onnx')).classLabels, undefined);
  });

  it('throws on bytes that are not an ONNX model', function () {
    assert.throws(() => readOnnxGraphFacts(fixtureBytes('models/not_onnx.onnx')));
    assert.throws(() => readOnnxGraphFacts(fixtureBytes('models/corrupt.onnx')));
  });
});
