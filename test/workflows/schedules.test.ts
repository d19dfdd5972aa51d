import assert from 'node:assert/strict';
import { writeFileSync, readFileSync } from 'node:fs';
import { loadConfig } from '../../activities/config/load.js';
import { syncSchedules } from '../../workers/schedules.js';
import { testTemporal, uniqueModelId, uniqueTaskQueue } from '../helpers/temporal.js';
import { createWorkspace } from '../helpers/workspace.js';

describe('syncing schedules from the config', function () {
  this.timeout(60_000);

  it('creates, leaves unchanged, updates, and lists orphans only until pruned', async function () {
    const t = await testTemporal();
    const modelId = uniqueModelId('sync');
    const taskQueue = uniqueTaskQueue('sync');
    const ws = createWorkspace(modelId);
    try {
      const config = await loadConfig(ws.configPath);
      const kinds = async (opts = {}) => (await syncSchedules(t.client, await loadConfig(ws.configPath), { taskQueue, ...opts })).filter((c) => c.scheduleId.includes(modelId)).map((c) => c.kind);
      assert.deepEqual(await kinds({ dryRun: true }), ['create']);
      await assert.rejects(t.client.schedule.getHandle(`upkeep-evaluate-${modelId}`).describe(), /not found/i);
      assert.deepEqual(await kinds(), ['create']);
      assert.deepEqual(await kinds(), ['unchanged']);

      writeFileSync(ws.configPath, readFileSync(ws.configPath, 'utf8').replace("cron: 0 6 * * *", "cron: 30 7 * * *"));
      assert.deepEqual(await kinds(), ['update']);
      const described = await t.client.schedule.getHandle(`upkeep-evaluate-${modelId}`).describe();
      assert.deepEqual(described.spec.calendars?.[0]?.hour, [{ start: 7, end: 7, step: 1 }]);

      const empty = { ...config, models: [] };
      const orphan = (await syncSchedules(t.client, empty, { taskQueue })).filter((c) => c.scheduleId.includes(modelId));
      assert.deepEqual(orphan.map((c) => c.kind), ['orphan']);
      const pruned = (await syncSchedules(t.client, empty, { taskQueue, prune: true })).filter((c) => c.scheduleId.includes(modelId));
      assert.deepEqual(pruned.map((c) => c.kind), ['delete']);
      await assert.rejects(t.client.schedule.getHandle(`upkeep-evaluate-${modelId}`).describe(), /not found/i);
    } finally {
      await t.client.schedule.getHandle(`upkeep-evaluate-${modelId}`).delete().catch(() => undefined);
      ws.remove();
    }
  });
});
