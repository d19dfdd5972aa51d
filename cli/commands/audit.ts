/**
 * `upkeep audit`, `audit verify`, `audit export` and `who-was-watching`: the audit trail, read
 * from the store alone (the export alone talks to Temporal).
 */
import { loadConfig } from '../../engine/config/load.js';
import { UpkeepError } from '../../engine/errors.js';
import { readChain, type ChainedEntry } from '../../engine/audit/chain.js';
import { verifyTrail } from '../../engine/audit/verify-trail.js';
import { exportClosedHistories } from '../../engine/audit/histories.js';
import { renderWhoWasWatching, whoWasWatching } from '../../engine/audit/watching.js';
import { readCitedSpecs } from '../../engine/audit/owners.js';
import { openStore } from '../../engine/store/open.js';
import type { ArtifactStore } from '../../engine/store/store.js';
import { htmlText, markdownCell, plainLine } from '../../domain/escape.js';
import { MODEL_ID_PATTERN } from '../../domain/config.js';
import { WEB_TRAIL } from '../../engine/audit/access.js';
import { commandConfig, withClient } from '../context.js';
import { countLine, withProgress } from '../progress.js';

async function storeOf(configFlag: string | undefined): Promise<ArtifactStore> {
  return openStore(await loadConfig(commandConfig(configFlag)));
}

/** A model id as the config allows it (the model may have left the config since: it is not looked up there), or `_web`, the web inbox's access log. */
function checkModelId(model: string): void {
  if (model !== WEB_TRAIL && !MODEL_ID_PATTERN.test(model))
    throw new UpkeepError('InvalidRequest', `${JSON.stringify(model)} is not a model id (lowercase letters, digits, ".", "_" or "-")`);
}

/** What a command that answers from the trail read, and whether the trail verified. */
interface CheckedTrail {
  chain: ChainedEntry[];
  /** The problems found (empty: verified). */
  problems: string[];
}

/**
 * Verifies the trail before a command answers from it. A trail that does not verify is refused
 * (exit 1, the problems on stderr) unless `unverified` asks to see its records anyway, and then
 * the answer says it is unverified.
 */
export async function checkedTrail(store: ArtifactStore, model: string, unverified: boolean | undefined): Promise<CheckedTrail | undefined> {
  checkModelId(model);
  const v = await verifyTrail(store, model);
  if (v.links === 0 && v.problems.length === 0)
    throw new UpkeepError('UnknownModel', `nothing is recorded for model ${JSON.stringify(model)} in the store ${store.root}`);
  if (v.ok) return { chain: v.entries, problems: [] };
  console.error(`the audit trail of ${model} does NOT verify (${v.problems.length} problem${v.problems.length === 1 ? '' : 's'}):`);
  for (const p of v.problems.slice(0, 20)) console.error(`  - ${p}`);
  if (v.problems.length > 20) console.error(`  … and ${v.problems.length - 20} more (upkeep audit verify ${model})`);
  process.exitCode = 1;
  if (!unverified) {
    console.error(`its records cannot be believed as they are: nothing is answered. Pass --unverified to see them anyway, marked UNVERIFIED.`);
    return undefined;
  }
  // What the links name, as stored: the entries that fail their hash included (they are what is marked unverified).
  return { chain: await readChain(store, model), problems: v.problems };
}

const unverifiedBanner = (model: string, problems: string[]): string =>
  `UNVERIFIED: the audit trail of ${model} does not verify (${problems.length} problem${problems.length === 1 ? '' : 's'}; see upkeep audit verify ${model}): what follows may have been altered`;

const where = (e: ChainedEntry['entry']): string => [e.workflowId, e.runId, e.event !== undefined ? `event ${e.event}` : undefined].filter(Boolean).join(' / ');

function renderMarkdown(model: string, entries: ChainedEntry[], problems: string[] = []): string {
  const lines = [
    `# Audit trail of ${markdownCell(model)}`,
    '',
    ...(problems.length > 0 ? [`**${markdownCell(unverifiedBanner(model, problems))}**`, ''] : []),
    '| # | time | kind | who | what | workflow / run / event |',
    '| ---: | --- | --- | --- | --- | --- |',
  ];
  for (const { seq, entry: e } of entries) {
    const what = e.comment ? `${e.summary} — “${e.comment}”` : e.summary;
    lines.push(`| ${seq} | ${e.at} | ${e.kind} | ${markdownCell(e.actor ?? '')} | ${markdownCell(what)} | ${markdownCell(where(e))} |`);
  }
  return `${lines.join('\n')}\n`;
}

export function renderHtml(model: string, entries: ChainedEntry[], problems: string[] = []): string {
  const rows = entries
    .map(
      ({ seq, entry: e }) =>
        `<tr><td>${seq}</td><td>${htmlText(e.at)}</td><td>${htmlText(e.kind)}</td><td>${htmlText(e.actor ?? '')}</td><td>${htmlText(e.summary)}${e.comment ? `<br><q>${htmlText(e.comment)}</q>` : ''}</td><td>${htmlText(where(e))}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Audit trail of ${htmlText(model)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left}</style></head>
<body><h1>Audit trail of ${htmlText(model)}</h1>${problems.length > 0 ? `\n<p><strong>${htmlText(unverifiedBanner(model, problems))}</strong></p>` : ''}
<table><thead><tr><th>#</th><th>time</th><th>kind</th><th>who</th><th>what</th><th>workflow / run / event</th></tr></thead>
<tbody>
${rows}
</tbody></table></body></html>
`;
}

export async function auditCommand(
  model: string,
  o: { since?: Date; until?: Date; format?: 'md' | 'json' | 'html'; config?: string; unverified?: boolean },
): Promise<void> {
  const store = await storeOf(o.config);
  const trail = await checkedTrail(store, model, o.unverified);
  if (!trail) return;
  const from = o.since?.getTime() ?? -Infinity;
  const to = o.until?.getTime() ?? Infinity;
  const entries = trail.chain.filter((c) => {
    const t = Date.parse(c.entry.at);
    return t >= from && t < to;
  });
  const unverified = trail.problems.length > 0;
  if (o.format === 'json')
    console.log(
      JSON.stringify(
        entries.map((c) => ({ seq: c.seq, ...(unverified ? { verified: false } : {}), ...c.entry })),
        null,
        2,
      ),
    );
  else process.stdout.write(o.format === 'html' ? renderHtml(model, entries, trail.problems) : renderMarkdown(model, entries, trail.problems));
}

export async function verifyCommand(
  model: string,
  o: { config?: string; source?: boolean; snapshot?: string; evaluation?: string; day?: string; temporal?: boolean },
): Promise<void> {
  checkModelId(model);
  if (o.source) return (await import('./audit-source.js')).verifySourceCommand(model, o);
  if (o.snapshot !== undefined || o.evaluation !== undefined || o.day !== undefined)
    throw new UpkeepError('InvalidRequest', '--snapshot, --evaluation and --day go with --source');
  const store = await storeOf(o.config);
  // Every cited object re-hashed, data files and model artifacts included.
  const v = await verifyTrail(store, model, { deep: true });
  if (v.links === 0 && v.problems.length === 0)
    throw new UpkeepError('UnknownModel', `nothing is recorded for model ${JSON.stringify(model)} in the store ${store.root}`);
  // The chain against its anchors and the completed evaluation runs, kept outside the store (audit.md#anchors).
  const outside = model === WEB_TRAIL ? undefined : await (await import('./audit-anchors.js')).checkOutside(store, model, v.entries, o);
  if (outside) v.problems.push(...outside.problems);
  for (const n of [...v.notes, ...(outside?.notes ?? [])]) console.log(`note: ${n}`);
  if (v.signers) console.log(v.signers);
  if (v.problems.length === 0) {
    const against = outside ? `; ${outside.anchors} anchor${outside.anchors === 1 ? '' : 's'} and ${outside.evaluations} completed evaluation runs agree` : '';
    console.log(
      `the audit trail of ${model} is intact: ${v.links} entries, ${v.objects} cited objects re-hashed, registry and trail agree${against}; head ${v.headSha256}`,
    );
    return;
  }
  console.error(`the audit trail of ${model} is BROKEN (${v.problems.length} problem${v.problems.length === 1 ? '' : 's'}, ${v.links} links):`);
  for (const p of v.problems) console.error(`  - ${plainLine(p, 2000)}`);
  process.exitCode = 1;
}

/** Refuses an instant in the future: the trail records what happened, not what will. */
export function checkInstant(at: Date, now = new Date()): void {
  if (Number.isNaN(at.getTime())) throw new UpkeepError('InvalidRequest', '--at is not a time');
  if (at.getTime() > now.getTime())
    throw new UpkeepError(
      'InvalidRequest',
      `--at ${at.toISOString()} is in the future (now ${now.toISOString()}): the audit trail can only say who was watching up to now`,
    );
}

export async function whoCommand(model: string, o: { at?: Date; format?: 'text' | 'json'; config?: string; unverified?: boolean }): Promise<void> {
  const at = o.at ?? new Date();
  checkInstant(at);
  const store = await storeOf(o.config);
  const trail = await checkedTrail(store, model, o.unverified);
  if (!trail) return;
  const { chain } = trail;
  const specs = await readCitedSpecs(store, model, chain);
  const answer = whoWasWatching(model, chain, at, specs);
  const unverified = trail.problems.length > 0;
  if (o.format === 'json') console.log(JSON.stringify({ ...answer, verified: !unverified, ...(unverified ? { problems: trail.problems } : {}) }, null, 2));
  else
    console.log(
      unverified
        ? `${unverifiedBanner(model, trail.problems)}\n\n${renderWhoWasWatching(answer)}\n\n${unverifiedBanner(model, trail.problems)}`
        : renderWhoWasWatching(answer),
    );
}

/** `upkeep audit migrate`: moves a trail an earlier version kept under ledger/ to audit/ (engine/store/audit-layout.ts). */
export async function migrateCommand(o: { config?: string; removeOld?: boolean }): Promise<void> {
  const { moveAuditTrail } = await import('../../engine/store/audit-layout.js');
  const store = await storeOf(o.config);
  const m = await moveAuditTrail(store, { full: true, removeOld: o.removeOld === true });
  if (m.problems.length > 0) {
    console.error(
      `the audit trail in ${store.root} was NOT moved from ledger/ to audit/ (${m.problems.length} cop${m.problems.length === 1 ? 'y differs' : 'ies differ'} from the original; nothing was marked or removed):`,
    );
    for (const p of m.problems) console.error(`  - ${plainLine(p, 2000)}`);
    console.error('stop every worker of an earlier upkeep version and see docs/storage.md ("Moving an audit trail from ledger/")');
    process.exitCode = 1;
    return;
  }
  if (m.found === 0) {
    console.log(
      m.state === 'marked'
        ? `the audit trail in ${store.root} is under audit/ (moved before; nothing under ledger/)`
        : `nothing to move: the store ${store.root} holds no audit trail under ledger/`,
    );
    return;
  }
  const kept = m.removed > 0 ? `the ${m.removed} originals under ledger/ were removed` : 'the originals under ledger/ are kept (--remove-old removes them)';
  console.log(
    `moved the audit trail in ${store.root} from ledger/ to audit/: ${m.found} objects (${m.copied} copied now), each read back with its sha256 unchanged; ${kept}`,
  );
  console.log(`check each model's trail: ${m.models.map((id) => `upkeep audit verify ${id}`).join('; ')}`);
}

export async function exportCommand(o: { config?: string }): Promise<void> {
  const store = await storeOf(o.config);
  const { createTemporalPort } = await import('../../workers/temporal-port.js');
  await withClient(async (client) => {
    const temporal = createTemporalPort(client);
    let exported = 0;
    let present = 0;
    const skipped: string[] = [];
    await withProgress(async (progress) => {
      for (;;) {
        const r = await exportClosedHistories(
          { store, temporal },
          {
            onProgress: (done, total) =>
              progress.update(countLine('exporting histories', exported + present + done, exported + present + total, 'runs'), done === total),
          },
        );
        exported += r.exported;
        present += r.present;
        skipped.push(...r.skipped);
        if (!r.more) break;
      }
    });
    console.log(`exported ${exported} closed workflow histories to ${store.root}/histories (${present} already there)`);
    if (skipped.length > 0) {
      // The others were exported; these are kept under histories/_skipped/ and tried again by the next export.
      console.error(
        `skipped ${skipped.length} run${skipped.length === 1 ? '' : 's'} that could not be exported (recorded under histories/_skipped/, tried again next time):`,
      );
      for (const s of skipped) console.error(`  - ${plainLine(s, 400)}`);
      process.exitCode = 1;
    }
  });
}
