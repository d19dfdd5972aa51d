/**
 * `upkeep handover <model> --to <person>` (docs/governance.md#handover), and the handovers a
 * departure opens (`upkeep users remove`): the printing side over cli/client/handover.ts.
 */
import path from 'node:path';
import type { ModelSpec, UpkeepConfig } from '../../domain/config.js';
import type { ArtifactStore } from '../../engine/store/store.js';
import { terminalSafe } from '../../domain/escape.js';
import { commandConfig, settings, withClient } from '../context.js';

export async function handoverCommand(model: string, o: { to: string; as?: string; reason?: string; config?: string }): Promise<void> {
  const configPath = commandConfig(o.config);
  const [{ findModel, loadConfig }, { openStore }, { prepareHandover, startHandover }] = await Promise.all([
    import('../../engine/config/load.js'),
    import('../../engine/store/open.js'),
    import('../client/handover.js'),
  ]);
  const config = await loadConfig(configPath);
  const spec = findModel(config, model, path.basename(configPath));
  const as = o.as ?? settings().user;
  const file = config.watchdog.directory;
  const directory = file
    ? { name: `watchdog.directory ${path.basename(file)}`, people: await (await import('../../engine/watchdog/directory.js')).readDirectory(file) }
    : undefined;
  // Checked and staged first: a mistake is told without a server.
  const { ref, from } = await prepareHandover(openStore(config), spec, { to: o.to, as, reason: o.reason, directory });
  const workflowId = await withClient((client) => startHandover(client, settings().taskQueue, ref));
  console.log(terminalSafe(`handover of ${spec.id} from ${from} to ${o.to} requested by ${as} (workflow ${workflowId})`));
  console.log(terminalSafe(`${from} stays the owner until ${o.to} accepts, signed: upkeep approve ${spec.id} --gate handover --as ${o.to}`));
  console.log(
    terminalSafe(`(or declines: upkeep reject ${spec.id} --gate handover --as ${o.to} --comment "…"); it expires after ${spec.approval.expire_after}`),
  );
}

/**
 * After `upkeep users remove <person>`: a handover request to the platform contacts for every model
 * the person owns. Without a Temporal server it says so: the watchdog opens them when it notices.
 */
export async function departureHandovers(config: UpkeepConfig, person: string, by: string): Promise<void> {
  const [{ openStore }, { openDepartureHandovers }, { modelsOwnedBy }] = await Promise.all([
    import('../../engine/store/open.js'),
    import('../client/handover.js'),
    import('../../engine/audit/handover.js'),
  ]);
  const store = openStore(config);
  const owned = await modelsOwnedBy(store, config, person);
  if (owned.length === 0) return;
  try {
    const opened = await withClient((client) => openDepartureHandovers(client, settings().taskQueue, store, config, person, by, new Date(), owned));
    for (const h of opened)
      console.log(
        terminalSafe(
          h.workflowId
            ? `${h.modelId}: ${person} owned it; handover request to ${config.watchdog.platform.join(', ')} (workflow ${h.workflowId})`
            : `${h.modelId}: ${person} owned it; no handover request opened: ${h.skipped}`,
        ),
      );
  } catch (err) {
    console.error(
      terminalSafe(
        `upkeep: warning: ${person} owns models, but their handover requests could not be opened: ${(err as Error).message.split('\n')[0]}; the watchdog opens them when it notices (watchdog.directory)`,
      ),
    );
  }
}

/**
 * `upkeep check`'s owner lines for one model, from its audit trail: FAIL when a handover was
 * accepted and the config still names the owner before it; a pending handover; nothing when the
 * trail and the config agree. A store that cannot be read is a note, not a failure.
 */
export async function ownerCheckLines(store: ArtifactStore, spec: ModelSpec): Promise<{ ok: boolean; lines: string[] }> {
  const [{ currentOwner }, { configOwnerLag }] = await Promise.all([import('../../engine/audit/handover.js'), import('../../engine/audit/owners.js')]);
  let owner;
  try {
    owner = await currentOwner(store, spec.id);
  } catch (err) {
    return {
      ok: true,
      lines: [terminalSafe(`  owner: the audit trail could not be read to compare with the config (${(err as Error).message.split('\n')[0]})`)],
    };
  }
  const lines: string[] = [];
  const lag = configOwnerLag(owner, spec.owner);
  if (lag) lines.push(terminalSafe(`${lag.stale ? 'FAIL' : '  note:'} ${spec.id}: ${lag.text}`));
  if (owner.pending)
    lines.push(
      terminalSafe(
        `  handover: to ${owner.pending.to.join(' or ')} pending since ${owner.pending.since}; ${owner.owner ?? spec.owner} stays the owner until it is accepted`,
      ),
    );
  for (const p of owner.problems) lines.push(terminalSafe(`  handover NOT counted (does not verify): ${p}`));
  return { ok: !lag?.stale, lines };
}
