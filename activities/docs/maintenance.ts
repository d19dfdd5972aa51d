/**
 * The maintenance log, notifications and the living model card. Every write is idempotent:
 * log entries are write-once under a stable id, the card is regenerated whole.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { ApplicationFailure } from '@temporalio/common';
import { findModel } from '../config/load.js';
import type { ActivityDeps } from '../deps.js';
import { createNotifier, verdictLine, WebhookError } from '../notify/notify.js';
import { createRegistry } from '../registry/registry.js';
import type { MaintenanceLogEntry, NotificationEvent, StagedNotification } from '../../domain/maintenance.js';
import { cardKey, maintenanceLogKey, maintenanceLogPrefix, reportsPrefix, stagedNotificationKey } from '../store/keys.js';
import { UpkeepError } from '../errors.js';
import { MODEL_ID_PATTERN } from '../../domain/config.js';
import { appendEntry } from '../audit/chain.js';
import { buildModelCard, renderModelCardMarkdown, type CardReportPoint, type ModelCard, type ModelCardInput } from './card.js';
import type { EvaluationReport } from './report.js';
import { readFindings } from '../watchdog/findings.js';

const run = promisify(execFile);
const decode = (b: Uint8Array): string => new TextDecoder().decode(b);
/** Reports read for the card's trend table and latest conditions. */
const CARD_REPORTS = 20;

/**
 * Evaluations (one per scheduled run) are kept apart from the maintenance entries (requests,
 * decisions, promotions), so the card reads the few that matter without listing every run.
 */

/** A model's maintenance log, oldest first; with `evaluations`, every evaluation's entry too. */
export async function readMaintenanceLog(store: ActivityDeps['store'], modelId: string, opts: { evaluations?: boolean } = {}): Promise<MaintenanceLogEntry[]> {
  const out: MaintenanceLogEntry[] = [];
  const keys = [...(await store.list(maintenanceLogPrefix(modelId, 'maintenance'))), ...(opts.evaluations ? await store.list(maintenanceLogPrefix(modelId, 'evaluations')) : [])];
  for (const key of keys) {
    const bytes = await store.tryGet(key);
    if (bytes) out.push(JSON.parse(decode(bytes)) as MaintenanceLogEntry);
  }
  return out.sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id));
}

/**
 * How a notification went out, as its audit entry records it (details.delivery). `workerClock` is
 * the worker's clock when the receiver answered (or the line was logged), not the workflow's time
 * (the entry's `at`); `attempt` is the activity's attempt number (Temporal's count, from 1).
 */
export interface DeliveryRecord {
  channel: 'webhook' | 'log';
  /** delivered: the webhook answered 2xx; logged: no webhook, the worker's log was the only channel; refused: it answered 4xx (not retried); gave-up: every attempt failed. */
  outcome: 'delivered' | 'logged' | 'refused' | 'gave-up';
  status?: number;
  /** The receiver's id for the request (a header such as X-Request-Id, or a JSON body's `id`). */
  responseId?: string;
  workerClock: string;
  attempt: number;
  /** Why it was not delivered (host and status only, never the URL). */
  error?: string;
}

/** The audit entry of a notification; its id is derived from the event, so a retry records it once. */
export function notifiedEntry(event: NotificationEvent, delivery?: DeliveryRecord): MaintenanceLogEntry {
  const id = `notified-${createHash('sha256').update(JSON.stringify(event)).digest('hex').slice(0, 24)}`;
  const how = !delivery
    ? ''
    : delivery.outcome === 'logged'
      ? ' (worker log only: no webhook configured)'
      : delivery.outcome === 'delivered'
        ? ` (webhook HTTP ${delivery.status}${delivery.responseId ? `, id ${delivery.responseId}` : ''}, attempt ${delivery.attempt})`
        : ` — NOT delivered: ${delivery.error ?? `webhook HTTP ${delivery.status}`}`;
  const webhook = delivery?.outcome === 'delivered' ? 'sent' : delivery?.outcome === 'refused' ? 'refused' : 'none';
  return {
    id,
    modelId: event.modelId,
    at: event.at,
    kind: 'notified',
    summary: `${event.kind} ${delivery?.outcome === 'refused' ? 'for' : 'sent to'} ${event.to.join(', ')}: ${event.title}${how}`,
    ...(event.workflowId ? { workflowId: event.workflowId } : {}),
    ...(event.runId ? { runId: event.runId } : {}),
    ...(event.event !== undefined ? { event: event.event } : {}),
    details: { notification: event.kind, to: event.to, title: event.title, webhook, ...(delivery ? { delivery } : {}) },
  };
}

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

/** The parts of a card whose change is worth a commit. */
function milestone(card: ModelCard): string {
  return JSON.stringify({ details: card.details, current: card.current, lineage: card.lineage, log: card.maintenanceLog, verdict: card.metricTrend[0]?.verdict ?? null });
}

export function createMaintenanceActivities(deps: Pick<ActivityDeps, 'store' | 'loadConfig' | 'log' | 'fetch' | 'attempt'>) {
  const registry = createRegistry(deps.store);
  return {
    /**
     * Appends entries to the maintenance log; an entry already written is left as it is. The
     * activity keeps its first name, recordLedger: recorded workflow histories call it by that name.
     */
    async recordLedger(input: { entries: MaintenanceLogEntry[] }): Promise<void> {
      for (const e of input.entries) {
        const put = await appendEntry(deps.store, e);
        // An evaluation's verdict is logged as it lands, once (a retry finds the entry written).
        const line = put.created ? verdictLine(e) : undefined;
        if (line) (deps.log ?? ((l: string) => console.log(l)))(line);
      }
    },

    /**
     * Keeps a notification that a workflow hands to deliverNotification, content-addressed in the
     * store (written once), and returns its reference: deliverNotification takes nothing else, so
     * someone who can start workflows but not write the store cannot make the worker send, or
     * record as sent, a notification no upkeep workflow made.
     */
    async stageNotification(input: { event: NotificationEvent }): Promise<StagedNotification> {
      const bytes = `${JSON.stringify(input.event)}\n`;
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      await deps.store.put(stagedNotificationKey(input.event.modelId, sha256), bytes, { ifAbsent: true });
      return { modelId: input.event.modelId, sha256 };
    },

    /** A staged notification, checked against its hash; refused (not retried) when there is none. */
    async stagedNotification(ref: StagedNotification): Promise<NotificationEvent> {
      const r = (ref ?? {}) as Partial<StagedNotification>;
      if (typeof r.modelId !== 'string' || !MODEL_ID_PATTERN.test(r.modelId) || typeof r.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(r.sha256)) {
        throw new UpkeepError('InvalidRequest', 'deliverNotification needs { modelId, sha256 } of a notification staged by an upkeep workflow');
      }
      const key = stagedNotificationKey(r.modelId, r.sha256);
      const bytes = await deps.store.tryGet(key);
      if (!bytes) throw new UpkeepError('InvalidRequest', `model ${r.modelId}: no notification ${r.sha256.slice(0, 12)} was staged (${key}): deliverNotification only delivers what an upkeep workflow handed to it`);
      if (createHash('sha256').update(bytes).digest('hex') !== r.sha256) throw new UpkeepError('InvalidData', `${key} in the store does not hash to its name (altered)`);
      const event = JSON.parse(decode(bytes)) as NotificationEvent;
      if (event.modelId !== r.modelId) throw new UpkeepError('InvalidData', `${key} in the store is for model ${JSON.stringify(event.modelId)} (moved)`);
      return event;
    },

    /**
     * Logs the notification and POSTs it to the configured webhook (one attempt; Temporal retries),
     * then records how it went in the model's audit chain: channel, HTTP status, the receiver's
     * response id, the worker's clock and the attempt. A refusal (4xx) is recorded before it fails;
     * a retryable failure carries the same facts in the failure's details (deliverNotification
     * records them when it gives up).
     */
    async notify(event: NotificationEvent): Promise<{ webhook: 'sent' | 'none' }> {
      const config = await deps.loadConfig();
      const notifier = createNotifier({ webhook: config.notify.webhook, log: deps.log ?? ((line) => console.log(line)), ...(deps.fetch ? { fetch: deps.fetch } : {}) });
      const attempt = deps.attempt?.() ?? 1;
      const refused = (message: string, facts?: DeliveryRecord) => ApplicationFailure.create({ message, type: 'WebhookRefused', nonRetryable: true, ...(facts ? { details: [facts] } : {}) });
      // Recorded already (an attempt that died after sending and recording it): not sent twice.
      const recorded = await deps.store.tryGet(maintenanceLogKey(notifiedEntry(event)));
      if (recorded) {
        const entry = JSON.parse(decode(recorded)) as MaintenanceLogEntry;
        await appendEntry(deps.store, entry); // linked, if that attempt died before it was
        const facts = entry.details?.delivery as DeliveryRecord | undefined;
        if (entry.details?.webhook === 'refused') throw refused(facts?.error ?? entry.summary, facts);
        return { webhook: entry.details?.webhook === 'sent' ? 'sent' : 'none' };
      }
      try {
        const d = await notifier.send(event);
        const delivery: DeliveryRecord =
          d.webhook === 'sent'
            ? { channel: 'webhook', outcome: 'delivered', ...(d.status !== undefined ? { status: d.status } : {}), ...(d.responseId !== undefined ? { responseId: d.responseId } : {}), workerClock: new Date().toISOString(), attempt }
            : { channel: 'log', outcome: 'logged', workerClock: new Date().toISOString(), attempt };
        // Who was told, how, and when: in the model's audit chain (the same event is recorded once).
        await appendEntry(deps.store, notifiedEntry(event, delivery));
        return { webhook: d.webhook };
      } catch (err) {
        if (!(err instanceof WebhookError)) throw err;
        const facts: DeliveryRecord = { channel: 'webhook', outcome: err.retryable ? 'gave-up' : 'refused', ...(err.status !== undefined ? { status: err.status } : {}), workerClock: new Date().toISOString(), attempt, error: err.message };
        if (!err.retryable) {
          // Final: a refusal is not retried, nor handed to deliverNotification.
          await appendEntry(deps.store, notifiedEntry(event, facts));
          throw refused(err.message, facts);
        }
        // Retried by Temporal; the facts of the last attempt reach the workflow that gives up.
        throw ApplicationFailure.create({ message: err.message, type: 'WebhookError', nonRetryable: false, details: [facts] });
      }
    },

    /** Regenerates the model's card (Markdown and JSON) from the config, registry, reports and log. */
    async updateModelCard(input: { modelId: string; reason: string }): Promise<{ markdownUri: string; jsonUri: string }> {
      const config = await deps.loadConfig();
      const spec = findModel(config, input.modelId, config.name);
      const champion = (await registry.champion(spec.id))?.pointer ?? null;
      const versions = await registry.versions(spec.id);
      const reportKeys = (await deps.store.list(reportsPrefix(spec.id))).filter((k) => k.endsWith('.json')).slice(-CARD_REPORTS);
      const reports: CardReportPoint[] = [];
      let latest: ModelCardInput['latest'];
      for (const key of reportKeys) {
        const bytes = await deps.store.tryGet(key);
        if (!bytes) continue;
        const r = JSON.parse(decode(bytes)) as EvaluationReport;
        reports.push({
          windowEnd: r.window.end,
          verdict: r.verdict.status,
          rows: r.rows,
          metrics: r.metrics,
          version: r.model.sha256.slice(0, 12),
          reportUri: deps.store.uriFor(key),
          ...(r.window.firstDay && r.window.lastDay ? { firstDay: r.window.firstDay, lastDay: r.window.lastDay } : {}),
          ...(r.workflow?.startedAt ? { ranAt: r.workflow.startedAt } : {}),
        });
        if (!latest || r.window.end >= latest.windowEnd) latest = { windowEnd: r.window.end, verdict: r.verdict, ...(r.drift ? { drift: r.drift } : {}), ...(r.quality ? { quality: r.quality } : {}) };
      }
      const log = await readMaintenanceLog(deps.store, spec.id);
      const watchdog = await readFindings(deps.store, spec.id);
      // The card never reads the clock: it is as new as the newest thing it lists.
      const generatedAt = newest([...log.map((e) => e.at), ...reports.map((r) => r.windowEnd), ...(champion ? [champion.since] : []), ...versions.map((v) => v.createdAt), ...watchdog.map((f) => f.firstReportedAt)]);
      const card = buildModelCard({
        spec,
        generatedAt,
        champion,
        championVersion: champion ? (versions.find((v) => v.version === champion.version) ?? null) : (versions.find((v) => v.source === 'config') ?? null),
        versions,
        championHistory: await registry.history(spec.id),
        reports,
        ...(latest ? { latest } : {}),
        ledger: log,
        ...(watchdog.length ? { watchdog } : {}),
      });
      const markdown = renderModelCardMarkdown(card);
      const json = `${JSON.stringify(card, null, 2)}\n`;
      const previous = await deps.store.tryGet(cardKey(spec.id, 'json'));
      const md = await deps.store.put(cardKey(spec.id, 'md'), markdown);
      const js = await deps.store.put(cardKey(spec.id, 'json'), json);
      // Git gets a commit when something a reader of the history cares about changed: not for
      // every scheduled evaluation, only when the verdict, the version or the log moved.
      if (config.cards.git && (!previous || milestone(JSON.parse(decode(previous)) as ModelCard) !== milestone(card))) {
        await commitCard(config.cards.git, [{ name: `${spec.id}.md`, text: markdown }, { name: `${spec.id}.json`, text: json }], `${spec.id}: model card after ${input.reason}`);
      }
      return { markdownUri: md.uri, jsonUri: js.uri };
    },
  };
}
