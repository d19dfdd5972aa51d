/** `upkeep plan <model>`: the monitoring plan the config gives a model, and its history in the trail (no Temporal needed). */
import { loadConfig, findModel } from '../../engine/config/load.js';
import { openStore } from '../../engine/store/open.js';
import { planKey } from '../../engine/store/keys.js';
import { planHistory } from '../../engine/audit/plan-entries.js';
import { monitoringPlan, planBytes, planLines } from '../../domain/monitoring-plan.js';
import { sha256Hex } from '../../engine/util.js';
import { commandConfig } from '../context.js';

export async function planCommand(model: string, o: { format?: 'text' | 'json'; config?: string }): Promise<void> {
  const configPath = commandConfig(o.config);
  const config = await loadConfig(configPath);
  const spec = findModel(config, model, configPath);
  const store = openStore(config);
  const plan = monitoringPlan(spec, config);
  const sha = sha256Hex(planBytes(plan));
  const history = await planHistory(store, spec.id);
  const recorded = history.at(-1)?.sha256 === sha ? history.at(-1)! : undefined;
  if (o.format === 'json') {
    console.log(
      JSON.stringify(
        { sha256: sha, uri: store.uriFor(planKey(spec.id, sha)), recorded: recorded ? { at: recorded.at, seq: recorded.seq } : null, plan, history },
        null,
        2,
      ),
    );
    return;
  }
  const lines = [`Monitoring plan of ${spec.id}: ${sha.slice(0, 12)}`, ...planLines(plan).map((l) => `  ${l}`), ''];
  if (recorded) lines.push(`In force since ${recorded.at} (audit chain entry ${recorded.seq}; stored at ${store.uriFor(planKey(spec.id, sha))}).`);
  else
    lines.push(
      `NOT yet recorded: the config changed since a command last recorded it${history.length ? ` (the plan recorded last is ${history.at(-1)!.sha256.slice(0, 12)}, ${history.at(-1)!.at})` : ''}; upkeep schedules sync, npm start or a worker records it.`,
    );
  if (history.length) {
    lines.push('', 'History (from the audit trail):');
    for (const h of [...history].reverse()) lines.push(`  ${h.at}  ${h.sha256.slice(0, 12)}  ${h.changed.join(', ')}  (by ${h.by})`);
  }
  console.log(lines.join('\n'));
}
