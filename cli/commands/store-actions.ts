/**
 * The maintenance commands that read the store alone, no Temporal needed: versions, card and
 * keys verify (declared in maintenance.ts). Apart from maintenance-actions.ts, so that they do not
 * load Temporal's client.
 */
import { UpkeepError } from '../../engine/errors.js';
import type { ModelVersion } from '../../engine/registry/types.js';
import { cardKey } from '../../engine/store/keys.js';
import { configAndModel, type MaintenanceContext } from './maintenance-context.js';
import { printTable } from '../output.js';

export async function verifyDecisions(ctx: MaintenanceContext, model: string, o: { config?: string }): Promise<void> {
  const { config, spec } = await configAndModel(ctx, o.config, model);
  const { verifyDecisionsCommand } = await import('../keys.js');
  const { openStore } = await import('../../engine/store/open.js');
  if ((await verifyDecisionsCommand(spec, openStore(config))) > 0) process.exitCode = 1;
}

export async function versions(ctx: MaintenanceContext, model: string, o: { config?: string }): Promise<void> {
  const { config, spec } = await configAndModel(ctx, o.config, model);
  const [{ createRegistry, versionId }, { sha256Hex }, { openStore }, { createDataSource }, { resolveLimits }] = await Promise.all([
    import('../../engine/registry/registry.js'),
    import('../../engine/util.js'),
    import('../../engine/store/open.js'),
    import('../../engine/data/sources.js'),
    import('../../domain/limits.js'),
  ]);
  const registry = createRegistry(openStore(config));
  const versions = await registry.versions(spec.id);
  const champion = (await registry.champion(spec.id))?.pointer;
  const bytes = await createDataSource(config.s3)
    .read(spec.artifact, { maxBytes: resolveLimits(spec.limits).max_model_bytes, limitName: 'limits.max_model_bytes' })
    .catch(() => undefined);
  const configVersion = bytes ? versionId(sha256Hex(bytes)) : undefined;
  const running = champion?.version ?? configVersion;

  const row = (v: ModelVersion): string[] => [
    v.version === running ? '*' : '',
    v.version,
    v.createdAt,
    v.source === 'config' && v.version === configVersion ? 'config (current artifact)' : v.source,
    v.training ? `${v.training.firstDay}..${v.training.lastDay} (${v.training.rows} rows)` : '',
    v.trainer ? (v.trainer.type === 'command' && v.trainer.command ? `command: ${v.trainer.command.join(' ')}` : v.trainer.type) : '',
  ];
  const rows = [['', 'version', 'created', 'source', 'training window', 'trainer'], ...versions.map(row)];
  if (configVersion && !versions.some((v) => v.version === configVersion)) {
    rows.push([configVersion === running ? '*' : '', configVersion, '', 'config (not registered yet)', '', '']);
  }
  if (rows.length === 1) {
    console.log(`no versions of ${spec.id} yet, and its artifact ${spec.artifact} does not exist`);
    return;
  }
  printTable(rows);
  console.log('');
  if (champion) {
    console.log(
      `* champion ${champion.version} since ${champion.since} (${champion.change}, generation ${champion.generation}${champion.previous ? `, previous ${champion.previous}` : ''}${champion.emergency ? `, emergency by ${champion.emergency.by}` : ''})`,
    );
  } else if (configVersion) {
    console.log(
      `* ${configVersion} (config artifact): no version has been promoted, the config's artifact is the one running${versions.some((v) => v.version === configVersion) ? '' : ' (it is registered at its first evaluation)'}`,
    );
  } else {
    console.log(`no champion: no version has been promoted and the config's artifact ${spec.artifact} does not exist`);
  }
}

export async function card(ctx: MaintenanceContext, model: string, o: { json?: boolean; config?: string }): Promise<void> {
  const { config, spec } = await configAndModel(ctx, o.config, model);
  const { openStore } = await import('../../engine/store/open.js');
  const bytes = await openStore(config).tryGet(cardKey(spec.id, o.json ? 'json' : 'md'));
  if (!bytes) throw new UpkeepError('UnknownModel', `no model card for ${spec.id} yet: it is written after the first evaluation`);
  const text = new TextDecoder().decode(bytes);
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}
