/**
 * Anchors: each model's chain head (its last link's number and sha256) recorded somewhere the
 * store's writers cannot rewrite. The `anchorTrail` workflow reads the heads with `readChainHeads`
 * and returns them, so they are kept in its Temporal history (and exported with it, and optionally
 * copied to a second store or a git repository). `anchorProblems` checks a chain against anchors
 * read back: link `seq` must still hash to the anchored sha256. Because each link carries the
 * sha256 of the one before, a matching link vouches for every link up to it; a link that no longer
 * matches means the chain was rewritten at or before it, after the last anchor that still matches.
 *
 * `missingEvaluations` compares the trail with the evaluation runs Temporal says completed (from
 * the exported histories, or the server): a completed `evaluateModel` run always recorded its
 * evaluation entry, so a run without one names an evaluation removed from the trail, even when the
 * chain was rebuilt consistently without it.
 */
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ArtifactStore } from '../store/store.js';
import type { TemporalPort } from '../ports.js';
import { auditLinkKey } from '../store/keys.js';
import { mapLimit } from '../util.js';
import { linkKeys, type AuditLink, type ChainedEntry } from './chain.js';
import { historySegment, historySegmentId } from './histories.js';
import { isAnchorRecord, type AnchoredHead, type AnchorRecord } from '../../domain/anchor.js';

export { isAnchorRecord, type AnchoredHead, type AnchorRecord };

/** An anchor as read back, with where it was read from (`temporal`, `exported history <key>`, `second store <uri>`, `git <repo>`). */
export interface AnchorSighting {
  record: AnchorRecord;
  source: string;
}

const sha256 = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');

/** Each model's head now: its last link (listed, not the hint, which may lag after a crash) and that link's sha256. */
export async function readChainHeads(store: ArtifactStore, modelIds: readonly string[]): Promise<AnchoredHead[]> {
  return mapLimit([...modelIds], 8, async (modelId): Promise<AnchoredHead> => {
    const keys = await linkKeys(store, modelId);
    const last = keys.at(-1);
    if (!last) return { modelId, links: 0, sha256: null };
    const links = Number(last.slice(last.lastIndexOf('/') + 1).replace(/\.json$/, ''));
    return { modelId, links, sha256: sha256(await store.get(last)) };
  });
}

interface HistoryJson {
  events?: {
    eventType?: string;
    workflowExecutionStartedEventAttributes?: {
      workflowType?: { name?: string };
      searchAttributes?: { indexedFields?: Record<string, { metadata?: Record<string, string>; data?: string } | undefined> };
    };
    workflowExecutionCompletedEventAttributes?: { result?: { payloads?: { metadata?: Record<string, string>; data?: string }[] } };
  }[];
}

const b64 = (s: string): string => Buffer.from(s, 'base64').toString('utf8');

/** The schedule that started a run, from its start event's `TemporalScheduledById` search attribute (set by the server). */
function scheduledByOf(attrs: NonNullable<HistoryJson['events']>[number]['workflowExecutionStartedEventAttributes']): string | undefined {
  const p = attrs?.searchAttributes?.indexedFields?.TemporalScheduledById;
  if (!p?.data) return undefined;
  try {
    const v = JSON.parse(b64(p.data)) as unknown;
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A run's workflow type, the schedule that started it (none: started by hand) and, when it completed
 * with a plain JSON result, that result (an encrypted payload is not read).
 */
export function historyOutcome(json: string): { type?: string; scheduledBy?: string; completed: boolean; result?: unknown; encoded?: string } {
  let h: HistoryJson;
  try {
    h = JSON.parse(json) as HistoryJson;
  } catch {
    return { completed: false };
  }
  const events = h.events ?? [];
  const scheduledBy = scheduledByOf(events[0]?.workflowExecutionStartedEventAttributes);
  const type = events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;
  const done = events.at(-1);
  const completed = !!done?.eventType && /WORKFLOW_EXECUTION_COMPLETED$|^WorkflowExecutionCompleted$/.test(done.eventType);
  const payload = done?.workflowExecutionCompletedEventAttributes?.result?.payloads?.[0];
  const base = { ...(type ? { type } : {}), ...(scheduledBy ? { scheduledBy } : {}), completed };
  if (!completed || !payload?.data) return base;
  const encoding = payload.metadata?.encoding ? b64(payload.metadata.encoding) : undefined;
  if (encoding !== 'json/plain') return { ...base, ...(encoding ? { encoded: encoding } : {}) };
  try {
    return { ...base, result: JSON.parse(b64(payload.data)) as unknown };
  } catch {
    return base;
  }
}

/** The exported histories of one model folder (`_fleet` for runs of no model): each run's key and workflow id. */
async function exportedRuns(store: ArtifactStore, folder: string, workflowIdPrefix: string): Promise<{ key: string; workflowId: string; runId: string }[]> {
  const prefix = `histories/${folder}/`;
  const out: { key: string; workflowId: string; runId: string }[] = [];
  for (const key of await store.list(prefix.slice(0, -1))) {
    const [wf, run] = key.slice(prefix.length).split('/');
    if (!wf || !run || !run.endsWith('.json') || run === '_id.json') continue;
    const workflowId = historySegmentId(wf);
    const runId = historySegmentId(run.replace(/\.json$/, ''));
    // A hashed (very long) workflow id is no id upkeep gives its own runs.
    if (workflowId === undefined || runId === undefined || !workflowId.startsWith(workflowIdPrefix)) continue;
    out.push({ key, workflowId, runId });
  }
  return out;
}

/**
 * Anchors kept in the exported histories of anchor runs (under histories/_fleet/<anchor schedule id>…/):
 * only runs the anchor schedule started (`TemporalScheduledById` in their start event) count; an
 * anchorTrail run started by hand, whoever started it and whatever it anchored, is no anchor.
 */
export async function anchorsFromExportedHistories(store: ArtifactStore, scheduleId: string): Promise<{ anchors: AnchorSighting[]; notes: string[] }> {
  const anchors: AnchorSighting[] = [];
  const notes: string[] = [];
  let byHand = 0;
  for (const run of await exportedRuns(store, '_fleet', scheduleId)) {
    const o = historyOutcome(new TextDecoder().decode(await store.get(run.key)));
    if (o.type !== 'anchorTrail' || !o.completed) continue;
    if (o.scheduledBy !== scheduleId) {
      byHand++;
      continue;
    }
    if (o.encoded) notes.push(`the exported anchor run ${run.runId} has an encoded result (${o.encoded}): not read`);
    else if (isAnchorRecord(o.result)) anchors.push({ record: o.result, source: `exported history ${run.key}` });
  }
  if (byHand)
    notes.push(
      `${byHand} exported anchorTrail run${byHand === 1 ? ' was' : 's were'} not started by the anchor schedule ${scheduleId}: not counted as anchors`,
    );
  return { anchors, notes };
}

/** Anchors copied to another store as `anchors/<time>_<run id>.json`. */
export async function anchorsFromStore(store: ArtifactStore, label: string): Promise<AnchorSighting[]> {
  const out: AnchorSighting[] = [];
  for (const key of await store.list('anchors')) {
    if (!key.endsWith('.json')) continue;
    try {
      const r = JSON.parse(new TextDecoder().decode(await store.get(key))) as unknown;
      if (isAnchorRecord(r)) out.push({ record: r, source: `${label} ${key}` });
    } catch {
      // not an anchor
    }
  }
  return out;
}

/** The key of an anchor's copy in a second store (or file in a git repository): its time first, so they list in order. */
export const anchorCopyKey = (r: AnchorRecord): string => `anchors/${r.at.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}_${historySegment(r.runId)}.json`;

/**
 * The chain of `modelId` against every anchor of it: each anchored link must still exist and hash
 * to the sha256 anchored. A mismatch names the link, its entry now, the anchor (time, run, where it
 * was read) and the last anchor that still matches (the rewrite is after it). The same run read
 * from several places is compared too: a copy that differs from another is named.
 */
export async function anchorProblems(
  store: ArtifactStore,
  modelId: string,
  sightings: readonly AnchorSighting[],
): Promise<{ problems: string[]; checked: number }> {
  const problems: string[] = [];
  // One anchor per run (Temporal's own copy first), its copies compared with it.
  const byRun = new Map<string, AnchorSighting>();
  for (const s of [...sightings].sort((a, b) => Number(b.source === 'temporal') - Number(a.source === 'temporal'))) {
    const head = s.record.heads.find((h) => h.modelId === modelId);
    const first = byRun.get(s.record.runId);
    if (!first) {
      byRun.set(s.record.runId, s);
      continue;
    }
    const other = first.record.heads.find((h) => h.modelId === modelId);
    if (JSON.stringify(head ?? null) !== JSON.stringify(other ?? null))
      problems.push(
        `the anchor of run ${s.record.runId} in ${s.source} (link ${head?.links ?? '-'}) differs from its copy in ${first.source} (link ${other?.links ?? '-'}): one of them was altered`,
      );
  }
  const anchored = [...byRun.values()]
    .map((s) => ({ s, head: s.record.heads.find((h) => h.modelId === modelId) }))
    .filter((a): a is { s: AnchorSighting; head: AnchoredHead & { sha256: string } } => !!a.head && a.head.links > 0 && typeof a.head.sha256 === 'string')
    .sort((a, b) => a.head.links - b.head.links || a.s.record.at.localeCompare(b.s.record.at));
  const keys = await linkKeys(store, modelId);
  const last =
    keys.length === 0
      ? 0
      : Number(
          keys
            .at(-1)!
            .slice(keys.at(-1)!.lastIndexOf('/') + 1)
            .replace(/\.json$/, ''),
        );
  const linkSha = new Map<number, { sha: string; link?: AuditLink }>();
  const read = async (seq: number): Promise<{ sha: string; link?: AuditLink } | undefined> => {
    if (!linkSha.has(seq)) {
      const bytes = await store.tryGet(auditLinkKey(modelId, seq));
      if (!bytes) return undefined;
      let link: AuditLink | undefined;
      try {
        link = JSON.parse(new TextDecoder().decode(bytes)) as AuditLink;
      } catch {
        link = undefined;
      }
      linkSha.set(seq, { sha: sha256(bytes), ...(link ? { link } : {}) });
    }
    return linkSha.get(seq);
  };
  const what = (a: { s: AnchorSighting; head: AnchoredHead }): string => `anchored at ${a.s.record.at} by run ${a.s.record.runId} (${a.s.source})`;
  let lastGood: { s: AnchorSighting; head: AnchoredHead } | undefined;
  let reported = false;
  for (const a of anchored) {
    const now = await read(a.head.links);
    if (now?.sha === a.head.sha256) {
      if (!reported) lastGood = a;
      continue;
    }
    // One line per rewrite: the first anchor that no longer matches names it; later ones only add their link.
    if (reported) continue;
    reported = true;
    const after = lastGood ? `, after link ${lastGood.head.links} (which matches the head ${what(lastGood)})` : '';
    if (!now) {
      problems.push(
        `link ${a.head.links} was the head ${what(a)}, but the chain ends at link ${last}: the end of the chain was removed${last >= a.head.links ? '' : ` (links ${last + 1}..${a.head.links} at least)`}${after}`,
      );
    } else {
      const e = now.link?.entry;
      problems.push(
        `entry ${a.head.links}${e ? ` (${e.kind} at ${e.at}, ${e.id})` : ''} differs from the head ${what(a)}: link ${a.head.links} no longer has the sha256 ${a.head.sha256.slice(0, 16)}…, so the chain was rewritten at or before it${after}`,
      );
    }
  }
  return { problems, checked: anchored.length };
}

/** A closed evaluation run as Temporal recorded it. */
export interface ClosedRun {
  workflowId: string;
  runId: string;
  /** Where it was seen: `temporal` or `exported history <key>`. */
  source: string;
}

/** The completed evaluateModel runs of a model in its exported histories. */
export async function closedEvaluationsFromExportedHistories(store: ArtifactStore, modelId: string): Promise<ClosedRun[]> {
  const out: ClosedRun[] = [];
  for (const run of await exportedRuns(store, historySegment(modelId), '')) {
    const o = historyOutcome(new TextDecoder().decode(await store.get(run.key)));
    if (o.type === 'evaluateModel' && o.completed) out.push({ workflowId: run.workflowId, runId: run.runId, source: `exported history ${run.key}` });
  }
  return out;
}

/** Completed evaluation runs with no evaluation entry (with a verdict) of that run in the chain: their entry was removed. */
export function missingEvaluations(modelId: string, entries: readonly ChainedEntry[], runs: readonly ClosedRun[]): string[] {
  const recorded = new Set(entries.filter((c) => c.entry.kind === 'evaluation' && typeof c.entry.details?.verdict === 'string').map((c) => c.entry.runId));
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const r of runs) {
    if (recorded.has(r.runId) || seen.has(r.runId)) continue;
    seen.add(r.runId);
    problems.push(
      `evaluation run ${r.runId} (${r.workflowId}) of ${modelId} completed (${r.source}), but the trail has no evaluation entry of it: it was removed from the trail`,
    );
  }
  return problems;
}

/**
 * Anchors of the anchorTrail runs Temporal still holds (newest first, at most `limit`), read from
 * their histories: only the runs the anchor schedule `scheduleId` started (listed by
 * `TemporalScheduledById`, and their start event says so too); one started by hand is no anchor.
 */
export async function anchorsFromTemporal(
  temporal: TemporalPort,
  query: string,
  scheduleId: string,
  limit = 200,
): Promise<{ anchors: AnchorSighting[]; notes: string[] }> {
  const anchors: AnchorSighting[] = [];
  const notes: string[] = [];
  const runs = await temporal.listWorkflows(
    `WorkflowType = 'anchorTrail' AND ExecutionStatus = 'Completed' AND TemporalScheduledById = '${scheduleId.replace(/'/g, '')}'${query ? ` AND ${query}` : ''}`,
    limit,
  );
  const read = await mapLimit(runs, 8, async (r) => ({ r, o: historyOutcome(await temporal.history(r.workflowId, r.runId)) }));
  for (const { r, o } of read) {
    if (o.scheduledBy !== scheduleId)
      notes.push(`anchor run ${r.runId} was listed as scheduled, but its start event names no schedule ${scheduleId}: not counted`);
    else if (o.encoded) notes.push(`anchor run ${r.runId} has an encoded result (${o.encoded}): not read`);
    else if (isAnchorRecord(o.result)) anchors.push({ record: o.result, source: 'temporal' });
  }
  return { anchors, notes };
}

/** The completed evaluateModel runs of a model that Temporal still lists. */
export async function closedEvaluationsFromTemporal(temporal: TemporalPort, modelId: string, limit = 100_000): Promise<ClosedRun[]> {
  const runs = await temporal.listWorkflows(`WorkflowType = 'evaluateModel' AND ExecutionStatus = 'Completed' AND UpkeepModelId = '${modelId}'`, limit);
  return runs.map((r) => ({ workflowId: r.workflowId, runId: r.runId, source: 'temporal' }));
}

export interface OutsideCheck {
  problems: string[];
  notes: string[];
  /** Anchor runs read (each run once, whatever the number of copies). */
  anchors: number;
  /** Completed evaluation runs compared with the trail. */
  evaluations: number;
}

/**
 * What `audit verify` adds to the store's own checks: the chain against its anchors (from Temporal
 * when given, and from the exported histories) and the trail against the completed evaluation runs
 * (the same two places). `anchorSchedule`: this deployment's anchor schedule id: only the runs it
 * started are anchors.
 */
export async function verifyOutsideStore(
  store: ArtifactStore,
  modelId: string,
  entries: readonly ChainedEntry[],
  opts: { temporal?: TemporalPort; temporalQuery?: string; anchorSchedule: string; more?: AnchorSighting[] },
): Promise<OutsideCheck> {
  const notes: string[] = [];
  const sightings: AnchorSighting[] = [...(opts.more ?? [])];
  const runs: ClosedRun[] = [];
  if (opts.temporal) {
    const t = await anchorsFromTemporal(opts.temporal, opts.temporalQuery ?? '', opts.anchorSchedule);
    sightings.push(...t.anchors);
    notes.push(...t.notes);
    runs.push(...(await closedEvaluationsFromTemporal(opts.temporal, modelId)));
  }
  const exported = await anchorsFromExportedHistories(store, opts.anchorSchedule);
  sightings.push(...exported.anchors);
  notes.push(...exported.notes);
  runs.push(...(await closedEvaluationsFromExportedHistories(store, modelId)));
  const anchored = await anchorProblems(store, modelId, sightings);
  if (anchored.checked === 0)
    notes.push(
      `no anchor of ${modelId}'s chain was found${opts.temporal ? '' : ' in the exported histories (Temporal not asked)'}: its end is checked against the store alone`,
    );
  const problems = [...anchored.problems, ...missingEvaluations(modelId, entries, runs)];
  return { problems, notes, anchors: anchored.checked, evaluations: new Set(runs.map((r) => r.runId)).size };
}

const git = (repo: string, ...args: string[]) =>
  promisify(execFile)('git', ['-C', repo, '-c', 'user.name=upkeep', '-c', 'user.email=upkeep@localhost', ...args]);

/**
 * Copies an anchor to a second store (`audit.anchor_store`, write-once: a copy there is never
 * replaced) and commits it to a git repository (`audit.anchor_git`) as `anchors/<time>_<run>.json`.
 * Returns where it was written. Safe to run twice: the same run's copy is found and kept.
 */
export async function copyAnchor(record: AnchorRecord, to: { store?: ArtifactStore; git?: string }): Promise<string[]> {
  const key = anchorCopyKey(record);
  const text = `${JSON.stringify(record, null, 2)}\n`;
  const done: string[] = [];
  if (to.store) {
    await to.store.put(key, text, { ifAbsent: true });
    done.push(to.store.uriFor(key));
  }
  if (to.git) {
    await mkdir(path.join(to.git, 'anchors'), { recursive: true });
    await writeFile(path.join(to.git, key), text);
    await git(to.git, 'add', '--', key);
    const staged = await git(to.git, 'diff', '--cached', '--quiet', '--', key).then(
      () => false,
      () => true,
    );
    if (staged) await git(to.git, 'commit', '-q', '-m', `anchor the audit chains at ${record.at} (run ${record.runId})`, '--', key);
    done.push(`git ${to.git} ${key}`);
  }
  return done;
}

/** Anchors committed to a git repository (`audit.anchor_git`): the files under anchors/ as committed (HEAD), not as the work tree holds them. */
export async function anchorsFromGit(repo: string): Promise<AnchorSighting[]> {
  const out: AnchorSighting[] = [];
  let names: string[];
  try {
    names = (await readdir(path.join(repo, 'anchors'))).filter((n) => n.endsWith('.json'));
  } catch {
    return out;
  }
  for (const name of names) {
    const key = `anchors/${name}`;
    const text = await git(repo, 'show', `HEAD:${key}`).then(
      (r) => r.stdout,
      () => readFile(path.join(repo, key), 'utf8'),
    );
    try {
      const r = JSON.parse(text) as unknown;
      if (isAnchorRecord(r)) out.push({ record: r, source: `git ${repo} ${key}` });
    } catch {
      // not an anchor
    }
  }
  return out;
}
