/**
 * The HTML report of a real evaluation (`upkeep evaluate --format html`) in a real browser
 * (Chromium from the system, driven by playwright-core), offline and without JavaScript: nothing
 * leaves the page, every watched column is pictured, and each picture's bars carry the counts of
 * the JSON report of the same evaluation. The screenshot goes to .upkeep/test-artifacts/web/.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { evaluateCommand } from '../../cli/commands/evaluate.js';
import type { EvaluationReport } from '../../engine/evaluation/report.js';
import { PROJECT_DIR } from '../../workers/paths.js';
import { fixture } from '../helpers/fixtures.js';

const CHROMIUM = process.env.UPKEEP_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = path.join(PROJECT_DIR, '.upkeep', 'test-artifacts', 'web');

describe('the HTML report in a browser: offline, no script, the pictures match the report', function () {
  this.timeout(120_000);
  let browser: Browser | undefined;
  let dir: string | undefined;

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      console.log(`    skipped: no Chromium at ${CHROMIUM} (install Debian's chromium package, or set UPKEEP_CHROMIUM)`);
      this.skip();
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    console.log(`    screenshots: ${ARTIFACTS}`);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
    dir = mkdtempSync(path.join(tmpdir(), 'upkeep-report-html-'));
  });
  after(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows the verdict, the primary metric and every column with the numbers of the JSON report', async function () {
    // A window where age moved up and a plan unseen in the reference appeared.
    const lines = readFileSync(fixture('data/multi_input.csv'), 'utf8').trimEnd().split('\n');
    const shifted = lines.map((l, i) => {
      if (i === 0) return l;
      const [age, visits, plan, churn] = l.split(',');
      return [(Number(age) + 9).toFixed(1), visits, i % 9 === 0 ? 'enterprise' : plan, churn].join(',');
    });
    const window = path.join(dir!, 'window.csv');
    writeFileSync(window, `${shifted.join('\n')}\n`);
    const common = {
      onnx: fixture('models/multi_input.onnx'),
      task: 'binary' as const,
      label: 'churn',
      features: ['age', 'visits', 'plan'],
      positiveLabel: 'yes',
      data: [window],
      reference: [fixture('data/multi_input.csv')],
      min: 0.7,
      minRows: 1,
      failOn: 'never' as const,
    };
    const jsonFile = path.join(dir!, 'report.json');
    const htmlFile = path.join(dir!, 'report.html');
    await evaluateCommand({ ...common, format: 'json', out: jsonFile });
    await evaluateCommand({ ...common, format: 'html', out: htmlFile });
    const report = JSON.parse(readFileSync(jsonFile, 'utf8')) as EvaluationReport;
    const drift = report.drift!;
    assert.ok(drift.columns.age!.drifted, 'the shifted column drifted');

    const context = await browser!.newContext({ offline: true, javaScriptEnabled: false, viewport: { width: 1000, height: 900 } });
    const requests: string[] = [];
    const url = pathToFileURL(htmlFile).href;
    await context.route('**/*', (route) => {
      requests.push(route.request().url());
      return route.request().url() === url ? route.continue() : route.abort();
    });
    const page = await context.newPage();
    const failed: string[] = [];
    page.on('requestfailed', (r) => failed.push(r.url()));
    await page.goto(url);
    await page.screenshot({ path: path.join(ARTIFACTS, 'report-html.png'), fullPage: true });
    assert.deepEqual(requests, [url], 'the page asks for nothing but itself');
    assert.deepEqual(failed, []);

    assert.equal(await page.locator('h1 .badge').innerText(), report.verdict.status);
    const primary = report.thresholds.metric;
    assert.equal(Number(await page.locator('svg.metric circle[data-kind="realized"]').getAttribute('data-value')), report.metrics[primary]);
    assert.equal(Number(await page.locator('svg.metric line[data-rule="minimum"]').getAttribute('data-value')), 0.7);

    const columns = [...Object.keys(drift.columns), ...(drift.label ? ['(label)'] : []), ...(drift.prediction ? ['(prediction)'] : [])];
    assert.equal(await page.locator('figure.distribution').count(), columns.length);
    for (const name of columns) {
      const c = name === '(label)' ? drift.label! : name === '(prediction)' ? drift.prediction! : drift.columns[name]!;
      const d = c.distribution!;
      const figure = page.locator(`figure.distribution[data-column="${name}"]`);
      const box = await figure.locator('svg').boundingBox();
      assert.ok(box && box.width > 200 && box.height > 50, `${name} is drawn`);
      for (const side of ['reference', 'current'] as const) {
        const counts = await figure.locator(`svg rect[data-side="${side}"]`).evaluateAll((rs) => rs.map((r) => Number(r.getAttribute('data-count'))));
        const want = d.kind === 'categories' && d.other ? [...d[side], d.other[side]] : d[side];
        assert.deepEqual(counts, want, `${name} ${side}`);
      }
      const caption = await figure.locator('figcaption').innerText();
      assert.ok(caption.includes(`threshold ${c.threshold}`), `${name}: ${caption}`);
      assert.match(caption, /corrected threshold/);
      // Without JavaScript the numbers are one click away, in a table with one row per bar.
      await figure.locator('summary').click();
      assert.equal(await figure.locator('table tbody tr').count(), d.kind === 'categories' ? d.categories.length + (d.other ? 1 : 0) : d.reference.length);
    }
    const plan = page.locator('figure.distribution[data-column="plan"]');
    assert.match(await plan.locator('table').innerText(), /enterprise \(unseen in reference\)/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'report-html-numbers.png'), fullPage: true });
    await context.close();
  });
});
