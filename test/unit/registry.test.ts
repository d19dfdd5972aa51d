import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import { parseConfig } from '../../engine/config/load.js';
import { createFileDataSource } from '../../engine/data/source.js';
import { isUpkeepError } from '../../engine/errors.js';
import { createRegistryActivities } from '../../activities/registry.js';
import { createRegistry, versionId } from '../../engine/registry/registry.js';
import { artifactKey } from '../../engine/store/keys.js';
import type { ChampionPointer, ModelVersion } from '../../engine/registry/types.js';
import { createFileStore } from '../../engine/store/file-store.js';
import { sha256Hex } from '../../engine/util.js';
import type { ArtifactStore } from '../../engine/store/store.js';
import { PROJECT_DIR } from '../../workers/paths.js';
import { demoModel } from '../helpers/demo-workspace.js';

const MODEL = 'churn';
const CONFIG_V = 'c0c0c0c0c0c0';
const V1 = 'a1a1a1a1a1a1';
const V2 = 'b2b2b2b2b2b2';

const version = (v: string, overrides: Partial<ModelVersion> = {}): ModelVersion => ({
  modelId: MODEL,
  version: v,
  sha256: `${v}${'0'.repeat(52)}`,
  artifactUri: `file:///store/models/${MODEL}/artifacts/${v}.onnx`,
  bytes: 100,
  createdAt: '2026-01-01T00:00:00.000Z',
  source: 'retrain',
  ...overrides,
});

const next = (v: string, runId: string, since = '2026-03-01T00:00:00.000Z'): Omit<ChampionPointer, 'generation' | 'previous'> => ({
  modelId: MODEL,
  version: v,
  sha256: `${v}${'0'.repeat(52)}`,
  since,
  change: 'promotion',
  workflow: { workflowId: `upkeep-retrain-${MODEL}`, runId },
  approvals: [{ gate: 'promote', decision: 'approve', approver: 'alice@example.com', at: since }],
});

async function rejectsWith(p: Promise<unknown>, type: string, message?: string | RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isUpkeepError(err), `expected an UpkeepError, got ${String(err)}`);
    assert.equal(err.type, type);
    if (typeof message === 'string') assert.equal(err.message, message);
    else if (message) assert.match(err.message, message);
    return true;
  });
}

describe('the model registry', function () {
  let dir: string;
  let store: ArtifactStore;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-registry-'));
    store = createFileStore(dir);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('registers a version once and keeps the first record when it is registered again', async function () {
    const registry = createRegistry(store);
    const first = version(V1, { bytes: 100, createdAt: '2026-01-01T00:00:00.000Z' });
    assert.deepEqual(await registry.register(first), first);
    const again = await registry.register(version(V1, { bytes: 999, createdAt: '2026-02-02T00:00:00.000Z', parent: CONFIG_V }));
    assert.deepEqual(again, first);
    assert.deepEqual(await registry.version(MODEL, V1), first);
    assert.deepEqual(await store.list(`registry/${MODEL}/versions`), [`registry/${MODEL}/versions/${V1}.json`]);
  });

  it('lists versions by creation time, whatever order they were registered in', async function () {
    const registry = createRegistry(store);
    await registry.register(version('cccccccccccc', { createdAt: '2026-03-01T00:00:00.000Z' }));
    await registry.register(version('000000000001', { createdAt: '2026-01-01T00:00:00.000Z' }));
    await registry.register(version('bbbbbbbbbbbb', { createdAt: '2026-02-01T00:00:00.000Z' }));
    assert.deepEqual(
      (await registry.versions(MODEL)).map((v) => v.version),
      ['000000000001', 'bbbbbbbbbbbb', 'cccccccccccc'],
    );
  });

  it('answers undefined for an unknown version and UnknownVersion from mustVersion', async function () {
    const registry = createRegistry(store);
    assert.equal(await registry.version(MODEL, V1), undefined);
    await rejectsWith(registry.mustVersion(MODEL, V1), 'UnknownVersion', `model ${MODEL}: no version ${V1} in the registry (see upkeep versions ${MODEL})`);
  });

  it('makes the first champion from the config version as generation 1 with the config version as previous', async function () {
    const registry = createRegistry(store);
    assert.equal(await registry.champion(MODEL), undefined);
    const pointer = await registry.swapChampion(next(V1, 'run-1'), CONFIG_V, CONFIG_V);
    assert.deepEqual(pointer, { ...next(V1, 'run-1'), generation: 1, previous: CONFIG_V });
    assert.deepEqual((await registry.champion(MODEL))?.pointer, pointer);
    assert.deepEqual(await registry.history(MODEL), [pointer]);
  });

  it('treats expected null as the config version', async function () {
    const registry = createRegistry(store);
    const pointer = await registry.swapChampion(next(V1, 'run-1'), null, CONFIG_V);
    assert.equal(pointer.generation, 1);
    assert.equal(pointer.previous, CONFIG_V);
  });

  it('makes generation 2 on a swap from the current champion', async function () {
    const registry = createRegistry(store);
    await registry.swapChampion(next(V1, 'run-1'), CONFIG_V, CONFIG_V);
    const second = await registry.swapChampion(next(V2, 'run-2', '2026-04-01T00:00:00.000Z'), V1, CONFIG_V);
    assert.equal(second.generation, 2);
    assert.equal(second.previous, V1);
    assert.equal(second.version, V2);
    assert.deepEqual((await registry.champion(MODEL))?.pointer, second);
  });

  it('refuses a swap whose expected champion is stale and changes nothing', async function () {
    const registry = createRegistry(store);
    const first = await registry.swapChampion(next(V1, 'run-1'), CONFIG_V, CONFIG_V);
    const before = await registry.champion(MODEL);
    await rejectsWith(
      registry.swapChampion(next(V2, 'run-2'), CONFIG_V, CONFIG_V),
      'ChampionChanged',
      `model ${MODEL}: the champion is ${V1}, not ${CONFIG_V} as when this request was made; nothing was changed`,
    );
    assert.deepEqual(await registry.champion(MODEL), before);
    assert.deepEqual(await registry.history(MODEL), [first]);
  });

  it('refuses a first swap that expects another version than the config one', async function () {
    const registry = createRegistry(store);
    await rejectsWith(registry.swapChampion(next(V2, 'run-2'), V1, CONFIG_V), 'ChampionChanged', /the champion is c0c0c0c0c0c0, not a1a1a1a1a1a1/);
    assert.equal(await registry.champion(MODEL), undefined);
    assert.deepEqual(await registry.history(MODEL), []);
  });

  it('returns the existing pointer when the same run retries its swap', async function () {
    const registry = createRegistry(store);
    const first = await registry.swapChampion(next(V1, 'run-1'), CONFIG_V, CONFIG_V);
    const retry = await registry.swapChampion(next(V1, 'run-1', '2026-03-01T00:05:00.000Z'), CONFIG_V, CONFIG_V);
    assert.deepEqual(retry, first);
    assert.equal((await registry.champion(MODEL))?.pointer.generation, 1);
    assert.deepEqual(await registry.history(MODEL), [first]);
  });

  it('does not treat the same version from another run as a retry', async function () {
    const registry = createRegistry(store);
    await registry.swapChampion(next(V1, 'run-1'), CONFIG_V, CONFIG_V);
    await rejectsWith(registry.swapChampion(next(V1, 'run-9'), CONFIG_V, CONFIG_V), 'ChampionChanged');
  });

  it('lists every generation once in the history', async function () {
    const registry = createRegistry(store);
    await registry.swapChampion(next(V1, 'run-1'), CONFIG_V, CONFIG_V);
    await registry.swapChampion(next(V1, 'run-1'), CONFIG_V, CONFIG_V);
    await registry.swapChampion(next(V2, 'run-2'), V1, CONFIG_V);
    await registry.swapChampion(next(V2, 'run-2'), V1, CONFIG_V);
    await registry.swapChampion({ ...next(V1, 'run-3'), change: 'rollback' }, V2, CONFIG_V);
    const history = await registry.history(MODEL);
    assert.deepEqual(
      history.map((p) => [p.generation, p.version, p.previous, p.change]),
      [
        [1, V1, CONFIG_V, 'promotion'],
        [2, V2, V1, 'promotion'],
        [3, V1, V2, 'rollback'],
      ],
    );
  });
});

describe('the registry activities', function () {
  const CHURN_ONNX = path.join(PROJECT_DIR, 'examples', 'models', 'churn.onnx');
  const churnBytes = new Uint8Array(readFileSync(CHURN_ONNX));
  const churnSha = sha256Hex(churnBytes);
  const WORKFLOW = { workflowId: `upkeep-retrain-${MODEL}`, runId: 'run-1' };

  let dir: string;
  let store: ArtifactStore;
  let activities: ReturnType<typeof createRegistryActivities>;

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-registry-activities-'));
    mkdirSync(path.join(dir, 'models'));
    copyFileSync(CHURN_ONNX, path.join(dir, 'models', 'churn.onnx'));
    const config = parsed();
    store = createFileStore(config.store);
    activities = createRegistryActivities({ loadConfig: async () => ({ ...config, name: 'upkeep.yaml' }), store, data: createFileDataSource() });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const parsed = () => parseConfig(stringify({ version: 1, store: 'store', models: [demoModel(MODEL)] }), { name: 'upkeep.yaml', baseDir: dir });

  /** Registers a retrained version with made-up bytes (the registry never reads them as ONNX). */
  async function addVersion(text: string, createdAt: string): Promise<ModelVersion> {
    const sha256 = sha256Hex(text);
    const put = await store.put(artifactKey(MODEL, sha256), text, { ifAbsent: true });
    return createRegistry(store).register({
      modelId: MODEL,
      version: versionId(sha256),
      sha256,
      artifactUri: put.uri,
      bytes: put.size,
      createdAt,
      source: 'retrain',
      baseline: { roc_auc: 0.5 },
    });
  }

  const promote = (version: string, expected: string, baseline: Record<string, number>, runId: string) =>
    activities.setChampion({
      modelId: MODEL,
      version,
      expected,
      change: 'promotion',
      at: '2026-03-01T00:00:00.000Z',
      workflow: { ...WORKFLOW, runId },
      approvals: [],
      reason: 'better on the holdout',
      baseline,
    });

  it('registers the config artifact as a version named by its sha256 and resolves it as generation 0', async function () {
    const resolved = await activities.resolveModel({ modelId: MODEL });
    const configVersion = churnSha.slice(0, 12);
    assert.equal(resolved.modelId, MODEL);
    assert.equal(resolved.version, configVersion);
    assert.equal(resolved.artifactSha256, churnSha);
    assert.equal(resolved.artifactBytes, churnBytes.byteLength);
    assert.equal(resolved.artifactUri, pathToFileURL(path.join(dir, 'store', 'models', MODEL, 'artifacts', `${churnSha}.onnx`)).href);
    assert.equal(resolved.generation, 0);
    assert.deepEqual(resolved.baseline, { roc_auc: 0.796 });
    assert.equal(resolved.referenceUri, undefined);
    assert.deepEqual(readFileSync(path.join(dir, 'store', 'models', MODEL, 'artifacts', `${churnSha}.onnx`)), Buffer.from(churnBytes));

    const record = await createRegistry(store).version(MODEL, configVersion);
    assert.equal(record?.source, 'config');
    assert.equal(record?.sha256, churnSha);
    assert.deepEqual(record?.baseline, { roc_auc: 0.796 });
    // A second resolution reuses the record.
    await activities.resolveModel({ modelId: MODEL });
    assert.equal((await createRegistry(store).versions(MODEL)).length, 1);
  });

  it('keeps one content-addressed copy of the model: written once, never again when the store holds it (a read-only store works)', async function () {
    const puts: string[] = [];
    const counting: ArtifactStore = { ...store, put: async (key, data, opts) => (puts.push(key), store.put(key, data, opts)) };
    const first = createRegistryActivities({ loadConfig: async () => ({ ...parsed(), name: 'upkeep.yaml' }), store: counting, data: createFileDataSource() });
    await first.resolveModel({ modelId: MODEL });
    assert.deepEqual(
      puts.filter((k) => k.includes('/artifacts/')),
      [artifactKey(MODEL, churnSha)],
    );
    // the store refuses every write now: resolving the model again writes nothing
    const refuse = (): never => {
      throw new Error('the store is read-only');
    };
    const readOnly: ArtifactStore = { ...store, put: refuse, putStream: refuse, putIfMatch: refuse, delete: refuse };
    const again = createRegistryActivities({ loadConfig: async () => ({ ...parsed(), name: 'upkeep.yaml' }), store: readOnly, data: createFileDataSource() });
    const resolved = await again.resolveModel({ modelId: MODEL });
    assert.equal(resolved.artifactSha256, churnSha);
    assert.equal(resolved.artifactUri, store.uriFor(artifactKey(MODEL, churnSha)));
  });

  it('refuses a config artifact larger than limits.max_model_bytes before reading it, naming model, file, size and limit', async function () {
    const config = parseConfig(stringify({ version: 1, store: 'store', limits: { max_model_bytes: 100 }, models: [demoModel(MODEL)] }), {
      name: 'upkeep.yaml',
      baseDir: dir,
    });
    const small = createRegistryActivities({ loadConfig: async () => ({ ...config, name: 'upkeep.yaml' }), store, data: createFileDataSource() });
    await assert.rejects(small.resolveModel({ modelId: MODEL }), (err: unknown) => {
      assert.match(
        (err as Error).message,
        /^model churn: artifact \S+churn\.onnx: is 382 bytes, more than the limit of 100 bytes \(limits\.max_model_bytes\)$/,
      );
      return true;
    });
    assert.equal(await store.exists(artifactKey(MODEL, churnSha)), false, 'nothing stored');
  });

  it('resolves the promoted champion with the baseline it was promoted with', async function () {
    const configVersion = churnSha.slice(0, 12);
    const v2 = await addVersion('candidate two', '2026-02-01T00:00:00.000Z');
    const pointer = await promote(v2.version, configVersion, { roc_auc: 0.81 }, 'run-1');
    assert.equal(pointer.generation, 1);
    assert.equal(pointer.previous, configVersion);
    const resolved = await activities.resolveModel({ modelId: MODEL });
    assert.equal(resolved.version, v2.version);
    assert.equal(resolved.artifactUri, v2.artifactUri);
    assert.equal(resolved.artifactSha256, v2.sha256);
    assert.equal(resolved.generation, 1);
    assert.deepEqual(resolved.baseline, { roc_auc: 0.81 });
  });

  it('marks a version that is not the champion (a candidate, the former champion), whose logged outputs are not its own', async function () {
    const configVersion = churnSha.slice(0, 12);
    const v2 = await addVersion('candidate two', '2026-02-01T00:00:00.000Z');
    assert.equal((await activities.resolveModel({ modelId: MODEL })).champion, undefined, 'the config artifact, never promoted over');
    assert.equal((await activities.resolveVersion({ modelId: MODEL, version: configVersion })).champion, undefined);
    assert.equal((await activities.resolveVersion({ modelId: MODEL, version: v2.version })).champion, false, 'a candidate');
    await promote(v2.version, configVersion, { roc_auc: 0.81 }, 'run-1');
    assert.equal((await activities.resolveModel({ modelId: MODEL })).champion, undefined);
    assert.equal((await activities.resolveVersion({ modelId: MODEL, version: v2.version })).champion, undefined);
    assert.equal((await activities.resolveVersion({ modelId: MODEL, version: configVersion })).champion, false, 'the champion before');
  });

  it('rolls back to the previous champion with the baseline it had as champion', async function () {
    const configVersion = churnSha.slice(0, 12);
    const v2 = await addVersion('candidate two', '2026-02-01T00:00:00.000Z');
    const v3 = await addVersion('candidate three', '2026-03-01T00:00:00.000Z');
    await promote(v2.version, configVersion, { roc_auc: 0.81 }, 'run-1');
    await promote(v3.version, v2.version, { roc_auc: 0.83 }, 'run-2');
    assert.deepEqual(await activities.rollbackTarget({ modelId: MODEL }), { from: v3.version, to: v2.version, baseline: { roc_auc: 0.81 }, generation: 2 });
  });

  it('rolls back to the config artifact with the config baseline', async function () {
    const configVersion = churnSha.slice(0, 12);
    const v2 = await addVersion('candidate two', '2026-02-01T00:00:00.000Z');
    await promote(v2.version, configVersion, { roc_auc: 0.81 }, 'run-1');
    assert.deepEqual(await activities.rollbackTarget({ modelId: MODEL }), { from: v2.version, to: configVersion, baseline: { roc_auc: 0.796 }, generation: 1 });
  });

  it('refuses a rollback to the current champion', async function () {
    const configVersion = churnSha.slice(0, 12);
    const v2 = await addVersion('candidate two', '2026-02-01T00:00:00.000Z');
    await promote(v2.version, configVersion, { roc_auc: 0.81 }, 'run-1');
    await rejectsWith(
      activities.rollbackTarget({ modelId: MODEL, to: v2.version }),
      'InvalidRequest',
      `model ${MODEL}: version ${v2.version} is already the champion`,
    );
  });

  it('refuses a rollback to a version the registry does not know', async function () {
    const configVersion = churnSha.slice(0, 12);
    const v2 = await addVersion('candidate two', '2026-02-01T00:00:00.000Z');
    await promote(v2.version, configVersion, { roc_auc: 0.81 }, 'run-1');
    await rejectsWith(activities.rollbackTarget({ modelId: MODEL, to: 'deadbeef0000' }), 'UnknownVersion', /no version deadbeef0000 in the registry/);
  });

  it('refuses a rollback when nothing was ever promoted', async function () {
    await rejectsWith(activities.rollbackTarget({ modelId: MODEL }), 'InvalidRequest', /nothing was ever promoted, so there is nothing to roll back/);
  });

  it('refuses a rollback to a version that has never been champion', async function () {
    const configVersion = churnSha.slice(0, 12);
    const v2 = await addVersion('candidate two', '2026-02-01T00:00:00.000Z');
    const v3 = await addVersion('rejected candidate', '2026-03-01T00:00:00.000Z');
    await promote(v2.version, configVersion, { roc_auc: 0.81 }, 'run-1');
    await rejectsWith(activities.rollbackTarget({ modelId: MODEL, to: v3.version }), 'InvalidRequest', /has never been champion/);
  });

  it('reports its own promotion as done when a late retry finds the champion already moved on', async function () {
    const configVersion = churnSha.slice(0, 12);
    const v2 = await addVersion('candidate two', '2026-02-01T00:00:00.000Z');
    const v3 = await addVersion('candidate three', '2026-03-01T00:00:00.000Z');
    const first = await promote(v2.version, configVersion, { roc_auc: 0.81 }, 'run-1');
    await promote(v3.version, v2.version, { roc_auc: 0.83 }, 'run-2');
    assert.deepEqual(await promote(v2.version, configVersion, { roc_auc: 0.81 }, 'run-1'), first);
  });
});
