/**
 * `upkeep incidents [model]`: each model's incidents (docs/incidents.md), derived from its audit
 * trail in the store (verified first, as `who-was-watching` does).
 */
import { loadConfig } from '../../engine/config/load.js';
import { deriveIncidents, renderIncident, type Incident } from '../../engine/audit/incidents.js';
import { openStore } from '../../engine/store/open.js';
import { linkKeys } from '../../engine/audit/chain.js';
import { terminalSafe } from '../../domain/escape.js';
import { reportClockFor } from '../../domain/incident-clock.js';
import { UpkeepError } from '../../engine/errors.js';
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
        reportClockFor(config.models.find((m) => m.id === id)?.tier?.name, config.governance),
      ),
    });
  }
  if (o.json || o.format === 'json') {
    console.log(JSON.stringify(model ? (found[0] ?? null) : { models: found }, null, 2));
    return;
  }
  const out: string[] = [];
  const now = new Date().toISOString();
  for (const m of found) {
    const open = m.incidents.filter((i) => i.state === 'open').length;
    out.push(
      `${m.modelId}: ${m.incidents.length === 0 ? 'no incidents' : `${m.incidents.length} incident${m.incidents.length === 1 ? '' : 's'}${open ? `, ${open} OPEN` : ''}`}${m.verified ? '' : ' (UNVERIFIED trail)'}`,
    );
    for (const i of [...m.incidents].reverse()) out.push(renderIncident(terminalSafe(i), now), '');
  }
  console.log(out.join('\n').trimEnd());
}

/**
 * `upkeep incidents note <model> <incident> --text …`: the owner's post-incident note, an
 * `incident-note` entry of the trail. Only the model's owner may write one; signed with the owner's
 * key when the config lists one for them (then the key is required), else recorded as unsigned.
 */
export async function noteCommand(model: string, incident: string, o: { text?: string; as?: string; config?: string; keyDir?: string }): Promise<void> {
  const [{ settings }, { signAs }, { appendEntry }, { createHash }] = await Promise.all([
    import('../context.js'),
    import('../keys.js'),
    import('../../engine/audit/chain.js'),
    import('node:crypto'),
  ]);
  const text = (o.text ?? '').trim();
  if (!text) throw new UpkeepError('InvalidRequest', `model ${model}: --text is required (the note, one paragraph)`);
  const config = await loadConfig(commandConfig(o.config));
  const spec = config.models.find((m) => m.id === model);
  if (!spec) throw new UpkeepError('UnknownModel', `model ${JSON.stringify(model)} is not in the config`);
  const who = o.as ?? settings().user;
  if (who !== spec.owner) throw new UpkeepError('InvalidRequest', `model ${model}: only its owner (${spec.owner}) writes a post-incident note, not ${who}`);
  const store = openStore(config);
  const trail = await checkedTrail(store, model, false);
  if (!trail) return;
  const found = deriveIncidents(
    model,
    trail.chain.map((c) => c.entry),
  ).find((i) => i.id === incident);
  if (!found) throw new UpkeepError('InvalidRequest', `model ${model} has no incident ${JSON.stringify(incident)} (\`upkeep incidents ${model}\` lists them)`);
  const required = Object.hasOwn(spec.keys?.people ?? {}, who);
  const proof = signAs(
    o.keyDir ?? settings().keyDir,
    who,
    { gate: 'incident-note', decision: 'note', approver: who, comment: text },
    { model, workflow: `incident/${incident}`, request: incident },
    required,
  );
  const at = new Date().toISOString();
  const id = `incident-note-${createHash('sha256')
    .update(JSON.stringify([model, incident, who, text, at]))
    .digest('hex')
    .slice(0, 24)}`;
  await appendEntry(store, {
    id,
    modelId: model,
    at,
    kind: 'incident-note',
    actor: who,
    summary: `${who} noted on incident ${incident} (${proof ? `signed by ${proof.signer}` : 'unsigned: the owner has no key in the config'})`,
    comment: text,
    details: { incident, text, signed: proof !== undefined, ...(proof ? { signer: proof.signer, proof } : {}) },
  });
  console.log(`recorded ${who}'s note on ${model} ${incident} (${proof ? 'signed' : 'unsigned'})`);
}
