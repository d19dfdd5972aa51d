import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { isUpkeepError } from '../../engine/errors.js';
import { addModelToConfig } from '../../cli/commands/init.js';

const MODEL = 'models:\n  - id: b\n    # its task\n    task: binary\n    inputs:\n      - name: x\n';

describe('upkeep init adding a model to an existing config', () => {
  it("inserts after the last model at the list's own indentation, the rest byte for byte", () => {
    const flush = '# mine\nversion: 1\nmodels:\n- id: a   # first\n  task: binary\nweb: {}  # end\n';
    const out = addModelToConfig(flush, 'upkeep.yaml', MODEL, 'b');
    assert.equal(
      out,
      '# mine\nversion: 1\nmodels:\n- id: a   # first\n  task: binary\n# Added by upkeep init.\n- id: b\n  # its task\n  task: binary\n  inputs:\n    - name: x\nweb: {}  # end\n',
    );
    assert.deepEqual(
      parse(out).models.map((m: { id: string }) => m.id),
      ['a', 'b'],
    );
    const noNewline = addModelToConfig('models:\n  - id: a', 'upkeep.yaml', MODEL, 'b');
    assert.deepEqual(
      parse(noNewline).models.map((m: { id: string }) => m.id),
      ['a', 'b'],
    );
  });

  it('turns an empty flow list into a block list with the model', () => {
    const out = addModelToConfig('version: 1 # v\nmodels: []\n', 'upkeep.yaml', MODEL, 'b');
    assert.match(out, /^version: 1 # v\n/);
    assert.deepEqual(parse(out).models, [{ id: 'b', task: 'binary', inputs: [{ name: 'x' }] }]);
  });

  it('refuses a duplicate id, a file without a models list and a file that is not YAML, naming the file', () => {
    const refused = (text: string, re: RegExp) =>
      assert.throws(
        () => addModelToConfig(text, 'upkeep.yaml', MODEL, 'b'),
        (err: unknown) => isUpkeepError(err) && re.test((err as Error).message),
      );
    refused('models:\n  - id: b\n', /^upkeep\.yaml already has a model with id b: pass --id <another id>/);
    refused('version: 1\n', /^upkeep\.yaml already exists and has no models: list to add b to/);
    refused('models: [\n', /^upkeep\.yaml already exists and is not valid YAML \(/);
  });
});
