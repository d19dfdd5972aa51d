import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeOnnxModel, OnnxType } from '../../engine/training/onnx-writer.js';
import { readChain } from '../../engine/audit/chain.js';
import { createFileStore } from '../../engine/store/file-store.js';
import { assertClose, fixture, goldenModelCases } from '../helpers/fixtures.js';
import { testTemporal, uniqueModelId } from '../helpers/temporal.js';
import { createWorkspace } from '../helpers/workspace.js';

const BIN = fileURLToPath(new URL('../../bin/upkeep.mjs', import.meta.url));

function upkeep(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, HOME: '/nonexistent', ...env }, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the upkeep command line', function () {
  this.timeout(120_000);

  it('evaluates any ONNX file once and prints rows, metrics and the verdict as JSON', function () {
    const golden = goldenModelCases().find((c) => c.data === 'data/binary.parquet')!;
    const r = upkeep([
      'evaluate',
      '--onnx',
      fixture('models/binary.onnx'),
      '--task',
      'binary',
      '--label',
      'y',
      '--features',
      'x1,x2,x3,x4',
      '--positive-label',
      '1',
      '--data',
      fixture('data/binary.parquet'),
      '--min',
      '0.9',
      '--format',
      'json',
    ]);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.rows, 1000);
    for (const [name, value] of Object.entries(golden.metrics)) assertClose(out.metrics[name], value, 1e-9, name);
    assert.deepEqual(out.verdict, { status: 'degraded', reasons: [`roc_auc ${Number(golden.metrics.roc_auc!.toPrecision(4))} is below the minimum 0.9`] });
  });

  it('estimates a window whose --label column is absent against --reference data, and says when there is no reference', function () {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-unlabelled-'));
    try {
      const window = path.join(dir, 'window.csv');
      const lines = readFileSync(fixture('data/binary.csv'), 'utf8').trimEnd().split('\n');
      writeFileSync(window, lines.map((l) => l.slice(0, l.lastIndexOf(','))).join('\n'));
      const args = ['evaluate', '--onnx', fixture('models/binary.onnx'), '--task', 'binary', '--label', 'y', '--features', 'x1,x2,x3,x4'];
      const rest = ['--positive-label', '1', '--data', window, '--min', '0.95', '--min-rows', '100', '--format', 'json', '--fail-on', 'never'];
      const r = upkeep([...args, ...rest, '--reference', fixture('data/binary.csv')]);
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout);
      assert.equal(out.rows, 0);
      assert.deepEqual(out.labels, { labelled: 0, unlabelled: 1000 });
      const auc = out.estimated.roc_auc;
      assert.deepEqual(Object.keys(auc), ['value', 'lower', 'upper', 'method']);
      assert.equal(auc.method, 'cbpe');
      assert.ok(auc.lower <= auc.value && auc.value <= auc.upper);
      assert.equal(out.verdict.status, 'degraded');
      assert.equal(out.verdict.basis, 'estimated');
      assert.match(out.verdict.reasons[0], /^estimated roc_auc 0\.\d+ is below the minimum 0\.95$/);
      assert.ok(out.multivariate.reconstruction);
      const none = upkeep([...args, ...rest]);
      assert.equal(none.status, 0, none.stderr);
      assert.equal(JSON.parse(none.stdout).verdict.status, 'insufficient-data');
      assert.match(none.stderr, /upkeep: binary: 1000 rows have no label yet; estimating their performance needs a reference: --reference/);
      // A profile of rows none of which has its label fits nothing: refused, nothing written.
      const empty = path.join(dir, 'empty.csv');
      writeFileSync(empty, lines.map((l, i) => (i === 0 ? l : l.slice(0, l.lastIndexOf(',') + 1))).join('\n'));
      const profileOut = path.join(dir, 'profile.json');
      const refused = upkeep(['profile', ...args.slice(1), '--positive-label', '1', '--data', empty, '--out', profileOut]);
      assert.notEqual(refused.status, 0);
      assert.match(
        refused.stderr,
        /^upkeep: model binary: \S+empty\.csv: no row has its label \(label column y is empty\): a reference needs labelled rows .*; nothing stored$/m,
      );
      assert.equal(existsSync(profileOut), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits with status 1 when the verdict reaches --fail-on (default failing; insufficient-data counts as failing)', function () {
    const args = [
      'evaluate',
      '--onnx',
      fixture('models/binary.onnx'),
      '--task',
      'binary',
      '--label',
      'y',
      '--positive-label',
      '1',
      '--data',
      fixture('data/binary.parquet'),
      '--format',
      'json',
    ];
    const degraded = [...args, '--features', 'x1,x2,x3,x4', '--min', '0.9'];
    for (const [failOn, status] of [
      ['degraded', 1],
      ['warning', 1],
      ['failing', 0],
      ['never', 0],
    ] as const) {
      const r = upkeep([...degraded, '--fail-on', failOn]);
      assert.equal(r.status, status, `--fail-on ${failOn}: ${r.stderr}`);
      assert.equal(JSON.parse(r.stdout).verdict.status, 'degraded');
      if (status === 1) assert.match(r.stderr, new RegExp(`^upkeep: binary: verdict degraded \\(--fail-on ${failOn}\\)`));
    }
    const failing = upkeep([...args, '--features', 'x1,x2,x3,x5']);
    assert.equal(failing.status, 1, failing.stderr);
    assert.equal(JSON.parse(failing.stdout).verdict.status, 'failing');
    assert.equal(upkeep([...args, '--features', 'x1,x2,x3,x5', '--fail-on', 'never']).status, 0);
    const tooFew = upkeep([...args, '--features', 'x1,x2,x3,x4', '--min-rows', '5000']);
    assert.equal(tooFew.status, 1, tooFew.stderr);
    assert.equal(JSON.parse(tooFew.stdout).verdict.status, 'insufficient-data');
    const bad = upkeep([...degraded, '--fail-on', 'sometimes']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /argument 'sometimes' is invalid/);
  });

  it('evaluates a model that does not record its classes with --classes', function () {
    // A plain softmax export: probabilities [N, 2], no class labels in the graph; with `argmax`,
    // also an ArgMax output `label` of class indices.
    const softmax = (argmax: boolean) =>
      encodeOnnxModel({
        graph: {
          name: 'softmax',
          nodes: [
            { opType: 'MatMul', inputs: ['input', 'W'], outputs: ['logits0'] },
            { opType: 'Add', inputs: ['logits0', 'b'], outputs: ['logits'] },
            { opType: 'Softmax', inputs: ['logits'], outputs: ['probabilities'], attributes: { axis: { kind: 'int', value: 1 } } },
            ...(argmax
              ? [
                  {
                    opType: 'ArgMax',
                    inputs: ['probabilities'],
                    outputs: ['label'],
                    attributes: { axis: { kind: 'int' as const, value: 1 }, keepdims: { kind: 'int' as const, value: 0 } },
                  },
                ]
              : []),
          ],
          initializers: [
            { name: 'W', dims: [4, 2], type: OnnxType.FLOAT, values: [0, 1, 0, -1, 0, 0.5, 0, 0] },
            { name: 'b', dims: [2], type: OnnxType.FLOAT, values: [0, 0] },
          ],
          inputs: [{ name: 'input', elemType: OnnxType.FLOAT, shape: ['N', 4] }],
          outputs: [
            { name: 'probabilities', elemType: OnnxType.FLOAT, shape: ['N', 2] },
            ...(argmax ? [{ name: 'label', elemType: OnnxType.INT64, shape: ['N'] }] : []),
          ],
        },
      });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-classes-'));
    try {
      const model = path.join(dir, 'softmax.onnx');
      writeFileSync(model, softmax(false));
      const args = [
        'evaluate',
        '--onnx',
        model,
        '--task',
        'binary',
        '--label',
        'y',
        '--features',
        'x1,x2,x3,x4',
        '--positive-label',
        '1',
        '--data',
        fixture('data/binary.csv'),
        '--format',
        'json',
      ];
      const without = upkeep(args);
      assert.equal(without.status, 2);
      assert.match(
        without.stderr,
        /model softmax \(softmax\.onnx\): the model does not record its class labels; declare classes: in the spec \(evaluate --onnx: --classes a,b,c\)/,
      );
      const r = upkeep([...args, '--classes', '0,1', '--fail-on', 'never']);
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout);
      assert.equal(out.rows, 1000);
      assert.deepEqual(out.evaluation.classes, ['0', '1']);
      assert.ok(out.metrics.roc_auc > 0 && out.metrics.roc_auc < 1, `roc_auc ${out.metrics.roc_auc}`);
      const swapped = JSON.parse(upkeep([...args, '--classes', '1,0', '--fail-on', 'never']).stdout);
      assertClose(swapped.metrics.roc_auc, 1 - out.metrics.roc_auc, 1e-12, 'the positive column follows --classes');
      // Text classes and an ArgMax output of indices: the same predictions, named by --classes.
      const argmaxModel = path.join(dir, 'argmax.onnx');
      writeFileSync(argmaxModel, softmax(true));
      const textData = path.join(dir, 'text_labels.csv');
      writeFileSync(textData, readFileSync(fixture('data/binary.csv'), 'utf8').replace(/,1$/gm, ',yes').replace(/,0$/gm, ',no'));
      const text = upkeep([
        'evaluate',
        '--onnx',
        argmaxModel,
        '--task',
        'binary',
        '--label',
        'y',
        '--features',
        'x1,x2,x3,x4',
        '--positive-label',
        'yes',
        '--classes',
        'no,yes',
        '--data',
        textData,
        '--format',
        'json',
        '--fail-on',
        'never',
      ]);
      assert.equal(text.status, 0, text.stderr);
      const named = JSON.parse(text.stdout);
      assert.deepEqual(named.evaluation.classes, ['no', 'yes']);
      for (const m of ['accuracy', 'f1', 'roc_auc', 'log_loss']) assertClose(named.metrics[m], out.metrics[m], 1e-12, m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('evaluates a model with a fairness gap gate that fails: the verdict is degraded and names the gate', function () {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-fairness-'));
    try {
      // The model predicts positive mostly for high x1: a group made of high-x1 rows is selected far more often.
      const lines = readFileSync(fixture('data/binary.csv'), 'utf8').trimEnd().split('\n');
      const rows = lines.slice(1).map((l, i) => `${l},${Number(l.split(',')[0]) > 0 === (i % 10 !== 0) ? 'F' : 'M'},${i % 2 === 0 ? 'young' : 'old'}`);
      writeFileSync(path.join(dir, 'window.csv'), [`${lines[0]},sex,age`, ...rows].join('\n') + '\n');
      const config = path.join(dir, 'upkeep.yaml');
      writeFileSync(
        config,
        `store: ${JSON.stringify(path.join(dir, 'store'))}
models:
  - id: loans
    owner: owners@example.com
    task: binary
    artifact: ${JSON.stringify(fixture('models/binary.onnx'))}
    inputs: [{ name: input, columns: [x1, x2, x3, x4] }]
    label: { column: y, positive: 1 }
    data: { uri: window.csv }
    schedule: { every: 1d }
    thresholds: { metric: roc_auc, min: 0.5 }
    fairness:
      columns: [sex, age]
      intersections: [[sex, age]]
      gates: { demographic_parity_difference: { max: 0.1 }, metric_gap: { max: 0.5 } }
`,
      );
      const r = upkeep(['evaluate', '--model', 'loans', '--config', config, '--format', 'json', '--fail-on', 'never']);
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout);
      assert.equal(out.verdict.status, 'degraded');
      assert.deepEqual(out.verdict.failedGates, ['demographic_parity_difference[sex]', 'demographic_parity_difference[sex,age]']);
      assert.ok(
        out.verdict.reasons.some((x: string) => /^demographic_parity_difference\[sex\] 0\.\d+ is above the maximum 0\.1$/.test(x)),
        out.verdict.reasons.join('\n'),
      );
      const sex = out.evaluation.fairness.families.find((f: { name: string }) => f.name === 'sex');
      assert.deepEqual(sex.groups.map((g: { value: string }) => g.value).sort(), ['F', 'M']);
      const dpd = sex.gaps.demographic_parity_difference;
      assert.ok(dpd.value > 0.1 && dpd.low > 0.1 && dpd.low <= dpd.value && dpd.value <= dpd.high, JSON.stringify(dpd));
      // age is random with respect to the model: its gap stays under the gate and passes.
      assert.ok(!out.verdict.failedGates.includes('demographic_parity_difference[age]'));
      assert.ok(out.evaluation.gated.every((g: { kind: string }) => g.kind === 'fairness'));
      assert.equal(out.evaluation.slices, undefined, 'sensitive columns are read with the slice columns but are not slices');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits with status 2 and a message naming the model and the column on bad input', function () {
    const r = upkeep([
      'evaluate',
      '--onnx',
      fixture('models/binary.onnx'),
      '--task',
      'binary',
      '--label',
      'y',
      '--features',
      'x1,x2,x3',
      '--positive-label',
      '1',
      '--data',
      fixture('data/binary.csv'),
    ]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^upkeep: model binary \(binary\.onnx\): input input takes 4 columns but the spec lists 3 \(x1, x2, x3\)/);
    const missing = upkeep(['evaluate', '--model', 'nope', '--config', fixture('../../upkeep.example.yaml')]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /upkeep: upkeep\.example\.yaml: no model with id nope \(known: churn\)$/m);
    const misspelt = upkeep(['evaluate', '--model', 'chrn', '--config', fixture('../../upkeep.example.yaml')]);
    assert.match(misspelt.stderr, /no model with id chrn \(known: churn\) — did you mean churn\?$/m);
  });

  it('syncs, lists, pauses and resumes schedules on the cluster named by TEMPORAL_ADDRESS, refuses to trigger an unknown one, and pauses the schedule of a model left out of the next config', async function () {
    const t = await testTemporal();
    const modelId = uniqueModelId('cli');
    const ws = createWorkspace(modelId);
    const otherId = uniqueModelId('other');
    const other = createWorkspace(otherId);
    const env = { TEMPORAL_ADDRESS: t.address, TEMPORAL_NAMESPACE: 'default' };
    try {
      const dry = upkeep(['schedules', 'sync', '--config', ws.configPath, '--dry-run'], env);
      assert.equal(dry.status, 0, dry.stderr);
      assert.match(dry.stdout, new RegExp(`\\+ upkeep-evaluate-${modelId} +create +cron "0 6 \\* \\* \\*" UTC`));
      assert.match(dry.stdout, /dry run: would create 1/);
      const synced = upkeep(['schedules', 'sync', '--config', ws.configPath], { ...env, UPKEEP_AUTHOR: 'Dana Ops' });
      assert.equal(synced.status, 0, synced.stderr);
      // The config it synced is in the model's audit chain, with who ran it (asserted); a second sync of it records nothing.
      assert.match(synced.stdout, new RegExp(`audit trail: config change recorded for ${modelId} `));
      const configEntries = async () =>
        (await readChain(createFileStore(ws.storeDir), modelId)).filter((c) => c.entry.kind === 'config-changed').map((c) => c.entry);
      const [recorded] = await configEntries();
      assert.equal(recorded?.actor, 'Dana Ops');
      assert.deepEqual(recorded?.details?.madeBy, {
        user: os.userInfo().username,
        host: os.hostname(),
        author: 'Dana Ops',
        command: 'schedules sync',
        proof: 'none: asserted by the command, not signed',
      });
      const again = upkeep(['schedules', 'sync', '--config', ws.configPath, '--author', 'someone else'], env);
      assert.doesNotMatch(again.stdout, /audit trail/);
      assert.equal((await configEntries()).length, 1);
      const list = upkeep(['schedules', 'list'], env);
      assert.match(list.stdout, new RegExp(`upkeep-evaluate-${modelId} +calendar \\(UTC\\) +active`));
      assert.equal(upkeep(['schedules', 'pause', modelId, '--note', 'maintenance'], env).status, 0);
      assert.equal((await t.client.schedule.getHandle(`upkeep-evaluate-${modelId}`).describe()).state.paused, true);
      assert.equal(upkeep(['schedules', 'resume', modelId], env).status, 0);
      assert.equal((await t.client.schedule.getHandle(`upkeep-evaluate-${modelId}`).describe()).state.paused, false);
      const unknown = upkeep(['schedules', 'trigger', `${modelId}-x`], env);
      assert.equal(unknown.status, 2);
      assert.match(unknown.stderr, /no schedule for .*run `upkeep schedules sync` first/);

      // Switched to another config: the model's schedule is paused, saying why.
      const switched = upkeep(['schedules', 'sync', '--config', other.configPath], env);
      assert.equal(switched.status, 0, switched.stderr);
      assert.match(
        switched.stdout,
        new RegExp(`\\| upkeep-evaluate-${modelId} +pause +model ${modelId} is not in upkeep\\.yaml: paused \\(sync --prune deletes it\\)`),
      );
      assert.match(switched.stdout, /create 1, update 0, pause 1, delete 0; 0 unchanged, 1 not in the config/);
      const state = (await t.client.schedule.getHandle(`upkeep-evaluate-${modelId}`).describe()).state;
      assert.deepEqual([state.paused, state.note], [true, `model ${modelId} is not in upkeep.yaml`]);
      assert.match(
        upkeep(['schedules', 'list'], env).stdout,
        new RegExp(`upkeep-evaluate-${modelId} +calendar \\(UTC\\) +paused: model ${modelId} is not in upkeep\\.yaml`),
      );
      const pruned = upkeep(['schedules', 'sync', '--config', other.configPath, '--prune'], env);
      assert.match(pruned.stdout, new RegExp(`- upkeep-evaluate-${modelId} +delete +model ${modelId} is not in upkeep\\.yaml: deleted`));
    } finally {
      for (const id of [modelId, otherId])
        await t.client.schedule
          .getHandle(`upkeep-evaluate-${id}`)
          .delete()
          .catch(() => undefined);
      ws.remove();
      other.remove();
    }
  });
});
