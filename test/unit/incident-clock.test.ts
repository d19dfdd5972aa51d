/**
 * The incidents' reporting clock (domain/incident-clock.ts): its config, the reports derived from
 * the trail and their due dates, the watchdog's finding for a missed one, `upkeep incidents report`;
 * and `audit verify`'s check that the incident entries are what the evaluation entries imply.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import type { AuditEntry } from '../../domain/maintenance.js';
import { overdueReports, reportClockFor, reportsDue, spanText, type ReportClock } from '../../domain/incident-clock.js';
import { governanceSpec } from '../../domain/governance-config.js';
import { monitoringPlan, planBytes, planLines } from '../../domain/monitoring-plan.js';
import { signatureValid, type DecisionProof } from '../../domain/signature.js';
import { deriveIncidents, renderIncident } from '../../engine/audit/incidents.js';
import { closedEntry, openedEntry, recordIncidentTransitions } from '../../engine/audit/incident-entries.js';
import { incidentEntryProblems } from '../../engine/audit/verify-incidents.js';
import { appendEntry, readChain, verifyChain } from '../../engine/audit/chain.js';
import { verifyTrail } from '../../engine/audit/verify-trail.js';
import { buildModelCard, renderModelCardMarkdown } from '../../engine/cards/index.js';
import { incidentsTable } from '../../cli/web/incidents-page.js';
import { createFileStore } from '../../engine/store/file-store.js';
import type { ArtifactStore } from '../../engine/store/store.js';
import { loadConfig } from '../../engine/config/load.js';
import { createWatchdogActivities } from '../../activities/watchdog.js';
import { modelSpec } from '../../domain/config.js';
import { modelYaml } from '../helpers/config-text.js';
import { rebuildChain } from '../helpers/rebuild-chain.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';

const M = 'churn';
const D = 86_400_000;
let n = 0;
const entry = (kind: AuditEntry['kind'], at: string, extra: Partial<AuditEntry> = {}): AuditEntry => ({
  id: `e${String(++n).padStart(4, '0')}`,
  modelId: M,
  at,
  kind,
  summary: `${kind} at ${at}`,
  ...extra,
});
const evaluation = (windowEnd: string, verdict: string, at: string, run: string): AuditEntry =>
  entry('evaluation', at, { runId: run, workflowId: `upkeep-evaluate-${M}`, details: { verdict, windowEnd } });
const report = (incident: string, kind: 'initial' | 'final', at: string, by = 'ana'): AuditEntry =>
  entry('incident-report', at, { actor: by, details: { incident, report: kind, text: 'what we know', signed: false } });
const CLOCK: ReportClock = { failing: { initial: '2d', final: '15d' }, degraded: { initial: '7d', final: '30d' } };

describe('the reporting clock', () => {
  it('is set per severity, a tier overriding severity by severity; durations checked at load', () => {
    const g = governanceSpec.parse({ incident_reports: CLOCK, tiers: { high: { incident_reports: { degraded: { initial: '1d', final: '5d' } } } } });
    assert.deepEqual(reportClockFor('high', g), { failing: { initial: '2d', final: '15d' }, degraded: { initial: '1d', final: '5d' } });
    assert.deepEqual(reportClockFor('low', g), CLOCK);
    assert.deepEqual(reportClockFor(undefined, governanceSpec.parse({})), {}, 'no clock by default');
    const problem = (v: unknown): string =>
      governanceSpec
        .safeParse(v)
        .error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
        .join('; ');
    assert.match(
      problem({ incident_reports: { failing: { initial: '5d', final: '2d' } } }),
      /incident_reports\.failing\.final: final must be later than initial/,
    );
    assert.match(problem({ incident_reports: { severe: { initial: '1d', final: '2d' } } }), /incident_reports: Unrecognized key: "severe"/);
    assert.match(
      problem({ incident_reports: { failing: { initial: 'soon', final: '2d' } } }),
      /incident_reports\.failing\.initial: expected a duration such as 2d or 36h/,
    );
    assert.match(problem({ incident_reports: { failing: { initial: '1d' } } }), /incident_reports\.failing\.final/);
  });

  it('is part of the monitoring plan when set, and leaves a plan without one byte for byte as it was', () => {
    const spec = modelSpec.parse(parse(modelYaml())[0]);
    const without = planBytes(monitoringPlan(spec, {}));
    assert.equal(planBytes(monitoringPlan(spec, { governance: governanceSpec.parse({}) })), without);
    const plan = monitoringPlan(spec, { governance: governanceSpec.parse({ incident_reports: { failing: CLOCK.failing } }) });
    assert.deepEqual(plan.incidentReports, { failing: { initial: '2d', final: '15d' } });
    assert.equal(
      planLines(plan).at(-1),
      'Incident reports: failing: initial within 2d, final within 15d of detection; a missed one is a watchdog finding, escalated after 3d',
    );
  });

  it('counts both reports from detection; a final report filed first stands for the initial one; lateness and overdue are measured', () => {
    const detected = '2026-11-02T00:10:00.000Z';
    const none = reportsDue('failing', detected, CLOCK, []);
    assert.deepEqual(
      none.map((r) => [r.kind, r.dueAt, r.filed]),
      [
        ['initial', '2026-11-04T00:10:00.000Z', undefined],
        ['final', '2026-11-17T00:10:00.000Z', undefined],
      ],
    );
    assert.deepEqual(overdueReports(none, '2026-11-04T00:10:00.000Z'), [], 'due at that instant: not yet overdue');
    assert.deepEqual(
      overdueReports(none, '2026-11-07T06:10:00.000Z').map((r) => [r.kind, r.overdueMs]),
      [['initial', 3 * D + 6 * 3_600_000]],
    );
    assert.equal(spanText(3 * D + 6 * 3_600_000), '3 days');
    assert.equal(spanText(3_600_000), '1 hour');
    const finalFirst = reportsDue('failing', detected, CLOCK, [{ kind: 'final', at: '2026-11-05T00:10:00.000Z', by: 'ana', signed: true, entry: 'x' }]);
    assert.deepEqual(
      finalFirst.map((r) => [r.kind, r.filed?.entry, r.lateMs]),
      [
        ['initial', 'x', D],
        ['final', 'x', undefined],
      ],
    );
    assert.deepEqual(reportsDue('degraded', detected, { failing: CLOCK.failing }, []), [], 'a severity the clock leaves out owes nothing');
  });

  it("is in the incident's derivation and timeline: reports filed, their due dates, and what is overdue", () => {
    const trail = [
      evaluation('2026-11-02T00:00:00.000Z', 'degraded', '2026-11-02T00:10:00.000Z', 'r1'),
      evaluation('2026-11-03T00:00:00.000Z', 'failing', '2026-11-03T00:10:00.000Z', 'r2'),
      report('inc-20261102T000000Z', 'initial', '2026-11-03T12:00:00.000Z'),
      report('inc-nope', 'initial', '2026-11-03T12:00:00.000Z'),
      evaluation('2026-11-04T00:00:00.000Z', 'healthy', '2026-11-04T00:10:00.000Z', 'r3'),
    ];
    const [inc] = deriveIncidents(M, trail, CLOCK);
    assert.equal(inc!.severity, 'failing', 'the worst verdict sets the clock');
    assert.deepEqual(
      inc!.reports.map((r) => [r.kind, r.by]),
      [['initial', 'ana']],
    );
    assert.deepEqual(
      inc!.due!.map((r) => [r.kind, r.dueAt, !!r.filed]),
      [
        ['initial', '2026-11-04T00:10:00.000Z', true],
        ['final', '2026-11-17T00:10:00.000Z', false],
      ],
    );
    assert.ok(inc!.timeline.some((t) => t.kind === 'report'));
    assert.equal(deriveIncidents(M, trail)[0]!.due, undefined, 'no clock, nothing due');
    const text = renderIncident(inc!, '2026-11-20T00:10:00.000Z');
    assert.match(text, /initial report due 2026-11-04 00:10Z: filed 2026-11-03 12:00Z by ana \(unsigned\)/);
    assert.match(text, /final report OVERDUE by 3 days \(due 2026-11-17 00:10Z\)/);

    // The card says it as of its own date.
    const spec = modelSpec.parse(parse(modelYaml())[0]);
    const card = buildModelCard({
      spec,
      generatedAt: '2026-11-20T00:10:00.000Z',
      champion: null,
      championVersion: null,
      versions: [],
      championHistory: [],
      reports: [],
      auditTrail: [],
      incidents: deriveIncidents(M, trail, CLOCK),
    });
    assert.deepEqual(
      card.incidents![0]!.reports!.map((r) => [r.kind, r.filedBy, r.overdueMs]),
      [
        ['initial', 'ana', null],
        ['final', null, 3 * D],
      ],
    );
    assert.match(
      renderModelCardMarkdown(card),
      /- Reports on inc-20261102T000000Z: initial report filed .* by ana \(unsigned\), due .*; final report overdue by 3 days \(due 2026-11-17 00:10Z\)/,
    );
    // The web page says it as of now, overdue in bold.
    const page = String(incidentsTable([{ modelId: M, incident: card.incidents![0]! }], true, '2026-11-22T00:10:00.000Z'));
    assert.match(
      page,
      /Reports: initial report filed 2026-11-03 12:00Z by ana \(unsigned\), due 2026-11-04 00:10Z; <strong class="overdue">final report overdue by 5 days \(due 2026-11-17 00:10Z\)<\/strong>/,
    );
  });
});

describe('audit verify: incident entries against the evaluation entries', () => {
  let dir: string;
  let store: ArtifactStore;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-inc-verify-'));
    store = createFileStore(dir);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Records evaluations as the recordLedger activity does: the entry, then the incident it opened or closed. */
  async function evaluate(windowEnd: string, verdict: string, at: string, run: string): Promise<void> {
    await appendEntry(store, evaluation(windowEnd, verdict, at, run));
    await recordIncidentTransitions(store, { modelId: M, runId: run });
  }
  const honest = async (): Promise<void> => {
    await evaluate('2026-11-01T00:00:00.000Z', 'healthy', '2026-11-01T00:10:00.000Z', 'r1');
    await evaluate('2026-11-02T00:00:00.000Z', 'degraded', '2026-11-02T00:10:00.000Z', 'r2');
    await evaluate('2026-11-03T00:00:00.000Z', 'healthy', '2026-11-03T00:10:00.000Z', 'r3');
    await evaluate('2026-11-04T00:00:00.000Z', 'failing', '2026-11-04T00:10:00.000Z', 'r4');
  };
  const problems = async (): Promise<string[]> => incidentEntryProblems(M, (await verifyChain(store, M)).entries);

  it('passes the entries the evaluations recorded, and verifyTrail agrees', async () => {
    await honest();
    const kinds = (await readChain(store, M)).map((c) => c.entry.kind);
    assert.deepEqual(
      kinds.filter((k) => k.startsWith('incident')),
      ['incident-opened', 'incident-closed', 'incident-opened'],
    );
    assert.deepEqual(await problems(), []);
    assert.deepEqual((await verifyTrail(store, M)).problems, []);
  });

  it('holds an entry another run appended beside: a notification landing between the activity’s read and its append', async () => {
    await evaluate('2026-11-02T00:00:00.000Z', 'degraded', '2026-11-02T00:10:00.000Z', 'r2');
    await appendEntry(store, evaluation('2026-11-03T00:00:00.000Z', 'healthy', '2026-11-03T00:10:00.000Z', 'r3'));
    // The activity reads the chain now: nobody was told yet of the first bad window.
    const seen = deriveIncidents(
      M,
      (await readChain(store, M)).map((c) => c.entry),
    )[0]!;
    // A channel delivery of r2's notification lands meanwhile, then the activity appends what it saw.
    await appendEntry(
      store,
      entry('notified', '2026-11-02T00:30:00.000Z', { runId: 'r2', details: { notification: 'degraded', to: ['ana'], webhook: 'sent' } }),
    );
    await appendEntry(store, openedEntry(seen));
    await appendEntry(store, closedEntry(seen));
    assert.equal(seen.times.detectMs, undefined, 'what it saw differs from what the whole chain implies');
    assert.deepEqual(await problems(), []);
  });

  it('names an incident entry removed, added or altered (with the chain rebuilt, so the chain itself verifies)', async () => {
    await honest();
    await rebuildChain(store, M, (es) => es.filter((e) => e.id !== 'incident-closed-inc-20261102T000000Z'));
    assert.equal((await verifyChain(store, M)).ok, true);
    assert.deepEqual(await problems(), [
      'incident inc-20261102T000000Z closed with the evaluation at entry 4 (' +
        (await readChain(store, M)).find((c) => c.entry.runId === 'r3')!.entry.id +
        '), but the trail has no incident-closed-inc-20261102T000000Z entry: it was removed',
    ]);
    assert.match((await verifyTrail(store, M)).problems.join('\n'), /incident-closed-inc-20261102T000000Z entry: it was removed/);
  });

  it('names an altered and an added incident entry', async () => {
    await honest();
    await rebuildChain(store, M, (es) => [
      ...es.map((e) => (e.kind === 'incident-closed' ? { ...e, details: { ...e.details, times: { ...(e.details!.times as object), recoverMs: 60_000 } } } : e)),
      {
        id: 'incident-opened-inc-20261110T000000Z',
        modelId: M,
        at: '2026-11-10T00:10:00.000Z',
        kind: 'incident-opened',
        summary: 'incident inc-20261110T000000Z opened',
        details: { incident: 'inc-20261110T000000Z' },
      },
    ]);
    const found = await problems();
    assert.equal(found.length, 2, found.join('\n'));
    assert.match(
      found[0]!,
      /^entry 5 \(incident-closed at 2026-11-03T00:10:00.000Z, incident-closed-inc-20261102T000000Z\): it differs from what the evaluation entries imply \(details\.times\): it was altered$/,
    );
    assert.match(
      found[1]!,
      /^entry 8 \(incident-opened at .*, incident-opened-inc-20261110T000000Z\): the evaluation entries before it open no incident "inc-20261110T000000Z": the entry was added, or the evaluation it cites was removed$/,
    );
  });

  it('names an evaluation removed whose incident entry stayed; a trail from before incidents were stated passes', async () => {
    await honest();
    await rebuildChain(store, M, (es) => es.filter((e) => e.runId !== 'r4' || e.kind !== 'evaluation'));
    assert.match((await problems()).join('\n'), /incident-opened-inc-20261104T000000Z\): the evaluation entries before it open no incident/);

    rmSync(dir, { recursive: true, force: true });
    store = createFileStore(dir);
    await appendEntry(store, evaluation('2026-11-02T00:00:00.000Z', 'degraded', '2026-11-02T00:10:00.000Z', 'old'));
    assert.deepEqual(incidentEntryProblems(M, (await verifyChain(store, M)).entries), []);
  });
});

describe('the watchdog: a report past due', function () {
  let ws: Workspace;
  const NOW = Date.parse('2026-11-20T08:00:00Z');
  const iso = (ms: number): string => new Date(ms).toISOString();
  afterEach(() => ws.remove());

  it('is a finding told to the owner; overdue past escalate_after too, escalated to the escalation and platform contacts; filing it resolves both', async () => {
    ws = createWorkspace(M, { owner: 'owner@x.org', approvers: ['val@x.org'], approval: { escalate_after: '2d', escalation: ['head@x.org'] } });
    const config = parse(readFileSync(ws.configPath, 'utf8')) as Record<string, unknown>;
    writeFileSync(ws.configPath, stringify({ ...config, watchdog: { platform: ['platform@x.org'] }, governance: { incident_reports: CLOCK } }));
    const loaded = await loadConfig(ws.configPath);
    const store = createFileStore(loaded.store);
    const activities = createWatchdogActivities({ store, loadConfig: async () => ({ ...loaded, name: 'upkeep.yaml' }) });
    const run = (runId: string, at: number) =>
      activities.watchdogInspect({ at: iso(at), workflowId: 'upkeep-watchdog', runId, evaluateSchedulePrefix: 'upkeep-evaluate-' });
    // Failing, detected 5 days ago: the initial report (2d) is 3 days overdue, more than escalate_after 2d.
    await appendEntry(store, evaluation(iso(NOW - 5 * D - 600_000), 'failing', iso(NOW - 5 * D), 'r1'));
    await appendEntry(store, evaluation(iso(NOW - 600_000), 'failing', iso(NOW), 'r2'));
    const first = await run('w1', NOW);
    const clock = first.opened.filter((f) => f.kind === 'overdue-incident-report');
    assert.deepEqual(
      clock.map((f) => [f.key, f.notified, f.since]),
      [
        ['incident-report-inc-20261115T075000Z-initial', ['owner@x.org'], iso(NOW - 3 * D)],
        ['incident-report-inc-20261115T075000Z-initial-escalated', ['owner@x.org', 'head@x.org', 'platform@x.org'], iso(NOW - D)],
      ],
    );
    assert.equal(
      clock[0]!.summary,
      'churn: the initial report on incident inc-20261115T075000Z (failing, open) is overdue by 3 days: it was due 2026-11-17T08:00:00.000Z',
    );
    assert.match(clock[1]!.summary, /^churn: ESCALATED: .*, and its owner owner@x.org has not filed it within escalate_after 2d$/);
    assert.equal((clock[0] as { notify?: unknown }).notify, undefined, 'who to tell is not kept beside who was told');

    // Filed: both resolve at the next run (the final report is not due yet).
    await appendEntry(store, report('inc-20261115T075000Z', 'initial', iso(NOW + 3_600_000), 'owner@x.org'));
    const after = await run('w2', NOW + 2 * 3_600_000);
    assert.deepEqual(
      after.resolved
        .filter((f) => f.kind === 'overdue-incident-report')
        .map((f) => f.key)
        .sort(),
      ['incident-report-inc-20261115T075000Z-initial', 'incident-report-inc-20261115T075000Z-initial-escalated'],
    );
    assert.deepEqual(
      after.opened.filter((f) => f.kind === 'overdue-incident-report'),
      [],
    );
  });
});

describe('upkeep incidents report', () => {
  let dir: string;
  let config: string;
  const yaml = (extra = ''): string =>
    `store: ${JSON.stringify(dir)}\ngovernance:\n  incident_reports:\n    failing: { initial: 2d, final: 15d }\nwatchdog: { platform: [plat@example.com] }\nmodels:\n${modelYaml({ approvers: extra || undefined })}`;
  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-inc-report-'));
    config = path.join(dir, 'upkeep.yaml');
    writeFileSync(config, yaml());
    const store = createFileStore(dir);
    await appendEntry(store, evaluation('2026-11-02T00:00:00.000Z', 'failing', '2026-11-02T00:10:00.000Z', 'r2'));
    await recordIncidentTransitions(store, { modelId: M, runId: 'r2' });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function run(f: () => Promise<void>): Promise<string> {
    const out: string[] = [];
    const log = console.log;
    console.log = (...a: unknown[]) => void out.push(a.join(' '));
    try {
      await f();
    } finally {
      console.log = log;
    }
    return out.join('\n');
  }

  it('files a report from a file, stating who filed it; signed with the filer’s key when the config lists one; refuses the rest in one line', async () => {
    const { reportCommand } = await import('../../cli/commands/incident-report.js');
    const { incidentsCommand } = await import('../../cli/commands/incidents.js');
    const file = path.join(dir, 'report.md');
    writeFileSync(file, '# Initial report\n\nThe upstream feed changed its units.\n');
    const inc = 'inc-20261102T000000Z';
    await assert.rejects(
      () => reportCommand(M, inc, { config, file, as: 'owners@example.com' }),
      /^UpkeepError: model churn: say which report this is: --initial or --final$/,
    );
    await assert.rejects(
      () => reportCommand(M, inc, { config, initial: true, as: 'owners@example.com' }),
      /exactly one of --file <report.md> or --text <text>/,
    );
    await assert.rejects(
      () => reportCommand(M, inc, { config, initial: true, file, as: 'mallory' }),
      /^UpkeepError: model churn: mallory may not file an incident report: its owner, approvers and the platform contacts may \(owners@example\.com, plat@example\.com\)$/,
    );
    await assert.rejects(() => reportCommand(M, 'inc-nope', { config, initial: true, file, as: 'plat@example.com' }), /has no incident "inc-nope"/);
    writeFileSync(path.join(dir, 'bad.md'), Buffer.from([0xff, 0xfe, 0x00]));
    await assert.rejects(
      () => reportCommand(M, inc, { config, initial: true, file: path.join(dir, 'bad.md'), as: 'plat@example.com' }),
      /^UpkeepError: report bad\.md: not UTF-8 text$/,
    );

    const said = await run(() => reportCommand(M, inc, { config, initial: true, file, as: 'plat@example.com' }));
    assert.match(
      said,
      /^recorded plat@example\.com's initial report on churn inc-20261102T000000Z \(unsigned, sha256 [0-9a-f]{16}…\)\n {2}initial report due 2026-11-04 00:10Z: filed .* by plat@example\.com \(unsigned\), \d+ days late\n {2}final report OVERDUE by \d+ days/,
    );
    const filed = (await readChain(createFileStore(dir), M)).map((c) => c.entry).find((e) => e.kind === 'incident-report')!;
    assert.equal(filed.actor, 'plat@example.com');
    assert.equal(filed.details!.filedBy, 'plat@example.com');
    assert.equal(filed.details!.text, readFileSync(file, 'utf8'));
    assert.equal(filed.details!.dueAt, '2026-11-04T00:10:00.000Z');

    // The owner has a key: the final report is signed over the report's sha256, and refused without the key.
    const { createSigningKey } = await import('../../cli/keys.js');
    const keyDir = path.join(dir, 'me');
    const { key } = createSigningKey(keyDir, 'owners@example.com');
    writeFileSync(config, yaml(`[{ id: owners@example.com, public_key: ${key.publicKey} }]`));
    await assert.rejects(
      () => reportCommand(M, inc, { config, final: true, text: 'final', as: 'owners@example.com', keyDir: path.join(dir, 'none') }),
      /^UpkeepError: model churn: decisions must be signed, and there is no signing key for owners@example\.com/,
    );
    await run(() => reportCommand(M, inc, { config, final: true, text: 'Final: fixed upstream.', as: 'owners@example.com', keyDir }));
    const final = (await readChain(createFileStore(dir), M)).map((c) => c.entry).filter((e) => e.kind === 'incident-report')[1]!;
    const proof = final.details!.proof as DecisionProof;
    const act = { gate: 'incident-report', decision: 'final', approver: 'owners@example.com', comment: `sha256:${String(final.details!.sha256)}` };
    assert.ok(signatureValid(act, proof, key.publicKey), 'signed over the report’s sha256');
    assert.ok(!signatureValid({ ...act, decision: 'initial' }, proof, key.publicKey), 'and which report it is');

    const json = JSON.parse(await run(() => incidentsCommand(M, { config, json: true }))) as {
      verified: boolean;
      incidents: { reports: { kind: string; by: string; signed: boolean }[]; due: { kind: string; filed?: unknown }[] }[];
    };
    assert.equal(json.verified, true, 'the trail still verifies');
    assert.deepEqual(
      json.incidents[0]!.reports.map((r) => [r.kind, r.by, r.signed]),
      [
        ['initial', 'plat@example.com', false],
        ['final', 'owners@example.com', true],
      ],
    );
    assert.deepEqual(
      json.incidents[0]!.due.map((d) => [d.kind, !!d.filed]),
      [
        ['initial', true],
        ['final', true],
      ],
    );

    // audit verify: a report's text changed afterwards (the chain rebuilt around it) is named.
    const store = createFileStore(dir);
    assert.deepEqual((await verifyTrail(store, M)).problems, []);
    await rebuildChain(store, M, (es) =>
      es.map((e) =>
        e.kind === 'incident-report' && e.details?.report === 'final' ? { ...e, details: { ...e.details, text: 'Final: nothing happened.' } } : e,
      ),
    );
    assert.match(
      (await verifyTrail(store, M)).problems.join('\n'),
      /^entry \d+ \(incident-report at .*\): the report's text does not have the sha256 it records \(and its signature covers\): it was altered$/,
    );
  });
});
