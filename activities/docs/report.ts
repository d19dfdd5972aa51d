/**
 * The evaluation report: one JSON document (the record) and a Markdown rendering of it (for people).
 * Pure: no I/O, no clock. Content depends only on its inputs, so a retried write is identical.
 */
import type { EvaluationFailure, EvaluationSummary, ResolvedModel, SnapshotRef, Verdict } from '../../workflows/definitions.js';

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
}

export function buildReport(input: {
  model: ResolvedModel;
  snapshot: SnapshotRef;
  evaluation?: EvaluationSummary;
  failure?: EvaluationFailure;
  verdict: Verdict;
  workflow?: { workflowId: string; runId: string; startedAt: string };
}): EvaluationReport {
  const { model, snapshot, evaluation, failure, verdict, workflow } = input;
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
  };
}

const num = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : Number.isInteger(v) ? String(v) : v.toFixed(4));

export function renderReportMarkdown(r: EvaluationReport): string {
  const lines: string[] = [];
  const e = r.evaluation;
  lines.push(`# ${r.modelId}: ${r.verdict.status}`, '');
  const on = r.window.firstDay
    ? `the window ${r.window.firstDay} to ${r.window.lastDay} (${r.window.timezone}), ending ${r.window.end}`
    : r.snapshot.files.map((f) => f.sourceUri.slice(f.sourceUri.lastIndexOf('/') + 1)).join(', ');
  lines.push(`Evaluation of **${r.modelId}** (${r.task}, owner ${r.owner}) on ${on}.`, '');
  lines.push('## Verdict', '', `**${r.verdict.status}**`, '');
  for (const reason of r.verdict.reasons) lines.push(`- ${reason}`);
  lines.push('');
  if (r.failure) lines.push('## Failure', '', `\`${r.failure.type}\`: ${r.failure.message}`, '');
  if (e) {
    lines.push('## Metrics', '', `${e.rows} labelled rows evaluated (${e.rowsRead} read, ${e.droppedRows} dropped).`, '');
    lines.push('| metric | value | baseline | note |', '|---|---:|---:|---|');
    for (const [name, value] of Object.entries(e.metrics)) {
      const note = e.undefinedMetrics[name] ?? e.metricWarnings[name] ?? '';
      const primary = name === r.thresholds.metric ? ' (primary)' : '';
      lines.push(`| ${name}${primary} | ${num(value)} | ${num(r.baseline[name])} | ${note.replace(/\|/g, '\\|')} |`);
    }
    lines.push('');
    if (e.warnings.length > 0) {
      lines.push('## Warnings', '');
      for (const w of e.warnings) lines.push(`- ${w}`);
      lines.push('');
    }
    if (e.labelCounts && e.predictionCounts) {
      lines.push('## Classes', '', '| class | true rows | predicted rows |', '|---|---:|---:|');
      for (const [label, n] of Object.entries(e.labelCounts)) lines.push(`| ${label} | ${n} | ${e.predictionCounts[label] ?? 0} |`);
      lines.push('');
    }
  }
  lines.push('## Data', '', `Snapshot \`${r.snapshot.sha256.slice(0, 12)}\` with ${r.snapshot.rows} rows in ${r.snapshot.files.length} files.`, '');
  if (r.snapshot.files.length > 0) {
    lines.push('| day | rows | sha256 | source |', '|---|---:|---|---|');
    for (const f of r.snapshot.files) lines.push(`| ${f.date} | ${f.rows} | \`${f.sha256.slice(0, 12)}\` | ${f.sourceUri} |`);
    lines.push('');
  }
  if (r.snapshot.missing.length > 0) lines.push(`Missing: ${r.snapshot.missing.map((m) => `${m.date} (${m.sourceUri})`).join(', ')}`, '');
  lines.push('## Provenance', '');
  lines.push(`- model artifact: \`${r.model.sha256}\` (${r.model.bytes} bytes), ${r.model.artifactUri}`);
  if (r.workflow) lines.push(`- workflow: ${r.workflow.workflowId}, run ${r.workflow.runId}, started ${r.workflow.startedAt}`);
  else lines.push('- one-shot evaluation (upkeep evaluate), not recorded in Temporal');
  lines.push(`- thresholds: ${JSON.stringify(r.thresholds)}`);
  lines.push('');
  return lines.join('\n');
}
