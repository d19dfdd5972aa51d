/**
 * `upkeep incidents report <model> <incident> --initial|--final --file report.md | --text …`: a report
 * under the incident's reporting clock (docs/incidents.md#the-reporting-clock), an `incident-report`
 * entry of the audit trail stating who filed it. Signed with the filer's key, as decisions are
 * (docs/signed-decisions.md), when the config lists one for them (then the key is required); else
 * recorded and marked unsigned.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { loadConfig } from '../../engine/config/load.js';
import { deriveIncidents } from '../../engine/audit/incidents.js';
import { appendEntry } from '../../engine/audit/chain.js';
import { openStore } from '../../engine/store/open.js';
import { readRegularFile } from '../../engine/open-regular.js';
import { UpkeepError } from '../../engine/errors.js';
import { reportClockFor, reportLine, type ReportKind } from '../../domain/incident-clock.js';
import { commandConfig, settings } from '../context.js';
import { signAs } from '../keys.js';
import { checkedTrail } from './audit.js';

/** A report is a page or a few, not a data set: larger ones belong in the evidence pack. */
export const MAX_REPORT_BYTES = 256 * 1024;

export interface ReportOptions {
  initial?: boolean;
  final?: boolean;
  file?: string;
  text?: string;
  as?: string;
  config?: string;
  keyDir?: string;
}

async function reportText(model: string, o: ReportOptions): Promise<string> {
  if ((o.file === undefined) === (o.text === undefined))
    throw new UpkeepError('InvalidRequest', `model ${model}: give the report with exactly one of --file <report.md> or --text <text>`);
  let text = o.text ?? '';
  if (o.file !== undefined) {
    const name = path.basename(o.file);
    const bytes = await readRegularFile(o.file, {
      what: `report ${name}: cannot read`,
      type: 'InvalidRequest',
      maxBytes: MAX_REPORT_BYTES,
      limitName: 'the report size cap (256 KiB)',
    });
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new UpkeepError('InvalidRequest', `report ${name}: not UTF-8 text`);
    }
  }
  if (text.includes('\0')) throw new UpkeepError('InvalidRequest', `model ${model}: the report holds a NUL byte: not text`);
  if (text.trim() === '') throw new UpkeepError('InvalidRequest', `model ${model}: the report is empty`);
  return text;
}

export async function reportCommand(model: string, incident: string, o: ReportOptions): Promise<void> {
  if (!!o.initial === !!o.final) throw new UpkeepError('InvalidRequest', `model ${model}: say which report this is: --initial or --final`);
  const kind: ReportKind = o.initial ? 'initial' : 'final';
  const text = await reportText(model, o);
  const config = await loadConfig(commandConfig(o.config));
  const spec = config.models.find((m) => m.id === model);
  if (!spec) throw new UpkeepError('UnknownModel', `model ${JSON.stringify(model)} is not in the config`);
  const who = o.as ?? settings().user;
  const may = [...new Set([spec.owner, ...spec.approvers, ...config.watchdog.platform])];
  if (!may.includes(who))
    throw new UpkeepError(
      'InvalidRequest',
      `model ${model}: ${who} may not file an incident report: its owner, approvers and the platform contacts may (${may.join(', ')})`,
    );
  const store = openStore(config);
  const trail = await checkedTrail(store, model, false);
  if (!trail) return;
  const clock = reportClockFor(spec.tier?.name, config.governance);
  const found = deriveIncidents(
    model,
    trail.chain.map((c) => c.entry),
    clock,
  ).find((i) => i.id === incident);
  if (!found) throw new UpkeepError('InvalidRequest', `model ${model} has no incident ${JSON.stringify(incident)} (\`upkeep incidents ${model}\` lists them)`);
  const sha256 = createHash('sha256').update(text).digest('hex');
  const required = Object.hasOwn(spec.keys?.people ?? {}, who);
  // The signature covers who files which report on which incident of which model, and the report's bytes.
  const proof = signAs(
    o.keyDir ?? settings().keyDir,
    who,
    { gate: 'incident-report', decision: kind, approver: who, comment: `sha256:${sha256}` },
    { model, workflow: `incident/${incident}`, request: incident },
    required,
  );
  const at = new Date().toISOString();
  const due = found.due?.find((d) => d.kind === kind);
  const late = due && Date.parse(at) > Date.parse(due.dueAt) ? Date.parse(at) - Date.parse(due.dueAt) : 0;
  const id = `incident-report-${createHash('sha256')
    .update(JSON.stringify([model, incident, kind, who, sha256, at]))
    .digest('hex')
    .slice(0, 24)}`;
  await appendEntry(store, {
    id,
    modelId: model,
    at,
    kind: 'incident-report',
    actor: who,
    summary: `${who} filed the ${kind} report on incident ${incident}${due ? ` (due ${due.dueAt}${late ? ', late' : ''})` : ''}, ${proof ? `signed by ${proof.signer}` : 'unsigned: the filer has no key in the config'}`,
    details: {
      incident,
      report: kind,
      text,
      sha256,
      filedBy: who,
      ...(due ? { dueAt: due.dueAt, lateMs: late } : {}),
      signed: proof !== undefined,
      ...(proof ? { signer: proof.signer, proof } : {}),
    },
  });
  const after = deriveIncidents(
    model,
    [
      ...trail.chain.map((c) => c.entry),
      { id, modelId: model, at, kind: 'incident-report', actor: who, summary: '', details: { incident, report: kind, signed: !!proof } },
    ],
    clock,
  ).find((i) => i.id === incident);
  console.log(`recorded ${who}'s ${kind} report on ${model} ${incident} (${proof ? 'signed' : 'unsigned'}, sha256 ${sha256.slice(0, 16)}…)`);
  for (const d of after?.due ?? []) console.log(`  ${reportLine(d, at)}`);
}
