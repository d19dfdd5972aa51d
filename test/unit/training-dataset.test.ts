import assert from 'node:assert/strict';
import type { Column, Table } from '../../engine/data/table.js';
import { isUpkeepError } from '../../engine/errors.js';
import { builtinLayout, trainingSet } from '../../engine/training/dataset.js';
import { num, str } from '../helpers/columns.js';
import { specFor } from '../helpers/fixtures.js';

const table = (source: string, columns: Record<string, Column>): Table => {
  const lengths = Object.values(columns).map((c) => c.values.length);
  assert.ok(
    lengths.every((n) => n === lengths[0]),
    'test table columns must have the same length',
  );
  return { source, rowCount: lengths[0] ?? 0, columns: new Map(Object.entries(columns)) };
};

const binary = (positive: string | number = 1, inputs: unknown = [{ name: 'input', columns: ['x1', 'x2'] }]) =>
  specFor({ task: 'binary', inputs, label: { column: 'y', positive } });

function refusal(fn: () => unknown, type: string): string {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(isUpkeepError(caught), `expected an UpkeepError, got ${String(caught)}`);
  assert.equal(caught.type, type);
  return caught.message;
}

describe('the builtin trainer data set', function () {
  it('orders binary classes negative then positive and labels rows by class index', function () {
    const spec = binary('churned', [{ name: 'input', columns: ['x1'] }]);
    const set = trainingSet(spec, [table('day1.csv', { x1: num([1, 2, 3, 4]), y: str(['stayed', 'churned', 'churned', 'stayed']) })], undefined);
    // Alphabetically "churned" < "stayed": the order comes from the positive class, not sorting.
    assert.deepEqual(set.input.classes, ['stayed', 'churned']);
    assert.deepEqual([...set.input.labels], [0, 1, 1, 0]);
    assert.ok(set.input.labels instanceof Int32Array);
    assert.equal(set.input.task, 'binary');
    assert.equal(set.rows, 4);
    assert.equal(set.droppedRows, 0);
  });

  it('puts a numeric positive class second even when it sorts first', function () {
    const spec = binary(0, [{ name: 'input', columns: ['x1'] }]);
    const set = trainingSet(spec, [table('day1.csv', { x1: num([1, 2, 3]), y: num([1, 0, 1]) })], undefined);
    assert.deepEqual(set.input.classes, [1, 0]);
    assert.deepEqual([...set.input.labels], [0, 1, 0]);
  });

  it('copies the numeric columns row by row across files', function () {
    const set = trainingSet(
      binary(),
      [table('day1.csv', { x1: num([1, 2]), x2: num([10, 20]), y: num([0, 1]) }), table('day2.csv', { x1: num([3]), x2: num([30]), y: num([1]) })],
      { l2: 2 },
    );
    assert.deepEqual(set.input.featureNames, ['x1', 'x2']);
    assert.deepEqual(
      set.input.features.numeric.map((c) => [...c]),
      [
        [1, 2, 3],
        [10, 20, 30],
      ],
    );
    assert.ok(set.input.features.numeric.every((c) => c instanceof Float64Array && c.length === 3));
    assert.equal(set.input.features.categorical, undefined);
    assert.deepEqual(set.input.params, { l2: 2 });
    assert.equal(set.input.numericInput, 'input');
  });

  it('drops and counts rows with a missing or non-finite feature or label', function () {
    const set = trainingSet(
      binary(),
      [
        table('day1.csv', {
          x1: num([1, null, 3, Number.NaN, 5, 6]),
          x2: num([10, 20, 30, 40, Number.POSITIVE_INFINITY, 60]),
          y: num([0, 1, null, 1, 0, 1]),
        }),
        table('day2.csv', { x1: num([7, 8]), x2: num([70, 80]), y: num([Number.NaN, 0]) }),
      ],
      undefined,
    );
    // Kept: day1 rows 0 and 5, day2 row 1.
    assert.equal(set.rows, 3);
    assert.equal(set.droppedRows, 5);
    assert.deepEqual(
      set.input.features.numeric.map((c) => [...c]),
      [
        [1, 6, 8],
        [10, 60, 80],
      ],
    );
    assert.deepEqual([...set.input.labels], [0, 1, 0]);
  });

  it('names the file and the column when a column is missing', function () {
    const message = refusal(
      () => trainingSet(binary(), [table('file:///data/2026-03-01.csv', { x1: num([1, 2]), y: num([0, 1]) })], undefined),
      'SchemaMismatch',
    );
    assert.equal(message, 'model fixture: training file file:///data/2026-03-01.csv has no column x2');
  });

  it('names the file when the label column is missing', function () {
    const message = refusal(() => trainingSet(binary(), [table('day1.csv', { x1: num([1, 2]), x2: num([1, 2]) })], undefined), 'SchemaMismatch');
    assert.equal(message, 'model fixture: training file day1.csv has no column y');
  });

  it('refuses text in a column of the numeric input', function () {
    const message = refusal(
      () => trainingSet(binary(), [table('day1.csv', { x1: num([1, 2]), x2: str(['a', 'b']), y: num([0, 1]) })], undefined),
      'SchemaMismatch',
    );
    assert.equal(message, 'model fixture: training file day1.csv: column x2 holds text, the model input input needs numbers');
  });

  it('refuses a binary label with three classes and lists them', function () {
    const message = refusal(
      () => trainingSet(binary(), [table('day1.csv', { x1: num([1, 2, 3]), x2: num([1, 2, 3]), y: num([2, 0, 1]) })], undefined),
      'InsufficientData',
    );
    assert.equal(message, 'model fixture: a binary model needs exactly two classes in y with the positive class 1; the training window has 0, 1, 2');
  });

  it('refuses a binary label without the positive class', function () {
    const message = refusal(
      () => trainingSet(binary(), [table('day1.csv', { x1: num([1, 2, 3]), x2: num([1, 2, 3]), y: num([0, 2, 0]) })], undefined),
      'InsufficientData',
    );
    assert.equal(message, 'model fixture: a binary model needs exactly two classes in y with the positive class 1; the training window has 0, 2');
  });

  it('refuses a window with fewer than two usable rows', function () {
    const message = refusal(
      () => trainingSet(binary(), [table('day1.csv', { x1: num([1, null]), x2: num([1, 2]), y: num([0, 1]) })], undefined),
      'InsufficientData',
    );
    assert.equal(message, 'model fixture: the training window has 1 usable rows');
  });

  it('sorts multiclass classes (numbers numerically, text alphabetically)', function () {
    const spec = specFor({ task: 'multiclass', inputs: [{ name: 'input', columns: ['x1'] }] });
    const numbers = trainingSet(spec, [table('day1.csv', { x1: num([1, 2, 3, 4]), y: num([10, 2, 1, 2]) })], undefined);
    assert.deepEqual(numbers.input.classes, [1, 2, 10]);
    assert.deepEqual([...numbers.input.labels], [2, 1, 0, 1]);
    const text = trainingSet(spec, [table('day1.csv', { x1: num([1, 2, 3, 4]), y: str(['pear', 'apple', 'fig', 'apple']) })], undefined);
    assert.deepEqual(text.input.classes, ['apple', 'fig', 'pear']);
    assert.deepEqual([...text.input.labels], [2, 0, 1, 0]);
  });

  it('keeps regression labels as numbers', function () {
    const spec = specFor({ task: 'regression', inputs: [{ name: 'input', columns: ['x1'] }] });
    const set = trainingSet(spec, [table('day1.csv', { x1: num([1, 2, 3]), y: num([1.5, -2.25, 1000]) })], undefined);
    assert.ok(set.input.labels instanceof Float64Array);
    assert.deepEqual([...set.input.labels], [1.5, -2.25, 1000]);
    assert.equal(set.input.classes, undefined);
  });

  it('refuses a regression target written as text, naming the file and column', function () {
    const spec = specFor({ task: 'regression', inputs: [{ name: 'input', columns: ['x1'] }] });
    assert.throws(
      () => trainingSet(spec, [table('day1.csv', { x1: num([1, 2, 3]), y: str(['1.5', 'n/a', '2']) })], undefined),
      (err: unknown) => isUpkeepError(err, 'SchemaMismatch') && /day1\.csv: label column y holds text/.test(err.message),
    );
  });

  it('turns one-column string inputs into categories named after the input', function () {
    const spec = binary(1, [
      { name: 'numbers', columns: ['x1'] },
      { name: 'plan_input', type: 'string', columns: ['plan'] },
      { name: 'region_input', type: 'string', columns: ['region'] },
    ]);
    const set = trainingSet(
      spec,
      [table('day1.csv', { x1: num([1, 2, 3]), plan: str(['basic', null, 'pro']), region: num([7, 8, 9]), y: num([0, 1, 1]) })],
      undefined,
    );
    assert.equal(set.rows, 2);
    assert.equal(set.droppedRows, 1);
    assert.deepEqual(set.input.features.categorical, [
      { name: 'plan_input', values: ['basic', 'pro'] },
      { name: 'region_input', values: ['7', '9'] },
    ]);
    assert.deepEqual(
      set.input.features.numeric.map((c) => [...c]),
      [[1, 3]],
    );
    assert.equal(set.input.numericInput, 'numbers');
  });

  it('makes a model with string inputs only, without a numeric input', function () {
    const spec = binary(1, [{ name: 'plan_input', type: 'string', columns: ['plan'] }]);
    const set = trainingSet(spec, [table('day1.csv', { plan: str(['a', 'b']), y: num([0, 1]) })], undefined);
    assert.deepEqual(set.input.features.numeric, []);
    assert.deepEqual(set.input.featureNames, []);
    assert.equal('numericInput' in set.input, false);
    assert.deepEqual(builtinLayout(spec), { categorical: [{ name: 'plan_input', column: 'plan' }] });
  });
});

describe('the builtin trainer layout', function () {
  it('describes one float input and one-column string inputs', function () {
    const spec = binary(1, [
      { name: 'features', columns: ['a', 'b'] },
      { name: 'plan', type: 'string', columns: ['plan_col'] },
    ]);
    assert.deepEqual(builtinLayout(spec), { numeric: { name: 'features', columns: ['a', 'b'] }, categorical: [{ name: 'plan', column: 'plan_col' }] });
  });

  it('refuses a double input and suggests a command trainer', function () {
    const message = refusal(() => builtinLayout(binary(1, [{ name: 'input', type: 'double', columns: ['x1'] }])), 'InvalidConfig');
    assert.equal(
      message,
      'model fixture: retrain.trainer builtin makes models with one float input and one-column string inputs; input input (double, 1 columns) does not fit. Use a command trainer',
    );
  });

  it('refuses two float inputs and suggests a command trainer', function () {
    const message = refusal(
      () =>
        builtinLayout(
          binary(1, [
            { name: 'a', columns: ['x1'] },
            { name: 'b', columns: ['x2'] },
          ]),
        ),
      'InvalidConfig',
    );
    assert.equal(
      message,
      'model fixture: retrain.trainer builtin makes models with one float input and one-column string inputs; several float inputs does not fit. Use a command trainer',
    );
  });

  it('refuses a string input with two columns', function () {
    const message = refusal(() => builtinLayout(binary(1, [{ name: 'words', type: 'string', columns: ['a', 'b'] }])), 'InvalidConfig');
    assert.match(message, /input words \(string, 2 columns\) does not fit\. Use a command trainer$/);
  });

  it('refuses from trainingSet as well, before reading any table', function () {
    refusal(() => trainingSet(binary(1, [{ name: 'ids', type: 'int64', columns: ['x1'] }]), [], undefined), 'InvalidConfig');
  });
});
