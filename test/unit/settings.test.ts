import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultConfigPath, defaultStateDir, EXAMPLE_CONFIG, isInstalled, PROJECT_DIR } from '../../workers/paths.js';
import { configPath, readSettings, SettingsError } from '../../workers/settings.js';

describe('settings from the environment', function () {
  it('has defaults for an empty environment', function () {
    const s = readSettings({});
    assert.equal(s.config, undefined);
    assert.equal(s.taskQueue, 'upkeep');
    assert.equal(s.stateDir, path.join(PROJECT_DIR, '.upkeep'));
    assert.deepEqual([s.devPort, s.devUiPort], [7233, 8233]);
    assert.equal(s.temporalCli, undefined);
    assert.equal(s.logLevel, 'WARN');
    assert.equal(s.user, 'cli');
  });

  it('reads every UPKEEP_* variable, resolving paths', function () {
    const s = readSettings({
      UPKEEP_CONFIG: 'conf/upkeep.yaml',
      UPKEEP_TASK_QUEUE: 'team-a',
      UPKEEP_STATE_DIR: '/srv/upkeep',
      UPKEEP_DEV_PORT: '17233',
      UPKEEP_DEV_UI_PORT: '18233',
      UPKEEP_TEMPORAL_CLI: '/opt/temporal',
      UPKEEP_LOG_LEVEL: 'debug',
      USER: 'ana',
    });
    assert.equal(s.config, path.resolve('conf/upkeep.yaml'));
    assert.equal(s.taskQueue, 'team-a');
    assert.equal(s.stateDir, '/srv/upkeep');
    assert.deepEqual([s.devPort, s.devUiPort], [17233, 18233]);
    assert.equal(s.temporalCli, '/opt/temporal');
    assert.equal(s.logLevel, 'DEBUG');
    assert.equal(s.user, 'ana');
  });

  it('refuses unencrypted payloads by default when payload keys are set, unless UPKEEP_PAYLOAD_STRICT=0', function () {
    const key = 'k1 ' + Buffer.alloc(32, 7).toString('base64');
    assert.equal(readSettings({}).payloadStrict, undefined, 'no keys: nothing to be strict with');
    assert.equal(readSettings({ UPKEEP_PAYLOAD_KEYS: key }).payloadStrict, true);
    assert.equal(readSettings({ UPKEEP_PAYLOAD_KEYS_FILE: '/etc/upkeep/payload.keys' }).payloadStrict, true);
    assert.equal(readSettings({ UPKEEP_PAYLOAD_KEYS: key, UPKEEP_PAYLOAD_STRICT: '0' }).payloadStrict, undefined, 'turned off while older workflows are open');
    assert.equal(readSettings({ UPKEEP_PAYLOAD_KEYS: key, UPKEEP_PAYLOAD_STRICT: '1' }).payloadStrict, true);
    assert.throws(
      () => readSettings({ UPKEEP_PAYLOAD_STRICT: 'yes' }),
      (e: unknown) => e instanceof SettingsError && /UPKEEP_PAYLOAD_STRICT="yes" is not 0 or 1/.test(e.message),
    );
  });

  it('reads the worker queues and slots, and refuses bad ones naming the variable', function () {
    const d = readSettings({});
    assert.deepEqual([d.workerQueues, d.evaluationSlots, d.trainingSlots], ['all', 4, 1]);
    const s = readSettings({ UPKEEP_WORKER_QUEUES: 'Training', UPKEEP_EVALUATION_SLOTS: '8', UPKEEP_TRAINING_SLOTS: ' 2 ' });
    assert.deepEqual([s.workerQueues, s.evaluationSlots, s.trainingSlots], ['training', 8, 2]);
    for (const [name, value, message] of [
      ['UPKEEP_WORKER_QUEUES', 'gpu', /UPKEEP_WORKER_QUEUES=gpu is not one of all, evaluation, training/],
      ['UPKEEP_EVALUATION_SLOTS', '0', /UPKEEP_EVALUATION_SLOTS=0 is not a number of slots/],
      ['UPKEEP_TRAINING_SLOTS', '1.5', /UPKEEP_TRAINING_SLOTS=1.5 is not a number of slots/],
      ['UPKEEP_TRAINING_SLOTS', 'many', /UPKEEP_TRAINING_SLOTS=many/],
    ] as const) {
      assert.throws(
        () => readSettings({ [name]: value }),
        (err: unknown) => err instanceof SettingsError && err.variable === name && message.test(err.message),
      );
    }
  });

  it('treats an empty variable as unset', function () {
    assert.equal(readSettings({ UPKEEP_TASK_QUEUE: '', UPKEEP_DEV_PORT: '' }).taskQueue, 'upkeep');
    assert.equal(readSettings({ UPKEEP_DEV_PORT: '' }).devPort, 7233);
  });

  const bad: [Record<string, string>, string, RegExp][] = [
    [{ UPKEEP_DEV_PORT: 'abc' }, 'UPKEEP_DEV_PORT', /^UPKEEP_DEV_PORT=abc is not a port number \(1-65535\)$/],
    [{ UPKEEP_DEV_PORT: '70000' }, 'UPKEEP_DEV_PORT', /UPKEEP_DEV_PORT=70000 is not a port number/],
    [{ UPKEEP_DEV_UI_PORT: '80.5' }, 'UPKEEP_DEV_UI_PORT', /UPKEEP_DEV_UI_PORT=80\.5 is not a port number/],
    [{ UPKEEP_DEV_PORT: '9000', UPKEEP_DEV_UI_PORT: '9000' }, 'UPKEEP_DEV_UI_PORT', /UPKEEP_DEV_UI_PORT and UPKEEP_DEV_PORT are both 9000/],
    [{ UPKEEP_LOG_LEVEL: 'loud' }, 'UPKEEP_LOG_LEVEL', /UPKEEP_LOG_LEVEL=loud is not one of TRACE, DEBUG, INFO, WARN, ERROR/],
    [{ UPKEEP_TASK_QUEUE: 'my queue' }, 'UPKEEP_TASK_QUEUE', /UPKEEP_TASK_QUEUE="my queue" contains white space/],
    [{ UPKEEP_CONFIG: '   ' }, 'UPKEEP_CONFIG', /UPKEEP_CONFIG is blank/],
  ];
  for (const [env, variable, message] of bad) {
    it(`refuses ${JSON.stringify(env)} naming ${variable}`, function () {
      assert.throws(
        () => readSettings(env),
        (err: unknown) => err instanceof SettingsError && err.variable === variable && message.test(err.message),
      );
    });
  }

  describe('the config file of a command', function () {
    const cwd = process.cwd();
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-settings-'));
      process.chdir(dir);
    });
    afterEach(() => {
      process.chdir(cwd);
      rmSync(dir, { recursive: true, force: true });
    });

    it('is --config, else UPKEEP_CONFIG, else ./upkeep.yaml, else the example config', function () {
      assert.equal(configPath(readSettings({})), EXAMPLE_CONFIG);
      writeFileSync(path.join(dir, 'upkeep.yaml'), 'version: 1\n');
      assert.equal(configPath(readSettings({})), path.join(dir, 'upkeep.yaml'));
      const env = readSettings({ UPKEEP_CONFIG: 'other.yaml' });
      assert.equal(configPath(env), path.join(dir, 'other.yaml'));
      assert.equal(configPath(env, 'flag.yaml'), path.join(dir, 'flag.yaml'));
    });

    it("of an installed copy: the state and the config are the current folder's, never the example's", function () {
      const installed = path.join(dir, 'node_modules', 'upkeep');
      assert.ok(!isInstalled(PROJECT_DIR));
      assert.ok(isInstalled(installed));
      assert.ok(isInstalled('/usr/lib/node_modules/upkeep'));
      assert.equal(defaultStateDir(installed, '/home/ana/project'), '/home/ana/project/.upkeep');
      assert.equal(defaultStateDir(PROJECT_DIR, '/home/ana/project'), path.join(PROJECT_DIR, '.upkeep'));
      assert.equal(defaultConfigPath(installed, dir), undefined);
      assert.equal(defaultConfigPath(PROJECT_DIR, dir), EXAMPLE_CONFIG);
      writeFileSync(path.join(dir, 'upkeep.yaml'), 'version: 1\n');
      assert.equal(defaultConfigPath(installed, dir), path.join(dir, 'upkeep.yaml'));
    });
  });
});
