/**
 * Every key of the artifact store, in one place. docs/storage.md describes the layout. Keys are
 * '/'-separated relative paths (see assertKey in store.ts); a <model> is a model id, a <sha256>
 * 64 lowercase hex digits, a <time> a compact UTC time (compactTime) so keys sort by time.
 */
import type { AuditEntry } from '../../domain/maintenance.js';

/** 2026-11-25T06:00:00.000Z -> 20261125T060000Z: sorts by time, safe in keys. */
export function compactTime(iso: string): string {
  return iso.replace(/[-:]/g, '').replace(/\.\d+/, '');
}

// ── Window snapshots: content-addressed copies of the data files and their manifests ──

export const snapshotFileKey = (modelId: string, sha256: string, format: string): string => `snapshots/${modelId}/files/${sha256}.${format}`;
export const snapshotManifestKey = (modelId: string, sha256: string): string => `snapshots/${modelId}/manifests/${sha256}.json`;

// ── Evaluation shards: each shard's partial result (a retried shard overwrites it with the same bytes) ──

/** <digest>: of the model's spec, so that a changed config does not reuse another's partials. */
export const evaluationShardKey = (modelId: string, snapshotSha256: string, artifactSha256: string, digest: string, index: number, of: number): string =>
  `evaluation-shards/${modelId}/${snapshotSha256}/${artifactSha256}-${digest}/${String(index).padStart(4, '0')}-of-${String(of).padStart(4, '0')}.bin`;
/** The merged summary of the shards `…/<i>-of-<k>.bin` next to them: written before they are removed. */
export const evaluationMergedKey = (shardKey: string): string => shardKey.replace(/\/\d{4}-of-(\d{4})\.bin$/, '/merged-of-$1.json');

// ── Drift distributions: an evaluation's watched columns' distributions, content-addressed (kept out of
// workflow history; the report inlines them) ──

export const driftDistributionsKey = (modelId: string, sha256: string): string => `evaluation-distributions/${modelId}/${sha256}.json`;
/** A model version's permutation importances on its reference sample: by the artifact's sha256 and the sample's (with the metric and settings). */
export const importanceKey = (modelId: string, artifactSha256: string, referenceSha256: string): string =>
  `importance/${modelId}/${artifactSha256}-${referenceSha256.slice(0, 32)}.json`;

// ── Evaluation reports: the JSON is written last, so its presence means the report is complete ──

export const reportsPrefix = (modelId: string): string => `reports/${modelId}`;
export const reportKeys = (modelId: string, windowEnd: string, runId: string): { json: string; markdown: string; html: string } => {
  const base = `${reportsPrefix(modelId)}/${compactTime(windowEnd)}_${runId}`;
  return { json: `${base}.json`, markdown: `${base}.md`, html: `${base}.html` };
};

// ── Models: ONNX artifacts (content-addressed) and the reference profile of each ──

export const artifactKey = (modelId: string, sha256: string): string => `models/${modelId}/artifacts/${sha256}.onnx`;
/** The reference profile of a model version (by its artifact's sha256). */
export const profileKey = (modelId: string, artifactSha256: string): string => `profiles/${modelId}/${artifactSha256}.json`;

// ── The registry: versions (write-once), the champion pointer (compare-and-swap), its history ──

export const versionsPrefix = (modelId: string): string => `registry/${modelId}/versions`;
export const versionKey = (modelId: string, version: string): string => `${versionsPrefix(modelId)}/${version}.json`;
export const championKey = (modelId: string): string => `registry/${modelId}/champion.json`;
export const championHistoryPrefix = (modelId: string): string => `registry/${modelId}/champion-history`;
export const championHistoryKey = (modelId: string, generation: number): string =>
  `${championHistoryPrefix(modelId)}/${String(generation).padStart(8, '0')}.json`;
/** How the model's latest retrain request ended (the cooldown is measured from it). */
export const lastRetrainRequestKey = (modelId: string): string => `registry/${modelId}/last-retrain-request.json`;
/** A training job's result (one per workflow run, so a retried activity trains once) and its log. */
export const trainingJobKey = (modelId: string, runId: string): string => `registry/${modelId}/jobs/${runId}.json`;
export const trainingLogKey = (modelId: string, runId: string): string => `registry/${modelId}/jobs/${runId}.log`;

// ── The audit trail: everything under audit/<model>/. Stores written by earlier versions kept it under
// ledger/<model>/ (its first name); audit-layout.ts moves it once, byte for byte ──

/** Where the audit trail lives, and where stores written by earlier versions kept it. */
export const AUDIT_ROOT = 'audit';
export const LEGACY_AUDIT_ROOT = 'ledger';
/**
 * A key recorded in the trail before the move (a link names its entry's key, and link bytes are
 * hashed into the chain, so they keep saying ledger/): where that object is now.
 */
export const currentAuditKey = (key: string): string =>
  key.startsWith(`${LEGACY_AUDIT_ROOT}/`) ? `${AUDIT_ROOT}/${key.slice(LEGACY_AUDIT_ROOT.length + 1)}` : key;
/** Written once the objects under ledger/ are copied to audit/ and read back (audit-layout.ts). */
export const auditMovedMarkerKey = `${AUDIT_ROOT}/_moved-from-ledger.json`;

// Entries: evaluations apart from the rest, so the card reads few files.

export type AuditTrailPart = 'evaluations' | 'maintenance' | 'notifications';
export const AUDIT_TRAIL_PARTS: readonly AuditTrailPart[] = ['maintenance', 'evaluations', 'notifications'];
export const auditTrailPart = (kind: AuditEntry['kind']): AuditTrailPart =>
  kind === 'evaluation' ? 'evaluations' : kind === 'notified' ? 'notifications' : 'maintenance';
export const auditEntriesPrefix = (modelId: string, part: AuditTrailPart): string => `${AUDIT_ROOT}/${modelId}/${part}`;
export const auditEntryKey = (e: AuditEntry): string => `${auditEntriesPrefix(e.modelId, auditTrailPart(e.kind))}/${compactTime(e.at)}_${e.id}.json`;

// ── Notifications handed to deliverNotification: staged by the workflow that could not deliver
// them, content-addressed; deliverNotification takes only such a reference ──

export const stagedNotificationKey = (modelId: string, sha256: string): string => `notifications/${modelId}/staged/${sha256}.json`;

// ── Handover requests (docs/governance.md#handover): staged by the command or the watchdog that asks,
// content-addressed; a handover workflow takes only such a reference, and claims it for one run ──

export const stagedHandoverKey = (modelId: string, sha256: string): string => `handovers/${modelId}/staged/${sha256}.json`;
/** Written once by the run that opened the staged request <sha256> (a second run is refused). */
export const handoverClaimKey = (modelId: string, sha256: string): string => `handovers/${modelId}/claims/${sha256}.json`;

// ── The audit chain: links that hash-chain a model's audit entries in the order they were appended ──

/** Link <seq> (from 1): the entry's key and sha256, and the sha256 of link <seq − 1>. */
export const auditLinksPrefix = (modelId: string): string => `${AUDIT_ROOT}/${modelId}/chain`;
export const auditLinkKey = (modelId: string, seq: number): string => `${auditLinksPrefix(modelId)}/${String(seq).padStart(10, '0')}.json`;
/** Written once an entry is linked: its link's seq (an append that runs twice links once). */
export const auditLinkedKey = (modelId: string, entryId: string): string => `${AUDIT_ROOT}/${modelId}/linked/${entryId}.json`;
/** The newest link known: a hint, never behind a link whose entry is not marked linked. */
export const auditHeadKey = (modelId: string): string => `${AUDIT_ROOT}/${modelId}/head.json`;
/** A model's spec as it was in force (content-addressed), referenced by evaluation entries. */
export const specKey = (modelId: string, sha256: string): string => `${AUDIT_ROOT}/${modelId}/specs/${sha256}.json`;
/** The public keys in force for a model (content-addressed), cited by config-changed entries. */
export const keySetKey = (modelId: string, sha256: string): string => `${AUDIT_ROOT}/${modelId}/keysets/${sha256}.json`;
/** A config record (spec, key set and web users by hash; content-addressed), cited by config-changed entries. */
export const configRecordKey = (modelId: string, sha256: string): string => `${AUDIT_ROOT}/${modelId}/configs/${sha256}.json`;
/** The config-changed entry a command claimed for a change (write-once: racing commands record one entry). */
export const configClaimKey = (modelId: string, entryId: string): string => `${AUDIT_ROOT}/${modelId}/configs/claims/${entryId}.json`;
/** The last config-changed entry recorded: a hint (its link is read back to check it), never the truth. */
export const configHeadKey = (modelId: string): string => `${AUDIT_ROOT}/${modelId}/configs/head.json`;
/** A model's monitoring plan as generated from the config (content-addressed), cited by plan-changed entries. */
export const planKey = (modelId: string, sha256: string): string => `${AUDIT_ROOT}/${modelId}/plans/${sha256}.json`;
/** The plan-changed entry a command claimed for a change (write-once: racing commands record one entry). */
export const planClaimKey = (modelId: string, entryId: string): string => `${AUDIT_ROOT}/${modelId}/plans/claims/${entryId}.json`;
/** The last plan-changed entry recorded: a hint (its link is read back to check it). */
export const planHeadKey = (modelId: string): string => `${AUDIT_ROOT}/${modelId}/plans/head.json`;
/** The evidence a decision was asked on (comparison, intervals, coverage), content-addressed: a signature covers its sha256. */
export const evidenceKey = (modelId: string, sha256: string): string => `${AUDIT_ROOT}/${modelId}/evidence/${sha256}.json`;

// ── Workflow histories, exported once closed so that audits outlive the server's retention ──

export const historiesPrefix = (modelId: string): string => `histories/${modelId}`;
export const historyKey = (modelId: string, workflowId: string, runId: string): string => `${historiesPrefix(modelId)}/${workflowId}/${runId}.json`;
/** Beside the runs of a workflow whose folder name is hashed (a long id): the id itself. */
export const historyIdKey = (historyKeyOfARun: string): string => historyKeyOfARun.replace(/\/[^/]+$/, '/_id.json');
/** A run the export could not write, with the reason (tried again by later exports). */
export const historySkippedPrefix = 'histories/_skipped';
export const historySkippedKey = (modelSegment: string, workflowSegment: string, runSegment: string): string =>
  `${historySkippedPrefix}/${modelSegment}/${workflowSegment}/${runSegment}.json`;
/** How far the export got: the close time of the newest run exported. */
export const historyExportCursorKey = 'histories/_cursor.json';

// ── The watchdog: its latest report, and each finding once (notified once until resolved) ──

export const watchdogReportKey = 'watchdog/latest.json';
/** Every model's findings, or one model's (with the trailing '/', so `a` does not list `a-b`'s). */
export const watchdogFindingsPrefix = (modelId?: string): string => (modelId ? `watchdog/findings/${modelId}/` : 'watchdog/findings/');
export const watchdogFindingKey = (modelId: string, findingKey: string): string => `watchdog/findings/${modelId}/${findingKey}.json`;

// ── Model cards ──

export const cardKey = (modelId: string, format: 'md' | 'json'): string => `cards/${modelId}.${format}`;
