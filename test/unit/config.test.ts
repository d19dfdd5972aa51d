import assert from 'node:assert/strict';
import path from 'node:path';
import { parseConfig, loadConfig } from '../../engine/config/load.js';
import { isUpkeepError } from '../../engine/errors.js';
import { PROJECT_DIR } from '../../workers/paths.js';
import { modelYaml } from '../helpers/config-text.js';

const model = (extra = ''): string => modelYaml({ extra });

function configError(text: string): string {
  try {
    parseConfig(text, { name: 'upkeep.yaml', baseDir: '/srv/upkeep' });
  } catch (err) {
    assert.ok(isUpkeepError(err, 'InvalidConfig'));
    return err.message;
  }
  assert.fail('expected the config to be refused');
}

describe('upkeep.yaml validation', function () {
  it('accepts the example config that ships with the project', async function () {
    const config = await loadConfig(path.join(PROJECT_DIR, 'upkeep.example.yaml'));
    assert.equal(config.models[0]!.id, 'churn');
    assert.ok(config.models[0]!.artifact.startsWith('file:///'));
  });

  it('pauses the schedules of models that left the config unless schedules.orphans says prune or keep', function () {
    assert.deepEqual(parseConfig(`models:${model()}`, { name: 'upkeep.yaml', baseDir: '/srv/upkeep' }).schedules, { orphans: 'pause' });
    assert.equal(parseConfig(`schedules: { orphans: prune }\nmodels:${model()}`, { name: 'upkeep.yaml', baseDir: '/srv/upkeep' }).schedules.orphans, 'prune');
    assert.equal(
      configError(`schedules: { orphans: delete }\nmodels:${model()}`),
      'upkeep.yaml: schedules.orphans: expected pause, prune or keep, not "delete"',
    );
  });

  it('resolves relative paths against the config folder and keeps the date placeholders', function () {
    const config = parseConfig(`models:${model()}`, { name: 'upkeep.yaml', baseDir: '/srv/upkeep' });
    const m = config.models[0]!;
    assert.equal(m.artifact, 'file:///srv/upkeep/models/churn.onnx');
    assert.equal(m.data.uri, 'file:///srv/upkeep/data/{date}.csv');
    assert.equal(config.store, 'file:///srv/upkeep/.upkeep/store');
    assert.deepEqual(m.data.window, { days: 7 });
    assert.equal(m.schedule.timezone, 'UTC');
  });

  it('refuses retraining settings that could not work, before anyone is asked to approve', function () {
    assert.match(
      configError(
        `models:${model('    retrain: { on: degraded, trainer: { type: builtin } }').replace('{ name: input, columns: [a, b] }', '{ name: input, type: double, columns: [a, b] }')}`,
      ),
      /retrain\.trainer\.type: the builtin trainer makes models with one float input .*input input \(double, 2 columns\) does not fit: use a command trainer/,
    );
    assert.match(
      configError(`models:${model('    retrain: { on: degraded }').replace('data/{date}.csv', 'data/all.csv')}`),
      /retrain\.on: retraining needs dated data/,
    );
    assert.match(configError(`models:${model('    approval: { reminder_every: 0s }')}`), /approval\.reminder_every: expected a duration longer than 0/);
  });

  it('takes a query window on a database URI and refuses what could splice, leak or mislead, naming the field', function () {
    const sql = (data: string): string => `models:${model().replace(/    data: \{[^\n]*\}/, `    data: ${data}`)}`;
    const Q = 'select a, b, y from t where at >= {start} and at < {end}';
    const ok = parseConfig(sql(`{ uri: "postgres://upkeep@db:5432/analytics", query: "${Q}" }`), { name: 'upkeep.yaml', baseDir: '/srv/upkeep' }).models[0]!;
    assert.equal(ok.data.uri, 'postgres://upkeep@db:5432/analytics', 'a database URI is not resolved as a path');
    assert.equal(ok.data.query, Q);
    const refused: [string, RegExp][] = [
      [
        `{ uri: "postgres://upkeep:hunter2@db:5432/analytics", query: "${Q}" }`,
        /data\.uri: a password may not be written in the configuration: use PGPASSWORD/,
      ],
      [`{ uri: "postgres://upkeep@db:5432/analytics?password=hunter2", query: "${Q}" }`, /data\.uri: a password may not be written/],
      [
        `{ uri: "postgres://upkeep@db:5432/analytics", query: "${Q.replace('{end}', '{model}')}" }`,
        /data\.query: unknown placeholder \{model\}: a query may only use \{start\} and \{end\}/,
      ],
      [
        `{ uri: "postgres://upkeep@db:5432/analytics", query: "select * from t where at >= {start}" }`,
        /data\.query: a query must use both \{start\} and \{end\}/,
      ],
      [`{ uri: "postgres://upkeep@db:5432/analytics", query: "${Q} and id = $1" }`, /data\.query: a query may not hold positional parameters/],
      [`{ uri: "postgres://upkeep@db:5432/analytics", query: "${Q}; drop table t" }`, /data\.query: a query must be one statement/],
      [`{ uri: "postgres://upkeep@db:5432/analytics" }`, /data\.query: a postgres data URI needs a query/],
      [`{ uri: "data/{date}.csv", query: "${Q}" }`, /data\.query: a query needs a database URI/],
      [`{ uri: "duckdb:", query: "${Q}", format: csv }`, /data\.format: format is for files, not a query/],
      [`{ uri: "duckdb:relative.duckdb", query: "${Q}" }`, /data\.uri: expected duckdb: \(in memory/],
      [`{ uri: "duckdb:", query: "${Q}", labels: { query: "${Q}" } }`, /data\.key: labels that arrive apart are joined by key/],
    ];
    for (const [data, expected] of refused) assert.match(configError(sql(data)), expected, data);
    // A labels query may use the window's bounds or none (every label known), not one of them.
    const labels = (query: string): string => sql(`{ uri: "duckdb:", query: "${Q}", key: id, labels: { query: "${query}" } }`);
    assert.ok(parseConfig(labels('select id, y from outcomes'), { name: 'upkeep.yaml', baseDir: '/srv/upkeep' }));
    assert.ok(parseConfig(labels('select id, y from outcomes where at >= {start} and at < {end}'), { name: 'upkeep.yaml', baseDir: '/srv/upkeep' }));
    assert.match(configError(labels('select id, y from outcomes where at >= {start}')), /data\.labels\.query: a labels query uses both \{start\} and \{end\}/);
    // A semicolon inside a string literal is text, not a second statement.
    assert.ok(parseConfig(sql(`{ uri: "duckdb:", query: "${Q} and b <> ';'" }`), { name: 'upkeep.yaml', baseDir: '/srv/upkeep' }));
  });

  it('resolves the model cards repository against the config folder', function () {
    const config = parseConfig(`cards: { git: ../model-cards }\nmodels:${model()}`, { name: 'upkeep.yaml', baseDir: '/srv/upkeep' });
    assert.equal(config.cards.git, '/srv/model-cards');
  });

  it('names the file, the model and the field of a threshold out of range', function () {
    const text = `models:${model()}${model().replace('id: churn', 'id: fraud')}${model().replace('id: churn', 'id: churn-eu').replace('min: 0.7', 'min: 1.7')}`;
    assert.equal(configError(text), 'upkeep.yaml: models[2] (churn-eu): thresholds.min: expected a number between 0 and 1');
  });

  it('refuses a model without an owner', function () {
    assert.equal(
      configError(`models:${model().replace('    owner: owners@example.com\n', '')}`),
      'upkeep.yaml: models[0] (churn): owner: required (every model needs an accountable owner)',
    );
  });

  it('refuses unknown keys', function () {
    assert.equal(configError(`models:${model('    retrain_every: 1d')}`), 'upkeep.yaml: models[0] (churn): unknown key retrain_every');
  });

  it('refuses duplicate model ids', function () {
    assert.equal(configError(`models:${model()}${model()}`), 'upkeep.yaml: models[1] (churn): id: duplicate of models[0]');
  });

  it('refuses unsafe model ids', function () {
    for (const id of ['Churn', '../etc', 'a b', '-x']) {
      assert.match(configError(`models:${model().replace('id: churn', `id: "${id}"`)}`), /: id: expected lowercase letters, digits/);
    }
  });

  it('refuses a metric that does not belong to the task, and min on an error metric', function () {
    assert.match(
      configError(`models:${model().replace('metric: roc_auc', 'metric: rmse')}`),
      /thresholds\.metric: expected one of accuracy, .* for a binary model/,
    );
    assert.match(
      configError(`models:${model().replace('metric: roc_auc, min: 0.7', 'metric: log_loss, min: 0.7')}`),
      /thresholds\.min: log_loss is better when lower: use thresholds\.max/,
    );
  });

  it('refuses max_drop without a baseline and a model without any threshold', function () {
    assert.match(configError(`models:${model().replace('min: 0.7', 'max_drop: 0.05')}`), /baseline\.roc_auc: max_drop needs a baseline value for roc_auc/);
    assert.match(configError(`models:${model().replace(', min: 0.7', '')}`), /thresholds: give at least one of min, max or max_drop/);
  });

  it('refuses a schedule with both or neither of every and cron, and a malformed duration', function () {
    assert.match(configError(`models:${model().replace('{ every: 1d }', '{ every: 1d, cron: "0 6 * * *" }')}`), /schedule: give exactly one of every or cron/);
    assert.match(configError(`models:${model().replace('{ every: 1d }', '{ every: daily }')}`), /schedule\.every: expected a duration like 30s/);
  });

  it('refuses a binary model without its positive label', function () {
    assert.match(configError(`models:${model().replace(', positive: 1', '')}`), /label\.positive: a binary model needs the positive label/);
  });

  it('takes how late the labels come, and refuses a delay that is zero, malformed or longer than a year', function () {
    const late = (delay: string) => `models:${model().replace(', positive: 1', `, positive: 1, delay: ${delay}`)}`;
    assert.equal(parseConfig(late('30d'), { name: 'upkeep.yaml', baseDir: '/srv/upkeep' }).models[0]!.label.delay, '30d');
    assert.equal(parseConfig(`models:${model()}`, { name: 'upkeep.yaml', baseDir: '/srv/upkeep' }).models[0]!.label.delay, undefined);
    assert.match(
      configError(late('0d')),
      /models\[0\] \(churn\): label\.delay: expected a duration longer than 0 \(leave delay out when labels arrive with the rows\)/,
    );
    assert.match(configError(late('a month')), /label\.delay: expected a duration like 30s, 5m, 2h or 1d/);
    assert.match(configError(late('400d')), /label\.delay: expected a delay of at most 366d/);
    // A number is there, of the wrong type: not "required".
    assert.equal(configError(late('30')), 'upkeep.yaml: models[0] (churn): label.delay: expected string, received number');
    assert.match(configError(`models:${model().replace('{ every: 1d }', '{ every: 30 }')}`), /schedule\.every: expected string, received number$/);
    assert.match(
      configError(`models:${model().replace('owner: owners@example.com', 'owner: ~')}`),
      /owner: required \(every model needs an accountable owner\)$/,
    );
  });

  it('reports YAML syntax errors and duplicate keys with the file name', function () {
    assert.match(configError('models: [\n'), /^upkeep\.yaml: not valid YAML/);
    assert.match(configError(`models:${model()}\nmodels: []`), /^upkeep\.yaml: not valid YAML: Map keys must be unique/);
  });

  it('says which file could not be read', async function () {
    await assert.rejects(loadConfig('/nonexistent/upkeep.yaml'), /config \/nonexistent\/upkeep\.yaml: no such file$/);
  });
});

describe('upkeep.yaml validation at the edge: schedules, limits, aliases', function () {
  const withSchedule = (schedule: string): string => `models:${model().replace('{ every: 1d }', schedule)}`;

  it('refuses a malformed cron, a cron that never fires, an unknown time zone, naming the model and field', function () {
    assert.equal(
      configError(withSchedule('{ cron: "0 6 * *" }')),
      'upkeep.yaml: models[0] (churn): schedule.cron: malformed cron "0 6 * *": expected 5 fields (minute hour day-of-month month day-of-week), found 4',
    );
    assert.equal(
      configError(withSchedule('{ cron: "0 0 30 2 *" }')),
      'upkeep.yaml: models[0] (churn): schedule.cron: cron "0 0 30 2 *" never fires (no calendar day matches its day and month fields)',
    );
    assert.equal(
      configError(withSchedule('{ every: 1d, timezone: Mars/Base }')),
      'upkeep.yaml: models[0] (churn): schedule.timezone: unknown time zone "Mars/Base" (expected an IANA name such as UTC or Europe/Berlin)',
    );
  });

  it('refuses a zero, negative or absurd interval', function () {
    assert.equal(configError(withSchedule('{ every: 0s }')), 'upkeep.yaml: models[0] (churn): schedule.every: expected an interval of at least 1s');
    assert.match(configError(withSchedule('{ every: -1d }')), /schedule\.every: expected a duration like 30s/);
    assert.equal(configError(withSchedule('{ every: 99999999999d }')), 'upkeep.yaml: models[0] (churn): schedule.every: expected a duration of at most 3660d');
    assert.match(configError(withSchedule('{ every: 1d, jitter: 100000d }')), /schedule\.jitter: expected a duration of at most 3660d/);
  });

  it('takes read limits at the top level, per model overrides, sizes in words', function () {
    const config = parseConfig(`limits: { max_file_bytes: 64MiB, max_rows_per_file: 1000 }\nmodels:${model('    limits: { max_rows_per_file: 50 }')}`, {
      name: 'upkeep.yaml',
      baseDir: '/srv',
    });
    assert.equal(config.limits.max_file_bytes, 64 * 1024 ** 2);
    assert.equal(config.models[0]!.limits!.max_file_bytes, 64 * 1024 ** 2);
    assert.equal(config.models[0]!.limits!.max_rows_per_file, 50);
    assert.equal(config.models[0]!.limits!.max_expansion, 256);
    assert.match(
      configError(`limits: { max_file_bytes: lots }\nmodels:${model()}`),
      /^upkeep\.yaml: limits\.max_file_bytes: expected a size like 64MiB or 2GiB/m,
    );
  });

  it('refuses a YAML alias bomb and an oversized config with a message', function () {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      ...'bcdefghij'.split('').map((c, i) => `${c}: &${c} [${Array(10).fill(`*${'abcdefghij'[i]}`).join(', ')}]`),
    ].join('\n');
    const started = Date.now();
    assert.match(configError(`${bomb}\nmodels:${model()}`), /^upkeep\.yaml: YAML aliases expand too far \(more than 100 alias expansions/);
    assert.ok(Date.now() - started < 2000, 'refused before expanding');
    assert.match(configError(`# ${'x'.repeat(1024 * 1024)}\nmodels:${model()}`), /^upkeep\.yaml: \d+ characters, more than a config may have/);
  });
});
