/**
 * The Markdown rendering of a model card, for people. Every string from outside (config, decisions,
 * reasons, column names, messages) goes through domain/escape.ts: `t` inline, `code` in code spans.
 */
import { renderFairnessMarkdown } from './fairness.js';
import { markdownBlock, markdownCell, markdownCode as code, markdownText as t } from '../../domain/escape.js';
import type { CardCurrent, CardDetails, CardLineageEntry, ModelCard } from './types.js';
import { durationText } from '../audit/incidents.js';
import { cardReportText } from './incident-reports.js';
import { renderCardReviews } from './reviews.js';

// ───────────────────────────── Markdown ─────────────────────────────

/** A measured value: four decimals. */
const num = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : Number.isInteger(v) ? String(v) : v.toFixed(4));
/** A configured value (threshold, share): as written. */
const setting = (v: number | null): string => (v === null ? '—' : String(v));

/** 2026-03-01T06:00:00.000Z → 2026-03-01 06:00 UTC; anything else as written. */
function when(iso: string | null): string {
  if (iso === null) return '—';
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i.exec(iso.trim());
  if (!m) return iso;
  const seconds = m[3] && m[3] !== '00' ? `:${m[3]}` : '';
  const zone = m[4] === undefined ? '' : m[4].toUpperCase() === 'Z' ? ' UTC' : ` ${m[4]}`;
  return `${m[1]} ${m[2]}${seconds}${zone}`;
}

const day = (iso: string | null): string => (iso === null ? 'now' : when(iso).slice(0, 10));
const short = (sha: string): string => `${sha.slice(0, 12)}…`;
const listOr = (items: string[], none: string): string => (items.length > 0 ? items.map(t).join(', ') : none);

/** Text on one line (for list items), escaped. */
const inline = (s: string): string => t(s.trim());

/** A table row of cells already escaped (markdownText escapes pipes and line breaks). */
const row = (cells: string[]): string => `| ${cells.join(' | ')} |`;
const cell = t;

function primaryMetricLine(p: CardDetails['primaryMetric']): string {
  const rules = [
    p.min !== null ? `min ${setting(p.min)}` : '',
    p.max !== null ? `max ${setting(p.max)}` : '',
    p.maxDrop !== null ? `max_drop ${setting(p.maxDrop)} from the baseline ${setting(p.baseline)}` : '',
  ].filter((s) => s !== '');
  return `${p.name} (${p.higherIsBetter ? 'higher' : 'lower'} is better${rules.length > 0 ? `; ${rules.join(', ')}` : ''})`;
}

function renderDetails(card: ModelCard): string[] {
  const d = card.details;
  const label = d.label.positive === null ? code(d.label.column) : `${code(d.label.column)} (positive class ${code(String(d.label.positive))})`;
  const lines = [
    '## Model details',
    '',
    `- **Description:** ${d.description === null ? 'not stated in upkeep.yaml' : inline(d.description)}`,
    `- **Task:** ${d.task}`,
    `- **Owner:** ${t(d.owner)}${d.ownership?.lag ? ` (from the audit trail: ${t(d.ownership.lag.text)})` : ''}${d.ownership?.pending ? `; a handover to ${d.ownership.pending.to.map(t).join(' or ')} waits since ${t(d.ownership.pending.since)}, and the owner stays accountable until it is accepted` : ''}`,
    `- **Approvers:** ${listOr(d.approvers, 'none listed')}`,
    `- **Escalation contacts:** ${listOr(d.escalation, 'none listed')}`,
  ];
  for (const i of d.inputs) lines.push(`- **Input ${code(i.name)}** (${i.type}): ${i.columns.map(t).join(', ')}`);
  lines.push(`- **Label:** ${label}`);
  if (d.classes) lines.push(`- **Classes:** ${d.classes.map((c) => t(String(c))).join(', ')}`);
  lines.push(`- **Primary metric:** ${primaryMetricLine(d.primaryMetric)}`);
  for (const m of d.declaredMetrics ?? []) lines.push(`- **Declared metric** ${t(m)}`);
  lines.push(`- **Configured artifact:** ${t(d.artifact)}`, '');
  return lines;
}

function renderIntendedUse(card: ModelCard): string[] {
  const { intended_use: use, limits } = card.details;
  return [
    '## Intended use and limits',
    '',
    use === null ? 'Intended use: not stated in upkeep.yaml.' : markdownBlock(use.trim()),
    '',
    limits === null ? 'Limits: not stated in upkeep.yaml.' : `Limits: ${markdownBlock(limits.trim())}`,
    '',
  ];
}

function howItBecameChampion(c: CardCurrent): string {
  const replacing = c.previous ? `, replacing ${code(c.previous)}` : '';
  const workflow = c.workflowId ? ` by workflow ${t(c.workflowId)}` : '';
  const base = {
    config: 'never promoted',
    initial: 'registered as the first champion (the artifact declared in upkeep.yaml)',
    promotion: `promoted after a retrain and a comparison on the holdout${workflow}${replacing}`,
    rollback: `rolled back${workflow}${replacing}`,
  }[c.change];
  const emergency = c.emergency ? `; emergency, without approval, asked by ${t(c.emergency.by)}: ${inline(c.emergency.reason)}` : '';
  const reason = c.reason ? `; reason: ${inline(c.reason)}` : '';
  return `${base}${c.generation !== null ? ` (generation ${c.generation})` : ''}${emergency}${reason}`;
}

function approvedByLine(c: CardCurrent): string {
  if (c.approvedBy.length > 0) return c.approvedBy.map(t).join(', ');
  if (c.change === 'initial') return 'no approval needed (initial registration)';
  if (c.emergency) return `nobody (emergency ${c.change} by ${t(c.emergency.by)})`;
  return 'no approval recorded';
}

function renderCurrent(card: ModelCard): string[] {
  const c = card.current;
  const lines = ['## Current version', ''];
  if (c.change === 'config') {
    lines.push(`No version has been promoted yet: the artifact declared in upkeep.yaml runs (${t(c.artifact ?? card.details.artifact)}).`);
    if (c.version !== null) lines.push('', `It is registered as version ${code(c.version)}${c.sha256 ? ` (sha256 ${code(short(c.sha256))})` : ''}.`);
    lines.push('');
    return lines;
  }
  lines.push(`**Version ${code(c.version ?? '—')}** (sha256 ${code(c.sha256 ? short(c.sha256) : '—')}) has been champion since ${when(c.since)}.`, '');
  lines.push(`- **How:** ${howItBecameChampion(c)}`);
  if (c.source !== null) lines.push(`- **Source:** ${c.source === 'config' ? 'the artifact declared in upkeep.yaml' : 'a retrain'}`);
  lines.push(`- **Approved by:** ${approvedByLine(c)}`);
  for (const d of c.decisions) {
    lines.push(
      `  - ${t(d.gate)} ${d.decision === 'approve' ? 'approved' : 'rejected'} by ${t(d.approver)} at ${when(d.at)}${d.comment ? `: “${inline(d.comment)}”` : ''}`,
    );
  }
  if (c.artifact !== null) lines.push(`- **Artifact:** ${t(c.artifact)}`);
  lines.push('');
  return lines;
}

function trainedOn(t: CardLineageEntry['training']): string {
  if (!t) return '—';
  return `${t.firstDay} – ${t.lastDay} (${t.days ?? '?'} days, ${t.rows} rows)`;
}

function renderLineage(card: ModelCard): string[] {
  const metric = card.details.primaryMetric.name;
  const lines = ['## Lineage', ''];
  if (card.lineage.length === 0) return [...lines, 'No versions registered yet.', ''];
  lines.push(
    `Newest first. The baseline ${metric} is what the version is held to: measured on the holdout for a retrained version, configured for the config's artifact.`,
    '',
  );
  lines.push(`| version | created | source | trained on | parent | baseline ${cell(metric)} | champion |`, '|---|---|---|---|---|---:|---|');
  for (const v of card.lineage) {
    const periods = v.championPeriods.map((p) => `${day(p.from)} → ${day(p.to)}`).join('; ');
    const current = v.version === card.current.version && card.current.change !== 'config' ? ' (current)' : '';
    lines.push(
      row([
        `${code(v.version)}${current}`,
        t(when(v.createdAt)),
        v.source,
        t(trainedOn(v.training)),
        v.parent ? code(v.parent) : '—',
        v.baselineSource ? `${num(v.holdoutPrimary)} (${v.baselineSource})` : num(v.holdoutPrimary),
        periods || '—',
      ]),
    );
  }
  lines.push('');
  return lines;
}

function renderTrend(card: ModelCard): string[] {
  const metric = card.details.primaryMetric.name;
  const lines = ['## Metric trend', ''];
  if (card.metricTrend.length === 0) return [...lines, 'No evaluations recorded yet.', ''];
  const shown = card.metricTrend.length;
  const of = card.omitted.reports > 0 ? ` (the latest ${shown} of ${shown + card.omitted.reports})` : '';
  lines.push(`Primary metric ${metric} per evaluated window, newest first${of}.`, '');
  if (!card.metricTrend.some((p) => p.estimate || p.basis)) {
    lines.push(`| window end | verdict | rows | ${cell(metric)} | version |`, '|---|---|---:|---:|---|');
    for (const p of card.metricTrend) lines.push(row([t(when(p.windowEnd)), t(p.verdict), String(p.rows), num(p.value), p.version ? code(p.version) : '—']));
    lines.push('');
    return lines;
  }
  // Late labels (docs/late-labels.md): the estimate made before the labels came stays beside the realized value.
  lines.push(
    `A window whose labels were not known yet was judged on the estimate (verdict marked *estimated*); when its labels came it was evaluated again, and the realized value replaced the estimate, which is kept with its error (realized − estimated).`,
    '',
  );
  lines.push(`| window end | verdict | rows | ${cell(metric)} | estimated (band) | error | version |`, '|---|---|---:|---:|---:|---:|---|');
  for (const p of card.metricTrend) {
    const e = p.estimate;
    const band = e && e.lower !== null && e.upper !== null ? ` (${num(e.lower)}..${num(e.upper)})` : '';
    const error =
      e?.error === null || e?.error === undefined
        ? '—'
        : `${e.error >= 0 ? '+' : ''}${num(e.error)}${e.inBand === false ? ' outside the band' : e.inBand ? ' inside' : ''}`;
    const value = p.basis === 'estimated' ? `${num(p.value)} (estimated)` : num(p.value);
    lines.push(
      row([
        t(when(p.windowEnd)),
        t(`${p.verdict}${p.basis === 'estimated' ? ' (estimated)' : ''}`),
        String(p.rows),
        value,
        e ? `${num(e.value)}${band}` : '—',
        error,
        p.version ? code(p.version) : '—',
      ]),
    );
  }
  lines.push('');
  return lines;
}

/** An importance for people: three significant digits. */
const importance = (v: number): string => Number(v.toPrecision(3)).toString();

/** The drifted columns, most important first with their importance when it was measured. */
function driftedTable(d: NonNullable<NonNullable<ModelCard['latestConditions']>['drift']>): string[] {
  const imp = d.driftedColumns.some((c) => c.importance !== undefined);
  const lines: string[] = [];
  if (imp && d.importance)
    lines.push(
      `Most important first: the importance is the drop of ${t(d.importance.metric)} when the column's values are permuted${d.importance.floor ? `; drift in a column below the importance floor (${setting(d.importance.floor)}) raises no warning` : ''}.`,
      '',
    );
  lines.push(`| drifted column | test | score | threshold |${imp ? ' importance |' : ''}`, `|---|---|---:|---:|${imp ? '---|' : ''}`);
  for (const col of d.driftedColumns) {
    const cells = [t(col.column), t(col.test), num(col.score), setting(col.threshold)];
    if (imp)
      cells.push(
        col.importance === undefined
          ? '—'
          : `${importance(col.importance)}${col.importanceStd !== undefined ? ` ± ${importance(col.importanceStd)}` : ''}${col.belowFloor ? ', below the importance floor' : ''}`,
      );
    lines.push(row(cells));
  }
  lines.push('');
  return lines;
}

function renderConditions(card: ModelCard): string[] {
  const c = card.latestConditions;
  const lines = ['## Latest drift and quality', ''];
  if (!c) return [...lines, 'No evaluation with current conditions yet.', ''];
  const gates = c.failedGates?.length ? `; failed gates: ${c.failedGates.map(t).join(', ')}` : '';
  lines.push(`Window ending ${when(c.windowEnd)}: **${c.verdict}**${gates}.`, '');
  for (const r of c.reasons) lines.push(`- ${inline(r)}`);
  if (c.reasons.length > 0) lines.push('');
  if (!c.drift) lines.push('Drift: not assessed (no reference profile).', '');
  else {
    const d = c.drift;
    const yes = d.datasetDrift === null ? 'undetermined' : d.datasetDrift ? 'yes' : 'no';
    lines.push(
      `Dataset drift: **${yes}** (${d.columnsDrifted} of ${d.columnsChecked} columns drifted, share ${num(d.shareDrifted)}; dataset drift at a share of ${setting(d.driftShare)}).`,
      '',
    );
    if (d.driftedColumns.length > 0) lines.push(...driftedTable(d));
  }
  if (!c.quality) lines.push('Data quality: not assessed.', '');
  else if (c.quality.issues.length === 0) lines.push('Data quality: no issues.', '');
  else {
    lines.push(
      `Data quality: ${c.quality.issues.length} issue${c.quality.issues.length === 1 ? '' : 's'}${c.quality.schemaBreak ? ', including a **schema break**' : ''}.`,
      '',
    );
    for (const i of c.quality.issues)
      lines.push(`- ${i.severity === 'break' ? '**schema break**: ' : i.severity === 'info' ? '(information) ' : ''}${inline(i.message)}`);
    lines.push('');
  }
  if (c.segments) {
    lines.push(`Weak segments: ${inline(c.segments.sentence)}`, '');
    if (c.segments.rows.length > 0) {
      lines.push('| segment | rows | metric (window) | loss (rest) | gap grew by [interval] | adjusted p |', '|---|---:|---:|---:|---:|---:|');
      for (const r of c.segments.rows) lines.push(row(r.map(t)));
      lines.push('');
    }
  }
  return lines;
}

function renderLog(card: ModelCard): string[] {
  const lines = ['## Audit trail', ''];
  if (card.auditTrail.length === 0) return [...lines, 'Nothing recorded yet.', ''];
  const shown = card.auditTrail.length;
  // Where these facts come from: a copy of the trail's entries, not a verification of them.
  const from = `Copied from the audit trail (\`audit/${card.modelId}/\`) when this card was written, not verified here: \`upkeep audit verify ${card.modelId}\` checks the trail.`;
  if (card.omitted.auditTrail > 0) lines.push(from, '', `The latest ${shown} of ${shown + card.omitted.auditTrail} entries, newest first.`, '');
  else lines.push(from, '', 'Newest first.', '');
  lines.push('| when | what | who | comment |', '|---|---|---|---|');
  for (const e of card.auditTrail) lines.push(row([t(when(e.at)), t(`${e.kind}: ${e.summary}`), e.actor ? t(e.actor) : '—', markdownCell(e.comment ?? '')]));
  lines.push('');
  return lines;
}

function renderWatchdog(card: ModelCard): string[] {
  if (!card.watchdog?.length) return [];
  const lines = ['## Watchdog', '', 'Open findings: signs that nobody is watching this model.', '', '| finding | since | told | when |', '|---|---|---|---|'];
  for (const f of card.watchdog) lines.push(row([t(`${f.kind}: ${f.summary}`), t(when(f.since)), t(f.notified.join(', ') || '—'), t(when(f.firstReportedAt))]));
  lines.push('');
  return lines;
}

function renderPlan(card: ModelCard): string[] {
  const p = card.monitoringPlan;
  if (!p) return [];
  const lines = ['## Monitoring plan', ''];
  lines.push(
    p.recordedAt
      ? `Plan \`${p.sha256.slice(0, 12)}\`, generated from upkeep.yaml and recorded in the audit trail ${when(p.recordedAt)} (\`upkeep plan ${card.modelId}\`).`
      : `Plan \`${p.sha256.slice(0, 12)}\`, generated from upkeep.yaml: **not yet recorded** in the audit trail (the next \`schedules sync\`, start or worker records it).`,
    '',
  );
  for (const l of p.lines) lines.push(`- ${inline(l)}`);
  lines.push('');
  if (p.history.length > 1) {
    lines.push('| plan changed | plan | what changed |', '|---|---|---|');
    for (const h of p.history) lines.push(row([t(when(h.at)), t(h.sha256.slice(0, 12)), t(h.changed.join(', '))]));
    lines.push('');
  }
  return lines;
}

function renderIncidents(card: ModelCard): string[] {
  if (!card.incidents?.length) return [];
  const ms = (v: number | null): string => (v === null ? '—' : durationText(v));
  const lines = [
    '## Incidents',
    '',
    "Opened by a degraded or failing window, closed by the next healthy one (docs/incidents.md); newest first. Detect: from the first bad window's data end to the first notification; decide and recover: from detection.",
    '',
    '| incident | state | first bad window | told | detect | decide | recover | closed |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const i of card.incidents)
    lines.push(
      row([
        t(i.id),
        `${i.state === 'open' ? '**open**' : 'closed'}, ${t(i.severity)} (${i.badWindows} bad)`,
        t(when(i.firstBadWindowEnd)),
        t(i.told.join(', ') || 'nobody'),
        ms(i.times.detectMs),
        ms(i.times.decideMs),
        ms(i.times.recoverMs),
        t(when(i.closedAt)),
      ]),
    );
  lines.push('');
  for (const i of card.incidents)
    for (const n of i.notes) lines.push(`- Note on ${t(i.id)} by ${t(n.actor)} (${t(when(n.at))}, ${n.signed ? 'signed' : 'unsigned'}): ${inline(n.text)}`);
  if (card.incidents.some((i) => i.notes.length > 0)) lines.push('');
  for (const i of card.incidents) if (i.reports?.length) lines.push(`- Reports on ${t(i.id)}: ${i.reports.map((r) => t(cardReportText(r))).join('; ')}`);
  if (card.incidents.some((i) => i.reports?.length)) lines.push('');
  return lines;
}

/** The card for people. Deterministic: the same card gives the same bytes. */
export function renderModelCardMarkdown(card: ModelCard): string {
  return [
    `# Model card: ${t(card.modelId)}`,
    '',
    `_Generated ${when(card.generatedAt)} by upkeep from upkeep.yaml, the model registry, the evaluation reports and the audit trail._`,
    '',
    ...renderDetails(card),
    ...renderIntendedUse(card),
    ...renderPlan(card),
    ...renderWatchdog(card),
    ...renderIncidents(card),
    ...renderCardReviews(card.reviews),
    ...renderCurrent(card),
    ...renderLineage(card),
    ...renderTrend(card),
    ...renderFairnessMarkdown(card.fairness, t),
    ...renderConditions(card),
    ...renderLog(card),
  ].join('\n');
}
