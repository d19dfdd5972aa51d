/**
 * The pictures of the web pages in a real browser (Chromium from the system, driven by
 * playwright-core), from stored reports: the model page's chart with its intervals, promotions and
 * rollbacks, and the drift strip; one point and 500 windows on the chart's axis; the inbox's
 * champion vs challenger and training coverage; each picture's numbers checked against the
 * reports (or the request's comparison) it draws, and the numbers there without JavaScript.
 * Temporal is a stand-in answering one promotion request. Screenshots go to
 * .upkeep/test-artifacts/web/pictures-*.png.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { chromium, type Browser, type Page } from 'playwright-core';
import { stringify } from 'yaml';
import type { MaintenanceStatus } from '../../domain/maintenance.js';
import { newKeyPair } from '../../domain/signature.js';
import { parseConfig } from '../../engine/config/load.js';
import { createFileStore } from '../../engine/store/file-store.js';
import { PROJECT_DIR } from '../../workers/paths.js';
import { startWebServer, type RunningWebServer } from '../../cli/commands/serve.js';
import { addUser, tokenAuthenticator } from '../../cli/web/users.js';
import { CHART_REPORTS } from '../../cli/web/data.js';
import { demoModel } from '../helpers/demo-workspace.js';
import { fortyWindows, madeUpReport, storeChampionChanges, storeReports, V1 } from '../helpers/picture-reports.js';

const CHROMIUM = process.env.UPKEEP_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = path.join(PROJECT_DIR, '.upkeep', 'test-artifacts', 'web');
const OWNER = 'churn-owner@example.com';

/** A promotion request waiting, as the retrain workflow's status query answers it. */
function promotionRequest(): MaintenanceStatus {
  const gate = {
    gate: 'promote',
    state: 'waiting',
    openedAt: '2026-11-10T08:00:00.000Z',
    expiresAt: '2026-11-11T08:00:00.000Z',
    approvers: [OWNER],
    notified: [],
    reminders: 0,
    escalated: false,
  };
  return {
    modelId: 'churn',
    kind: 'retrain',
    stage: 'awaiting-promotion-approval',
    since: gate.openedAt,
    evidence: [],
    gates: [gate],
    gate,
    champion: 'v1',
    candidate: { version: 'v3' },
    comparison: {
      metric: 'roc_auc',
      higherIsBetter: true,
      holdout: { uri: 'u', sha256: 's', rows: 2400, firstDay: '2026-11-03', lastDay: '2026-11-09' },
      champion: { version: 'v1', value: 0.712, low: 0.689, high: 0.735, metrics: { roc_auc: 0.712, accuracy: 0.8 } },
      challenger: { version: 'v3', value: 0.781, low: 0.761, high: 0.8, metrics: { roc_auc: 0.781, accuracy: 0.83 } },
      rows: [
        { metric: 'roc_auc', champion: 0.712, challenger: 0.781, delta: 0.069, better: 'challenger' },
        { metric: 'accuracy', champion: 0.8, challenger: 0.83, delta: 0.03, better: 'challenger' },
      ],
      recommended: true,
      better: true,
      reason: 'the challenger is better by 0.069',
      candidate: {
        version: 'v3',
        trainer: 'builtin logistic regression',
        modelType: 'LinearClassifier',
        training: {
          firstDay: '2026-10-06',
          lastDay: '2026-11-02',
          daysAsked: 28,
          daysWithData: 25,
          missingDays: ['2026-10-11', '2026-10-12', '2026-10-25'],
          rows: 22_500,
          share: 25 / 28,
          minCoverage: 0.8,
        },
      },
    },
  } as unknown as MaintenanceStatus;
}

describe('the pictures of the web pages in a browser, against the reports they draw', function () {
  this.timeout(180_000);
  let browser: Browser | undefined;
  let web: RunningWebServer | undefined;
  let dir: string | undefined;
  let token = '';
  const store = () => createFileStore(path.join(dir!, 'store'));
  const reports = fortyWindows().map((m) => madeUpReport('churn', '2026-10-01', m));

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      console.log(`    skipped: no Chromium at ${CHROMIUM} (install Debian's chromium package, or set UPKEEP_CHROMIUM)`);
      this.skip();
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    dir = mkdtempSync(path.join(tmpdir(), 'upkeep-web-pictures-'));
    const server = newKeyPair();
    const config = parseConfig(
      stringify({
        version: 1,
        store: 'store',
        authenticators: [{ id: 'upkeep-web@test', public_key: server.publicKey }],
        models: [demoModel('churn', { approvers: [OWNER] }), demoModel('one'), demoModel('long')],
      }),
      { name: 'upkeep.yaml', baseDir: dir },
    );
    await storeReports(store(), reports);
    await storeChampionChanges(store(), 'churn');
    await storeReports(store(), [madeUpReport('one', '2026-10-01', { day: 0, value: 0.81, low: 0.79, high: 0.83, verdict: 'healthy', sha: V1 })]);
    // 500 daily windows: the chart draws the newest CHART_REPORTS.
    await storeReports(
      store(),
      Array.from({ length: 500 }, (_, day) =>
        madeUpReport('long', '2025-06-01', {
          day,
          value: 0.8 + 0.03 * Math.sin(day / 20),
          low: 0.78 + 0.03 * Math.sin(day / 20),
          high: 0.82 + 0.03 * Math.sin(day / 20),
          verdict: 'healthy',
          sha: V1,
        }),
      ),
    );
    const status = promotionRequest();
    const handle = {
      workflowId: 'upkeep-retrain-churn',
      query: async () => status,
      describe: async () => ({ status: { name: 'RUNNING' }, runId: 'r1', taskQueue: 'upkeep' }),
    };
    const client = {
      connection: {},
      options: { namespace: 'default' },
      withDeadline: async (_d: number, f: () => Promise<unknown>) => f(),
      workflow: {
        list: async function* () {
          yield { type: 'retrainModel', workflowId: 'upkeep-retrain-churn', runId: 'r1', taskQueue: 'upkeep', status: { name: 'RUNNING' } };
        },
        getHandle: () => handle,
      },
      schedule: { getHandle: () => ({ describe: async () => Promise.reject(new Error('no schedule')) }) },
    } as unknown as Client;
    const users = path.join(dir, 'users.json');
    token = addUser(users, OWNER);
    web = await startWebServer({
      config,
      store: store(),
      client,
      taskQueue: 'upkeep',
      authenticator: tokenAuthenticator(users),
      signer: { id: 'upkeep-web@test', secretKey: server.secretKey },
      sessions: { idleMs: 600_000, maxMs: 3_600_000 },
      host: '127.0.0.1',
      port: 0,
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  });
  after(async () => {
    await browser?.close();
    await web?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(ARTIFACTS, `pictures-${name}.png`), fullPage: true });

  async function signedIn(o: { javaScriptEnabled?: boolean } = {}): Promise<{ page: Page; errors: string[] }> {
    const page = await (await browser!.newContext({ viewport: { width: 1280, height: 900 }, ...o })).newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${web!.url}/login`);
    await page.fill('input[name=token]', token);
    await Promise.all([page.waitForURL(`${web!.url}/`), page.click('button[type=submit]')]);
    return { page, errors };
  }

  it("draws the model's metric with its intervals, verdicts, promotions and rollbacks, and its drift strip, as the reports say", async function () {
    const { page, errors } = await signedIn();
    await page.goto(`${web!.url}/models/churn`);
    await page.waitForSelector('#trend[data-ready=true]');
    assert.equal(await page.getAttribute('#trend', 'data-points'), '40');
    assert.equal(await page.getAttribute('#trend', 'data-intervals'), '40', 'every window has its interval drawn');
    assert.equal(await page.getAttribute('#trend', 'data-changes'), '2', 'the promotion and the rollback');
    assert.ok((await page.locator('#trend canvas').count()) > 0);
    assert.match(
      await page.locator('#trend .legend-note').innerText(),
      /Shaded and whiskers: the interval.*Hollow points: estimates.*promotions \(solid green\) and rollbacks/,
    );
    // The drift strip: every cell's state, score and threshold are its window's report's.
    const cells = await page.locator('figure.drift-strip g.cell').evaluateAll((els) =>
      els.map((e) => ({
        column: e.parentElement!.getAttribute('data-column')!,
        window: e.getAttribute('data-window')!,
        state: e.getAttribute('data-state')!,
        score: e.getAttribute('data-score'),
        threshold: e.getAttribute('data-threshold'),
      })),
    );
    assert.equal(cells.length, 7 * 14);
    for (const c of cells) {
      const r = reports.find((x) => x.window.end === c.window)!;
      const d = r.drift!.columns[c.column];
      if (!d) {
        assert.equal(c.state, 'absent');
        continue;
      }
      const counted = r.drift!.alarm!.columns.includes(c.column);
      assert.equal(c.state, d.drifted === null ? 'untested' : !d.drifted ? 'no' : counted ? 'counted' : 'single', `${c.column} ${c.window}`);
      assert.deepEqual([c.score, Number(c.threshold)], [String(d.score), d.threshold]);
    }
    // The summary (the chart's text alternative) and its numbers, newest first.
    assert.equal(await page.getAttribute('#trend', 'aria-describedby'), 'trend-summary');
    assert.match(
      await page.locator('#trend-summary').innerText(),
      /^40 points from 2026-10-02 to 2026-11-10 \(3 estimated: labels not known yet\); latest 0\.7140 \[0\.6840, 0\.7440\], degraded; minimum 0\.7200; 2 champion changes marked\.$/,
    );
    // Each watched column's distribution in the latest window, drifted first, its bars the report's counts.
    const latest = reports.at(-1)!;
    const figures = await page.locator('div.distributions figure.distribution').evaluateAll((fs) => fs.map((f) => f.getAttribute('data-column')));
    assert.deepEqual(figures, ['x1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x7']);
    const x1 = await page
      .locator('div.distributions table.distribution-table[data-column="x1"] tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    const d = latest.drift!.columns.x1!.distribution as { reference: number[]; current: number[] };
    assert.deepEqual(
      x1.map((r) => [Number(r[1]), Number(r[3])]),
      d.reference.map((n, i) => [n, d.current[i]]),
    );
    assert.deepEqual(errors, [], 'no CSP violation or script error');
    await shot(page, '01-model');
    await page.locator('div.distributions').screenshot({ path: path.join(ARTIFACTS, 'pictures-09-distributions.png') });
    await page.locator('figure.drift-strip').screenshot({ path: path.join(ARTIFACTS, 'pictures-02-drift-strip.png') });
    await page.locator('#trend').screenshot({ path: path.join(ARTIFACTS, 'pictures-03-chart.png') });
  });

  it('gives one point a sane axis, and draws the newest windows of 500', async function () {
    const { page, errors } = await signedIn();
    await page.goto(`${web!.url}/models/one`);
    await page.waitForSelector('#trend[data-ready=true]');
    assert.equal(await page.getAttribute('#trend', 'data-points'), '1');
    assert.equal(await page.getAttribute('#trend', 'data-intervals'), '1');
    await page.locator('#trend').screenshot({ path: path.join(ARTIFACTS, 'pictures-04-chart-one-point.png') });
    await page.goto(`${web!.url}/models/long`);
    await page.waitForSelector('#trend[data-ready=true]');
    assert.equal(await page.getAttribute('#trend', 'data-points'), String(CHART_REPORTS));
    assert.match(
      await page.locator('#trend-summary').innerText(),
      new RegExp(`^${CHART_REPORTS} points \\(from the newest ${CHART_REPORTS} evaluations\\) from 2026-04-`),
    );
    assert.equal(await page.locator('table.trend-numbers tbody tr').count(), CHART_REPORTS);
    await page.locator('#trend').screenshot({ path: path.join(ARTIFACTS, 'pictures-05-chart-500-windows.png') });
    assert.deepEqual(errors, []);
  });

  it('shows the numbers without JavaScript: the chart as a table, the strip and its table', async function () {
    const { page } = await signedIn({ javaScriptEnabled: false });
    await page.goto(`${web!.url}/models/churn`);
    await page.click('details.numbers summary >> nth=0');
    const rows = await page
      .locator('table.trend-numbers tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-window'), ...[...tr.querySelectorAll('td')].map((td) => td.textContent)]));
    assert.equal(rows.length, 40);
    assert.ok((await page.locator('#trend').boundingBox())!.height < 80, 'no empty chart box: the note that the numbers follow');
    for (const [windowEnd, , version, verdict, value, interval] of rows) {
      const r = reports.find((x) => x.window.end === windowEnd)!;
      assert.equal(version, r.model.sha256.slice(0, 12));
      assert.equal(verdict, r.verdict.status);
      if (r.metrics.roc_auc === null) {
        const e = r.evaluation!.estimated!.metrics.roc_auc!;
        assert.equal(value, `${e.value!.toFixed(4)} (estimated)`);
        assert.equal(interval, `[${e.lower!.toFixed(4)}, ${e.upper!.toFixed(4)}]`);
      } else {
        assert.equal(value, r.metrics.roc_auc!.toFixed(4));
        assert.equal(interval, `[${r.confidence!.low!.toFixed(4)}, ${r.confidence!.high!.toFixed(4)}]`);
      }
    }
    assert.match(await page.locator('ul.changes').innerText(), /promotion of v2[\s\S]*rollback of v1/);
    assert.equal(await page.locator('figure.drift-strip svg').count(), 1, 'the strip is drawn by the server');
    await page.click('figure.drift-strip + details summary');
    await shot(page, '06-model-without-javascript');
  });

  it("shows champion vs challenger on the holdout with both intervals, and the candidate's training coverage, as the request says", async function () {
    const { page, errors } = await signedIn();
    await page.goto(`${web!.url}/inbox`);
    const request = page.locator('section.request[data-model="churn"]');
    const c = promotionRequest().comparison!;
    const sides = await request
      .locator('figure.comparison-picture g.side')
      .evaluateAll((gs) => gs.map((g) => ['data-side', 'data-value', 'data-low', 'data-high'].map((a) => g.getAttribute(a))));
    assert.deepEqual(sides, [
      ['champion', String(c.champion.value), String(c.champion.low), String(c.champion.high)],
      ['challenger', String(c.challenger.value), String(c.challenger.low), String(c.challenger.high)],
    ]);
    // Each point sits at its value on the axis drawn: positions are linear in the values.
    const cx = (await request.locator('figure.comparison-picture circle').evaluateAll((cs) => cs.map((e) => Number(e.getAttribute('cx'))))) as number[];
    assert.ok(cx[1]! > cx[0]!, 'the better challenger is to the right (higher is better)');
    assert.match((await request.locator('figure.comparison-picture desc').textContent()) ?? '', /The intervals do not overlap\./);
    const days = await request
      .locator('figure.coverage-picture rect.day')
      .evaluateAll((rs) => rs.map((r) => [r.getAttribute('data-day'), r.getAttribute('data-data')]));
    assert.equal(days.length, c.candidate!.training.daysAsked);
    assert.deepEqual(
      days.filter(([, d]) => d === 'no').map(([day]) => day),
      c.candidate!.training.missingDays,
    );
    assert.match(await request.locator('table.comparison').innerText(), /0\.7120 \[0\.6890, 0\.7350\]/);
    assert.deepEqual(errors, []);
    await shot(page, '07-inbox-promotion');
    await request.locator('figure.comparison-picture').screenshot({ path: path.join(ARTIFACTS, 'pictures-08-comparison.png') });
  });
});
