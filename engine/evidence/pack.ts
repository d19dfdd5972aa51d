/**
 * An evidence pack (docs/audit.md#evidence-pack): one .tar.gz holding what a review of a model
 * over a period needs, readable without upkeep. Everything comes from the store, after the trail
 * verified (or marked UNVERIFIED when asked): the chain segment of the period's entries with every
 * link from the one before it to the head (and the anchors that fall among them), each verdict
 * with its report (JSON, Markdown, HTML), each decision with its signature, the keys it was
 * checked against, the check's result and the evidence the approver saw, incidents, the monitoring
 * plans in force, the model card as of the start and the end (regenerated: card-as-of.ts), the
 * exported histories of the period's runs, and entries of every other kind generically. A
 * manifest lists every file's sha256; `verify.mjs` (verify-script.ts) checks it all offline.
 *
 * Nothing from the trail names a path in the archive: paths are built from link numbers, sha256
 * and store keys that passed the store's key check, and every path is checked again by the writer.
 */
import { stat } from 'node:fs/promises';
import type { AuditEntry } from '../../domain/maintenance.js';
import { MODEL_ID_PATTERN } from '../../domain/inputs.js';
import { anchorsFromExportedHistories, type AnchorSighting } from '../audit/anchor.js';
import { readChain, linkKeys, type AuditLink, type ChainedEntry } from '../audit/chain.js';
import { exportedHistoryKey } from '../audit/histories.js';
import { deriveIncidents } from '../audit/incidents.js';
import { keyOfUri, verifyTrail, type SignedActCheck } from '../audit/verify-trail.js';
import { UpkeepError } from '../errors.js';
import { AUDIT_ROOT, compactTime, currentAuditKey } from '../store/keys.js';
import type { ArtifactStore } from '../store/store.js';
import { sha256Hex } from '../util.js';
import { cardAsOf } from './card-as-of.js';
import { csv } from './csv.js';
import { renderPackIndex, renderPackReadme, type PackSummary, type VerdictRow, type DecisionRow, type EntryRow } from './render.js';
import { createTarGz, isSafeArchivePath } from './tar.js';
import { VERIFY_SCRIPT } from './verify-script.js';

export interface PackOptions {
  modelId: string;
  from: Date;
  to: Date;
  /** The archive to write (refused when it exists). */
  out: string;
  /** Pack a trail that does not verify, marked UNVERIFIED throughout. */
  unverified?: boolean;
  /** The workflow id prefix of anchor runs, whose exported histories are read for anchors. */
  anchorPrefix?: string;
  /** Anchors read elsewhere (a second store, a git repository). */
  anchors?: readonly AnchorSighting[];
  now?: Date;
}

export interface PackResult {
  out: string;
  bytes: number;
  files: number;
  empty: boolean;
  verified: boolean;
  /** sha256 of manifest.json: the pack's identity, worth recording where the review is kept. */
  manifestSha256: string;
  head: { seq: number; sha256: string } | null;
  counts: Record<string, number>;
}

const HEX64 = /^[0-9a-f]{64}$/;
const decode = (b: Uint8Array): string => new TextDecoder().decode(b);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const seqName = (seq: number): string => String(seq).padStart(10, '0');
/** The content-addressed objects of a trail an entry may cite as { uri, sha256 }: kept in the pack under objects/<folder>/. */
const OBJECT_FOLDERS = new Set(['evidence', 'specs', 'plans', 'keysets', 'configs']);
const gateOf = (e: AuditEntry): string | undefined => {
  const gate = str(e.details?.gate);
  return gate ? `${e.workflowId ?? ''}/${e.runId ?? ''}/${gate}/${str(e.details?.openedAt) ?? ''}` : undefined;
};
const ref = (v: unknown): { uri: string; sha256: string } | undefined => {
  const r = v as { uri?: unknown; sha256?: unknown } | undefined;
  return r && typeof r === 'object' && typeof r.uri === 'string' && typeof r.sha256 === 'string' ? { uri: r.uri, sha256: r.sha256 } : undefined;
};

/** A store key as a path in the archive, under `folder`: its last part when that is safe, else its sha256. */
const packPathOf = (folder: string, key: string, ext: string): string => {
  const base = key.slice(key.lastIndexOf('/') + 1);
  const p = `${folder}/${base}`;
  return isSafeArchivePath(p) && p.length <= 120 ? p : `${folder}/${sha256Hex(key).slice(0, 32)}${ext}`;
};

function verificationOf(check: SignedActCheck | undefined, verified: boolean): string {
  if (!check) return verified ? 'not a signed act the trail can check' : 'not checked: the trail does not verify';
  if (check.problem) return `FAILS: ${check.problem}`;
  if (!check.inForce) return check.act.proof ? 'signature not checked: the trail records no keys in force before it' : 'unsigned; no keys recorded';
  return check.act.proof ? `signature valid against the keys in force (${check.inForce.from})` : 'unsigned: no keys were in force for its approvers';
}

export async function writeEvidencePack(store: ArtifactStore, o: PackOptions): Promise<PackResult> {
  const { modelId } = o;
  if (!MODEL_ID_PATTERN.test(modelId))
    throw new UpkeepError('InvalidRequest', `${JSON.stringify(modelId).slice(0, 100)} is not a model id (lowercase letters, digits, ".", "_" or "-")`);
  if (!(o.from < o.to)) throw new UpkeepError('InvalidRequest', `--from ${o.from.toISOString()} is not before --to ${o.to.toISOString()}`);
  if (
    await stat(o.out).then(
      () => true,
      () => false,
    )
  )
    throw new UpkeepError('InvalidRequest', `${o.out} exists: choose another --out (a pack is never overwritten)`);
  const v = await verifyTrail(store, modelId);
  if (v.links === 0 && v.problems.length === 0) throw new UpkeepError('UnknownModel', `nothing is recorded for model ${modelId} in the store ${store.root}`);
  if (!v.ok && !o.unverified)
    throw new UpkeepError(
      'InvalidData',
      `the audit trail of ${modelId} does not verify (${v.problems.length} problem${v.problems.length === 1 ? '' : 's'}, the first: ${v.problems[0]}): no pack was written; \`upkeep audit verify ${modelId}\` names them, --unverified packs it anyway, marked UNVERIFIED`,
    );
  const chain: ChainedEntry[] = v.ok ? v.entries : await readChain(store, modelId);
  const from = o.from.getTime();
  const to = o.to.getTime();
  const inPeriod = (e: AuditEntry): boolean => Date.parse(e.at) >= from && Date.parse(e.at) < to;
  const period = chain.filter((c) => inPeriod(c.entry));

  // Entries outside the period that its records rest on: the requests its decisions answer, the plan in force at its start.
  const context = new Map<number, ChainedEntry>();
  const gates = new Set(period.filter((c) => c.entry.kind === 'decision').map((c) => gateOf(c.entry)));
  for (const c of chain) if (!inPeriod(c.entry) && c.entry.kind === 'approval-requested' && gates.has(gateOf(c.entry))) context.set(c.seq, c);
  const planBefore = chain.filter((c) => c.entry.kind === 'plan-changed' && Date.parse(c.entry.at) < from).at(-1);
  if (planBefore) context.set(planBefore.seq, planBefore);
  const included = [...period, ...context.values()].sort((a, b) => a.seq - b.seq);

  // Links: from the one before the first included entry to the head, so the segment chains to the head (and its anchors).
  const keys = await linkKeys(store, modelId);
  const keyOfSeq = new Map(keys.map((k) => [Number(k.slice(-15, -5)), k]));
  const headSeq = keys.length ? Number(keys.at(-1)!.slice(-15, -5)) : 0;
  const afterPeriod = chain.find((c) => Date.parse(c.entry.at) >= to)?.seq ?? headSeq + 1;
  const start = included[0]?.seq ?? afterPeriod;
  const firstLink = Math.max(1, start - 1);
  const top = `evidence-${modelId}-${compactTime(o.from.toISOString())}-${compactTime(o.to.toISOString())}`;
  const now = o.now ?? new Date();
  // The files' time in the archive is when it was written (the clock), whatever instant the pack is made as of.
  const tar = await createTarGz(o.out, Date.now());
  const files: { path: string; sha256: string; bytes: number }[] = [];
  const put = async (p: string, data: Uint8Array | string): Promise<string> => {
    const r = await tar.add(`${top}/${p}`, data);
    files.push({ path: p, ...r });
    return r.sha256;
  };
  try {
    let headSha: string | null = null;
    // Every included entry's link is one of these (seq ≥ firstLink): read once, packed, then parsed below.
    const linkBytes = new Map<number, Uint8Array>();
    for (const key of keys) {
      const seq = Number(key.slice(-15, -5));
      if (seq < firstLink) continue;
      const bytes = await store.get(key);
      linkBytes.set(seq, bytes);
      headSha = await put(`chain/links/${seqName(seq)}.json`, bytes);
    }
    const entryRows: EntryRow[] = [];
    for (const c of included) {
      const link = JSON.parse(decode(linkBytes.get(c.seq) ?? (await store.get(keyOfSeq.get(c.seq)!)))) as AuditLink;
      const bytes = await store.tryGet(currentAuditKey(link.entry.key));
      const file = `chain/entries/${seqName(c.seq)}.json`;
      if (bytes) await put(file, bytes);
      const e = c.entry;
      entryRows.push({
        seq: c.seq,
        at: e.at,
        kind: e.kind,
        actor: e.actor ?? '',
        summary: e.summary,
        comment: e.comment ?? '',
        workflowId: e.workflowId ?? '',
        runId: e.runId ?? '',
        inPeriod: inPeriod(e),
        file: bytes ? file : '',
      });
    }
    const anchors = await anchorRows(store, modelId, o, firstLink, headSeq);
    await put('chain/anchors.json', `${JSON.stringify(anchors, null, 2)}\n`);
    const head = headSha ? { seq: headSeq, sha256: headSha } : null;
    await put(
      'chain/segment.json',
      `${JSON.stringify({ v: 'upkeep.evidence-segment/1', modelId, links: { from: firstLink, to: headSeq }, entries: included.map((c) => c.seq), head }, null, 2)}\n`,
    );
    await put('entries.json', `${JSON.stringify(entryRows, null, 2)}\n`);
    await put(
      'entries.csv',
      csv(['seq', 'at', 'kind', 'actor', 'summary', 'comment', 'workflowId', 'runId', 'inPeriod', 'file'], entryRows as unknown as Record<string, unknown>[]),
    );

    // Content-addressed objects the included entries cite (evidence, specs, plans, key sets, config records).
    const objects = new Map<string, string>();
    for (const c of included) {
      for (const value of Object.values(c.entry.details ?? {})) {
        const r = ref(value);
        const key = r && keyOfUri(store, r.uri);
        const m = key ? new RegExp(`^${AUDIT_ROOT}/${modelId.replace(/\./g, '\\.')}/([a-z]+)/([0-9a-f]{64})\\.json$`).exec(key) : null;
        if (!m || !OBJECT_FOLDERS.has(m[1]!) || !HEX64.test(r!.sha256) || objects.has(key!)) continue;
        const bytes = await store.tryGet(key!);
        if (!bytes) continue;
        const p = `objects/${m[1]}/${m[2]}.json`;
        await put(p, bytes);
        objects.set(key!, p);
      }
    }
    const objectPath = (r: { uri: string } | undefined): string => {
      const key = r && keyOfUri(store, r.uri);
      return (key && objects.get(key)) ?? '';
    };

    // Verdicts and their reports.
    const verdicts: VerdictRow[] = [];
    const reportPaths = new Map<string, string>();
    for (const c of period) {
      const e = c.entry;
      const verdict = str(e.details?.verdict);
      if (e.kind !== 'evaluation' || !verdict) continue;
      const key = typeof e.details?.report === 'string' ? keyOfUri(store, e.details.report) : undefined;
      const row: VerdictRow = {
        seq: c.seq,
        at: e.at,
        windowEnd: str(e.details?.windowEnd) ?? '',
        verdict,
        runId: e.runId ?? '',
        report: {},
        reportCheck: 'no report cited',
      };
      const again = key ? verdicts.find((r) => r.report.json && reportPaths.get(key) === r.report.json) : undefined;
      if (again) {
        row.report = { ...again.report };
        row.reportCheck = again.reportCheck;
      } else if (key?.endsWith('.json')) {
        const bytes = await store.tryGet(key);
        if (bytes) {
          row.report.json = packPathOf('reports', key, '.json');
          const sha = await put(row.report.json, bytes);
          reportPaths.set(key, row.report.json);
          const cited = str(e.details?.reportSha256);
          row.reportCheck = !cited
            ? 'the entry cites no sha256'
            : sha === cited
              ? 'sha256 matches the entry'
              : 'FAILS: the report is not the one the entry cites';
          for (const ext of ['md', 'html'] as const) {
            const sibling = key.replace(/\.json$/, `.${ext}`);
            const b = await store.tryGet(sibling);
            if (!b) continue;
            const p = packPathOf('reports', sibling, `.${ext}`);
            await put(p, b);
            row.report[ext] = p;
          }
        } else row.reportCheck = 'FAILS: the report is missing from the store';
      }
      verdicts.push(row);
    }
    await put('verdicts/verdicts.json', `${JSON.stringify(verdicts, null, 2)}\n`);
    await put(
      'verdicts/verdicts.csv',
      csv(
        ['seq', 'at', 'windowEnd', 'verdict', 'runId', 'reportJson', 'reportMd', 'reportHtml', 'reportCheck'],
        verdicts.map((r) => ({ ...r, reportJson: r.report.json, reportMd: r.report.md, reportHtml: r.report.html })),
      ),
    );

    // Decisions: signature, the keys it was checked against, the result, the request and the evidence shown.
    const acts = new Map(v.acts.map((a) => [a.seq, a]));
    const decisions: DecisionRow[] = [];
    for (const c of period.filter((x) => x.entry.kind === 'decision' || x.entry.kind === 'rollback-requested')) {
      const e = c.entry;
      const check = acts.get(c.seq);
      const proof = e.details?.proof as { signer?: string; signature?: string } | undefined;
      const gate = gateOf(e);
      const asked = [...chain].reverse().find((x) => x.seq < c.seq && gate !== undefined && gateOf(x.entry) === gate && ref(x.entry.details?.evidence));
      const request = chain.find((x) => x.entry.kind === 'approval-requested' && gate !== undefined && gateOf(x.entry) === gate);
      const evidence = ref(asked?.entry.details?.evidence);
      const evidenceFile = objectPath(evidence);
      decisions.push({
        seq: c.seq,
        at: e.at,
        kind: e.kind,
        gate: str(e.details?.gate) ?? (e.kind === 'rollback-requested' ? 'rollback-request' : ''),
        decision: str(e.details?.decision) ?? (e.kind === 'rollback-requested' ? 'request' : ''),
        approver: e.actor ?? '',
        comment: e.comment ?? '',
        signed: !!proof,
        signer: proof?.signer ?? '',
        signature: proof?.signature ?? '',
        keysInForce: check?.inForce ? { from: check.inForce.from, keys: check.inForce.keys } : null,
        verification: verificationOf(check, v.ok),
        requestSeq: request?.seq ?? null,
        evidence: evidence
          ? { sha256: evidence.sha256, file: evidenceFile, check: evidenceFile ? 'in the pack, content-addressed' : 'FAILS: missing from the store' }
          : null,
        workflowId: e.workflowId ?? '',
        runId: e.runId ?? '',
      });
    }
    await put('decisions/decisions.json', `${JSON.stringify(decisions, null, 2)}\n`);
    await put(
      'decisions/decisions.csv',
      csv(
        [
          'seq',
          'at',
          'kind',
          'gate',
          'decision',
          'approver',
          'comment',
          'signed',
          'signer',
          'signature',
          'verification',
          'requestSeq',
          'evidenceSha256',
          'evidenceFile',
          'workflowId',
          'runId',
        ],
        decisions.map((d) => ({ ...d, evidenceSha256: d.evidence?.sha256, evidenceFile: d.evidence?.file })),
      ),
    );

    // Incidents that were open at some point of the period.
    const incidents = deriveIncidents(
      modelId,
      chain.filter((c) => Date.parse(c.entry.at) < to).map((c) => c.entry),
    ).filter((i) => Date.parse(i.detectedAt) < to && (!i.closedAt || Date.parse(i.closedAt) >= from));
    await put('incidents/incidents.json', `${JSON.stringify(incidents, null, 2)}\n`);
    await put(
      'incidents/incidents.csv',
      csv(
        ['id', 'state', 'severity', 'firstBadWindow', 'detectedAt', 'closedAt', 'badWindows', 'detectMs', 'decideMs', 'recoverMs'],
        incidents.map((i) => ({
          ...i,
          firstBadWindow: i.firstBad.windowEnd,
          detectMs: i.times.detectMs,
          decideMs: i.times.decideMs,
          recoverMs: i.times.recoverMs,
        })),
      ),
    );

    // Monitoring plans in force: at the start, and each one recorded in the period.
    const plans = included
      .filter((c) => c.entry.kind === 'plan-changed')
      .map((c) => {
        const r = ref(c.entry.details?.plan);
        return { seq: c.seq, at: c.entry.at, sha256: r?.sha256 ?? '', file: objectPath(r), inForceAtStart: c === planBefore };
      });
    await put('plans/plans.json', `${JSON.stringify(plans, null, 2)}\n`);

    // The model card as of the start and the end of the period.
    const cards: PackSummary['cards'] = [];
    for (const [name, at] of [
      ['start', o.from],
      ['end', o.to],
    ] as const) {
      const card = await cardAsOf(store, modelId, chain, at, (key) => (reportPaths.has(key) ? `../${reportPaths.get(key)}` : store.uriFor(key)));
      if ('missing' in card) cards.push({ name, at: card.at, missing: card.missing });
      else {
        await put(`cards/as-of-${name}.json`, card.json);
        await put(`cards/as-of-${name}.md`, card.markdown);
        cards.push({ name, at: card.at, json: `cards/as-of-${name}.json`, markdown: `cards/as-of-${name}.md`, spec: card.spec });
      }
    }

    // Exported histories of the period's runs.
    const runs = new Map<string, { workflowId: string; runId: string }>();
    for (const c of period)
      if (c.entry.workflowId && c.entry.runId) runs.set(`${c.entry.workflowId}\n${c.entry.runId}`, { workflowId: c.entry.workflowId, runId: c.entry.runId });
    const histories: PackSummary['histories'] = [];
    for (const run of [...runs.values()].sort((a, b) => a.workflowId.localeCompare(b.workflowId) || a.runId.localeCompare(b.runId))) {
      const key = await exportedHistoryKey(store, { ...run, modelId }).catch(() => undefined);
      const bytes = key ? await store.tryGet(key) : undefined;
      if (!key || !bytes) {
        histories.push({ ...run, file: '' });
        continue;
      }
      const rel = key.slice('histories/'.length);
      const p = isSafeArchivePath(`${top}/histories/${rel}`) && rel.length <= 150 ? `histories/${rel}` : `histories/${sha256Hex(key).slice(0, 32)}.json`;
      await put(p, bytes);
      histories.push({ ...run, file: p });
    }
    await put('histories/histories.json', `${JSON.stringify(histories, null, 2)}\n`);

    const counts: Record<string, number> = {};
    for (const c of period) counts[c.entry.kind] = (counts[c.entry.kind] ?? 0) + 1;
    const summary: PackSummary = {
      v: 'upkeep.evidence-pack/1',
      modelId,
      from: o.from.toISOString(),
      to: o.to.toISOString(),
      generatedAt: now.toISOString(),
      store: store.root,
      empty: period.length === 0,
      trail: { verified: v.ok, problems: v.problems, notes: v.notes, links: v.links, head },
      links: { from: firstLink, to: headSeq },
      counts,
      cards,
      plans,
      verdicts,
      decisions,
      incidents: incidents.map((i) => ({
        id: i.id,
        state: i.state,
        severity: i.severity,
        detectedAt: i.detectedAt,
        closedAt: i.closedAt ?? '',
        times: i.times,
      })),
      entries: entryRows,
      histories,
      anchors,
    };
    await put('pack.json', `${JSON.stringify(summary, null, 2)}\n`);
    await put('index.html', renderPackIndex(summary));
    await put('README.txt', renderPackReadme(summary));
    await put('verify.mjs', VERIFY_SCRIPT);
    files.sort((a, b) => (a.path < b.path ? -1 : 1));
    await tar.add(`${top}/MANIFEST.sha256`, files.map((f) => `${f.sha256}  ${f.path}\n`).join(''));
    const manifest = `${JSON.stringify({ v: 'upkeep.evidence-manifest/1', modelId, from: summary.from, to: summary.to, generatedAt: summary.generatedAt, files }, null, 2)}\n`;
    const manifestSha256 = (await tar.add(`${top}/manifest.json`, manifest)).sha256;
    await tar.finish();
    return { out: o.out, bytes: (await stat(o.out)).size, files: files.length + 2, empty: summary.empty, verified: v.ok, manifestSha256, head, counts };
  } catch (err) {
    await tar.abort();
    throw err;
  }
}

/** The anchors of this model's chain read from the exported anchor histories and the copies given, those among the packed links marked. */
async function anchorRows(store: ArtifactStore, modelId: string, o: PackOptions, firstLink: number, headSeq: number): Promise<PackSummary['anchors']> {
  const sightings = [...(o.anchors ?? []), ...(o.anchorPrefix ? (await anchorsFromExportedHistories(store, o.anchorPrefix)).anchors : [])];
  const rows: PackSummary['anchors'] = [];
  const seen = new Set<string>();
  for (const s of sightings) {
    const h = s.record.heads.find((x) => x.modelId === modelId);
    if (!h || h.links <= 0 || typeof h.sha256 !== 'string') continue;
    const id = `${s.record.runId}\n${s.source}`;
    if (seen.has(id)) continue;
    seen.add(id);
    rows.push({
      at: s.record.at,
      runId: s.record.runId,
      source: s.source,
      links: h.links,
      sha256: h.sha256,
      inPack: h.links >= firstLink && h.links <= headSeq,
    });
  }
  return rows.sort((a, b) => a.links - b.links || a.at.localeCompare(b.at));
}
