import assert from 'node:assert/strict';
import { buildModelCard, renderModelCardMarkdown, type ModelCardInput } from '../../engine/cards/index.js';
import { modelSpec } from '../../domain/config.js';
import type { WatchdogFinding } from '../../domain/watchdog.js';

const spec = modelSpec.parse({
  id: 'churn',
  owner: 'olga@example.com',
  task: 'binary',
  artifact: 'file:///models/churn.onnx',
  inputs: [{ name: 'features', columns: ['tenure', 'spend'] }],
  label: { column: 'churned', positive: 1 },
  data: { uri: 'file:///data/{date}.csv' },
  schedule: { every: '1d' },
  thresholds: { metric: 'roc_auc', min: 0.75 },
});

const input = (watchdog?: WatchdogFinding[]): ModelCardInput => ({
  spec,
  generatedAt: '2026-11-20T08:00:00.000Z',
  champion: null,
  championVersion: null,
  versions: [],
  championHistory: [],
  reports: [],
  auditTrail: [],
  ...(watchdog ? { watchdog } : {}),
});

const finding = (kind: WatchdogFinding['kind'], key: string, summary: string): WatchdogFinding => ({
  modelId: 'churn',
  kind,
  key,
  summary,
  since: '2026-11-18T06:00:00.000Z',
  firstReportedAt: '2026-11-20T08:00:00.000Z',
  notified: ['olga@example.com', 'platform@example.com'],
});

describe('the watchdog on the model card', function () {
  it('shows the open findings in a Watchdog section after the intended use, escaped, by kind', function () {
    const card = buildModelCard(
      input([finding('stale', 'stale', 'churn: no evaluation since 2026-11-10'), finding('paused', 'paused', 'churn: paused | by *ops*')]),
    );
    assert.deepEqual(
      card.watchdog!.map((f) => f.kind),
      ['paused', 'stale'],
    );
    const md = renderModelCardMarkdown(card);
    const headings = md.split('\n').filter((l) => l.startsWith('## '));
    assert.deepEqual(headings.slice(0, 3), ['## Model details', '## Intended use and limits', '## Watchdog']);
    const section = md.slice(md.indexOf('## Watchdog'), md.indexOf('## Current version'));
    assert.match(
      section,
      /\| paused: churn: paused \\\| by \\\*ops\\\* \| 2026-11-18 06:00 UTC \| olga@example\.com, platform@example\.com \| 2026-11-20 08:00 UTC \|/,
    );
    assert.match(section, /\| stale: churn: no evaluation since 2026-11-10 \|/);
  });

  it('has no Watchdog section, and no field, when nothing is open', function () {
    for (const card of [buildModelCard(input()), buildModelCard(input([]))]) {
      assert.equal('watchdog' in card, false);
      assert.doesNotMatch(renderModelCardMarkdown(card), /## Watchdog/);
    }
  });
});
