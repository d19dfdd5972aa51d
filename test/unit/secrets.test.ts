import assert from 'node:assert/strict';
import { isUpkeepError } from '../../engine/errors.js';
import { redactor, resolveSecretParams } from '../../engine/training/secrets.js';

describe('secret trainer parameters', function () {
  it('replaces { secret_env } at any depth with the variable, and lists the values to redact', function () {
    const { params, secrets } = resolveSecretParams(
      { db: { password: { secret_env: 'DB_PW' } }, tokens: [{ secret_env: 'TOKEN' }], depth: 3 },
      { DB_PW: 'p"w', TOKEN: 't0k3n' },
      'm',
    );
    assert.deepEqual(params, { db: { password: 'p"w' }, tokens: ['t0k3n'], depth: 3 });
    assert.deepEqual(secrets, ['p"w', 't0k3n']);
  });

  it('leaves objects with other keys alone', function () {
    const p = { opts: { secret_env: 'X', other: 1 } };
    assert.deepEqual(resolveSecretParams(p, {}, 'm').params, p);
  });

  it('names the parameter and the variable when it is missing or not a name', function () {
    assert.throws(
      () => resolveSecretParams({ db: { password: { secret_env: 'DB_PW' } } }, {}, 'churn'),
      (err: unknown) => {
        assert.ok(isUpkeepError(err, 'TrainingFailed'));
        assert.equal(err.message, "model churn: retrain.trainer.params.db.password: the worker's environment has no DB_PW (secret_env)");
        return true;
      },
    );
    assert.throws(() => resolveSecretParams({ k: { secret_env: 'A B' } }, {}, 'churn'), /params\.k: secret_env "A B" is not an environment variable name/);
  });

  it('redacts each value and its JSON-escaped form', function () {
    const redact = redactor(['p"w', 'hunter2']);
    assert.equal(redact('params {"password":"p\\"w"} and hunter2 and p"w'), 'params {"password":"***"} and *** and ***');
    assert.equal(redactor([])('unchanged'), 'unchanged');
  });
});
