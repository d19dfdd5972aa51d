/** docs/false-alarms.md from the measured cells (scripts/false-alarms/measure.ts). */
import { LISTED, RULES, UNCHANGED_WINDOWS, SHIFTED_WINDOWS, type Cell, type Index } from './measure.js';

export const TARGET_FALSE_ALARMS = 0.05;
export const TARGET_DETECTION = 0.95;

const pct = (a: number, b: number): string => (b === 0 ? '—' : `${((100 * a) / b).toFixed(1)}%`);
const ratio = (a: number, b: number): string => (b === 0 ? '—' : `${a} of ${b} (${pct(a, b)})`);

export interface Totals {
  size: number | 'all';
  unchanged: number;
  raised: number;
  shifted: number;
  caught: number;
  rules: Record<string, number>;
  listed: Record<string, number>;
}

export function totals(cells: Cell[]): Totals[] {
  const sizes = [...new Set(cells.map((c) => c.size))].sort((a, b) => a - b);
  const sum = (list: Cell[], size: number | 'all'): Totals => ({
    size,
    unchanged: list.reduce((n, c) => n + c.unchanged, 0),
    raised: list.reduce((n, c) => n + c.raised, 0),
    shifted: list.reduce((n, c) => n + c.shifted, 0),
    caught: list.reduce((n, c) => n + c.caught, 0),
    rules: Object.fromEntries(RULES.map((r) => [r, list.reduce((n, c) => n + c.rules[r], 0)])),
    listed: Object.fromEntries(LISTED.map((r) => [r, list.reduce((n, c) => n + c.listed[r], 0)])),
  });
  return [
    ...sizes.map((s) =>
      sum(
        cells.filter((c) => c.size === s),
        s,
      ),
    ),
    sum(cells, 'all'),
  ];
}

/** One row per data set and window size: `| name | size | raised of unchanged | caught of shifted | feature |`. */
export function datasetRow(c: Cell): string {
  return `| ${c.dataset} | ${c.size} | ${c.raised} of ${c.unchanged} | ${c.caught} of ${c.shifted} | ${c.features.join(', ')} |`;
}

export function render(cells: Cell[], index: Index): string {
  const t = totals(cells);
  const bySize = t.slice(0, -1);
  const head = (first: string) => `| ${first} | ${bySize.map((s) => `${s.size} rows`).join(' | ')} | all |\n|---|${bySize.map(() => '---:|').join('')}---:|`;
  const row = (label: string, f: (x: Totals) => string) => `| ${label} | ${t.map(f).join(' | ')} |`;
  const missed = bySize.filter((s) => s.caught < TARGET_DETECTION * s.shifted);
  const noisy = bySize.filter((s) => s.raised > TARGET_FALSE_ALARMS * s.unchanged);
  const datasets = new Set(cells.map((c) => c.dataset));
  const lines = [
    '# False alarms, measured',
    '',
    '<!-- Written by scripts/false-alarms.ts; do not edit by hand. -->',
    '',
    'How often upkeep raises a warning on a window where nothing changed, rule by rule, and how often',
    "a one-standard-deviation shift of the model's most important feature is caught, on real data:",
    `${datasets.size} labelled data sets (every one that ships inside scikit-learn and is large enough, and public`,
    'tables shipped inside packages from the Python package index). What the rules are and why they',
    'fire when they do: [monitoring.md](monitoring.md#alarms-you-can-believe) and',
    '[statistics/drift.md](statistics/drift.md#alarms-how-often-each-rule-fires-when-nothing-changed).',
    '',
    '## Totals against the targets',
    '',
    head('window'),
    row('unchanged windows raising anything (target ≤ 5%)', (x) => ratio(x.raised, x.unchanged)),
    row('1-SD shift caught, naming the feature (target ≥ 95%)', (x) => ratio(x.caught, x.shifted)),
    '',
    noisy.length === 0
      ? `At every window size at most ${TARGET_FALSE_ALARMS * 100}% of unchanged windows raised anything.`
      : `Above the ${TARGET_FALSE_ALARMS * 100}% target: ${noisy.map((s) => `${s.size} rows (${pct(s.raised, s.unchanged)})`).join(', ')}.`,
    missed.length === 0
      ? `The shift was caught in at least ${TARGET_DETECTION * 100}% of windows at every size.`
      : `Below the ${TARGET_DETECTION * 100}% detection target: ${missed.map((s) => `${s.size} rows (${pct(s.caught, s.shifted)})`).join(', ')}; see "Where a shift cannot be seen" below.`,
    '',
    '## Per rule: share of unchanged windows it raised a warning on',
    '',
    head('rule'),
    ...RULES.map((r) => row(r, (x) => pct(x.rules[r]!, x.unchanged))),
    row('**anything**', (x) => `**${pct(x.raised, x.unchanged)}**`),
    '',
    'Drift is one family (feature columns, label and prediction) corrected with Benjamini–Hochberg at',
    '0.05; each quality rule is Bonferroni-corrected over its columns at 0.01. A window can raise',
    'several rules, so the rows add up to more than "anything". The reconstruction error of the inputs taken',
    'together is judged on its own band, the tails beyond ±3 standard deviations of a normal (0.135% each',
    "side) of the mean of the window's number of held-out reference row errors, bootstrapped",
    '([statistics/multivariate-drift.md](statistics/multivariate-drift.md#data-reconstruction-error)); the',
    'domain classifier runs only when a model asks for it and is not measured here.',
    '',
    '## Found, but what chance gives: listed as information only',
    '',
    'Share of unchanged windows where the rule found something and judged it within chance (the rule',
    'before it was judged against chance would have warned on each of these):',
    '',
    head('rule'),
    ...LISTED.map((r) => row(r, (x) => pct(x.listed[r]!, x.unchanged))),
    '',
    '## Per data set',
    '',
    `Per split: ${UNCHANGED_WINDOWS} unchanged and ${SHIFTED_WINDOWS} shifted windows of each size, drawn without replacement`,
    `from the half the model was not trained on; ${index.splits} random half splits per data set. A window size is`,
    "measured where that half has at least as many rows. Windows of one split share that split's chance",
    'difference between its halves (at 200 rows of a 400-row data set they are nearly the same rows),',
    'so the rates are averages over splits, not over independent windows.',
    '',
    '| data set | window | unchanged windows raising anything | shift caught | shifted feature |',
    '|---|---:|---:|---:|---|',
    ...cells.map(datasetRow),
    '',
    '| data set | source | task | rows | columns (model inputs) | recognised, not drift-tested |',
    '|---|---|---|---:|---:|---|',
    ...index.datasets
      .filter((d) => datasets.has(d.name))
      .map((d) => {
        const rec = cells.find((c) => c.dataset === d.name)?.recognised ?? [];
        const recognised = rec.length === 0 ? '—' : rec.map((r) => `${r.column} (${r.kind})`).join(', ');
        return `| ${d.name} | ${d.source} | ${d.task} | ${d.rows} | ${d.columns} (${d.features}) | ${recognised} |`;
      }),
    '',
    ...(index.skipped.length > 0 ? ['Left out: ' + index.skipped.map((s) => `${s.name} (${s.source}): ${s.why}.`).join(' '), ''] : []),
    '## Where a shift cannot be seen',
    '',
    ...(missed.length === 0
      ? ['Every window size measured caught the shift in at least 95% of windows, 50 rows included.', 'Windows under 50 rows were not measured.']
      : missed.map(
          (s) =>
            `- ${s.size} rows: ${pct(s.caught, s.shifted)}. ${cells
              .filter((c) => c.size === s.size && c.caught < c.shifted)
              .map((c) => `${c.dataset} ${c.caught} of ${c.shifted}`)
              .join(', ')}.`,
        )),
    '',
    '## Reproducing it',
    '',
    '    python3 -m venv /tmp/fa && /tmp/fa/bin/pip install -r scripts/fixtures/requirements-false-alarms.txt',
    '    /tmp/fa/bin/python scripts/fixtures/make_false_alarm_table.py   # the committed fixtures',
    '    node --import tsx scripts/false-alarms.ts                        # this page',
    '',
    '`test/unit/false-alarm-table.test.ts` reruns two data sets and checks their rows and the totals',
    'above against the targets.',
    '',
  ];
  return lines.join('\n');
}
