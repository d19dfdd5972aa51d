/** What `upkeep start` prints once everything runs: where to look, and commands for this config that work from another terminal. */
import path from 'node:path';
import type { UpkeepConfig } from '../domain/config.js';
import { scheduleIntervalMs } from '../domain/staleness.js';
import { openStore } from '../engine/store/open.js';
import { howToRun, otherTerminal, type HowToRun } from '../workers/how-to-run.js';
import type { Settings } from '../workers/settings.js';
import type { TemporalTarget } from '../workers/temporal.js';

export async function nextSteps(o: {
  config: UpkeepConfig;
  configPath: string;
  isExample: boolean;
  settings: Pick<Settings, 'env' | 'devPort' | 'stateDir'>;
  target: Pick<TemporalTarget, 'namespace' | 'uiUrl' | 'devServer'>;
  taskQueues: readonly string[];
  /** How upkeep runs here (default: from the current folder and where its package is). */
  run?: HowToRun;
}): Promise<string> {
  const { config, isExample, settings, target } = o;
  const store = openStore(config);
  const first = config.models[0]!.id;
  // Another terminal does not have this one's UPKEEP_CONFIG: name the config in every command.
  const rel = path.relative(process.cwd(), o.configPath) || o.configPath;
  const implicit = isExample || o.configPath === path.resolve('upkeep.yaml');
  const cfg = implicit ? '' : ` --config ${/\s/.test(rel) ? JSON.stringify(rel) : rel}`;
  // Another terminal has neither this one's UPKEEP_DEV_PORT nor its other settings: each command carries them.
  const run = o.run ?? howToRun();
  const other = otherTerminal(settings);
  const up = `${other.prefix}${run.upkeep}`;
  const hour = (ms: number): string => new Date(ms).toISOString().slice(0, 16) + 'Z';
  const lines = [
    '',
    `upkeep is running: worker on task queue${o.taskQueues.length > 1 ? 's' : ''} ${o.taskQueues.join(' and ')}, one evaluation per model triggered now.`,
    `  Temporal UI   ${target.uiUrl ? `${target.uiUrl}/namespaces/${target.namespace}/workflows` : '(see your cluster)'}`,
    `  store         ${store.root}`,
    `  reports       ${store.uriFor('reports')}/<model>/`,
    `  model cards   ${store.uriFor('cards')}/<model>.md`,
    `  models        ${config.models.map((m) => `${m.id} (owner ${m.owner})`).join(', ')}`,
    'Try, in another terminal:',
  ];
  if (other.secrets.length > 0) lines.push(`  (with the same ${other.secrets.join(', ')} as this terminal)`);
  if (!isExample) {
    // A model without a reference profile is evaluated without drift and data-quality checks.
    for (const m of config.models) {
      if (m.reference) continue;
      const profiles = await store.list(`profiles/${m.id}/`).catch(() => []);
      if (profiles.length === 0)
        lines.push(`  ${up} profile --model ${m.id}${cfg} --data <training sample>   (no reference profile yet: ${m.id} is evaluated without drift checks)`);
    }
    lines.push(`  ${up} check${cfg}                          (config, models and the current window, nothing durable)`);
  }
  lines.push(
    `  ${up} schedules list${cfg}`,
    `  ${up} schedules trigger ${first}${cfg}`,
    // Three of the first model's own intervals back: the last hour holds no scheduled time of a daily model.
    `  ${up} schedules backfill ${first}${cfg} --from ${hour(Date.now() - 3 * scheduleIntervalMs(config.models[0]!.schedule))} --to ${hour(Date.now())}   (the last three scheduled runs of ${first}, again)`,
    `  ${up} evaluate --model ${first}${cfg}`,
  );
  if (isExample) lines.push(`  ${run.npmRun('demo-feed -- --drifted')}                         (the world changes: ${first} degrades and asks for a retrain)`);
  lines.push(
    `  ${up} approvals list${cfg}`,
    `  ${up} status${cfg}                               (the fleet: verdicts, staleness, pending approvals, watchdog findings)`,
    `  ${up} who-was-watching ${first}${cfg} --at ${hour(Date.now())}   (from the audit trail in the store)`,
    `  ${up} serve${cfg}                                (the web inbox; docs/web.md)`,
  );
  const dbPath = path.join(settings.stateDir, 'temporal.db');
  const db = path.relative(process.cwd(), dbPath).startsWith('..') ? dbPath : path.relative(process.cwd(), dbPath);
  lines.push(`Ctrl-C stops the worker${target.devServer ? ` and the dev server (schedules and history are kept in ${db})` : ''}.`);
  return lines.join('\n');
}
