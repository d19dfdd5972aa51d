import assert from 'node:assert/strict';
import { writeFileSync, readFileSync } from 'node:fs';
import { loadConfig } from '../../engine/config/load.js';
import { syncSchedules } from '../../workers/schedules.js';
import { Client, Connection } from '@temporalio/client';
import { isUpkeepError } from '../../engine/errors.js';
import { resolveTemporalCli, startDevServer, type DevServer } from '../../workers/dev-server.js';
import { readSettings } from '../../workers/settings.js';
import { uniqueModelId, uniqueTaskQueue } from '../helpers/temporal.js';
import { waitFor } from '../helpers/wait.js';
import { createWorkspace } from '../helpers/workspace.js';

/**
 * A dev server of this file's own: syncs list every schedule of the namespace and manage the
 * system schedules (watchdog, digest, reviews, anchors), whose ids are fixed, so on the suite's
 * shared server another file's schedules would be in its way and its own in theirs.
 */
function ownServer(): () => Promise<{ client: Client }> {
  let server: DevServer | undefined;
  let connection: Connection | undefined;
  let ready: Promise<{ client: Client }> | undefined;
  after(async () => {
    await connection?.close().catch(() => undefined);
    await server?.stop();
  });
  return () =>
    (ready ??= (async () => {
      const cli = resolveTemporalCli({ settings: readSettings(process.env) });
      assert.ok(cli, 'the Temporal CLI is available (npm test installs it)');
      server = await startDevServer({ cli, startTimeoutMs: 90_000 });
      connection = await Connection.connect({ address: server.address });
      return { client: new Client({ connection, namespace: server.namespace }) };
    })());
}

describe('syncing schedules from the config', function () {
  this.timeout(120_000);
  const testTemporal = ownServer();

  it('creates, leaves unchanged, updates, and pauses, prunes or keeps a schedule whose model left the config', async function () {
    const t = await testTemporal();
    const modelId = uniqueModelId('sync');
    const taskQueue = uniqueTaskQueue('sync');
    const ws = createWorkspace(modelId);
    try {
      const config = await loadConfig(ws.configPath);
      // Listing schedules is eventually consistent: a sync that must see a new schedule waits for it.
      const listed = () =>
        waitFor(
          `schedule of ${modelId} listed`,
          async () => {
            for await (const s of t.client.schedule.list()) if (s.scheduleId === `upkeep-evaluate-${modelId}`) return true;
            return undefined;
          },
          { timeoutMs: 20_000 },
        );
      const kinds = async (opts = {}) =>
        (await syncSchedules(t.client, await loadConfig(ws.configPath), { taskQueue, ...opts }))
          .filter((c) => c.scheduleId.includes(modelId))
          .map((c) => c.kind);
      assert.deepEqual(await kinds({ dryRun: true }), ['create']);
      await assert.rejects(t.client.schedule.getHandle(`upkeep-evaluate-${modelId}`).describe(), /not found/i);
      assert.deepEqual(await kinds(), ['create']);
      await listed();
      assert.deepEqual(await kinds(), ['unchanged']);

      writeFileSync(ws.configPath, readFileSync(ws.configPath, 'utf8').replace('cron: 0 6 * * *', 'cron: 30 7 * * *'));
      assert.deepEqual(await kinds(), ['update']);
      const described = await t.client.schedule.getHandle(`upkeep-evaluate-${modelId}`).describe();
      assert.deepEqual(described.spec.calendars?.[0]?.hour, [{ start: 7, end: 7, step: 1 }]);

      // The model leaves the config: by default its schedule is paused with a note saying why.
      const sync = async (orphans: 'pause' | 'prune' | 'keep', opts = {}) =>
        (await syncSchedules(t.client, { ...config, models: [], schedules: { orphans } }, { taskQueue, configName: 'upkeep.yaml', ...opts })).filter((c) =>
          c.scheduleId.includes(modelId),
        );
      const handle = t.client.schedule.getHandle(`upkeep-evaluate-${modelId}`);
      const paused = await sync('pause');
      assert.deepEqual(
        paused.map((c) => [c.kind, c.summary]),
        [['pause', `model ${modelId} is not in upkeep.yaml: paused (sync --prune deletes it)`]],
      );
      // A pause or unpause reaches the schedule's own record a moment after the call returns.
      const settled = (paused: boolean) =>
        waitFor(
          `schedule of ${modelId} ${paused ? 'paused' : 'resumed'}`,
          async () => {
            const s = (await handle.describe()).state;
            return s.paused === paused ? s : undefined;
          },
          { timeoutMs: 20_000 },
        );
      const state = await settled(true);
      assert.equal(state.note, `model ${modelId} is not in upkeep.yaml`);
      assert.deepEqual(
        (await sync('pause')).map((c) => c.kind),
        ['orphan'],
      );
      // Back in the config: the schedule it paused itself is resumed.
      assert.deepEqual(await kinds(), ['update']);
      await settled(false);

      assert.deepEqual(
        (await sync('keep')).map((c) => c.kind),
        ['orphan'],
      );
      assert.equal((await handle.describe()).state.paused, false);
      assert.deepEqual(
        (await sync('pause', { dryRun: true })).map((c) => c.kind),
        ['pause'],
      );
      assert.equal((await handle.describe()).state.paused, false);
      assert.deepEqual(
        (await sync('prune')).map((c) => c.kind),
        ['delete'],
      );
      await assert.rejects(handle.describe(), /not found/i);
      // `--prune` deletes whatever the config says.
      assert.deepEqual(await kinds(), ['create']);
      await listed();
      assert.deepEqual(
        (await sync('keep', { prune: true })).map((c) => c.kind),
        ['delete'],
      );
      await assert.rejects(handle.describe(), /not found/i);
    } finally {
      await t.client.schedule
        .getHandle(`upkeep-evaluate-${modelId}`)
        .delete()
        .catch(() => undefined);
      ws.remove();
    }
  });

  it('leaves the schedules of another task queue (another deployment) alone', async function () {
    const t = await testTemporal();
    const modelId = uniqueModelId('other');
    const ours = uniqueTaskQueue('ours');
    const theirs = uniqueTaskQueue('theirs');
    const ws = createWorkspace(modelId);
    const handle = t.client.schedule.getHandle(`upkeep-evaluate-${modelId}`);
    try {
      const config = await loadConfig(ws.configPath);
      await syncSchedules(t.client, config, { taskQueue: theirs });
      for (const orphans of ['pause', 'prune'] as const) {
        const changes = await syncSchedules(t.client, { ...config, models: [], schedules: { orphans } }, { taskQueue: ours });
        assert.deepEqual(
          changes.filter((c) => c.scheduleId.includes(modelId)),
          [],
        );
      }
      assert.deepEqual(
        (await syncSchedules(t.client, { ...config, models: [] }, { taskQueue: ours, prune: true })).filter((c) => c.scheduleId.includes(modelId)),
        [],
      );
      const d = await handle.describe();
      assert.equal(d.state.paused, false);
      assert.equal(d.action.type === 'startWorkflow' && d.action.taskQueue, theirs);
      // The same model declared on this task queue cannot silently claim it.
      await assert.rejects(syncSchedules(t.client, config, { taskQueue: ours }), new RegExp(`belongs to task queue ${theirs}, not ${ours}`));
    } finally {
      await handle.delete().catch(() => undefined);
      ws.remove();
    }
  });
});

describe('syncing schedules on a namespace nobody set up', function () {
  this.timeout(120_000);

  it('says in one line which search attribute to register, instead of a gRPC stack trace', async function () {
    const cli = resolveTemporalCli({ settings: readSettings(process.env) });
    assert.ok(cli, 'the Temporal CLI is available (npm test installs it)');
    const server = await startDevServer({ cli, searchAttributes: false, startTimeoutMs: 90_000 });
    const ws = createWorkspace(uniqueModelId('bare'));
    const connection = await Connection.connect({ address: server.address });
    try {
      const client = new Client({ connection, namespace: 'default' });
      await assert.rejects(syncSchedules(client, await loadConfig(ws.configPath), { taskQueue: uniqueTaskQueue('bare') }), (err: unknown) => {
        assert.ok(isUpkeepError(err, 'InvalidConfig'), String(err));
        assert.match(
          err.message,
          /^the Temporal namespace has no search attribute UpkeepModelId: register upkeep's once, with `temporal operator search-attribute create --name UpkeepModelId --type Keyword`/,
        );
        return true;
      });
    } finally {
      await connection.close();
      ws.remove();
      await server.stop();
    }
  });
});
