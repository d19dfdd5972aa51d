/**
 * A handover request before any workflow runs (no Temporal): checked and staged by the command,
 * read back by the workflow's activity only as staged (re-hashed, claimed by one run), addressed to
 * the platform contacts when the owner left, and the keys of people who are not yet the model's.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { prepareHandover } from '../../cli/client/handover.js';
import { claimStagedHandover, departureRequest, modelsOwnedBy, openHandover } from '../../engine/audit/handover.js';
import { findModel, keysOfPeople, loadConfig } from '../../engine/config/load.js';
import { createFileStore } from '../../engine/store/file-store.js';
import { handoverClaimKey, stagedHandoverKey } from '../../engine/store/keys.js';
import { newKeyPair } from '../../domain/signature.js';
import { createDemoWorkspace, OWNER, type DemoWorkspace } from '../helpers/demo-workspace.js';

const BOB = 'bob@example.com';
const PLATFORM = 'ml-platform@example.com';

describe('handover requests in the store: staged by the command, claimed by one run', function () {
  let ws: DemoWorkspace | undefined;
  afterEach(() => ws?.remove());
  const bob = newKeyPair();

  async function setUp() {
    ws = createDemoWorkspace({
      modelId: 'churn',
      end: new Date('2026-11-20T00:00:00Z'),
      days: 1,
      drifted: false,
      config: { keys_file: 'keys.yaml', watchdog: { platform: [PLATFORM] } },
    });
    writeFileSync(path.join(ws.dir, 'keys.yaml'), stringify({ people: [{ id: BOB, public_key: bob.publicKey }] }), { mode: 0o644 });
    const config = await loadConfig(ws.configPath);
    return { config, spec: findModel(config, 'churn'), store: createFileStore(ws.storeDir) };
  }

  it('refuses a handover to the owner and a new owner that is not an id, naming the option; stages a good one', async function () {
    const { spec, store } = await setUp();
    await assert.rejects(
      prepareHandover(store, spec, { to: OWNER, as: OWNER }),
      /^UpkeepError: handover churn: churn-owner@example\.com owns it already \(nothing to hand over\)$/,
    );
    await assert.rejects(prepareHandover(store, spec, { to: 'bob smith', as: OWNER }), /handover of churn: --to must be people ids/);
    await assert.rejects(prepareHandover(store, spec, { to: BOB, as: OWNER, reason: 'x'.repeat(5000) }), /--reason must be a non-empty line/);
    const { ref, from } = await prepareHandover(store, spec, { to: BOB, as: OWNER, reason: 'moving team' }, new Date('2026-11-21T00:00:00Z'));
    assert.equal(from, OWNER);
    const staged = JSON.parse(new TextDecoder().decode(await store.get(stagedHandoverKey('churn', ref.sha256))));
    assert.deepEqual(staged, { modelId: 'churn', to: [BOB], reason: 'moving team', requestedBy: OWNER, source: 'manual', at: '2026-11-21T00:00:00.000Z' });
  });

  it('refuses a new owner who is not in the directory of current people, naming them and the file, before anything is staged', async function () {
    const { spec, store } = await setUp();
    const directory = { name: 'watchdog.directory people.yaml', people: new Set([OWNER, BOB]) };
    await assert.rejects(
      prepareHandover(store, spec, { to: 'carol@example.com', as: OWNER, directory }),
      /^UpkeepError: handover churn: --to carol@example\.com is not in the directory of current people \(watchdog\.directory people\.yaml\): check the id, or add them to it first$/,
    );
    assert.deepEqual(await store.list('handovers'), []);
    assert.equal((await prepareHandover(store, spec, { to: BOB, as: OWNER, directory })).from, OWNER);
  });

  it("upkeep handover reads the config's watchdog.directory and refuses a person not in it, without a Temporal server", async function () {
    ws = createDemoWorkspace({
      modelId: 'churn',
      end: new Date('2026-11-20T00:00:00Z'),
      days: 1,
      drifted: false,
      config: { watchdog: { platform: [PLATFORM], directory: 'people.yaml' } },
    });
    writeFileSync(path.join(ws.dir, 'people.yaml'), stringify({ people: [OWNER, BOB] }));
    const { handoverCommand } = await import('../../cli/commands/handover.js');
    await assert.rejects(
      handoverCommand('churn', { to: 'carol@example.com', as: OWNER, config: ws.configPath }),
      /^UpkeepError: handover churn: --to carol@example\.com is not in the directory of current people \(watchdog\.directory people\.yaml\)/,
    );
  });

  it('is opened by one run only (a retry of that run is the same), refused when unknown or altered, and finds the keys of the person named', async function () {
    const { config, spec, store } = await setUp();
    const { ref } = await prepareHandover(store, spec, { to: BOB, as: OWNER, reason: 'moving team' });
    const run = { workflowId: 'upkeep-handover-churn', runId: 'r1' };
    const opened = await openHandover(store, { ...config, name: 'upkeep.yaml' }, ref, run);
    assert.deepEqual(
      [opened.request.to, opened.from, opened.keys?.people, opened.escalation.includes(PLATFORM)],
      [[BOB], OWNER, { [BOB]: bob.publicKey }, true],
    );
    assert.deepEqual((await claimStagedHandover(store, ref, run)).to, [BOB], 'a retry of the same run');
    await assert.rejects(
      claimStagedHandover(store, ref, { ...run, runId: 'r2' }),
      /the handover request [0-9a-f]{12} was opened already, by run r1 of upkeep-handover-churn/,
    );
    await assert.rejects(claimStagedHandover(store, { modelId: 'churn', sha256: 'a'.repeat(64) }, run), /no handover request aaaaaaaaaaaa was staged/);
    // Altered after staging: refused, whoever claims it.
    const other = (await prepareHandover(store, spec, { to: BOB, as: OWNER, reason: 'another' })).ref;
    await store.put(stagedHandoverKey('churn', other.sha256), JSON.stringify({ modelId: 'churn', to: ['mallory@example.com'] }));
    await assert.rejects(claimStagedHandover(store, other, run), /does not hash to its name \(altered\)/);
    assert.equal(await store.tryGet(handoverClaimKey('churn', other.sha256)), undefined, 'nothing claimed');
  });

  it('a departure is addressed to the platform contacts, for the models the person owns', async function () {
    const { config, store } = await setUp();
    assert.deepEqual(
      (await modelsOwnedBy(store, config, OWNER)).map((m) => m.modelId),
      ['churn'],
    );
    assert.deepEqual(await modelsOwnedBy(store, config, BOB), []);
    const r = departureRequest('churn', OWNER, [PLATFORM, PLATFORM], 'upkeep users remove', new Date('2026-11-21T00:00:00Z'));
    assert.deepEqual([r.to, r.source, r.left], [[PLATFORM], 'departure', OWNER]);
  });

  it('finds the keys of people who are not yet the model’s, also in a copy of the config', async function () {
    const { config } = await setUp();
    assert.deepEqual(keysOfPeople(config, 'churn', [BOB])?.people, { [BOB]: bob.publicKey });
    assert.deepEqual(keysOfPeople({ ...config, name: 'upkeep.yaml' } as typeof config, 'churn', [BOB])?.people, { [BOB]: bob.publicKey });
    assert.equal(keysOfPeople(config, 'churn', ['nobody@example.com']), undefined);
  });
});

describe('handover requests where people decide: approvals list and the web inbox', function () {
  const gate = {
    gate: 'handover' as const,
    state: 'waiting' as const,
    openedAt: '2026-11-21T00:00:00.000Z',
    expiresAt: '2026-11-28T00:00:00.000Z',
    approvers: [BOB],
    notified: [],
    reminders: 0,
    escalated: false,
    signaturesRequired: true,
  };
  const status = {
    modelId: 'churn',
    kind: 'handover' as const,
    stage: 'awaiting-handover-acceptance' as const,
    since: gate.openedAt,
    evidence: [],
    gates: [gate],
    gate,
    handover: { from: OWNER, to: [BOB], reason: 'moving <b>team</b>', requestedBy: OWNER, source: 'manual' as const },
  };

  it('says from whom to whom, why, and that the owner stays accountable; the inbox escapes the reason and offers the forms to the person named only', async function () {
    const { statusText } = await import('../../cli/commands/maintenance-actions.js');
    const text = statusText(status, 'upkeep-handover-churn');
    assert.match(text, /^ {2}handover: {4}from churn-owner@example\.com to bob@example\.com, asked by churn-owner@example\.com: moving <b>team<\/b>$/m);
    assert.match(text, /the owner stays accountable until it is accepted with a signed decision/);
    assert.match(text, /upkeep approve churn --gate handover --as <you>/);
    const { inboxPage } = await import('../../cli/web/pages.js');
    const asBob = String(await inboxPage({ user: BOB, csrf: 'x' }, [{ workflowId: 'upkeep-handover-churn', status }], []));
    assert.match(asBob, /Handover from churn-owner@example\.com to bob@example\.com, asked by churn-owner@example\.com: moving &lt;b&gt;team&lt;\/b&gt;/);
    assert.match(asBob, /Approve handover/);
    const asOwner = String(await inboxPage({ user: OWNER, csrf: 'x' }, [{ workflowId: 'upkeep-handover-churn', status }], []));
    assert.doesNotMatch(asOwner, /Approve handover/);
    assert.match(asOwner, /Only bob@example\.com can decide on this request/);
  });
});
