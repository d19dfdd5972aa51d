/**
 * The evaluation report: one JSON document (the record) and a Markdown rendering of it (for people).
 * Pure: no I/O, no clock. Content depends only on its inputs, so a retried write is identical.
 */
import { markdownCode as code, markdownText as t } from '../../domain/escape.js';
import { segmentMarkdown } from './segments/render.js';
import type { EvaluationFailure, EvaluationSummary, ResolvedModel, SnapshotRef, TrendSummary, Verdict } from '../../domain/evaluation.js';
import type { EstimatedMetric } from '../../domain/estimation.js';
import { driftDisplayOrder, effectCell, importanceCell, importanceSummary } from '../../domain/importance.js';
import { businessMarkdown } from './gated-report.js';
import { fairnessMarkdown } from './fairness/markdown.js';

export interface EvaluationReport {
  schema: 'upkeep.evaluation-report/v1';
  modelId: string;
  owner: string;
  task: string;
  verdict: Verdict;
  window: { firstDay: string; lastDay: string; end: string; timezone: string };
  model: { artifactUri: string; sha256: string; bytes: number };
  thresholds: ResolvedModel['spec']['thresholds'];
  baseline: Record<string, number>;
  snapshot: SnapshotRef;
  /** Absent when no file was evaluated or the window failed. */
  evaluation?: EvaluationSummary;
  failure?: EvaluationFailure;
  /** Absent for a one-shot evaluation outside Temporal. */
  workflow?: { workflowId: string; runId: string; startedAt: string };
  /** Convenience copies of the headline figures. */
  rows: number;
  metrics: Record<string, number | null>;
  /** Current conditions (copies from the evaluation, when computed). */
  drift?: EvaluationSummary['drift'];
  quality?: EvaluationSummary['quality'];
  slices?: EvaluationSummary['slices'];
  confidence?: EvaluationSummary['confidence'];
  /** Labelled and unlabelled rows of the window (copy from the evaluation). */
  labels?: EvaluationSummary['labels'];
  /** Metrics estimated on all scored rows, per metric (the whole estimate, with its reliability, is evaluation.estimated). */
  estimated?: Record<string, EstimatedMetric>;
  multivariate?: EvaluationSummary['multivariate'];
  trend?: TrendSummary;
  /** The model's spec in force (audit/<model>/specs/<sha256>.json). */
  spec?: { uri: string; sha256: string };
}

export function buildReport(input: {
  model: ResolvedModel;
  snapshot: SnapshotRef;
  evaluation?: EvaluationSummary;
  failure?: EvaluationFailure;
  verdict: Verdict;
  workflow?: { workflowId: string; runId: string; startedAt: string };
  trend?: TrendSummary;
}): EvaluationReport {
  const { model, snapshot, evaluation, failure, verdict, workflow, trend } = input;
  return {
    schema: 'upkeep.evaluation-report/v1',
    modelId: model.modelId,
    owner: model.spec.owner,
    task: model.spec.task,
    verdict,
    window: { firstDay: snapshot.firstDay, lastDay: snapshot.lastDay, end: snapshot.windowEnd, timezone: model.spec.schedule.timezone },
    model: { artifactUri: model.artifactUri, sha256: model.artifactSha256, bytes: model.artifactBytes },
    thresholds: model.spec.thresholds,
    baseline: model.spec.baseline,
    snapshot,
    ...(evaluation ? { evaluation } : {}),
    ...(failure ? { failure } : {}),
    ...(workflow ? { workflow } : {}),
    rows: evaluation?.rows ?? 0,
    metrics: evaluation?.metrics ?? {},
    ...(evaluation?.drift ? { drift: evaluation.drift } : {}),
    ...(evaluation?.quality ? { quality: evaluation.quality } : {}),
    ...(evaluation?.slices ? { slices: evaluation.slices } : {}),
    ...(evaluation?.confidence ? { confidence: evaluation.confidence } : {}),
    ...(evaluation?.labels ? { labels: evaluation.labels } : {}),
    ...(evaluation?.estimated ? { estimated: evaluation.estimated.metrics } : {}),
    ...(evaluation?.multivariate ? { multivariate: evaluation.multivariate } : {}),
    ...(trend ? { trend } : {}),
  };
}

const num = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : Number.isInteger(v) ? String(v) : v.toFixed(4));

/** Strings from outside (model ids, reasons, messages, column names, URIs) are escaped for Markdown. */
export function renderReportMarkdown(r: EvaluationReport): string {
  const lines: string[] = [];
  const e = r.evaluation;
  lines.push(`# ${t(r.modelId)}: ${r.verdict.status}`, '');
  const on = r.window.firstDay
    ? t(`the window ${r.window.firstDay} to ${r.window.lastDay} (${r.window.timezone}), ending ${r.window.end}`)
    : r.snapshot.files.map((f) => t(f.sourceUri.slice(f.sourceUri.lastIndexOf('/') + 1))).join(', ');
  lines.push(`Evaluation of **${t(r.modelId)}** (${r.task}, owner ${t(r.owner)}) on ${on}.`, '');
  lines.push('## Verdict', '', `**${r.verdict.status}**`, '');
  for (const reason of r.verdict.reasons) lines.push(`- ${t(reason)}`);
  lines.push('');
  if (r.failure) lines.push('## Failure', '', `${code(r.failure.type)}: ${t(r.failure.message)}`, '');
  if (e) {
    const unlabelled = e.labels?.unlabelled ?? 0;
    const est = e.estimated;
    lines.push(
      '## Metrics',
      '',
      `${e.rows} labelled rows evaluated (${e.rowsRead} read, ${e.droppedRows} dropped${unlabelled > 0 ? `, ${unlabelled} scored without a label yet` : ''}).`,
      '',
    );
    if (est) {
      // Realized on the labelled rows beside estimated on every scored row, with the estimate's band.
      lines.push(`| metric | realized (${e.rows} rows) | estimated (${est.rows} rows) | band | baseline | note |`, '|---|---:|---:|---|---:|---|');
      const names = [...new Set([...Object.keys(e.metrics), ...Object.keys(est.metrics)])];
      for (const name of names) {
        const m = est.metrics[name];
        const note = e.undefinedMetrics[name] ?? e.metricWarnings[name] ?? '';
        const primary = name === r.thresholds.metric ? ' (primary)' : '';
        const band = m && m.lower !== null && m.upper !== null ? `[${num(m.lower)}, ${num(m.upper)}]` : '—';
        lines.push(`| ${t(name)}${primary} | ${num(e.metrics[name])} | ${num(m?.value)} | ${band} | ${num(r.baseline[name])} | ${t(note)} |`);
      }
    } else {
      lines.push('| metric | value | baseline | note |', '|---|---:|---:|---|');
      for (const [name, value] of Object.entries(e.metrics)) {
        const note = e.undefinedMetrics[name] ?? e.metricWarnings[name] ?? '';
        const primary = name === r.thresholds.metric ? ' (primary)' : '';
        lines.push(`| ${t(name)}${primary} | ${num(value)} | ${num(r.baseline[name])} | ${t(note)} |`);
      }
    }
    lines.push('');
    lines.push(...businessMarkdown(e.gated, r.verdict.failedGates));
    if (e.logged) lines.push(...loggedLines(e.logged));
    if (est) lines.push(...estimateLines(est, r.verdict.basis));
    if (e.warnings.length > 0) {
      lines.push('## Warnings', '');
      for (const w of e.warnings) lines.push(`- ${t(w)}`);
      lines.push('');
    }
    // The counts are of the labelled rows: none to show when no row has its label yet.
    if (e.labelCounts && e.predictionCounts && e.rows > 0) {
      lines.push('## Classes', '');
      if (unlabelled > 0) lines.push(`On the ${e.rows} labelled rows (the ${unlabelled} without a label yet are not counted).`, '');
      lines.push('| class | true rows | predicted rows |', '|---|---:|---:|');
      for (const [label, n] of Object.entries(e.labelCounts)) lines.push(`| ${t(label)} | ${n} | ${e.predictionCounts[label] ?? 0} |`);
      lines.push('');
    }
  }
  if (r.confidence) {
    const c = r.confidence;
    lines.push('## Significance', '');
    lines.push(`${c.metric} ${num(c.value)}, ${Math.round(c.confidence * 100)}% ${intervalMethod(c)} [${num(c.low)}, ${num(c.high)}].`);
    if (c.drop) lines.push(`Drop from the baseline: ${num(c.drop.value)} [${num(c.drop.low)}, ${num(c.drop.high)}].`);
    lines.push('');
  }
  if (r.trend)
    lines.push(
      '## Trend',
      '',
      r.trend.message !== undefined
        ? t(r.trend.message)
        : `No steady decline of ${r.trend.metric} over the last ${r.trend.points} windows (p = ${num(r.trend.pValue)}).`,
      '',
    );
  const rolling = r.evaluation?.rollingReference;
  if (rolling) {
    const over = `the ${rolling.rolling} before the window${rolling.same ? `, same ${rolling.same} only` : ''}`;
    lines.push(
      '## Reference',
      '',
      rolling.why
        ? `Rolling reference (${over}): not used: ${t(rolling.why)}.`
        : `Rolling reference (${over}): ${rolling.days.length} day${rolling.days.length === 1 ? '' : 's'}, ${rolling.rows} rows: ${rolling.days.join(', ')}.`,
      ...(rolling.missing.length > 0 ? [`Days without data: ${rolling.missing.join(', ')}.`] : []),
      '',
    );
  }
  if (r.drift) {
    const d = r.drift;
    lines.push(
      '## Drift',
      '',
      `Dataset drift: **${d.dataset_drift === null ? 'undetermined' : d.dataset_drift ? 'yes' : 'no'}** (${d.drifted_columns.length} of ${Object.keys(d.columns).length} columns drifted; dataset drift at a share of ${d.drift_share}).`,
      '',
    );
    // With importances (drift ranked by what it costs): drifted columns most important first, two more cells.
    const imp = d.importance;
    if (imp) lines.push(t(importanceSummary(imp)), '');
    lines.push(
      `| column | test | score | threshold | drifted | psi | new categories |${imp ? ` importance | effect on ${t(imp.metric)} |` : ''}`,
      `|---|---|---:|---:|---|---:|---|${imp ? '---:|---:|' : ''}`,
    );
    const extra = (name: string): string => (imp ? ` ${importanceCell(name, imp)} | ${effectCell(name, imp)} |` : '');
    const row = (name: string, c: NonNullable<typeof d.label>, raw = name): string =>
      `| ${name} | ${t(c.test)} | ${num(c.score)} | ${c.threshold} | ${c.drifted === null ? '—' : c.drifted ? '**yes**' : 'no'} | ${num(c.psi)} | ${
        c.new_categories?.length
          ? `${c.new_categories
              .slice(0, 5)
              .map((v) => t(String(v)))
              .join(', ')} (${((c.share_rows_new_category ?? 0) * 100).toFixed(1)}% of rows)`
          : ''
      } |${raw === '' ? (imp ? ' | |' : '') : extra(raw)}`;
    for (const name of driftDisplayOrder(Object.keys(d.columns), d)) lines.push(row(t(name), d.columns[name]!, name));
    if (d.label) lines.push(row('(label)', d.label, ''));
    if (d.prediction) lines.push(row('(prediction)', d.prediction, ''));
    lines.push('');
    if (d.recognised && d.recognised.length > 0) {
      lines.push('Not drift-tested (every window brings new values by construction):', '');
      for (const r of d.recognised) lines.push(`- ${t(r.column)}: ${r.kind} (${t(r.why)})`);
      lines.push('');
    }
  }
  if (r.multivariate) lines.push(...multivariateLines(r.multivariate));
  if (r.quality && r.quality.issues.length > 0) {
    lines.push('## Data quality', '');
    for (const i of r.quality.issues)
      lines.push(`- ${i.severity === 'break' ? '**schema break**: ' : i.severity === 'info' ? '(information) ' : ''}${t(i.message)}`);
    lines.push('');
  }
  if (r.slices && r.slices.worst.length > 0) {
    lines.push('## Worst slices', '', `| slice | rows | ${t(r.slices.metric)} | worse than the window by |`, '|---|---:|---:|---:|');
    for (const s of r.slices.worst)
      lines.push(`| ${t(s.column)} = ${t(String(s.value))}${s.small ? ' (small)' : ''} | ${s.rows} | ${num(s.score)} | ${num(s.worse_by)} |`);
    lines.push('');
  }
  if (e?.fairness) lines.push(...fairnessMarkdown(e.fairness));
  if (e?.segments) lines.push(...segmentMarkdown(e.segments, t));
  lines.push('## Data', '', `Snapshot \`${r.snapshot.sha256.slice(0, 12)}\` with ${r.snapshot.rows} rows in ${r.snapshot.files.length} files.`, '');
  if (r.snapshot.files.length > 0) {
    lines.push('| day | rows | sha256 | source |', '|---|---:|---|---|');
    for (const f of r.snapshot.files) lines.push(`| ${t(f.date)} | ${f.rows} | \`${f.sha256.slice(0, 12)}\` | ${t(f.sourceUri)} |`);
    lines.push('');
  }
  if (r.snapshot.missing.length > 0) lines.push(`Missing: ${r.snapshot.missing.map((m) => t(`${m.date} (${m.sourceUri})`)).join(', ')}`, '');
  lines.push('## Provenance', '');
  lines.push(`- model artifact: \`${r.model.sha256}\` (${r.model.bytes} bytes), ${t(r.model.artifactUri)}`);
  if (r.workflow) lines.push(`- workflow: ${t(r.workflow.workflowId)}, run ${t(r.workflow.runId)}, started ${t(r.workflow.startedAt)}`);
  else lines.push('- one-shot evaluation (upkeep evaluate), not recorded in Temporal');
  lines.push(`- thresholds: ${code(JSON.stringify(r.thresholds))}`);
  lines.push('');
  return lines.join('\n');
}

/** Which outputs the window was judged on, and the rows where the logged outputs and the re-score disagree. */
export function loggedLines(l: NonNullable<EvaluationSummary['logged']>): string[] {
  const columns = [l.score, l.prediction]
    .filter((c): c is string => c !== undefined)
    .map((c) => code(c))
    .join(' and ');
  const lines = ['## Logged predictions', ''];
  lines.push(
    l.metricsFrom === 'logged'
      ? `Judged on the logged predictions (what was served: ${columns}), not on the champion's re-score.`
      : `Judged on the champion's re-score; the logged predictions (${columns}) are compared with it.`,
    '',
  );
  const tol = l.score !== undefined ? ` by more than ${l.tolerance}` : '';
  if (l.skewed > 0) {
    lines.push(
      `Training/serving skew: **${l.skewed}** of ${l.compared} rows (${(100 * (l.share ?? 0)).toFixed(2)}%) differ from the champion's re-score${tol}, e.g. ${l.examples.map((k) => code(k)).join(', ')}.`,
    );
  } else if (l.compared > 0) {
    lines.push(`No training/serving skew: the ${l.compared} logged outputs agree with the champion's re-score${tol ? ` within ${l.tolerance}` : ''}.`);
  }
  if (l.missing > 0)
    lines.push(`${l.missing} rows have no usable logged output${l.metricsFrom === 'logged' ? ": they are judged on the champion's re-score" : ''}.`);
  lines.push('');
  return lines;
}

const METHOD_NAMES = { cbpe: 'confidence-based performance estimation (CBPE)', dle: 'direct loss estimation (DLE)' } as const;

/** The estimate: how it was made, whether its assumption held, and what it cannot see. */
function estimateLines(est: NonNullable<EvaluationSummary['estimated']>, basis: Verdict['basis']): string[] {
  const rel = est.reliability;
  const err = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : v.toFixed(4));
  const lines = ['## Estimate', ''];
  const what = est.method === 'cbpe' ? 'calibration error' : 'relative error of the loss model';
  lines.push(
    `Estimated by ${METHOD_NAMES[est.method]} on ${est.rows} scored rows, labelled or not; each band is the estimate ± 3 standard errors.${basis === 'estimated' ? ' The verdict was judged on it: the window has too few labels.' : ''}`,
    '',
  );
  lines.push(
    rel.reliable
      ? `Reliability: the method's assumption holds (${what} ${err(rel.referenceError)} on the reference${rel.windowError !== undefined && rel.windowError !== null ? `, ${err(rel.windowError)} on this window's labelled rows` : ''}).`
      : `Reliability: **unreliable**${rel.why ? `: ${t(rel.why)}` : ''} (${what} ${err(rel.referenceError)} on the reference${rel.windowError !== undefined && rel.windowError !== null ? `, ${err(rel.windowError)} on this window's labelled rows` : ''}). It is reported, but never makes the verdict degraded on its own.`,
    '',
  );
  // The text is a whole sentence ("Estimation cannot see concept drift: …"), so it gets no prefix that repeats it.
  lines.push(`Blind spot: ${t(est.blindSpot)}`, '');
  return lines;
}

/** Drift of the inputs taken together. */
function multivariateLines(m: NonNullable<EvaluationSummary['multivariate']>): string[] {
  const lines = ['## Multivariate drift', ''];
  const r = m.reconstruction;
  if (r) {
    lines.push(
      `- reconstruction error ${num(r.error)} (PCA on the standardised reference, ${r.components} components, ${r.rows} rows); the reference's range [${num(r.lower)}, ${num(r.upper)}]: ${r.alert ? '**outside**' : 'inside'}`,
    );
  }
  const d = m.domainClassifier;
  if (d) {
    const top = d.features
      .slice(0, 5)
      .map((f) => `${t(f.column)} (${num(f.importance)})`)
      .join(', ');
    lines.push(
      `- domain classifier: cross-validated AUC ${num(d.auc)} telling ${d.rows.current} window rows from ${d.rows.reference} reference rows (chance 0.5, alarm above ${num(d.threshold)}): ${d.alert ? '**told apart**' : 'not told apart'}${top ? `; the columns that separate them most: ${top}` : ''}`,
    );
  }
  lines.push('');
  return lines;
}

/** How the report names what produced an interval (reports from before `method` were bootstrapped). */
export function intervalMethod(c: Pick<NonNullable<EvaluationSummary['confidence']>, 'method' | 'resamples' | 'seed'>): string {
  switch (c.method) {
    case 'delong':
      return "interval by DeLong's variance";
    case 'wilson':
      return 'Wilson interval';
    case 'clt':
      return 'normal (central limit) interval';
    case 'delta':
      return 'delta-method interval';
    default:
      return `bootstrap interval (${c.resamples} resamples, seed ${c.seed})`;
  }
}
