import assert from 'node:assert/strict';

import { buildModelCard, MAX_LOG_ENTRIES, renderModelCardMarkdown, type ModelCardInput } from '../../engine/cards/index.js';
import { modelSpec, type ModelSpec } from '../../domain/config.js';
import type { ChampionPointer, ModelVersion } from '../../engine/registry/types.js';
import type { AuditEntry } from '../../domain/maintenance.js';
import { monitoringPlan, planLines } from '../../domain/monitoring-plan.js';

const spec: ModelSpec = modelSpec.parse({
  id: 'churn',
  owner: 'olga@example.com',
  approvers: ['alice@example.com', 'bob@example.com'],
  description: 'Probability that a subscriber cancels within 30 days.',
  intended_use: 'Ranking subscribers for retention offers. Not for pricing or credit decisions.',
  task: 'binary',
  artifact: 'file:///models/churn.onnx',
  inputs: [{ name: 'features', columns: ['tenure', 'spend', 'plan'] }],
  label: { column: 'churned', positive: 1 },
  data: { uri: 'file:///data/{date}.csv' },
  schedule: { every: '1d' },
  thresholds: { metric: 'roc_auc', min: 0.75, max_drop: 0.05 },
  baseline: { roc_auc: 0.82 },
  approval: { escalation: ['head-of-data@example.com'] },
});

const V1 = 'aaaaaaaaaaaa';
const V2 = 'bbbbbbbbbbbb';

const v1: ModelVersion = {
  modelId: 'churn',
  version: V1,
  sha256: `${V1}${'1'.repeat(52)}`,
  artifactUri: `file:///store/models/churn/artifacts/${V1}.onnx`,
  bytes: 1000,
  createdAt: '2026-01-01T06:00:00.000Z',
  source: 'config',
};

const v2: ModelVersion = {
  modelId: 'churn',
  version: V2,
  sha256: `${V2}${'2'.repeat(52)}`,
  artifactUri: `file:///store/models/churn/artifacts/${V2}.onnx`,
  bytes: 1200,
  createdAt: '2026-02-03T08:00:00.000Z',
  source: 'retrain',
  parent: V1,
  trainer: { type: 'builtin', params: { l2: 1 } },
  training: { uri: 'file:///store/snap.json', sha256: 'c'.repeat(64), rows: 12_000, firstDay: '2026-01-01', lastDay: '2026-01-28' },
  trainingMetrics: { roc_auc: 0.86 },
  baseline: { roc_auc: 0.84 },
  workflow: { workflowId: 'upkeep-retrain-churn', runId: 'run-1' },
  approvals: [{ gate: 'retrain', decision: 'approve', approver: 'alice@example.com', at: '2026-02-02T09:00:00.000Z' }],
};

const initial: ChampionPointer = {
  modelId: 'churn',
  version: V1,
  sha256: v1.sha256,
  generation: 1,
  since: '2026-01-01T06:00:00.000Z',
  change: 'initial',
  previous: null,
  approvals: [],
};

const promotion: ChampionPointer = {
  modelId: 'churn',
  version: V2,
  sha256: v2.sha256,
  generation: 2,
  since: '2026-02-05T10:00:00.000Z',
  change: 'promotion',
  previous: V1,
  workflow: { workflowId: 'upkeep-retrain-churn', runId: 'run-1' },
  approvals: [{ gate: 'promote', decision: 'approve', approver: 'bob@example.com', at: '2026-02-05T09:30:00.000Z', comment: 'holdout looks good' }],
};

function trailEntry(id: string, at: string, kind: AuditEntry['kind'], summary: string, extra: Partial<AuditEntry> = {}): AuditEntry {
  return { id, modelId: 'churn', at, kind, summary, ...extra };
}

const trail: AuditEntry[] = [
  trailEntry('e1', '2026-01-20T06:00:00.000Z', 'retrain-requested', 'roc_auc 0.74 below min 0.75'),
  trailEntry('e3', '2026-02-05T10:00:00.000Z', 'promoted', `${V2} is champion`, { actor: 'bob@example.com' }),
  trailEntry('e2', '2026-01-21T07:00:00.000Z', 'decision', 'retrain rejected', {
    actor: 'alice@example.com',
    comment: 'labels for week 3 are late | wait\nfor the backfill',
  }),
];

const reports = [
  { windowEnd: '2026-02-10T06:00:00.000Z', verdict: 'healthy', rows: 5000, metrics: { roc_auc: 0.83 }, version: V2 },
  { windowEnd: '2026-01-20T06:00:00.000Z', verdict: 'degraded', rows: 4800, metrics: { roc_auc: 0.74 }, version: V1 },
  { windowEnd: '2026-02-17T06:00:00.000Z', verdict: 'warning', rows: 5100, metrics: { roc_auc: 0.79 }, version: V2 },
];

function input(over: Partial<ModelCardInput> = {}): ModelCardInput {
  return {
    spec,
    generatedAt: '2026-02-18T00:00:00.000Z',
    champion: promotion,
    championVersion: v2,
    versions: [v1, v2],
    championHistory: [promotion, initial],
    reports,
    latest: {
      windowEnd: '2026-02-17T06:00:00.000Z',
      verdict: { status: 'warning', reasons: ['tenure drifted (wasserstein 0.21)'] },
      drift: {
        columns: {
          tenure: { kind: 'numeric', test: 'wasserstein', threshold: 0.1, score: 0.21, drifted: true, reference_rows: 1000, current_rows: 1000 },
          spend: { kind: 'numeric', test: 'wasserstein', threshold: 0.1, score: 0.02, drifted: false, reference_rows: 1000, current_rows: 1000 },
          plan: { kind: 'categorical', test: 'jensenshannon', threshold: 0.1, score: 0.15, drifted: true, reference_rows: 1000, current_rows: 1000 },
        },
        dataset_drift: true,
        share_drifted: 2 / 3,
        drift_share: 0.5,
        drifted_columns: ['tenure', 'plan'],
      },
      quality: {
        schemaBreak: false,
        rows: 1000,
        missingColumns: [],
        unexpectedColumns: ['promo_code'],
        typeChanges: [],
        newCategories: [],
        nullRateIncreases: [],
        outOfRange: [],
        constantColumns: [],
        issues: [{ severity: 'warning', column: 'promo_code', message: 'unexpected column promo_code' }],
      },
    },
    auditTrail: trail,
    ...over,
  };
}

/** The lines of one `## ` section, without its heading. */
function section(md: string, title: string): string {
  const start = md.indexOf(`\n## ${title}\n`);
  assert.ok(start >= 0, `section ${title} missing`);
  const end = md.indexOf('\n## ', start + 1);
  return md.slice(start, end < 0 ? undefined : end);
}

function tableRows(text: string): string[] {
  return text.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('|---'));
}

describe('model cards', () => {
  const card = buildModelCard(input());
  const md = renderModelCardMarkdown(card);
  if (process.env.UPKEEP_PRINT_CARD) console.log(md);

  it('has every section, in order', () => {
    const headings = md.split('\n').filter((l) => l.startsWith('#'));
    assert.deepEqual(headings, [
      '# Model card: churn',
      '## Model details',
      '## Intended use and limits',
      '## Current version',
      '## Lineage',
      '## Metric trend',
      '## Latest drift and quality',
      '## Audit trail',
    ]);
  });

  it('states the details, the intended use and that limits are not stated', () => {
    const details = section(md, 'Model details');
    for (const s of [
      'olga@example.com',
      'alice@example.com, bob@example.com',
      'head-of-data@example.com',
      'tenure, spend, plan',
      '`churned`',
      'roc_auc (higher is better; min 0.75, max_drop 0.05 from the baseline 0.82)',
    ]) {
      assert.ok(details.includes(s), `details lack ${s}`);
    }
    const use = section(md, 'Intended use and limits');
    assert.ok(use.includes('Ranking subscribers for retention offers.'));
    assert.ok(use.includes('Limits: not stated in upkeep.yaml'));
    assert.equal(card.details.limits, null);
  });

  it('shows the current version, how it became champion and who approved', () => {
    assert.equal(card.current.version, V2);
    assert.equal(card.current.change, 'promotion');
    assert.deepEqual(card.current.approvedBy, ['alice@example.com', 'bob@example.com']);
    const current = section(md, 'Current version');
    assert.ok(current.includes(`**Version \`${V2}\`**`));
    assert.ok(current.includes(`sha256 \`${V2}…\``));
    assert.ok(current.includes('since 2026-02-05 10:00 UTC'));
    assert.ok(current.includes('promoted'));
    assert.ok(current.includes(`replacing \`${V1}\``));
    assert.ok(current.includes('bob@example.com'));
    assert.ok(current.includes('holdout looks good'));
  });

  it('lists the lineage newest first with training window, holdout metric and champion periods', () => {
    assert.deepEqual(
      card.lineage.map((v) => v.version),
      [V2, V1],
    );
    assert.deepEqual(card.lineage[0]!.training, { firstDay: '2026-01-01', lastDay: '2026-01-28', days: 28, rows: 12_000 });
    assert.deepEqual(card.lineage[1]!.championPeriods, [{ from: initial.since, to: promotion.since, change: 'initial' }]);
    const rows = tableRows(section(md, 'Lineage')).slice(1);
    assert.equal(rows.length, 2);
    assert.ok(rows[0]!.startsWith(`| \`${V2}\` (current) |`));
    assert.ok(rows[0]!.includes('2026-01-01 – 2026-01-28 (28 days, 12000 rows)'));
    assert.ok(rows[0]!.includes('| 0.8400 (holdout) |'));
    assert.ok(rows[0]!.includes('2026-02-05 → now'));
    assert.ok(rows[1]!.includes('2026-01-01 → 2026-02-05'));
  });

  it('labels a configured baseline as configured, not as a holdout', () => {
    // The registry records the config's baseline on the config's artifact (registry/activities.ts).
    const configured = buildModelCard(input({ versions: [{ ...v1, baseline: { roc_auc: 0.82 } }, v2] }));
    assert.deepEqual(
      configured.lineage.map((v) => [v.version, v.holdoutPrimary, v.baselineSource]),
      [
        [V2, 0.84, 'holdout'],
        [V1, 0.82, 'config'],
      ],
    );
    const rows = tableRows(section(renderModelCardMarkdown(configured), 'Lineage'));
    assert.ok(rows[0]!.includes('| baseline roc_auc |'), rows[0]);
    assert.ok(rows[2]!.includes('| 0.8200 (config) |'), rows[2]);
    assert.equal(card.lineage[1]!.baselineSource, null, 'no baseline, no source');
  });

  it('shows the metric trend newest first', () => {
    assert.deepEqual(
      card.metricTrend.map((p) => p.value),
      [0.79, 0.83, 0.74],
    );
    const rows = tableRows(section(md, 'Metric trend')).slice(1);
    assert.ok(rows[0]!.startsWith('| 2026-02-17 06:00 UTC | warning |'));
    assert.ok(rows[2]!.startsWith('| 2026-01-20 06:00 UTC | degraded |'));
  });

  it('shows a window evaluated again once (its latest run), and the same window of two versions once each', () => {
    const days = { firstDay: '2026-02-11', lastDay: '2026-02-17' };
    const again = buildModelCard(
      input({
        reports: [
          ...reports,
          // `upkeep start` evaluated the latest window twice more; the old champion had evaluated it too.
          { ...reports[2]!, ...days, ranAt: '2026-02-17T06:01:00.000Z', metrics: { roc_auc: 0.79 } },
          { ...reports[2]!, ...days, ranAt: '2026-02-17T09:00:00.000Z', metrics: { roc_auc: 0.8 } },
          { ...reports[2]!, ...days, ranAt: '2026-02-17T07:00:00.000Z', metrics: { roc_auc: 0.78 } },
          { ...reports[2]!, ...days, ranAt: '2026-02-17T08:00:00.000Z', metrics: { roc_auc: 0.7 }, version: V1 },
        ].filter((r, i) => i !== 2),
      }),
    );
    assert.deepEqual(
      again.metricTrend.map((p) => [p.windowEnd.slice(0, 10), p.version, p.value]),
      [
        ['2026-02-17', V1, 0.7],
        ['2026-02-17', V2, 0.8],
        ['2026-02-10', V2, 0.83],
        ['2026-01-20', V1, 0.74],
      ],
    );
  });

  it("keeps a window's first estimate beside the realized value its labels gave, and marks a verdict judged on the estimate", () => {
    const days = { firstDay: '2026-02-11', lastDay: '2026-02-17' };
    const later = { firstDay: '2026-02-18', lastDay: '2026-02-24' };
    const late = buildModelCard(
      input({
        reports: [
          ...reports.slice(0, 2),
          // The window without labels (judged on the estimate), then evaluated again with them.
          {
            ...reports[2]!,
            ...days,
            ranAt: '2026-02-17T06:00:00.000Z',
            verdict: 'degraded',
            basis: 'estimated',
            metrics: { roc_auc: null },
            estimate: { value: 0.7, lower: 0.67, upper: 0.73 },
          },
          { ...reports[2]!, ...days, ranAt: '2026-03-19T06:00:00.000Z', verdict: 'healthy', metrics: { roc_auc: 0.78 } },
          // The next window: labels not known yet.
          {
            ...reports[2]!,
            ...later,
            windowEnd: '2026-02-24T06:00:00.000Z',
            ranAt: '2026-02-24T06:00:00.000Z',
            verdict: 'healthy',
            basis: 'estimated',
            metrics: { roc_auc: null },
            estimate: { value: 0.8, lower: 0.77, upper: 0.83 },
          },
        ],
      }),
    );
    const [next, matured] = late.metricTrend;
    assert.deepEqual([next!.value, next!.basis, next!.estimate], [0.8, 'estimated', { value: 0.8, lower: 0.77, upper: 0.83, error: null, inBand: null }]);
    assert.deepEqual([matured!.value, matured!.verdict, matured!.basis], [0.78, 'healthy', undefined]);
    assert.equal(matured!.estimate!.value, 0.7);
    assert.ok(Math.abs(matured!.estimate!.error! - 0.08) < 1e-12);
    assert.equal(matured!.estimate!.inBand, false);
    const rows = tableRows(section(renderModelCardMarkdown(late), 'Metric trend'));
    assert.match(rows[0]!, /estimated \(band\) \| error/);
    assert.match(rows[1]!, /^\| 2026-02-24 06:00 UTC \| healthy \(estimated\) \| .* \| 0\.8000 \(estimated\) \| 0\.8000 \(0\.7700\.\.0\.8300\) \| — \|/);
    assert.match(rows[2]!, /^\| 2026-02-17 06:00 UTC \| healthy \| .* \| 0\.7800 \| 0\.7000 \(0\.6700\.\.0\.7300\) \| \+0\.0800 outside the band \|/);
  });

  it('summarises the latest drift and quality', () => {
    const text = section(md, 'Latest drift and quality');
    assert.ok(text.includes('Dataset drift: **yes** (2 of 3 columns drifted'));
    assert.deepEqual(
      card.latestConditions!.drift!.driftedColumns.map((c) => c.column),
      ['plan', 'tenure'],
    );
    assert.ok(text.includes('| tenure | wasserstein | 0.2100 | 0.1 |'));
    assert.ok(text.includes('unexpected column promo_code'));
  });

  it('lists drifted columns by importance with the importance beside each, and names the failed gates on the verdict line', () => {
    const base = input().latest!;
    const ranked = buildModelCard(
      input({
        latest: {
          ...base,
          verdict: {
            status: 'degraded',
            reasons: ['fraud_cost 120 is above the maximum 100'],
            failedGates: ['fraud_cost', 'demographic_parity_difference[sex|x]'],
          },
          drift: {
            ...base.drift!,
            columns: {
              ...base.drift!.columns,
              age: { kind: 'numeric', test: 'wasserstein', threshold: 0.1, score: 0.3, drifted: true, reference_rows: 1000, current_rows: 1000 },
            },
            drifted_columns: ['tenure', 'plan', 'age'],
            importance: {
              method: 'permutation',
              metric: 'roc_auc',
              baseline: 0.81,
              rows: 2000,
              repeats: 5,
              seed: 7,
              model_sha256: 'a'.repeat(64),
              // plan is not a model input here: no importance, listed last.
              columns: { tenure: { importance: 0.04523, std: 0.0081 }, age: { importance: 0.00123, std: 0.00041, below_floor: true } },
              ranked: ['tenure', 'age', 'plan'],
              floor: 0.005,
            },
          },
        },
      }),
    );
    const d = ranked.latestConditions!.drift!;
    assert.deepEqual(
      d.driftedColumns.map((c) => [c.column, c.importance, c.belowFloor]),
      [
        ['tenure', 0.04523, undefined],
        ['age', 0.00123, true],
        ['plan', undefined, undefined],
      ],
    );
    assert.deepEqual(ranked.latestConditions!.failedGates, ['fraud_cost', 'demographic_parity_difference[sex|x]']);
    const text = section(renderModelCardMarkdown(ranked), 'Latest drift and quality');
    assert.ok(text.includes('**degraded**; failed gates: fraud_cost, demographic_parity_difference\\[sex\\|x\\].'), text);
    assert.ok(text.includes('drift in a column below the importance floor (0.005) raises no warning'));
    const rows = tableRows(text);
    assert.equal(rows[0], '| drifted column | test | score | threshold | importance |');
    assert.deepEqual(rows.slice(1, 4), [
      '| tenure | wasserstein | 0.2100 | 0.1 | 0.0452 ± 0.0081 |',
      '| age | wasserstein | 0.3000 | 0.1 | 0.00123 ± 0.00041, below the importance floor |',
      '| plan | jensenshannon | 0.1500 | 0.1 | — |',
    ]);
    // Without importances or failed gates: by column, no importance column, the verdict line as before.
    assert.ok(section(md, 'Latest drift and quality').includes('**warning**.'));
    assert.ok(section(md, 'Latest drift and quality').includes('| drifted column | test | score | threshold |\n'));
  });

  it('says its audit trail section is a copy of the trail, not verified by the card', () => {
    assert.ok(
      section(md, 'Audit trail').includes(
        'Copied from the audit trail (`audit/churn/`) when this card was written, not verified here: `upkeep audit verify churn` checks the trail.',
      ),
    );
  });

  it('keeps the audit trail newest first with the rejection comment, pipes escaped', () => {
    assert.deepEqual(
      card.auditTrail.map((e) => e.summary),
      [`${V2} is champion`, 'retrain rejected', 'roc_auc 0.74 below min 0.75'],
    );
    const rows = tableRows(section(md, 'Audit trail')).slice(1);
    assert.equal(rows.length, 3);
    assert.equal(
      rows[1],
      '| 2026-01-21 07:00 UTC | decision: retrain rejected | alice@example.com | labels for week 3 are late \\| wait<br>for the backfill |',
    );
    // Every row of the table has exactly the header's number of unescaped separators.
    for (const r of rows) assert.equal(r.replace(/\\\|/g, '').split('|').length, 6);
  });

  it('is deterministic whatever order the lists come in', () => {
    const shuffled = input({
      versions: [v2, v1],
      championHistory: [initial, promotion],
      reports: [...reports].reverse(),
      auditTrail: [...trail].reverse(),
    });
    const again = renderModelCardMarkdown(buildModelCard(shuffled));
    assert.equal(again, md);
    assert.equal(renderModelCardMarkdown(buildModelCard(input())), md);
    assert.equal(JSON.stringify(buildModelCard(shuffled)), JSON.stringify(card));
  });

  it('is a plain JSON object', () => {
    assert.deepEqual(JSON.parse(JSON.stringify(card)), card);
  });

  it('says the config artifact runs when nothing was ever promoted', () => {
    const fresh = buildModelCard(
      input({ champion: null, championVersion: null, versions: [], championHistory: [], reports: [], latest: undefined, auditTrail: [] }),
    );
    assert.equal(fresh.current.change, 'config');
    assert.equal(fresh.current.version, null);
    assert.equal(fresh.latestConditions, null);
    const text = renderModelCardMarkdown(fresh);
    assert.ok(
      section(text, 'Current version').includes('No version has been promoted yet: the artifact declared in upkeep.yaml runs (file:///models/churn.onnx).'),
    );
    assert.ok(section(text, 'Lineage').includes('No versions registered yet.'));
    assert.ok(section(text, 'Audit trail').includes('Nothing recorded yet.'));
    assert.deepEqual(JSON.parse(JSON.stringify(fresh)), fresh);
  });

  it(`shows at most ${MAX_LOG_ENTRIES} audit entries and says how many were left out`, () => {
    const many = Array.from({ length: MAX_LOG_ENTRIES + 5 }, (_, i) =>
      trailEntry(`x${i}`, new Date(Date.UTC(2026, 0, 1) + i * 3_600_000).toISOString(), 'evaluation', `evaluation ${i}`),
    );
    const big = buildModelCard(input({ auditTrail: many }));
    assert.equal(big.auditTrail.length, MAX_LOG_ENTRIES);
    assert.equal(big.omitted.auditTrail, 5);
    assert.equal(big.auditTrail[0]!.summary, `evaluation ${MAX_LOG_ENTRIES + 4}`);
    assert.ok(renderModelCardMarkdown(big).includes(`The latest ${MAX_LOG_ENTRIES} of ${MAX_LOG_ENTRIES + 5} entries`));
  });

  it('shows the monitoring plan, whether the trail holds it, and its history', () => {
    const plan = monitoringPlan(spec);
    const sha = 'f'.repeat(64);
    const history = [
      { at: '2026-02-10T00:00:00.000Z', sha256: sha, changed: ['watched'] },
      { at: '2026-01-01T00:00:00.000Z', sha256: 'e'.repeat(64), changed: ['first plan'] },
    ];
    const md = renderModelCardMarkdown(buildModelCard(input({ monitoringPlan: { sha256: sha, lines: planLines(plan), recordedAt: history[0]!.at, history } })));
    assert.match(md, /^## Monitoring plan\n\nPlan `ffffffffffff`, generated from upkeep\.yaml and recorded in the audit trail 2026-02-10/m);
    assert.match(md, /^- Watched: roc_auc /m);
    assert.match(md, /^\| 2026-02-10 .*\| ffffffffffff \| watched \|$/m);
    const pending = renderModelCardMarkdown(buildModelCard(input({ monitoringPlan: { sha256: sha, lines: planLines(plan), recordedAt: null, history: [] } })));
    assert.match(pending, /\*\*not yet recorded\*\*/);
    assert.doesNotMatch(renderModelCardMarkdown(buildModelCard(input())), /## Monitoring plan/);
  });
});
