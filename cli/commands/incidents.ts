/**
 * `upkeep incidents [model]`: each model's incidents (docs/incidents.md), derived from its audit
 * trail in the store (verified first, as `who-was-watching` does).
 */
import { loadConfig } from '../../engine/config/load.js';
import { deriveIncidents, renderIncident, type Incident } from '../../engine/audit/incidents.js';
import { openStore } from '../../engine/store/open.js';
import { linkKeys } from '../../engine/audit/chain.js';
import { terminalSafe } from '../../domain/escape.js';
import { commandConfig } from '../context.js';
import { checkedTrail } from './audit.js';

export async function incidentsCommand(
  model: string | undefined,
  o: { config?: string; format?: 'text' | 'json'; json?: boolean; unverified?: boolean },
): Promise<void> {
  const config = await loadConfig(commandConfig(o.config));
  const store = openStore(config);
  const models = model ? [model] : config.models.map((m) => m.id);
  const found: { modelId: string; verified: boolean; problems?: string[]; incidents: Incident[] }[] = [];
  for (const id of models) {
    // With no model named, a model with nothing recorded yet simply has no incidents.
    if (!model && (await linkKeys(store, id)).length === 0) {
      found.push({ modelId: id, verified: true, incidents: [] });
      continue;
    }
    const trail = await checkedTrail(store, id, o.unverified);
    if (!trail) continue;
    const verified = trail.problems.length === 0;
    found.push({
      modelId: id,
      verified,
      ...(verified ? {} : { problems: trail.problems }),
      incidents: deriveIncidents(
        id,
        trail.chain.map((c) => c.entry),
      ),
    });
  }
  if (o.json || o.format === 'json') {
    console.log(JSON.stringify(model ? (found[0] ?? null) : { models: found }, null, 2));
    return;
  }
  const out: string[] = [];
  for (const m of found) {
    const open = m.incidents.filter((i) => i.state === 'open').length;
    out.push(
      `${m.modelId}: ${m.incidents.length === 0 ? 'no incidents' : `${m.incidents.length} incident${m.incidents.length === 1 ? '' : 's'}${open ? `, ${open} OPEN` : ''}`}${m.verified ? '' : ' (UNVERIFIED trail)'}`,
    );
    for (const i of [...m.incidents].reverse()) out.push(renderIncident(terminalSafe(i)), '');
  }
  console.log(out.join('\n').trimEnd());
}
