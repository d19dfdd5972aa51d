import assert from 'node:assert/strict';
import { modelSpec, type ModelSpec } from '../../domain/config.js';
import { buildFairness, renderFairnessMarkdown } from '../../engine/cards/fairness.js';
import type { CardReportPoint, ModelCardInput } from '../../engine/cards/types.js';
import { markdownText } from '../../domain/escape.js';
import type { FairnessReport } from '../../domain/fairness.js';

const spec: ModelSpec = modelSpec.parse({
  id: 'loans',
  owner: 'olga@example.com',
  task: 'binary',
  artifact: 'file:///models/loans.onnx',
  inputs: [{ name: 'features', columns: ['a', 'b'] }],
  label: { column: 'y', positive: 1 },
  data: { uri: 'file:///data/{date}.csv' },
  schedule: { every: '1d' },
  thresholds: { metric: 'roc_auc', min: 0.7 },
  fairness: { columns: ['sex'], gates: { demographic_parity_difference: { max: 0.1 } } },
});

function reports(values: (day: number) => Record<string, number | null>, version = 'v2', days = 8): CardReportPoint[] {
  return Array.from({ length: days }, (_, d) => ({
    windowEnd: `2026-03-${String(d + 1).padStart(2, '0')}T06:00:00.000Z`,
    verdict: 'healthy',
    rows: 1000,
    metrics: { roc_auc: 0.8 },
    version,
    fairness: values(d),
  }));
}

const cardInput = (r: CardReportPoint[], s: ModelSpec = spec): ModelCardInput => ({ spec: s, reports: r }) as unknown as ModelCardInput;

describe('bias drift on the model card', function () {
  it('says a gap grew when it rises steadily over the windows, and shows it per window, newest first', function () {
    const noise = [0.004, -0.003, 0.002, -0.001, 0.003, -0.002, 0.001, 0];
    const f = buildFairness(
      cardInput([
        // An older version's windows never enter the series of the current one.
        ...reports(() => ({ 'demographic_parity_difference[sex]': 0.5 }), 'v1', 3),
        ...reports((d) => ({
          'demographic_parity_difference[sex]': 0.02 + 0.02 * d + noise[d]!,
          'demographic_parity_ratio[sex]': 0.95 - 0.03 * d,
          'metric_gap[sex]': 0.03 + noise[d]!,
        })),
      ]),
    )!;
    assert.equal(f.version, 'v2');
    const dpd = f.gaps.find((g) => g.name === 'demographic_parity_difference[sex]')!;
    assert.equal(dpd.grew, true);
    assert.equal(dpd.gate, 'max 0.1');
    assert.match(dpd.message, /^demographic_parity_difference\[sex\] growing 0\.14 per week since 2026-03-01$/);
    assert.equal(dpd.points.length, 8);
    assert.equal(dpd.points[0]!.windowEnd, '2026-03-08T06:00:00.000Z');
    const ratio = f.gaps.find((g) => g.name === 'demographic_parity_ratio[sex]')!;
    assert.equal(ratio.grew, true, 'a parity ratio that shrinks is the gap growing');
    assert.match(ratio.message, /shrinking/);
    const gap = f.gaps.find((g) => g.name === 'metric_gap[sex]')!;
    assert.equal(gap.grew, false);
    assert.match(gap.message, /^no significant decline in metric_gap\[sex\] over 8 windows/);
    const md = renderFairnessMarkdown(f, markdownText).join('\n');
    assert.match(md, /\| demographic_parity_difference\\\[sex\\\] \| max 0\.1 \| 0\.1600 \| \*\*yes\*\* \|/);
  });

  it("follows a declared metric's gap between groups too (cost:gap[sex]): growing is worse, and it carries no gate", function () {
    const noise = [0.004, -0.003, 0.002, -0.001, 0.003, -0.002, 0.001, 0];
    const f = buildFairness(cardInput(reports((d) => ({ 'demographic_parity_difference[sex]': 0.05, 'cost:gap[sex]': 1 + 0.5 * d + noise[d]! }))))!;
    const cost = f.gaps.find((g) => g.name === 'cost:gap[sex]')!;
    assert.equal(cost.grew, true);
    assert.equal(cost.gate, null);
    assert.match(cost.message, /^cost:gap\[sex\] growing /);
    const md = renderFairnessMarkdown(f, markdownText).join('\n');
    assert.match(md, /\| cost:gap\\\[sex\\\] \| — \| 4\.5000 \| \*\*yes\*\* \|/);
  });

  it('waits for enough windows, and is absent for a model without fairness or reports without gaps', function () {
    const few = buildFairness(cardInput(reports((d) => ({ 'metric_gap[sex]': 0.01 * d }), 'v2', 3)))!;
    assert.equal(few.gaps[0]!.grew, false);
    assert.match(few.gaps[0]!.message, /only 3 windows have a metric_gap\[sex\] value; at least 6 are needed/);
    const { fairness: _f, ...plain } = spec;
    assert.equal(
      buildFairness(
        cardInput(
          reports(() => ({ 'metric_gap[sex]': 0.1 })),
          plain as ModelSpec,
        ),
      ),
      undefined,
    );
    assert.equal(buildFairness(cardInput(reports(() => ({})))), undefined);
  });
});

describe('fairness on the web model page', function () {
  it('shows the latest gaps, the groups and whether each gap grew, escaping group values', async function () {
    const { fairnessSection } = await import('../../cli/web/fairness-section.js');
    const { assessFairness } = await import('../../engine/evaluation/fairness/index.js');
    const { fairnessSpec } = await import('../../domain/fairness-config.js');
    const n = 400;
    const values = ['<script>alert(1)</script>', 'b'];
    const codes = Int32Array.from({ length: n }, (_, i) => i % 2);
    const yPred = Int32Array.from(codes, (c, i) => (i % (c ? 2 : 5) === 0 ? 1 : 0));
    const yTrue = Int32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const proba = new Float64Array(2 * n);
    yPred.forEach((p, i) => proba.set(p ? [0.3, 0.7] : [0.7, 0.3], 2 * i));
    const fairness = assessFairness(
      { task: 'binary', yTrue, yPred, proba, nClasses: 2, positive: 1 },
      { metric: 'accuracy', spec: fairnessSpec.parse({ columns: ['g'] }), columns: { g: { codes, values } }, resamples: 20, confidence: 0.95, seed: 0 },
    );
    const card = { fairness: buildFairness(cardInput(reports((d) => ({ 'demographic_parity_difference[sex]': 0.02 * d })))) };
    const page = String(await fairnessSection({ evaluation: { fairness } } as never, card as never));
    assert.ok(!page.includes('<script>') && page.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), page);
    assert.match(page, /<caption>Groups of g<\/caption>/);
    assert.match(page, /<tr class="drifted"><td>demographic_parity_difference\[sex\]<\/td><td>max 0\.1<\/td><td>0\.1400<\/td><td>yes<\/td>/);
  });
});

describe('fairness in a promotion request', function () {
  const report = (dpd: number | null, ratio: number, gap: number): FairnessReport => ({
    metric: 'roc_auc',
    min_group_rows: 100,
    confidence: 0.95,
    resamples: 0,
    seed: 0,
    families: [
      {
        name: 'sex',
        columns: ['sex'],
        groups: [],
        omittedGroups: 0,
        gaps: { demographic_parity_difference: { value: dpd }, demographic_parity_ratio: { value: ratio }, metric_gap: { value: gap } },
      },
    ],
  });

  it('puts each gap of champion and challenger on the holdout side by side, saying which the challenger widens', async function () {
    const { compareOnHoldout } = await import('../../workflows/policy.js');
    const { inboxPage } = await import('../../cli/web/pages.js');
    const side = (fairness: FairnessReport | undefined, auc: number) => ({
      metrics: { roc_auc: auc },
      undefinedMetrics: {},
      ...(fairness ? { fairness } : {}),
    });
    const base = {
      metric: 'roc_auc',
      minImprovement: 0,
      holdout: { uri: 'file:///h', sha256: 'f'.repeat(64), rows: 800, firstDay: '2026-03-01', lastDay: '2026-03-07' },
    };
    const c = compareOnHoldout({
      ...base,
      champion: { version: 'aaaaaaaaaaaa', summary: side(report(0.05, 0.9, 0.02), 0.8) },
      challenger: { version: 'bbbbbbbbbbbb', summary: side(report(0.12, 0.95, 0.02), 0.85) },
    });
    assert.deepEqual(c.fairness, [
      { name: 'demographic_parity_difference[sex]', champion: 0.05, challenger: 0.12, worse: true },
      { name: 'demographic_parity_ratio[sex]', champion: 0.9, challenger: 0.95, worse: false },
      { name: 'metric_gap[sex]', champion: 0.02, challenger: 0.02, worse: false },
    ]);
    const undefinedGap = compareOnHoldout({
      ...base,
      champion: { version: 'a', summary: side(report(null, 0.9, 0.02), 0.8) },
      challenger: { version: 'b', summary: side(report(0.1, 0.9, 0.02), 0.85) },
    });
    assert.equal(undefinedGap.fairness![0]!.worse, null);
    // Requests recorded before fairness (or models without it) carry no fairness rows.
    const none = compareOnHoldout({
      ...base,
      champion: { version: 'a', summary: side(undefined, 0.8) },
      challenger: { version: 'b', summary: side(report(0.1, 0.9, 0.02), 0.85) },
    });
    assert.equal(none.fairness, undefined);
    const status = {
      modelId: 'loans',
      kind: 'retrain',
      stage: 'awaiting-promotion-approval',
      since: '2026-03-08T06:00:00.000Z',
      evidence: [],
      gates: [],
      champion: 'aaaaaaaaaaaa',
      comparison: c,
      gate: {
        gate: 'promote',
        state: 'waiting',
        openedAt: '2026-03-08T06:00:00.000Z',
        expiresAt: '2026-03-15T06:00:00.000Z',
        approvers: ['alice@example.com'],
        notified: [],
        reminders: 0,
        escalated: false,
      },
    };
    const page = String(await inboxPage({ user: 'alice@example.com', csrf: 'x' }, [{ workflowId: 'upkeep-retrain-loans', status: status as never }], []));
    assert.match(page, /<caption>Fairness gaps on the holdout: the challenger widens some<\/caption>/);
    assert.match(page, /<tr class="not-recommended"><td>demographic_parity_difference\[sex\]<\/td><td>0\.0500<\/td><td>0\.1200<\/td><td>wider<\/td><\/tr>/);
    assert.match(page, /<td>demographic_parity_ratio\[sex\]<\/td><td>0\.9000<\/td><td>0\.9500<\/td><td>same or narrower<\/td>/);
  });
});
