import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '../../engine/config/load.js';
import { isUpkeepError } from '../../engine/errors.js';
import { describeModelType } from '../../engine/evaluation/onnx-graph.js';
import { retrain, type MaintenanceContext } from '../../cli/commands/maintenance-actions.js';
import { inboxPage } from '../../cli/web/pages.js';
import { trainingCoverage, type MaintenanceStatus } from '../../domain/maintenance.js';
import { compareOnHoldout } from '../../workflows/policy.js';
import { PROJECT_DIR } from '../../workers/paths.js';
import { modelYaml } from '../helpers/config-text.js';
import { createDemoWorkspace } from '../helpers/demo-workspace.js';
import { spawnSync } from 'node:child_process';

const parse = (extra: string) => parseConfig(`models:${modelYaml({ extra })}`, { name: 'upkeep.yaml', baseDir: '/srv/upkeep' }).models[0]!;

describe('retraining needs a retrain.trainer: no default trainer', function () {
  it('gives a model without a retrain: section no trainer (not the builtin), and min_coverage 0.8', function () {
    const m = parse('');
    assert.equal(m.retrain.trainer, undefined);
    assert.equal(m.retrain.min_coverage, 0.8);
    assert.equal(parse('    retrain: { on: degraded, trainer: { type: builtin }, min_coverage: 0.5 }').retrain.trainer?.type, 'builtin');
    assert.throws(() => parse('    retrain: { min_coverage: 0 }'), /retrain\.min_coverage/);
  });

  it('upkeep retrain refuses a model without a trainer before it talks to Temporal, naming the config section', async function () {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-no-trainer-'));
    try {
      writeFileSync(path.join(dir, 'upkeep.yaml'), `models:${modelYaml()}`);
      let connected = false;
      const ctx: MaintenanceContext = {
        withClient: async () => {
          connected = true;
          throw new Error('must not connect');
        },
        taskQueue: 'upkeep',
        defaultRequester: 'alice',
        configPath: () => path.join(dir, 'upkeep.yaml'),
        keyDir: dir,
      };
      await assert.rejects(retrain(ctx, 'churn', { reason: 'the model degraded' }), (err: unknown) => {
        assert.ok(isUpkeepError(err, 'NoTrainer'), String(err));
        assert.match(
          err.message,
          /^retrain churn: model churn has no retrain\.trainer in upkeep\.yaml, so it cannot be retrained: add a retrain: section with a trainer \(type: builtin, or type: command/,
        );
        return true;
      });
      assert.equal(connected, false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('upkeep check says a model asked to retrain without a trainer will be reported, never retrained', function () {
    this.timeout(30_000);
    const ws = createDemoWorkspace({ modelId: 'churn', end: new Date(), days: 3, drifted: false, model: { retrain: { on: 'degraded' } } });
    try {
      const r = spawnSync(process.execPath, [path.join(PROJECT_DIR, 'bin/upkeep.mjs'), 'check', '--config', ws.configPath], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /^ok {3}churn: .*; retrain\.on is degraded but there is no retrain\.trainer, so it will be reported, never retrained$/m);
    } finally {
      ws.remove();
    }
  });

  it('names the kind of model an ONNX file holds, and says when it cannot tell', function () {
    assert.equal(describeModelType(readFileSync(path.join(PROJECT_DIR, 'examples/models/churn.onnx'))), 'linear classifier (LinearClassifier, by skl2onnx)');
    assert.equal(
      describeModelType(readFileSync(path.join(PROJECT_DIR, 'test/fixtures/models/regression.onnx'))),
      'linear regressor (LinearRegressor, by skl2onnx)',
    );
    assert.equal(describeModelType(new TextEncoder().encode('not a model')), 'unknown (the ONNX graph could not be read)');
  });
});

describe('the web inbox shows what the owner decides on', function () {
  it("names the candidate's trainer, model type, training window, rows, coverage and both intervals, and asks for a comment when not recommended", async function () {
    const days = Array.from({ length: 3 }, (_, i) => ({ date: `2026-02-2${6 + i}`, rows: 150 }));
    const missing = Array.from({ length: 25 }, (_, i) => ({ date: `2026-02-${String(i + 1).padStart(2, '0')}` }));
    const training = trainingCoverage({ firstDay: '2026-02-01', lastDay: '2026-02-28', rows: 450, files: days, missing }, 28, 0.8);
    const comparison = compareOnHoldout({
      metric: 'brier',
      minImprovement: 0,
      holdout: { uri: 'file:///s/h.json', sha256: 'f'.repeat(64), rows: 700, firstDay: '2026-03-01', lastDay: '2026-03-07' },
      champion: {
        version: 'aaaaaaaaaaaa',
        summary: {
          metrics: { brier: 0.25 },
          undefinedMetrics: {},
          confidence: { metric: 'brier', value: 0.25, low: 0.23, high: 0.27, confidence: 0.95, resamples: 200, seed: 0 },
        },
      },
      challenger: {
        version: 'bbbbbbbbbbbb',
        summary: {
          metrics: { brier: 0.2213 },
          undefinedMetrics: {},
          confidence: { metric: 'brier', value: 0.2213, low: 0.2011, high: 0.2415, confidence: 0.95, resamples: 200, seed: 0 },
        },
      },
      thresholds: { max: 0.18 },
      candidate: {
        version: 'bbbbbbbbbbbb',
        trainer: 'builtin logistic regression',
        modelType: 'logistic regression (builtin trainer)',
        championModelType: 'tree ensemble classifier (TreeEnsembleClassifier, by skl2onnx)',
        training,
      },
    });
    const status: MaintenanceStatus = {
      modelId: 'churn',
      kind: 'retrain',
      stage: 'awaiting-promotion-approval',
      since: '2026-03-08T06:00:00.000Z',
      evidence: [],
      gates: [],
      champion: 'aaaaaaaaaaaa',
      comparison,
      gate: {
        gate: 'promote',
        state: 'waiting',
        openedAt: '2026-03-08T06:00:00.000Z',
        expiresAt: '2026-03-15T06:00:00.000Z',
        approvers: ['alice@example.com'],
        notified: [],
        reminders: 0,
        escalated: false,
        commentRequired: 'candidate bbbbbbbbbbbb is not recommended: it still fails the threshold',
        candidate: 'bbbbbbbbbbbb',
        evidence: { uri: 'file:///s/audit/churn/evidence/x.json', sha256: 'e'.repeat(64) },
      },
    };
    const page = String(await inboxPage({ user: 'alice@example.com', csrf: 'x' }, [{ workflowId: 'upkeep-retrain-churn', status }], []));
    assert.match(page, /<dt>Candidate<\/dt><dd>bbbbbbbbbbbb: logistic regression \(builtin trainer\)<\/dd>/);
    assert.match(page, /<dt>Trainer<\/dt><dd>builtin logistic regression<\/dd>/);
    assert.match(page, /<dt>Champion<\/dt><dd>aaaaaaaaaaaa: tree ensemble classifier/);
    assert.match(page, /trained on 3 of the 28 days asked \(2026-02-01..2026-02-28, 11%; no data on 25 days: 2026-02-01, .*\), 450 rows/);
    assert.match(page, /promotion not recommended/);
    assert.match(page, /it still fails the model&#39;s threshold: brier 0.2213 is above the maximum 0.18/);
    assert.match(page, /0\.2500 <span class="interval">\[0\.2300, 0\.2700\]<\/span>/);
    assert.match(page, /0\.2213 <span class="interval">\[0\.2011, 0\.2415\]<\/span>/);
    // The form carries the hash of the evidence this page showed: the decision is signed over it.
    assert.equal(page.match(new RegExp(`<input type="hidden" name="evidence" value="${'e'.repeat(64)}">`, 'g'))?.length, 2);
    assert.match(page, new RegExp(`Evidence sha256 ${'e'.repeat(64)}: your decision is signed over it and candidate bbbbbbbbbbbb`));
    assert.match(
      page,
      /Why approve anyway \(required: candidate bbbbbbbbbbbb is not recommended: it still fails the threshold\) <input type="text" name="comment" maxlength="2000" required>/,
    );
  });
});
