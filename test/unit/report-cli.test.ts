import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import { appendEntry } from '../../engine/audit/chain.js';
import { createFileStore } from '../../engine/store/file-store.js';
import { demoModel } from '../helpers/demo-workspace.js';

const CLI = fileURLToPath(new URL('../../bin/upkeep.mjs', import.meta.url));

describe('upkeep report (CLI, from the store alone)', function () {
  this.timeout(60_000);
  let dir: string;
  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-report-cli-'));
    writeFileSync(path.join(dir, 'upkeep.yaml'), stringify({ version: 1, store: 'store', models: [demoModel('churn'), demoModel('fraud')] }), { mode: 0o644 });
    const store = createFileStore(pathToFileURL(path.join(dir, 'store')).href);
    const e = (id: string, at: string, kind: string, details: Record<string, unknown>) =>
      appendEntry(store, { id, modelId: 'churn', at, kind: kind as 'evaluation', summary: kind, details });
    await e('ev1', '2026-03-02T06:00:00.000Z', 'evaluation', { verdict: 'degraded' });
    await e('ask1', '2026-03-02T07:00:00.000Z', 'approval-requested', { gate: 'retrain', openedAt: '2026-03-02T07:00:00.000Z' });
    await e('dec1', '2026-03-02T09:00:00.000Z', 'decision', {
      gate: 'retrain',
      decision: 'approve',
      openedAt: '2026-03-02T07:00:00.000Z',
      at: '2026-03-02T09:00:00.000Z',
    });
    await e('ev2', '2026-03-03T06:00:00.000Z', 'evaluation', { verdict: 'healthy' });
    await e('ev3', '2026-04-01T06:00:00.000Z', 'evaluation', { verdict: 'failing' });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const report = (...args: string[]) =>
    spawnSync(process.execPath, [CLI, 'report', ...args, '--config', path.join(dir, 'upkeep.yaml')], {
      encoding: 'utf8',
      env: { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:1', HOME: '/nonexistent' },
      timeout: 30_000,
    });

  it('prints the period in Markdown, as JSON and as HTML', () => {
    const md = report('--since', '2026-03-01', '--until', '2026-03-08');
    assert.equal(md.status, 0, md.stderr);
    assert.match(md.stdout, /^# Maintenance report 2026-03-01T00:00:00\.000Z → 2026-03-08T00:00:00\.000Z/m);
    assert.match(md.stdout, /1 of 2 models healthy at the end of the period \(1 evaluated in it\)/);
    assert.match(md.stdout, /request → decision median 2\.0 h/);
    assert.match(md.stdout, /\| fraud \| never evaluated \| 0 \|/);
    const json = report('--since', '2026-03-01', '--until', '2026-03-08', '--model', 'churn', '--format', 'json');
    assert.equal(json.status, 0, json.stderr);
    const r = JSON.parse(json.stdout) as { models: { modelId: string; verdicts: Record<string, number> }[]; total: { evaluations: number } };
    assert.deepEqual(
      r.models.map((m) => m.modelId),
      ['churn'],
    );
    assert.deepEqual(r.models[0]!.verdicts, { degraded: 1, healthy: 1 });
    assert.equal(r.total.evaluations, 2);
    const html = report('--since', '2026-03-01', '--until', '2026-03-08', '--format', 'html');
    assert.match(html.stdout, /^<!doctype html>/);
    assert.match(html.stdout, /<td>churn<\/td><td>healthy<\/td>/);
  });

  it('refuses an unknown model and a bad date in one line', () => {
    const unknown = report('--since', '7d', '--model', 'nope');
    assert.equal(unknown.status, 2);
    assert.equal(unknown.stderr.trim(), 'upkeep: no model nope in the config (models: churn, fraud)');
    const bad = report('--since', 'last tuesday');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr.trim(), /^upkeep: --since "last tuesday": expected a date/);
    assert.doesNotMatch(bad.stderr, /\n\s+at /);
  });
});
