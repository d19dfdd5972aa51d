/**
 * `upkeep audit`, `audit verify`, `audit export` and `who-was-watching`: the audit trail, read
 * from the store alone (the export alone talks to Temporal).
 */
import { loadConfig } from '../../activities/config/load.js';
import { UpkeepError } from '../../activities/errors.js';
import { readChain, verifyChain, type ChainedEntry } from '../../activities/audit/chain.js';
import { exportClosedHistories } from '../../activities/audit/histories.js';
import { citedSpec, renderWhoWasWatching, whoWasWatching, type SpecInForce } from '../../activities/audit/watching.js';
import { openStore } from '../../activities/store/open.js';
import { specKey } from '../../activities/store/keys.js';
import type { ArtifactStore } from '../../activities/store/store.js';
import { htmlText, markdownCell, plainLine } from '../../domain/escape.js';
import { MODEL_ID_PATTERN } from '../../domain/config.js';
import { commandConfig, withClient } from './context.js';
import { countLine, withProgress } from './progress.js';

async function storeOf(configFlag: string | undefined): Promise<ArtifactStore> {
  return openStore(await loadConfig(commandConfig(configFlag)));
}

/** A model id as the config allows it (the model may have left the config since: it is not looked up there). */
function checkModelId(model: string): void {
  if (!MODEL_ID_PATTERN.test(model)) throw new UpkeepError('InvalidRequest', `${JSON.stringify(model)} is not a model id (lowercase letters, digits, ".", "_" or "-")`);
}

/** The model's chain; an unknown model (nothing recorded) is an error naming the store. */
async function chainOf(store: ArtifactStore, model: string): Promise<ChainedEntry[]> {
  checkModelId(model);
  const chain = await readChain(store, model);
  if (chain.length === 0) throw new UpkeepError('UnknownModel', `nothing is recorded for model ${JSON.stringify(model)} in the store ${store.root}`);
  return chain;
}

const where = (e: ChainedEntry['entry']): string => [e.workflowId, e.runId, e.event !== undefined ? `event ${e.event}` : undefined].filter(Boolean).join(' / ');

function renderMarkdown(model: string, entries: ChainedEntry[]): string {
  const lines = [`# Audit trail of ${markdownCell(model)}`, '', '| # | time | kind | who | what | workflow / run / event |', '| ---: | --- | --- | --- | --- | --- |'];
  for (const { seq, entry: e } of entries) {
    const what = e.comment ? `${e.summary} — “${e.comment}”` : e.summary;
    lines.push(`| ${seq} | ${e.at} | ${e.kind} | ${markdownCell(e.actor ?? '')} | ${markdownCell(what)} | ${markdownCell(where(e))} |`);
  }
  return `${lines.join('\n')}\n`;
}

export function renderHtml(model: string, entries: ChainedEntry[]): string {
  const rows = entries
    .map(({ seq, entry: e }) => `<tr><td>${seq}</td><td>${htmlText(e.at)}</td><td>${htmlText(e.kind)}</td><td>${htmlText(e.actor ?? '')}</td><td>${htmlText(e.summary)}${e.comment ? `<br><q>${htmlText(e.comment)}</q>` : ''}</td><td>${htmlText(where(e))}</td></tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Audit trail of ${htmlText(model)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left}</style></head>
<body><h1>Audit trail of ${htmlText(model)}</h1>
<table><thead><tr><th>#</th><th>time</th><th>kind</th><th>who</th><th>what</th><th>workflow / run / event</th></tr></thead>
<tbody>
${rows}
</tbody></table></body></html>
`;
}

export async function auditCommand(model: string, o: { since?: Date; until?: Date; format?: 'md' | 'json' | 'html'; config?: string }): Promise<void> {
  const store = await storeOf(o.config);
  const chain = await chainOf(store, model);
  const from = o.since?.getTime() ?? -Infinity;
  const to = o.until?.getTime() ?? Infinity;
  const entries = chain.filter((c) => {
    const t = Date.parse(c.entry.at);
    return t >= from && t < to;
  });
  if (o.format === 'json') console.log(JSON.stringify(entries.map((c) => ({ seq: c.seq, ...c.entry })), null, 2));
  else process.stdout.write(o.format === 'html' ? renderHtml(model, entries) : renderMarkdown(model, entries));
}

export async function verifyCommand(model: string, o: { config?: string }): Promise<void> {
  checkModelId(model);
  const store = await storeOf(o.config);
  const v = await verifyChain(store, model);
  if (v.links === 0 && v.problems.length === 0) throw new UpkeepError('UnknownModel', `nothing is recorded for model ${JSON.stringify(model)} in the store ${store.root}`);
  if (v.ok) {
    console.log(`the audit chain of ${model} is intact: ${v.links} entries, head ${v.headSha256}`);
    return;
  }
  console.error(`the audit chain of ${model} is BROKEN (${v.problems.length} problem${v.problems.length === 1 ? '' : 's'}, ${v.links} links):`);
  for (const p of v.problems) console.error(`  - ${p}`);
  process.exitCode = 1;
}

export async function whoCommand(model: string, o: { at: Date; format?: 'text' | 'json'; config?: string }): Promise<void> {
  const store = await storeOf(o.config);
  const chain = await chainOf(store, model);
  const specs = new Map<string, SpecInForce>();
  for (const sha of new Set(chain.map((c) => citedSpec(c.entry)).filter((s): s is string => s !== undefined))) {
    const bytes = await store.tryGet(specKey(model, sha));
    if (!bytes) continue;
    const spec = JSON.parse(new TextDecoder().decode(bytes)) as { owner: string; approvers?: (string | { id: string })[]; approval?: { escalation?: string[] } };
    specs.set(sha, { owner: spec.owner, approvers: (spec.approvers ?? []).map((a) => (typeof a === 'string' ? a : a.id)), escalation: spec.approval?.escalation ?? [] });
  }
  const answer = whoWasWatching(model, chain, o.at, specs);
  console.log(o.format === 'json' ? JSON.stringify(answer, null, 2) : renderWhoWasWatching(answer));
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
        const r = await exportClosedHistories({ store, temporal }, { onProgress: (done, total) => progress.update(countLine('exporting histories', exported + present + done, exported + present + total, 'runs'), done === total) });
        exported += r.exported;
        present += r.present;
        skipped.push(...r.skipped);
        if (!r.more) break;
      }
    });
    console.log(`exported ${exported} closed workflow histories to ${store.root}/histories (${present} already there)`);
    if (skipped.length > 0) {
      // The others were exported; these are kept under histories/_skipped/ and tried again by the next export.
      console.error(`skipped ${skipped.length} run${skipped.length === 1 ? '' : 's'} that could not be exported (recorded under histories/_skipped/, tried again next time):`);
      for (const s of skipped) console.error(`  - ${plainLine(s, 400)}`);
      process.exitCode = 1;
    }
  });
}
