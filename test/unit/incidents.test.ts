/** Incidents derived from hand-built audit trails (engine/audit/incidents.ts). */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AuditEntry } from '../../domain/maintenance.js';
import { deriveIncidents, durationText, incidentId, type Incident } from '../../engine/audit/incidents.js';
import { appendEntry, readChain } from '../../engine/audit/chain.js';
import { signatureValid, type DecisionProof } from '../../domain/signature.js';
import { createFileStore } from '../../engine/store/file-store.js';
import { modelYaml } from '../helpers/config-text.js';
import { buildModelCard, renderModelCardMarkdown } from '../../engine/cards/index.js';
import { modelSpec } from '../../domain/config.js';

const M = 'churn';
let n = 0;
const entry = (kind: AuditEntry['kind'], at: string, extra: Partial<AuditEntry> = {}): AuditEntry => ({
  id: `e${String(++n).padStart(4, '0')}`,
  modelId: M,
  at,
  kind,
  summary: `${kind} at ${at}`,
  ...extra,
});
/** The evaluation of the window ending `windowEnd`, recorded at `at` by run `run`. */
const evaluation = (windowEnd: string, verdict: string, at: string, run: string): AuditEntry =>
  entry('evaluation', at, { runId: run, workflowId: `upkeep-evaluate-${M}`, details: { verdict, windowEnd } });
const told = (at: string, run: string, channel?: string, outcome = 'delivered'): AuditEntry =>
  entry('notified', at, {
    runId: run,
    details: {
      notification: 'degraded',
      to: ['ana'],
      title: 't',
      ...(channel ? { channel, delivery: { channel, outcome } } : { webhook: 'sent', delivery: { outcome } }),
    },
  });

const H = 3_600_000;

describe('incidents derived from the audit trail', () => {
  it('opens on the first degraded window, closes on the first healthy one, and computes the three times', () => {
    const trail = [
      evaluation('2026-11-01T00:00:00.000Z', 'healthy', '2026-11-01T00:10:00.000Z', 'r1'),
      evaluation('2026-11-02T00:00:00.000Z', 'degraded', '2026-11-02T00:10:00.000Z', 'r2'),
      told('2026-11-02T00:11:00.000Z', 'r2'),
      told('2026-11-02T00:12:00.000Z', 'r2', 'oncall'),
      entry('retrain-requested', '2026-11-02T00:13:00.000Z'),
      entry('approval-requested', '2026-11-02T01:00:00.000Z'),
      evaluation('2026-11-03T00:00:00.000Z', 'warning', '2026-11-03T00:10:00.000Z', 'r3'),
      entry('decision', '2026-11-03T02:10:00.000Z', { actor: 'ana' }),
      entry('promoted', '2026-11-03T02:20:00.000Z'),
      evaluation('2026-11-04T00:00:00.000Z', 'healthy', '2026-11-04T00:10:00.000Z', 'r4'),
      entry('decision', '2026-11-05T00:00:00.000Z', { actor: 'late' }),
    ];
    const [inc, ...rest] = deriveIncidents(M, trail);
    assert.equal(rest.length, 0);
    assert.ok(inc);
    assert.equal(inc.id, 'inc-20261102T000000Z');
    assert.equal(inc.state, 'closed');
    assert.equal(inc.severity, 'degraded');
    assert.equal(inc.badWindows, 1, 'a warning neither opens nor closes');
    assert.equal(inc.detectedAt, '2026-11-02T00:10:00.000Z');
    assert.deepEqual(
      inc.told.map((t) => t.channel),
      ['webhook', 'oncall'],
    );
    assert.equal(inc.firstHealthy?.windowEnd, '2026-11-04T00:00:00.000Z');
    assert.equal(inc.closedAt, '2026-11-04T00:10:00.000Z');
    assert.deepEqual(inc.times, { detectMs: 11 * 60_000, decideMs: 26 * H, recoverMs: 48 * H });
    assert.deepEqual(
      inc.timeline.map((t) => t.kind),
      ['bad-window', 'notified', 'notified', 'retrain-requested', 'approval-requested', 'decision', 'promoted', 'healthy-window'],
      'the decision after it closed is not in it',
    );
  });

  it('keeps one incident open across bad windows, failing outranking degraded, and opens a second after recovery', () => {
    const trail = [
      evaluation('2026-11-02T00:00:00.000Z', 'degraded', '2026-11-02T00:10:00.000Z', 'r2'),
      evaluation('2026-11-03T00:00:00.000Z', 'failing', '2026-11-03T00:10:00.000Z', 'r3'),
      evaluation('2026-11-04T00:00:00.000Z', 'insufficient-data', '2026-11-04T00:10:00.000Z', 'r4'),
      evaluation('2026-11-05T00:00:00.000Z', 'healthy', '2026-11-05T00:10:00.000Z', 'r5'),
      evaluation('2026-11-06T00:00:00.000Z', 'failing', '2026-11-06T00:10:00.000Z', 'r6'),
    ];
    const incidents = deriveIncidents(M, trail);
    assert.deepEqual(
      incidents.map((i) => [i.id, i.state, i.severity, i.badWindows]),
      [
        ['inc-20261102T000000Z', 'closed', 'failing', 2],
        ['inc-20261106T000000Z', 'open', 'failing', 1],
      ],
    );
    const open = incidents[1]!;
    assert.deepEqual(open.times, {}, 'nobody told, nothing decided, not recovered: no times');
    assert.equal(open.closedAt, undefined);
  });

  it('takes windows in data order, the latest run of a window standing for it, whatever order the entries come in', () => {
    const trail = [
      evaluation('2026-11-02T00:00:00.000Z', 'degraded', '2026-11-02T00:10:00.000Z', 'r2'),
      evaluation('2026-11-03T00:00:00.000Z', 'healthy', '2026-11-03T00:10:00.000Z', 'r3'),
      // The window of the 2nd evaluated again (its labels matured): healthy after all.
      evaluation('2026-11-02T00:00:00.000Z', 'healthy', '2026-11-09T00:00:00.000Z', 'r9'),
    ];
    assert.deepEqual(deriveIncidents(M, trail), []);
    const twice = deriveIncidents(M, trail.slice(0, 2));
    assert.deepEqual(deriveIncidents(M, [trail[1]!, trail[0]!]), twice, 'same trail in another order, same incidents');
    assert.equal(twice[0]?.id, incidentId('2026-11-02T00:00:00.000Z'));
  });

  it('counts detection only from a notification that went out, and keeps owners\u2019 notes with their signature state', () => {
    const trail = [
      evaluation('2026-11-02T00:00:00.000Z', 'failing', '2026-11-02T06:00:00.000Z', 'r2'),
      told('2026-11-02T06:01:00.000Z', 'r2', 'pager', 'gave-up'),
      told('2026-11-02T07:00:00.000Z', 'r2', 'slack'),
      entry('incident-note', '2026-11-10T00:00:00.000Z', {
        actor: 'ana',
        details: { incident: 'inc-20261102T000000Z', text: 'the feed was late', signed: true, signer: 'ana' },
      }),
      entry('incident-note', '2026-11-10T00:00:00.000Z', { actor: 'bob', details: { incident: 'inc-nope', text: 'x' } }),
      entry('evaluation', '2026-11-02T06:00:01.000Z', { runId: 'r2', details: { windowEnd: '2026-11-02T00:00:00.000Z' } }),
    ];
    const [inc] = deriveIncidents(M, trail);
    assert.equal(inc?.times.detectMs, 7 * H, 'the pager gave up: the slack message is the alert');
    assert.deepEqual(inc?.notes, [
      { at: '2026-11-10T00:00:00.000Z', actor: 'ana', text: 'the feed was late', signed: true, signer: 'ana', entry: trail[3]!.id },
    ]);
    assert.equal(deriveIncidents('other', trail).length, 0, 'another model’s trail has none');
  });

  it('says durations in minutes, hours or days', () => {
    assert.deepEqual([durationText(11 * 60_000), durationText(26 * H), durationText(72 * H), durationText(undefined)], ['11 min', '26.0 h', '3.0 days', '—']);
  });
});

describe('the model card\u2019s incidents', () => {
  it('lists them newest first with their times and notes, and says nothing when there are none', () => {
    const spec = modelSpec.parse({
      id: M,
      owner: 'ana',
      task: 'binary',
      artifact: 'file:///m.onnx',
      inputs: [{ name: 'x', columns: ['a'] }],
      label: { column: 'y', positive: 1 },
      data: { uri: 'file:///d/{date}.csv' },
      schedule: { every: '1d' },
      thresholds: { metric: 'roc_auc', min: 0.7 },
    });
    const trail = [
      evaluation('2026-11-02T00:00:00.000Z', 'failing', '2026-11-02T00:10:00.000Z', 'r2'),
      told('2026-11-02T00:30:00.000Z', 'r2', 'oncall'),
      evaluation('2026-11-03T00:00:00.000Z', 'healthy', '2026-11-03T00:10:00.000Z', 'r3'),
      entry('incident-note', '2026-11-04T00:00:00.000Z', { actor: 'ana', details: { incident: 'inc-20261102T000000Z', text: 'feed | late', signed: false } }),
      evaluation('2026-11-05T00:00:00.000Z', 'degraded', '2026-11-05T00:10:00.000Z', 'r5'),
    ];
    const base = {
      spec,
      generatedAt: '2026-11-06T00:00:00.000Z',
      champion: null,
      championVersion: null,
      versions: [],
      championHistory: [],
      reports: [],
      auditTrail: [],
    };
    const card = buildModelCard({ ...base, incidents: deriveIncidents(M, trail) });
    assert.deepEqual(
      card.incidents?.map((i) => [i.id, i.state, i.told, i.times.detectMs, i.times.recoverMs]),
      [
        ['inc-20261105T000000Z', 'open', [], null, null],
        ['inc-20261102T000000Z', 'closed', ['oncall'], 30 * 60_000, 24 * H],
      ],
    );
    const md = renderModelCardMarkdown(card);
    assert.match(md, /\n## Incidents\n/);
    assert.match(
      md,
      /\| inc-20261102T000000Z \| closed, failing \(1 bad\) \| 2026-11-02 00:00 UTC \| oncall \| 30 min \| — \| 24\.0 h \| 2026-11-03 00:10 UTC \|/,
    );
    assert.match(md, /\| inc-20261105T000000Z \| \*\*open\*\*, degraded \(1 bad\) \| 2026-11-05 00:00 UTC \| nobody \| — \| — \| — \| — \|/);
    assert.match(md, /- Note on inc-20261102T000000Z by ana \(2026-11-04 00:00 UTC, unsigned\): feed \\\| late/);
    assert.doesNotMatch(renderModelCardMarkdown(buildModelCard(base)), /## Incidents/);
  });
});

describe('upkeep incidents', () => {
  let dir: string;
  let config: string;
  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-incidents-'));
    config = path.join(dir, 'upkeep.yaml');
    writeFileSync(config, `store: ${JSON.stringify(dir)}\nmodels:\n${modelYaml()}${modelYaml({ id: 'fraud' })}`);
    const store = createFileStore(dir);
    for (const e of [
      evaluation('2026-11-02T00:00:00.000Z', 'failing', '2026-11-02T00:10:00.000Z', 'r2'),
      told('2026-11-02T00:30:00.000Z', 'r2', 'oncall'),
      evaluation('2026-11-03T00:00:00.000Z', 'healthy', '2026-11-03T00:10:00.000Z', 'r3'),
      evaluation('2026-11-04T00:00:00.000Z', 'degraded', '2026-11-04T00:10:00.000Z', 'r4'),
    ])
      await appendEntry(store, e);
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

  it('prints each model\u2019s incidents, newest first, with their times; every model of the config without one', async () => {
    const { incidentsCommand } = await import('../../cli/commands/incidents.js');
    const text = await run(() => incidentsCommand(undefined, { config }));
    assert.match(text, /^churn: 2 incidents, 1 OPEN\nchurn inc-20261104T000000Z: OPEN, degraded/);
    assert.match(
      text,
      /churn inc-20261102T000000Z: closed, failing \(1 bad window\)\n {2}first bad window: ending 2026-11-02 00:00Z, failing; detected 2026-11-02 00:10Z/,
    );
    assert.match(text, /told: +oncall 2026-11-02 00:30Z → ana/);
    assert.match(text, /time to detect 30 min · to decide — · to recover 24.0 h/);
    assert.match(text, /\nfraud: no incidents$/);
    const json = JSON.parse(await run(() => incidentsCommand('churn', { config, json: true }))) as {
      modelId: string;
      verified: boolean;
      incidents: { id: string; times: unknown }[];
    };
    assert.equal(json.verified, true);
    assert.deepEqual(
      json.incidents.map((i) => [i.id, i.times]),
      [
        ['inc-20261102T000000Z', { detectMs: 30 * 60_000, recoverMs: 24 * H }],
        ['inc-20261104T000000Z', {}],
      ],
    );
  });

  it("records the owner's note (unsigned when the owner has no key), refuses anyone else and an unknown incident", async () => {
    const { incidentsCommand, noteCommand } = await import('../../cli/commands/incidents.js');
    await assert.rejects(
      () => noteCommand('churn', 'inc-20261102T000000Z', { config, as: 'mallory', text: 'x' }),
      /^UpkeepError: model churn: only its owner \(owners@example\.com\) writes a post-incident note, not mallory$/,
    );
    await assert.rejects(
      () => noteCommand('churn', 'inc-nope', { config, as: 'owners@example.com', text: 'x' }),
      /^UpkeepError: model churn has no incident "inc-nope" \(`upkeep incidents churn` lists them\)$/,
    );
    await assert.rejects(() => noteCommand('churn', 'inc-20261102T000000Z', { config, as: 'owners@example.com', text: ' ' }), /--text is required/);
    const said = await run(() => noteCommand('churn', 'inc-20261102T000000Z', { config, as: 'owners@example.com', text: 'the feed was late' }));
    assert.equal(said, "recorded owners@example.com's note on churn inc-20261102T000000Z (unsigned)");
    const json = JSON.parse(await run(() => incidentsCommand('churn', { config, json: true }))) as { verified: boolean; incidents: Incident[] };
    assert.equal(json.verified, true, 'the trail still verifies');
    assert.deepEqual(
      json.incidents[0]!.notes.map((n) => [n.actor, n.text, n.signed]),
      [['owners@example.com', 'the feed was late', false]],
    );
  });

  it("signs the owner's note with the owner's key when the config lists one, and refuses it unsigned then", async () => {
    const { noteCommand } = await import('../../cli/commands/incidents.js');
    const { createSigningKey } = await import('../../cli/keys.js');
    const keyDir = path.join(dir, 'me');
    const missing = /^UpkeepError: model churn: decisions must be signed, and there is no signing key for owners@example\.com/;
    const { key } = createSigningKey(keyDir, 'owners@example.com');
    writeFileSync(config, `store: ${JSON.stringify(dir)}\nmodels:\n${modelYaml({ approvers: `[{ id: owners@example.com, public_key: ${key.publicKey} }]` })}`);
    await assert.rejects(
      () => noteCommand('churn', 'inc-20261102T000000Z', { config, as: 'owners@example.com', text: 'x', keyDir: path.join(dir, 'none') }),
      missing,
    );
    const said = await run(() => noteCommand('churn', 'inc-20261102T000000Z', { config, as: 'owners@example.com', text: 'signed note', keyDir }));
    assert.equal(said, "recorded owners@example.com's note on churn inc-20261102T000000Z (signed)");
    const note = (await readChain(createFileStore(dir), 'churn')).map((c) => c.entry).find((e) => e.kind === 'incident-note')!;
    const proof = note.details!.proof as DecisionProof;
    assert.equal(note.details!.signed, true);
    assert.ok(
      signatureValid({ gate: 'incident-note', decision: 'note', approver: 'owners@example.com', comment: 'signed note' }, proof, key.publicKey),
      'the signature holds',
    );
    assert.ok(
      !signatureValid({ gate: 'incident-note', decision: 'note', approver: 'owners@example.com', comment: 'edited' }, proof, key.publicKey),
      'over the text',
    );
  });

  it('names a model with nothing recorded in one line', async () => {
    const { incidentsCommand } = await import('../../cli/commands/incidents.js');
    await assert.rejects(() => incidentsCommand('fraud', { config }), /^UpkeepError: nothing is recorded for model "fraud" in the store/);
  });
});
