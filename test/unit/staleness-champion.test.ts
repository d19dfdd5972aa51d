import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import { parseConfig } from '../../engine/config/load.js';
import type { ChampionPointer } from '../../engine/registry/types.js';
import { createFileStore } from '../../engine/store/file-store.js';
import { championKey, auditEntryKey } from '../../engine/store/keys.js';
import type { ArtifactStore } from '../../engine/store/store.js';
import { inspectModel } from '../../engine/watchdog/inspect.js';
import type { UpkeepConfig } from '../../domain/config.js';
import type { AuditEntry } from '../../domain/maintenance.js';
import { lookedAtChampion } from '../../domain/staleness.js';
import { fleetStatus } from '../../cli/status/fleet.js';
import { renderModelDetail } from '../../cli/status/table.js';
import { demoModel } from '../helpers/demo-workspace.js';

const H = 3_600_000;
const D = 24 * H;
const V1 = 'aaaaaaaaaaaa';
const V3 = 'cccccccccccc';
/** The last evaluation of v1 (daily at 06:00), then v3 promoted at 10:00. */
const EVALUATED = '2026-06-10T06:00:00.000Z';
const PROMOTED = '2026-06-10T10:00:00.000Z';
const iso = (ms: number): string => new Date(ms).toISOString();

describe('staleness after a promotion: only evaluations of the champion count', function () {
  let dir: string;
  let store: ArtifactStore;
  let config: UpkeepConfig;

  const logged = async (at: string, verdict: string, version?: string): Promise<void> => {
    const e: AuditEntry = {
      id: `evaluation-${at.replace(/[^0-9]/g, '')}`,
      modelId: 'churn',
      at,
      kind: 'evaluation',
      summary: `evaluated ${version ?? '?'}: ${verdict}`,
      details: { verdict, windowEnd: at, ...(version ? { version } : {}) },
    };
    await store.put(auditEntryKey(e), JSON.stringify(e));
  };
  const fleet = (now: number) => fleetStatus({ config, store, taskQueue: 'upkeep', now: new Date(now) });
  const status = async (now: number) => (await fleet(now)).models[0]!;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-staleness-'));
    config = parseConfig(stringify({ version: 1, store: 'store', models: [demoModel('churn')] }), { name: 'upkeep.yaml', baseDir: dir });
    store = createFileStore(pathToFileURL(path.join(dir, 'store')).href);
    await logged('2026-06-09T06:00:00.000Z', 'healthy', V1);
    await logged(EVALUATED, 'healthy', V1);
    const pointer: ChampionPointer = {
      modelId: 'churn',
      version: V3,
      sha256: 'c'.repeat(64),
      generation: 2,
      since: PROMOTED,
      change: 'promotion',
      previous: V1,
      approvals: [],
    };
    await store.put(championKey('churn'), JSON.stringify(pointer));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('counts an evaluation of the champion since it took over; an entry without a version by its time', function () {
    const champion = { version: V3, since: PROMOTED };
    assert.equal(lookedAtChampion({ at: '2026-06-10T11:00:00.000Z', details: { verdict: 'healthy', version: V3 } }, champion), true);
    assert.equal(
      lookedAtChampion({ at: '2026-06-10T11:00:00.000Z', details: { verdict: 'healthy', version: V1 } }, champion),
      false,
      'started before the promotion, recorded after',
    );
    assert.equal(
      lookedAtChampion({ at: EVALUATED, details: { verdict: 'healthy', version: V3 } }, champion),
      false,
      'before it took over (a rollback to an old version)',
    );
    assert.equal(lookedAtChampion({ at: '2026-06-10T11:00:00.000Z', details: { verdict: 'healthy' } }, champion), true);
    assert.equal(lookedAtChampion({ at: '2026-06-10T11:00:00.000Z', details: { verdict: 'failing', version: V3 } }, champion), false);
    assert.equal(lookedAtChampion({ at: EVALUATED, details: { verdict: 'degraded' } }), true, 'nothing promoted: every evaluation that looked');
  });

  it('upkeep status: not fresh after a promotion until the new champion is evaluated', async function () {
    const now = Date.parse(PROMOTED) + 2 * H;
    const all = await fleet(now);
    const before = all.models[0]!;
    assert.equal(before.staleness.state, 'never');
    assert.equal(before.staleness.lastLookedAt, null);
    assert.equal(before.staleness.ageMs, 2 * H);
    assert.deepEqual(before.staleness.notYetEvaluated, { version: V3, since: PROMOTED, change: 'promotion' });
    const text = renderModelDetail(before, all);
    assert.match(text, /staleness:\s+never \(not yet evaluated since cccccccccccc was promoted 2h ago \(2026-06-10T10:00:00\.000Z\); stale after 2d\)/);
    // An evaluation that resolved v1 before the promotion and finished after it does not count.
    await logged('2026-06-10T10:05:00.000Z', 'healthy', V1);
    assert.equal((await status(now)).staleness.state, 'never');
    // Two intervals after the promotion without an evaluation of v3: stale.
    assert.equal((await status(Date.parse(PROMOTED) + 2 * D + H)).staleness.state, 'stale');
    // The first evaluation of v3: fresh.
    await logged('2026-06-10T11:00:00.000Z', 'healthy', V3);
    const after = await status(now);
    assert.equal(after.staleness.state, 'fresh');
    assert.equal(after.staleness.lastLookedAt, '2026-06-10T11:00:00.000Z');
    assert.equal(after.staleness.notYetEvaluated, undefined);
  });

  it('the watchdog agrees: the champion is unwatched from its promotion until an evaluation of it', async function () {
    const spec = config.models[0]!;
    const inspect = (now: number) => inspectModel({ store }, spec, { now: iso(now), watchdog: config.watchdog, evaluateSchedulePrefix: 'upkeep-evaluate-' });
    // v1 was looked at 4h before the promotion: measured from it, stale at 06:00 + 2d; v3 is
    // unwatched from its promotion, stale at 10:00 + 2d.
    assert.deepEqual(await inspect(Date.parse(EVALUATED) + 2 * D + H), []);
    const [stale] = await inspect(Date.parse(PROMOTED) + 2 * D + H);
    assert.equal(stale?.kind, 'stale');
    assert.equal(stale.since, iso(Date.parse(PROMOTED) + 2 * D));
    assert.match(stale.summary, /^churn: its champion cccccccccccc has not been evaluated since it was promoted at 2026-06-10T10:00:00\.000Z; /);
    await logged('2026-06-10T11:00:00.000Z', 'healthy', V3);
    assert.deepEqual(await inspect(Date.parse(PROMOTED) + 2 * D + H), []);
  });
});
