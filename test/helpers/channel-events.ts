/** Events and a config folder with secret files, for the channel tests. */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NotificationEvent } from '../../domain/maintenance.js';

/** A degraded window of `churn` with the numbers the channels show. */
export function degradedEvent(over: Partial<NotificationEvent> = {}): NotificationEvent {
  return {
    kind: 'degraded',
    modelId: 'churn',
    to: ['owner@example.com', 'alice'],
    title: 'churn is degraded',
    text: 'roc_auc 0.71 is below the threshold 0.75\nReport: file:///store/churn/reports/2026-12-07.md',
    at: '2026-12-07T06:00:00.000Z',
    workflowId: 'evaluate-churn-2026-12-07',
    details: {
      verdict: 'degraded',
      metric: 'roc_auc',
      value: 0.7123,
      interval: [0.6811, 0.7402],
      threshold: 0.75,
      rows: 12345,
      drifted: [
        { column: 'income', score: 0.31, threshold: 0.2, test: 'psi' },
        { column: 'tenure', score: 0.12, threshold: 0.1, test: 'wasserstein' },
      ],
      report: 'file:///store/churn/reports/2026-12-07.md',
    },
    ...over,
  };
}

export function recoveredEvent(over: Partial<NotificationEvent> = {}): NotificationEvent {
  return {
    kind: 'recovered',
    modelId: 'churn',
    to: ['owner@example.com'],
    title: 'churn is healthy again',
    text: 'roc_auc 0.81 meets the threshold 0.75',
    at: '2026-12-08T06:00:00.000Z',
    workflowId: 'evaluate-churn-2026-12-08',
    details: { verdict: 'healthy', previous: 'degraded', metric: 'roc_auc', value: 0.81 },
    ...over,
  };
}

/** A config folder holding `files` (name → content) at mode 0600; `cleanup` removes it. */
export function configFolder(files: Record<string, string>): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-channels-'));
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name);
    writeFileSync(file, content);
    chmodSync(file, 0o600);
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A routing key of the shape PagerDuty issues (32 characters). */
export const ROUTING_KEY = 'R0UT1NGK3YR0UT1NGK3YR0UT1NGK3Y01';
