/**
 * The whole audit trail of a model, verified from the store alone: the chain (chain.ts), then
 * everything its entries cite and everything that should be cited by one.
 *
 * - Specs (`audit/<model>/specs/<sha256>.json`) hash to their name, and each one an entry cites is there.
 * - Each object an entry cites by sha256 is re-hashed: evaluation reports (and the report's own
 *   references: its spec, snapshot and run agree with the entry), snapshot manifests (their
 *   identity hash) and, with `deep`, the data files they list and the model artifacts
 *   (otherwise these are only checked to exist); trained candidates against the registry's version.
 * - Orphans: an evaluation report written by a workflow run that no entry cites (its entry removed).
 * - Decisions: every signature the trail holds is checked against the keys in force when the request
 *   was made (`keysInForce`), and a decision left unsigned while keys were in force is named.
 * - Incidents: every incident-opened / incident-closed entry is what the evaluation entries imply
 *   (verify-incidents.ts): none added, altered or removed.
 * - The registry: every champion change (champion-history/) has its `promoted` / `rolled-back`
 *   entry and every such entry its champion change; the approvals kept with a change are the
 *   decisions of the trail; the champion pointer is the last change.
 *
 * Each problem is one line naming the entry (link number), object or registry record.
 */
import type { AuditEntry } from '../../domain/maintenance.js';
import { tierViolations } from '../../domain/governance.js';
import type { SnapshotFile, SnapshotRef } from '../../domain/evaluation.js';
import { snapshotIdentity } from '../data/snapshot.js';
import { deviceFindings, describeKinds } from './verify-devices.js';
import { keysApply, rollbackAct, storedDecisionProblem, type DecisionKeys, type DecisionProof, type SignedAct } from '../../domain/signature.js';
import { createRegistry } from '../registry/registry.js';
import type { ChampionPointer } from '../registry/types.js';
import { sha256Hex } from '../util.js';
import { artifactKey, currentAuditKey, championHistoryPrefix, championKey, reportsPrefix, snapshotManifestKey, specKey, versionKey } from '../store/keys.js';
import { assertKey, type ArtifactStore } from '../store/store.js';
import { verifyChain, type ChainedEntry, type ChainVerification } from './chain.js';
import { incidentEntryProblems } from './verify-incidents.js';

export interface TrailVerification extends ChainVerification {
  /** How many cited objects were re-hashed (or, for data files and models without `deep`, found). */
  objects: number;
  /** Things that are not damage but limit what could be checked (one line each). */
  notes: string[];
  /** Every decision and rollback request of the trail, with the keys in force and what their check found. */
  acts: SignedActCheck[];
  /** Who signed them, in one line (the person's device, own key, or a server for them); absent when nothing is signed. */
  signers?: string;
}

export interface SignedActCheck {
  seq: number;
  entry: AuditEntry;
  act: SignedAct & { proof?: DecisionProof };
  /** undefined: the trail records no keys in force before it. */
  inForce?: KeysInForce;
  /** Why it does not hold, if it does not. */
  problem?: string;
}

export const NO_KEYS: DecisionKeys = { people: {}, authenticators: {} };

/** Detail fields that cite a snapshot by its identity hash (not the manifest's bytes). */
const SNAPSHOT_FIELDS = new Set(['snapshot', 'training', 'holdout']);

/** The largest data file or model `deep` re-hashes (the store reads an object whole). */
export const DEEP_HASH_MAX_BYTES = 512 * 2 ** 20;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const HEX64 = /^[0-9a-f]{64}$/;
const decode = (b: Uint8Array): string => new TextDecoder().decode(b);
const isKeys = (v: unknown): v is DecisionKeys => {
  const k = v as DecisionKeys | undefined;
  return !!k && typeof k === 'object' && typeof k.people === 'object' && k.people !== null && typeof k.authenticators === 'object' && k.authenticators !== null;
};
const ref = (v: unknown): { uri?: string; sha256: string } | undefined => {
  const r = v as { uri?: unknown; sha256?: unknown } | undefined;
  return r && typeof r === 'object' && typeof r.sha256 === 'string' ? { sha256: r.sha256, ...(typeof r.uri === 'string' ? { uri: r.uri } : {}) } : undefined;
};
const parseJson = <T>(bytes: Uint8Array): T | undefined => {
  try {
    return JSON.parse(decode(bytes)) as T;
  } catch {
    return undefined;
  }
};
const where = (c: ChainedEntry): string => `entry ${c.seq} (${c.entry.kind} at ${c.entry.at})`;

/**
 * The store key of a URI of this store, or undefined when it points elsewhere. A URI recorded
 * before the trail moved to audit/ (evidence, a config record: under ledger/) gives the key the
 * object has now.
 */
export function keyOfUri(store: Pick<ArtifactStore, 'root'>, uri: string): string | undefined {
  const root = store.root.replace(/\/+$/, '');
  if (!uri.startsWith(`${root}/`)) return undefined;
  try {
    const key = decodeURIComponent(uri.slice(root.length + 1));
    assertKey(key);
    return currentAuditKey(key);
  } catch {
    return undefined; // not a key of this store (e.g. "..", or bad escapes): nothing to read
  }
}

/** Which gate of which run an entry is about: decisions, expiries and requests share it. */
const gateOf = (e: AuditEntry): string | undefined => {
  const gate = str(e.details?.gate);
  return gate ? `${e.workflowId ?? ''}/${e.runId ?? ''}/${gate}/${str(e.details?.openedAt) ?? ''}` : undefined;
};

export interface KeysInForce {
  keys: DecisionKeys;
  /** Where they were read: the gate's request entry, or the spec cited last before it. */
  from: string;
  /** Who could decide the request (its gate's approvers), when recorded: signatures were required when any of them had a key. */
  deciders?: string[];
}

/**
 * The keys in force for a decision or a rollback request, as the trail recorded them when the
 * request was made: `details.keys` of the latest entry of the same gate (its `approval-requested`
 * entry, or any later entry of that gate that records a change of keys) or of the rollback request
 * itself; for entries recorded before requests carried their keys, the keys of the spec cited last
 * before it. undefined when the trail records none.
 */
export function keysInForce(chain: readonly ChainedEntry[], index: number, specKeys: ReadonlyMap<string, DecisionKeys | undefined>): KeysInForce | undefined {
  const target = chain[index]!;
  if (isKeys(target.entry.details?.keys)) return { keys: target.entry.details.keys, from: `entry ${target.seq}` };
  const gate = gateOf(target.entry);
  let deciders: string[] | undefined;
  /** Where the request was made: the spec in force then is the one cited last before it. */
  let opened = index;
  if (gate) {
    for (let i = index - 1; i >= 0; i--) {
      const c = chain[i]!;
      if (gateOf(c.entry) !== gate) continue;
      if (c.entry.kind === 'approval-requested') opened = i;
      if (!deciders && Array.isArray(c.entry.details?.approvers))
        deciders = (c.entry.details.approvers as unknown[]).filter((a): a is string => typeof a === 'string');
      if (isKeys(c.entry.details?.keys)) return { keys: c.entry.details.keys, from: `entry ${c.seq} (${c.entry.kind})`, ...(deciders ? { deciders } : {}) };
    }
  }
  for (let i = opened - 1; i >= 0; i--) {
    const sha = ref(chain[i]!.entry.details?.config)?.sha256;
    if (sha && specKeys.has(sha))
      return { keys: specKeys.get(sha) ?? NO_KEYS, from: `the spec ${sha.slice(0, 12)} cited by entry ${chain[i]!.seq}`, ...(deciders ? { deciders } : {}) };
  }
  return undefined;
}

/** A signed act as the trail records it: a decision entry, a rollback request entry, or an incident report. */
export function actOf(e: AuditEntry): (SignedAct & { proof?: DecisionProof }) | undefined {
  const proof = e.details?.proof as DecisionProof | undefined;
  if (e.kind === 'decision') {
    const gate = str(e.details?.gate);
    const decision = str(e.details?.decision);
    if (!gate || !decision || !e.actor) return undefined;
    return { gate, decision, approver: e.actor, ...(e.comment ? { comment: e.comment } : {}), ...(proof ? { proof } : {}) };
  }
  if (e.kind === 'rollback-requested' && e.actor) {
    // The signed reason is the request's (details.reason; entries recorded before it: the summary ends with it).
    const m = /^rollback from \S+ to \S+ requested( as an emergency)?: ([\s\S]*)$/.exec(e.summary);
    const reason = str(e.details?.reason) ?? m?.[2];
    if (reason === undefined) return undefined;
    const emergency = typeof e.details?.emergency === 'boolean' ? e.details.emergency : !!m?.[1];
    return { ...rollbackAct({ requestedBy: e.actor, reason, emergency }), ...(proof ? { proof } : {}) };
  }
  if (e.kind === 'incident-report' && e.actor) {
    // What `upkeep incidents report` signs: which report, by whom, over the report's sha256 (verify-incidents.ts checks the text has it).
    const report = str(e.details?.report);
    const sha = str(e.details?.sha256);
    if (!report || !sha) return undefined;
    return { gate: 'incident-report', decision: report, approver: e.actor, comment: `sha256:${sha}`, ...(proof ? { proof } : {}) };
  }
  return undefined;
}

/**
 * Checks one signed act against the keys in force: undefined when it holds (or when no keys were
 * in force and it is unsigned), else why not.
 */
export function actProblem(
  modelId: string,
  act: SignedAct & { proof?: DecisionProof | undefined },
  inForce: KeysInForce,
  workflowId: string | undefined,
  promoted?: string,
): string | undefined {
  if (!act.proof)
    return keysApply(inForce.keys, inForce.deciders ?? [act.approver])
      ? `the ${act.gate} ${act.decision} by ${act.approver} is not signed, although keys were in force (${inForce.from})`
      : undefined;
  const problem = storedDecisionProblem(modelId, act, inForce.keys, workflowId, promoted);
  return problem && `${problem.replace(`model ${modelId}: `, '')} (keys in force: ${inForce.from})`;
}

export async function verifyTrail(store: ArtifactStore, modelId: string, opts: { deep?: boolean } = {}): Promise<TrailVerification> {
  const chain = await verifyChain(store, modelId);
  const problems = [...chain.problems];
  const notes: string[] = [];
  const entries = chain.entries;
  /** Each object checked once: its key -> the problem found, or '' when it holds. */
  const checked = new Map<string, string>();
  const once = async (key: string, check: () => Promise<string>): Promise<string> => {
    let p = checked.get(key);
    if (p === undefined) {
      p = await check();
      checked.set(key, p);
    }
    return p;
  };
  const hashed = (key: string, sha: string, what: string): Promise<string> =>
    once(key, async () => {
      const bytes = await store.tryGet(key);
      if (!bytes) return `${what} ${key} is missing (removed)`;
      return sha256Hex(bytes) === sha ? '' : `${what} ${key} was altered (its sha256 is not the one cited)`;
    });
  /** Data files and models: re-hashed with `deep` (up to DEEP_HASH_MAX_BYTES as declared; larger ones are read whole by the store, so only checked to exist, with a note), else checked to exist. */
  const present = (key: string, sha: string, what: string, bytes?: number): Promise<string> => {
    if (opts.deep && (bytes === undefined || bytes <= DEEP_HASH_MAX_BYTES)) return hashed(key, sha, what);
    return once(key, async () => {
      if (!(await store.exists(key))) return `${what} ${key} is missing (removed)`;
      if (opts.deep) notes.push(`${what} ${key} (${bytes} bytes) was not re-hashed: larger than ${DEEP_HASH_MAX_BYTES / 2 ** 20} MiB; it exists`);
      return '';
    });
  };

  // Specs: each hashes to its name; keep the keys they held (the fallback for the keys in force).
  const specKeys = new Map<string, DecisionKeys | undefined>();
  const specPrefix = specKey(modelId, 'x').replace(/x\.json$/, '');
  for (const key of await store.list(specPrefix)) {
    const name = key.slice(specPrefix.length).replace(/\.json$/, '');
    const bytes = await store.get(key);
    if (!HEX64.test(name)) continue;
    if (sha256Hex(bytes) !== name) {
      problems.push(`spec ${key} does not hash to its name: it was altered`);
      checked.set(key, `spec ${key} was altered`);
      continue;
    }
    checked.set(key, '');
    const spec = parseJson<{ keys?: unknown }>(bytes);
    specKeys.set(name, isKeys(spec?.keys) ? spec.keys : undefined);
  }

  const snapshot = (sha: string): Promise<string> =>
    !HEX64.test(sha)
      ? Promise.resolve(`it cites a snapshot by a malformed sha256 ${JSON.stringify(sha.slice(0, 80))}`)
      : once(snapshotManifestKey(modelId, sha), async () => {
          const key = snapshotManifestKey(modelId, sha);
          const bytes = await store.tryGet(key);
          if (!bytes) return `snapshot manifest ${key} is missing (removed)`;
          type File = SnapshotFile & { uri?: string };
          const m = parseJson<{
            modelId: string;
            firstDay: string;
            lastDay: string;
            windowEnd: string;
            timezone: string;
            files: File[];
            missing: SnapshotRef['missing'];
          }>(bytes);
          if (!m || !Array.isArray(m.files)) return `snapshot manifest ${key} is not a manifest (altered)`;
          // The identity as the snapshot was given it (a day read by a query is also known by its query and rows hash).
          const identity = snapshotIdentity(
            m.modelId,
            { firstDay: m.firstDay, lastDay: m.lastDay, end: m.windowEnd, timezone: m.timezone },
            m.files,
            m.missing,
          );
          if (sha256Hex(JSON.stringify(identity)) !== sha) return `snapshot manifest ${key} was altered (its identity no longer hashes to ${sha.slice(0, 12)})`;
          const bad: string[] = [];
          for (const f of m.files) {
            const fileKey = f.uri ? keyOfUri(store, f.uri) : undefined;
            if (!fileKey) continue;
            const p = await present(fileKey, f.sha256, 'data file', typeof f.bytes === 'number' ? f.bytes : undefined);
            if (p) bad.push(p);
          }
          return bad.join('; ');
        });

  const versions = createRegistry(store);
  const citedReports = new Set<string>();
  for (const c of entries) {
    const e = c.entry;
    const d = e.details ?? {};
    const found: string[] = [];
    const config = ref(d.config);
    if (config) {
      const key = specKey(modelId, config.sha256);
      if (!checked.has(key)) checked.set(key, HEX64.test(config.sha256) && (await store.exists(key)) ? '' : `spec ${key} is missing (removed)`);
      found.push(checked.get(key)!);
    }
    // Any other object of this store an entry cites as { uri, sha256 } (stored evidence, a kept file):
    // re-hashed. Snapshots are cited by their identity hash (checked below), specs by name (above).
    for (const [field, value] of Object.entries(d)) {
      if (SNAPSHOT_FIELDS.has(field) || field === 'config') continue;
      const r = ref(value);
      const key = r?.uri ? keyOfUri(store, r.uri) : undefined;
      if (r && key && HEX64.test(r.sha256)) found.push(await hashed(key, r.sha256, `${field} object`));
    }
    const snap = ref(d.snapshot);
    if (snap) found.push(await snapshot(snap.sha256));
    if (e.kind === 'evaluation' && typeof d.report === 'string') {
      const key = keyOfUri(store, d.report);
      const sha = str(d.reportSha256);
      if (!key) notes.push(`${where(c)} cites a report outside this store: ${d.report}`);
      else {
        citedReports.add(key);
        const bytes = await store.tryGet(key);
        if (!bytes) found.push(`report ${key} is missing (removed)`);
        else if (sha && sha256Hex(bytes) !== sha) found.push(`report ${key} was altered (its sha256 is not the one cited)`);
        checked.set(key, '');
        const report =
          bytes &&
          parseJson<{ spec?: { sha256?: string }; snapshot?: { sha256?: string }; workflow?: { runId?: string }; model?: { sha256?: string; bytes?: number } }>(
            bytes,
          );
        if (report) {
          if (config && report.spec?.sha256 !== config.sha256)
            found.push(`report ${key} names spec ${report.spec?.sha256?.slice(0, 12) ?? 'none'}, the entry ${config.sha256.slice(0, 12)}`);
          if (snap && report.snapshot?.sha256 !== snap.sha256)
            found.push(`report ${key} names snapshot ${report.snapshot?.sha256?.slice(0, 12) ?? 'none'}, the entry ${snap.sha256.slice(0, 12)}`);
          if (e.runId && report.workflow?.runId !== e.runId)
            found.push(`report ${key} was written by run ${report.workflow?.runId ?? 'none'}, the entry by run ${e.runId}`);
          if (report.model?.sha256 && HEX64.test(report.model.sha256))
            found.push(await present(artifactKey(modelId, report.model.sha256), report.model.sha256, 'model artifact', report.model.bytes));
        }
      }
    }
    if (e.kind === 'trained') {
      const sha = str(d.sha256);
      const version = str(d.version);
      const v = version ? await versions.version(modelId, version).catch(() => undefined) : undefined;
      if (sha && HEX64.test(sha)) found.push(await present(artifactKey(modelId, sha), sha, 'model artifact', v?.bytes));
      if (version) {
        if (!v) found.push(`registry version ${versionKey(modelId, version)} is missing (removed)`);
        else if (sha && v.sha256 !== sha)
          found.push(`registry version ${versionKey(modelId, version)} names artifact ${v.sha256.slice(0, 12)}, the entry ${sha.slice(0, 12)}`);
      }
      const training = ref(d.training);
      if (training) found.push(await snapshot(training.sha256));
    }
    if (e.kind === 'compared') {
      const holdout = ref(d.holdout);
      if (holdout) found.push(await snapshot(holdout.sha256));
    }
    for (const p of new Set(found.filter(Boolean))) problems.push(`${where(c)}: ${p}`);
  }

  // Reports written by a workflow run that no entry cites: their evaluation entry was removed.
  for (const key of await store.list(reportsPrefix(modelId))) {
    if (!key.endsWith('.json') || citedReports.has(key)) continue;
    const report = parseJson<{ workflow?: { workflowId?: string; runId?: string }; window?: { end?: string } }>(await store.get(key));
    if (!report?.workflow?.runId) continue; // a one-shot evaluation outside Temporal: no entry is made for it
    problems.push(
      `report ${key} (window ending ${report.window?.end ?? '?'}, run ${report.workflow.runId}) is cited by no entry: its evaluation entry was removed (or never recorded, or is still being recorded)`,
    );
  }

  // Entries of an evaluation run whose verdict entry is gone: its degraded/failing notification, its "no retrain requested" note.
  const evaluated = new Set(entries.filter((c) => c.entry.kind === 'evaluation' && str(c.entry.details?.verdict)).map((c) => c.entry.runId));
  for (const c of entries) {
    const e = c.entry;
    if (!e.runId || evaluated.has(e.runId)) continue;
    const note = e.kind === 'evaluation' && !str(e.details?.verdict);
    const told = e.kind === 'notified' && ['degraded', 'failing'].includes(str(e.details?.notification) ?? '');
    if (note || told)
      problems.push(
        `${where(c)}: ${note ? 'a note' : `a ${String(e.details?.notification)} notification`} of evaluation run ${e.runId}, whose evaluation entry is not in the trail (removed)`,
      );
  }

  // Signatures, against the keys in force when the request was made.
  const acts: SignedActCheck[] = [];
  for (let i = 0; i < entries.length; i++) {
    const c = entries[i]!;
    const act = actOf(c.entry);
    if (!act) continue;
    const inForce = keysInForce(entries, i, specKeys);
    if (!inForce) {
      if (act.proof) notes.push(`${where(c)}: the signature of ${act.proof.signer} cannot be checked: the trail records no keys in force before it`);
      acts.push({ seq: c.seq, entry: c.entry, act });
      continue;
    }
    const p = actProblem(modelId, act, inForce, c.entry.workflowId);
    if (p) problems.push(`${where(c)}: ${p}`);
    acts.push({ seq: c.seq, entry: c.entry, act, inForce, ...(p ? { problem: p } : {}) });
  }

  // Device signatures: each credential's counter across the trail; and who signed what.
  const devices = deviceFindings(acts);
  problems.push(...devices.problems);
  const signers = describeKinds(devices.kinds);

  // Separation of duties: each promotion approved as the rule its request recorded demands.
  problems.push(...tierViolations(entries));
  problems.push(...(await registryProblems(store, modelId, entries)));
  // Incident entries: what the evaluation entries imply, no more, no less, unaltered.
  problems.push(...incidentEntryProblems(modelId, entries));
  return { ...chain, ok: problems.length === 0, problems, objects: checked.size, notes, acts, ...(signers ? { signers } : {}) };
}

export const sameDecision = (
  a: { gate: string; decision: string; approver: string; proof?: DecisionProof | undefined },
  b: SignedAct & { proof?: DecisionProof },
): boolean => a.gate === b.gate && a.decision === b.decision && a.approver === b.approver && (a.proof?.signature ?? '') === (b.proof?.signature ?? '');

/** The registry's champion changes against the trail's promotions and rollbacks, both ways. */
async function registryProblems(store: ArtifactStore, modelId: string, entries: readonly ChainedEntry[]): Promise<string[]> {
  const problems: string[] = [];
  const history: ChampionPointer[] = [];
  for (const key of await store.list(championHistoryPrefix(modelId))) {
    const p = parseJson<ChampionPointer>(await store.get(key));
    if (!p || typeof p.generation !== 'number') {
      problems.push(`registry record ${key} is not a champion change (altered)`);
      continue;
    }
    if (!key.endsWith(`/${String(p.generation).padStart(8, '0')}.json`))
      problems.push(`registry record ${key} says it is generation ${p.generation} (moved or altered)`);
    history.push(p);
  }
  history.sort((a, b) => a.generation - b.generation);
  const changes = entries.filter((c) => c.entry.kind === 'promoted' || c.entry.kind === 'rolled-back');
  const kindOf = (p: ChampionPointer): string => (p.change === 'rollback' ? 'rolled-back' : 'promoted');
  const matches = (p: ChampionPointer, c: ChainedEntry): boolean =>
    c.entry.kind === kindOf(p) && c.entry.runId === p.workflow?.runId && c.entry.details?.to === p.version;
  for (const p of history) {
    if (p.change === 'initial') continue;
    const what = `the registry's champion change ${p.generation} (${p.change} to ${p.version} at ${p.since}${p.workflow ? `, run ${p.workflow.runId}` : ''})`;
    if (!changes.some((c) => matches(p, c)))
      problems.push(`${what} has no ${kindOf(p)} entry in the trail: the entry was removed, or the registry was changed outside a workflow`);
    const decisions = entries
      .filter((c) => c.entry.kind === 'decision' && c.entry.runId === p.workflow?.runId)
      .map((c) => actOf(c.entry))
      .filter((a) => a !== undefined);
    for (const a of p.approvals ?? []) {
      const d = decisions.find((x) => sameDecision(a, x));
      if (!d)
        problems.push(`${what}: its ${a.gate} ${a.decision} by ${a.approver}${a.proof ? ` (signed by ${a.proof.signer})` : ''} is not a decision of the trail`);
      else if ((a.comment ?? '') !== (d.comment ?? ''))
        problems.push(`${what}: the comment of its ${a.gate} ${a.decision} by ${a.approver} is not the one in the trail`);
    }
    if (p.emergency) {
      const asked = entries.find((c) => c.entry.kind === 'rollback-requested' && c.entry.runId === p.workflow?.runId);
      const act = asked && actOf(asked.entry);
      if (!act || act.approver !== p.emergency.by || (act.proof?.signature ?? '') !== (p.emergency.proof?.signature ?? ''))
        problems.push(`${what}: its emergency request by ${p.emergency.by} is not a rollback request of the trail`);
    }
  }
  for (const c of changes) {
    if (!history.some((p) => matches(p, c)))
      problems.push(
        `${where(c)}: ${c.entry.kind === 'promoted' ? 'the promotion' : 'the rollback'} to ${String(c.entry.details?.to)} has no champion change in the registry (${championHistoryPrefix(modelId)}/)`,
      );
  }
  const pointer = parseJson<ChampionPointer>((await store.tryGet(championKey(modelId))) ?? new Uint8Array());
  const last = history.at(-1);
  if (last && (!pointer || pointer.generation !== last.generation || pointer.version !== last.version)) {
    problems.push(
      `the champion pointer ${championKey(modelId)} (${pointer ? `${pointer.version}, change ${pointer.generation}` : 'missing'}) is not the registry's last champion change (${last.version}, change ${last.generation})`,
    );
  } else if (!last && pointer)
    problems.push(`the champion pointer ${championKey(modelId)} names ${pointer.version}, but the registry records no champion change`);
  return problems;
}
