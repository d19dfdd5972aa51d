/**
 * A model card as it stood at an instant, regenerated from what the store held then: the spec the
 * last entry before it cites, the registry's versions and champion changes made before it, the
 * reports of evaluations recorded before it, the audit trail up to it, its incidents and the
 * monitoring plan last recorded before it. The store keeps only the latest card (cards/<model>.*,
 * rewritten at every evaluation), so a card of a past date can only be regenerated; open watchdog
 * findings are the watchdog's state now and are left out (its entries are in the trail section).
 */
import type { AuditEntry } from '../../domain/maintenance.js';
import type { ModelSpec } from '../../domain/config.js';
import { planLines } from '../../domain/monitoring-plan.js';
import { citedSpec } from '../audit/owners.js';
import { deriveIncidents } from '../audit/incidents.js';
import { readPlan } from '../audit/plan-entries.js';
import type { ChainedEntry } from '../audit/chain.js';
import { keyOfUri } from '../audit/verify-trail.js';
import { buildModelCard, renderModelCardMarkdown, type CardReportPoint, type ModelCardInput } from '../cards/index.js';
import { newest } from '../cards/update.js';
import type { EvaluationReport } from '../evaluation/report.js';
import { createRegistry } from '../registry/registry.js';
import { specKey } from '../store/keys.js';
import type { ArtifactStore } from '../store/store.js';
import { sha256Hex } from '../util.js';

/** Reports the card's trend reads (as updateModelCard). */
const CARD_REPORTS = 20;
const decode = (b: Uint8Array): string => new TextDecoder().decode(b);

export type CardAsOf = { at: string; json: string; markdown: string; spec: string } | { at: string; missing: string };

/**
 * The card as of `at` (entries recorded strictly before it). `linkOf` turns a report's store key
 * into the link the card shows (a path inside the pack when the report is in it).
 */
export async function cardAsOf(
  store: ArtifactStore,
  modelId: string,
  chain: readonly ChainedEntry[],
  at: Date,
  linkOf: (key: string) => string,
): Promise<CardAsOf> {
  const t = at.getTime();
  const iso = at.toISOString();
  const before = chain.filter((c) => Date.parse(c.entry.at) < t).map((c) => c.entry);
  const specSha = before
    .map(citedSpec)
    .filter((s): s is string => s !== undefined)
    .at(-1);
  if (!specSha) return { at: iso, missing: `no entry recorded before ${iso} cites the model's spec: there was no card yet` };
  const specBytes = await store.tryGet(specKey(modelId, specSha));
  if (!specBytes || sha256Hex(specBytes) !== specSha)
    return { at: iso, missing: `the spec ${specSha.slice(0, 12)} in force then is missing or altered in the store` };
  const spec = JSON.parse(decode(specBytes)) as ModelSpec;
  const registry = createRegistry(store);
  const history = (await registry.history(modelId)).filter((p) => Date.parse(p.since) < t);
  const versions = (await registry.versions(modelId)).filter((v) => Date.parse(v.createdAt) < t);
  const champion = history.at(-1) ?? null;

  // The reports of the evaluations recorded before it, the latest CARD_REPORTS windows.
  const evaluations = before.filter((e) => e.kind === 'evaluation' && typeof e.details?.report === 'string');
  const reports: CardReportPoint[] = [];
  let latest: ModelCardInput['latest'];
  const byWindow = evaluations
    .map((e) => ({ e, key: keyOfUri(store, String(e.details?.report)) }))
    .filter((r): r is { e: AuditEntry; key: string } => r.key !== undefined)
    .sort((a, b) => a.key.slice(a.key.lastIndexOf('/')).localeCompare(b.key.slice(b.key.lastIndexOf('/'))))
    .slice(-CARD_REPORTS);
  for (const { key } of byWindow) {
    const bytes = await store.tryGet(key);
    if (!bytes) continue;
    let r: EvaluationReport;
    try {
      r = JSON.parse(decode(bytes)) as EvaluationReport;
    } catch {
      continue;
    }
    if (!r.window?.end || !r.verdict) continue;
    const e = r.evaluation?.estimated?.metrics[spec.thresholds.metric];
    reports.push({
      windowEnd: r.window.end,
      verdict: r.verdict.status,
      rows: r.rows,
      metrics: r.metrics ?? {},
      ...(r.model?.sha256 ? { version: r.model.sha256.slice(0, 12) } : {}),
      reportUri: linkOf(key),
      ...(r.window.firstDay && r.window.lastDay ? { firstDay: r.window.firstDay, lastDay: r.window.lastDay } : {}),
      ...(r.workflow?.startedAt ? { ranAt: r.workflow.startedAt } : {}),
      ...(r.verdict.basis === 'estimated' ? { basis: 'estimated' as const } : {}),
      ...(e && typeof e.value === 'number' ? { estimate: { value: e.value, lower: e.lower, upper: e.upper } } : {}),
    });
    if (!latest || r.window.end >= latest.windowEnd)
      latest = { windowEnd: r.window.end, verdict: r.verdict, ...(r.drift ? { drift: r.drift } : {}), ...(r.quality ? { quality: r.quality } : {}) };
  }

  const log = before.filter((e) => e.kind !== 'evaluation' && e.kind !== 'notified');
  const plans = log.filter((e) => e.kind === 'plan-changed');
  const planEntries = plans
    .map((e) => ({
      at: e.at,
      sha256: String((e.details?.plan as { sha256?: unknown } | undefined)?.sha256 ?? ''),
      changed: (e.details?.changed as string[]) ?? [],
    }))
    .reverse();
  const plan = planEntries[0] ? await readPlan(store, modelId, planEntries[0].sha256) : undefined;
  // A plan this version cannot render (another version's shape) leaves the card without its plan section, not without a card.
  let lines: string[] | undefined;
  try {
    lines = plan ? planLines(plan) : undefined;
  } catch {
    lines = undefined;
  }
  const generatedAt = newest([...before.map((e) => e.at), ...reports.map((r) => r.windowEnd), ...versions.map((v) => v.createdAt)]);
  try {
    const card = buildModelCard({
      spec,
      generatedAt,
      champion,
      championVersion: champion ? (versions.find((v) => v.version === champion.version) ?? null) : (versions.find((v) => v.source === 'config') ?? null),
      versions,
      championHistory: history,
      reports,
      ...(latest ? { latest } : {}),
      auditTrail: log,
      ...(lines && planEntries[0] ? { monitoringPlan: { sha256: planEntries[0].sha256, lines, recordedAt: planEntries[0].at, history: planEntries } } : {}),
      incidents: deriveIncidents(modelId, before),
    });
    return { at: iso, json: `${JSON.stringify(card, null, 2)}\n`, markdown: renderModelCardMarkdown(card), spec: specSha };
  } catch (err) {
    return { at: iso, missing: `the card could not be regenerated from the spec ${specSha.slice(0, 12)} in force then: ${(err as Error).message}` };
  }
}
