/**
 * `upkeep audit pack <model> --from --to [--out]` and `upkeep audit pack verify <archive>`: an
 * evidence pack of a period, from the store alone (engine/evidence/, docs/audit.md#evidence-pack).
 */
import path from 'node:path';
import { loadConfig } from '../../engine/config/load.js';
import { UpkeepError } from '../../engine/errors.js';
import { openStore } from '../../engine/store/open.js';
import { anchorsFromGit, anchorsFromStore } from '../../engine/audit/anchor.js';
import { compactTime } from '../../engine/store/keys.js';
import { plainLine } from '../../domain/escape.js';
import { anchorTrailScheduleId } from '../../workflows/definitions.js';
import { commandConfig, settings } from '../context.js';
import { parseInstant } from './report.js';

export async function packCommand(
  model: string | undefined,
  o: { from?: string; to?: string; out?: string; unverified?: boolean; config?: string },
): Promise<void> {
  if (!model) throw new UpkeepError('InvalidRequest', 'name the model: upkeep audit pack <model> --from <date> --to <date>');
  if (!o.from || !o.to) throw new UpkeepError('InvalidRequest', `the pack of ${model} needs its period: --from <date> --to <date> (the end excluded)`);
  const now = new Date();
  const from = parseInstant(o.from, now, '--from');
  const to = parseInstant(o.to, now, '--to');
  const config = await loadConfig(commandConfig(o.config));
  const store = openStore(config);
  const { writeEvidencePack } = await import('../../engine/evidence/pack.js');
  const out = path.resolve(o.out ?? `evidence-${model}-${compactTime(from.toISOString())}-${compactTime(to.toISOString())}.tar.gz`);
  // The copies of the anchors kept outside the store (audit.anchor_store, audit.anchor_git), besides the exported anchor runs.
  const anchors = [
    ...(config.audit.anchor_store ? await anchorsFromStore(openStore({ ...config, store: config.audit.anchor_store }), 'second store') : []),
    ...(config.audit.anchor_git ? await anchorsFromGit(config.audit.anchor_git).catch(() => []) : []),
  ];
  const started = process.hrtime.bigint();
  const r = await writeEvidencePack(store, {
    modelId: model,
    from,
    to,
    out,
    anchors,
    anchorPrefix: anchorTrailScheduleId(settings().taskQueue),
    ...(o.unverified ? { unverified: true } : {}),
    now,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (!r.verified) {
    console.error(`UNVERIFIED: the audit trail of ${model} does not verify; the pack says so on every page (upkeep audit verify ${model})`);
    process.exitCode = 1;
  }
  const what = Object.entries(r.counts)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  console.log(
    r.empty
      ? `nothing was recorded for ${model} from ${from.toISOString()} to ${to.toISOString()}: the pack says so`
      : `packed ${model} from ${from.toISOString()} to ${to.toISOString()}: ${what}`,
  );
  console.log(`wrote ${r.out} (${r.files} files, ${(r.bytes / 2 ** 20).toFixed(2)} MiB, ${seconds.toFixed(1)} s)`);
  console.log(`manifest.json sha256 ${r.manifestSha256}: record it with the review; chain head link ${r.head?.seq ?? '-'} ${r.head?.sha256 ?? ''}`);
  console.log(`check it: upkeep audit pack verify ${path.basename(r.out)}, or extract it and run node verify.mjs in its folder`);
}

export async function packVerifyCommand(archive: string): Promise<void> {
  const { verifyPackArchive } = await import('../../engine/evidence/verify.js');
  const r = await verifyPackArchive(archive);
  for (const n of r.notes) console.log(`note: ${plainLine(n, 400)}`);
  if (r.ok) {
    console.log(
      `the evidence pack ${archive} is intact: ${r.files} files match its manifest, ${r.links} links chain to head link ${r.head?.seq ?? '-'} (sha256 ${r.head?.sha256 ?? '-'}), ${r.entries} entries match their links, ${r.anchored} anchors match`,
    );
    console.log(`manifest.json sha256 ${r.manifestSha}: compare it with the one recorded when the pack was made`);
    return;
  }
  console.error(`the evidence pack ${archive} is NOT intact (${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}):`);
  for (const p of r.problems) console.error(`  - ${plainLine(p, 2000)}`);
  process.exitCode = 1;
}
