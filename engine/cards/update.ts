/**
 * Regenerates a model's living card (Markdown and JSON) from the config, registry, reports, audit
 * trail and watchdog findings, and commits it to a git repository when something a reader cares
 * about moved. Idempotent: the card is regenerated whole and never reads the clock.
 */
import { gapValues } from '../../domain/fairness.js';
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { UpkeepConfig } from '../../domain/config.js';
import { findModel } from '../config/load.js';
import { createRegistry } from '../registry/registry.js';
import { cardKey, reportsPrefix } from '../store/keys.js';
import type { ArtifactStore } from '../store/store.js';
import { readAuditTrail } from '../audit/read.js';
import { configOwnerLag, readOwnerAt, trailAsChain } from '../audit/owners.js';
import { deriveIncidents } from '../audit/incidents.js';
import { reportClockFor } from '../../domain/incident-clock.js';
import { reviewsOf } from '../audit/reviews.js';
import type { EvaluationReport } from '../evaluation/report.js';
import { readFindings } from '../watchdog/findings.js';
import { monitoringPlan, planBytes, planLines } from '../../domain/monitoring-plan.js';
import { sha256Hex } from '../util.js';
import { buildModelCard, renderModelCardMarkdown, type CardReportPoint, type ModelCard, type ModelCardInput } from './index.js';

const run = promisify(execFile);
const decode = (b: Uint8Array): string => new TextDecoder().decode(b);
/** Reports read for the card's trend table and latest conditions. */
const CARD_REPORTS = 20;

/** The latest of ISO 8601 times (the epoch when there are none). */
export function newest(times: string[]): string {
  let best = new Date(0).toISOString();
  for (const t of times) if (Date.parse(t) > Date.parse(best)) best = t;
  return best;
}

/** Commits the card files to a local git repository when they changed; a rerun commits nothing. */
async function commitCard(repo: string, files: { name: string; text: string }[], message: string): Promise<void> {
  const dir = path.join(repo, 'model-cards');
  await mkdir(dir, { recursive: true });
  for (const f of files) await writeFile(path.join(dir, f.name), f.text);
  const git = (...args: string[]) => run('git', ['-C', repo, '-c', 'user.name=upkeep', '-c', 'user.email=upkeep@localhost', ...args]);
  const paths = files.map((f) => path.join('model-cards', f.name));
  await git('add', '--', ...paths);
  try {
    // Only this card's files: something else staged in the repository is not ours to commit.
    await git('diff', '--cached', '--quiet', '--', ...paths);
    return; // nothing changed
  } catch {
    // there are staged changes
  }
  await git('commit', '-q', '-m', message, '--', ...paths);
}

/**
 * The parts of a card whose change is worth a commit. A card written by an earlier version holds
 * its entries as `maintenanceLog`: read the same, so the first card after an upgrade is no commit.
 */
function milestone(card: ModelCard & { maintenanceLog?: ModelCard['auditTrail'] }): string {
  return JSON.stringify({
    details: card.details,
    current: card.current,
    lineage: card.lineage,
    log: card.auditTrail ?? card.maintenanceLog,
    verdict: card.metricTrend[0]?.verdict ?? null,
  });
}

export async function updateModelCard(
  store: ArtifactStore,
  config: UpkeepConfig & { name: string },
  input: { modelId: string; reason: string },
): Promise<{ markdownUri: string; jsonUri: string }> {
  const registry = createRegistry(store);
  const spec = findModel(config, input.modelId, config.name);
  const champion = (await registry.champion(spec.id))?.pointer ?? null;
  const versions = await registry.versions(spec.id);
  const reportKeys = (await store.list(reportsPrefix(spec.id))).filter((k) => k.endsWith('.json')).slice(-CARD_REPORTS);
  const reports: CardReportPoint[] = [];
  let latest: ModelCardInput['latest'];
  for (const key of reportKeys) {
    const bytes = await store.tryGet(key);
    if (!bytes) continue;
    const r = JSON.parse(decode(bytes)) as EvaluationReport;
    reports.push({
      windowEnd: r.window.end,
      verdict: r.verdict.status,
      rows: r.rows,
      metrics: r.metrics,
      version: r.model.sha256.slice(0, 12),
      reportUri: store.uriFor(key),
      ...(r.window.firstDay && r.window.lastDay ? { firstDay: r.window.firstDay, lastDay: r.window.lastDay } : {}),
      ...(r.workflow?.startedAt ? { ranAt: r.workflow.startedAt } : {}),
      ...(r.verdict.basis === 'estimated' ? { basis: 'estimated' as const } : {}),
      ...estimateOf(r, spec.thresholds.metric),
      ...(r.evaluation?.fairness ? { fairness: gapValues(r.evaluation.fairness) } : {}),
    });
    if (!latest || r.window.end >= latest.windowEnd)
      latest = {
        windowEnd: r.window.end,
        verdict: r.verdict,
        ...(r.drift ? { drift: r.drift } : {}),
        ...(r.quality ? { quality: r.quality } : {}),
        ...(r.evaluation?.segments ? { segments: r.evaluation.segments } : {}),
      };
  }
  const log = await readAuditTrail(store, spec.id);
  const watchdog = await readFindings(store, spec.id);
  // Incidents need every evaluation and notification, not only the maintenance entries the log shows.
  const incidents = deriveIncidents(
    spec.id,
    await readAuditTrail(store, spec.id, { evaluations: true, notifications: true }),
    reportClockFor(spec.tier?.name, config.governance),
  );
  // The card never reads the clock: it is as new as the newest thing it lists.
  const generatedAt = newest([
    ...log.map((e) => e.at),
    ...reports.map((r) => r.windowEnd),
    ...(champion ? [champion.since] : []),
    ...versions.map((v) => v.createdAt),
    ...watchdog.map((f) => f.firstReportedAt),
  ]);
  // Periodic reviews, judged as of the card's own time (it never reads the clock).
  const reviews = reviewsOf(spec, log, 0, generatedAt);
  const plan = monitoringPlan(spec, config);
  const planSha = sha256Hex(planBytes(plan));
  const planEntries = log
    .filter((e) => e.kind === 'plan-changed')
    .map((e) => ({
      at: e.at,
      sha256: String((e.details?.plan as { sha256?: unknown } | undefined)?.sha256 ?? ''),
      changed: (e.details?.changed as string[]) ?? [],
    }))
    .reverse();
  // The owner the trail names (an accepted handover), read from the maintenance entries: docs/governance.md#handover.
  const owned = await readOwnerAt(store, spec.id, trailAsChain(log), new Date(8.64e15));
  const lag = configOwnerLag(owned, spec.owner);
  const card = buildModelCard({
    spec,
    ...(lag?.stale || owned.pending
      ? {
          ownership: {
            ...(lag?.stale ? { lag: { owner: owned.owner!, text: lag.text } } : {}),
            ...(owned.pending ? { pending: { to: owned.pending.to, since: owned.pending.since } } : {}),
          },
        }
      : {}),
    generatedAt,
    champion,
    championVersion: champion ? (versions.find((v) => v.version === champion.version) ?? null) : (versions.find((v) => v.source === 'config') ?? null),
    versions,
    championHistory: await registry.history(spec.id),
    reports,
    ...(latest ? { latest } : {}),
    auditTrail: log,
    ...(watchdog.length ? { watchdog } : {}),
    monitoringPlan: {
      sha256: planSha,
      lines: planLines(plan),
      recordedAt: planEntries[0]?.sha256 === planSha ? planEntries[0].at : null,
      history: planEntries,
    },
    ...(incidents.length ? { incidents } : {}),
    ...(reviews ? { reviews } : {}),
  });
  const markdown = renderModelCardMarkdown(card);
  const json = `${JSON.stringify(card, null, 2)}\n`;
  const previous = await store.tryGet(cardKey(spec.id, 'json'));
  const md = await store.put(cardKey(spec.id, 'md'), markdown);
  const js = await store.put(cardKey(spec.id, 'json'), json);
  // Git gets a commit when something a reader of the history cares about changed: not for
  // every scheduled evaluation, only when the verdict, the version or the log moved.
  if (config.cards.git && (!previous || milestone(JSON.parse(decode(previous)) as ModelCard) !== milestone(card))) {
    await commitCard(
      config.cards.git,
      [
        { name: `${spec.id}.md`, text: markdown },
        { name: `${spec.id}.json`, text: json },
      ],
      `${spec.id}: model card after ${input.reason}`,
    );
  }
  return { markdownUri: md.uri, jsonUri: js.uri };
}

/** The primary metric's estimate in a report, as the card keeps it. */
function estimateOf(r: EvaluationReport, metric: string): { estimate?: { value: number | null; lower: number | null; upper: number | null } } {
  const e = r.evaluation?.estimated?.metrics[metric];
  return e && typeof e.value === 'number' ? { estimate: { value: e.value, lower: e.lower, upper: e.upper } } : {};
}
