/**
 * `upkeep status [model]`: the fleet's health (cli/status/) as a table, one model's detail
 * or JSON. The store always answers; Temporal adds schedules and pending approvals when it is up.
 */
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { loadConfig } from '../../engine/config/load.js';
import { openStore } from '../../engine/store/open.js';
import { commandConfig, settings } from '../context.js';
import { fleetStatus, selectModels } from '../status/fleet.js';
import { renderFleetTable, renderModelDetail } from '../status/table.js';
import type { FleetStatus } from '../status/types.js';

/** How long `upkeep status` waits for Temporal before answering from the store alone. */
const CONNECT_TIMEOUT_MS = 3_000;

/** Whether the terminal's locale is UTF-8 (no locale set counts as UTF-8, as on most systems). */
export function localeIsUtf8(env: NodeJS.ProcessEnv): boolean {
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG;
  return !locale || /utf-?8/i.test(locale);
}

/** A connected client, or why there is none (the status then comes from the store alone). */
async function tryClient(): Promise<{ client?: Client; address: string; note?: string }> {
  const [{ clientTarget, connectClient }, { payloadCodecs }] = await Promise.all([import('../../workers/temporal.js'), import('../../workers/codec.js')]);
  const target = clientTarget(settings());
  const address = target.connectionOptions.address ?? 'the Temporal address';
  try {
    return { client: await connectClient(target, payloadCodecs(settings()), { connectTimeoutMs: CONNECT_TIMEOUT_MS }), address };
  } catch (err) {
    const why = ((err as Error).message ?? String(err)).split('\n')[0];
    return { address, note: `cannot reach Temporal at ${address} (${why}): schedules, next runs and pending approvals are unknown` };
  }
}

export async function statusCommand(model: string | undefined, o: { format: 'table' | 'json'; config?: string }): Promise<void> {
  const file = commandConfig(o.config);
  const config = await loadConfig(file);
  const configName = path.basename(file);
  const models = model ? [model] : undefined;
  selectModels(config, models, configName); // an unknown model is refused before connecting
  const { client, address, note } = await tryClient();
  let status: FleetStatus;
  try {
    status = await fleetStatus({
      config,
      store: openStore(config),
      ...(client ? { client } : {}),
      taskQueue: settings().taskQueue,
      now: new Date(),
      ...(models ? { models } : {}),
      history: model ? 10 : 2,
      configName,
    });
  } finally {
    await client?.connection.close();
  }
  if (!client) status.server = { reachable: false, address, ...(note ? { note } : {}) };
  if (o.format === 'json') {
    console.log(JSON.stringify(status, null, 2));
    return;
  }
  const utf8 = localeIsUtf8(process.env);
  if (model) console.log(renderModelDetail(status.models[0]!, status, { utf8 }));
  else console.log(renderFleetTable(status, { utf8, ...(process.stdout.isTTY ? { width: process.stdout.columns } : {}) }));
}
