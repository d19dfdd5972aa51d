import assert from 'node:assert/strict';
import { parseConfig } from '../../engine/config/load.js';
import { isUpkeepError } from '../../engine/errors.js';
import {
  approvalProblem,
  approvalRule,
  describeRule,
  DEFAULT_TIERS,
  eligibleApprovers,
  resolveTier,
  tierLines,
  tierViolations,
  whoMayDecide,
} from '../../domain/governance.js';
import { modelYaml } from '../helpers/config-text.js';
import { approvalsPending } from '../../cli/commands/maintenance-actions.js';
import type { GateStatus } from '../../domain/maintenance.js';

const parse = (text: string) => parseConfig(text, { name: 'upkeep.yaml', baseDir: '/tmp' });
function refused(text: string): string {
  try {
    parse(text);
  } catch (err) {
    assert.ok(isUpkeepError(err, 'InvalidConfig'), String(err));
    return err.message;
  }
  assert.fail('expected the config to be refused');
}

describe('risk tiers: who may approve a promotion', function () {
  const high = approvalRule(resolveTier('high', { default_tier: 'medium', tiers: {} }), 'owner@x', 'asker@x');
  const medium = approvalRule(resolveTier(undefined, { default_tier: 'medium', tiers: {} }), 'owner@x', 'asker@x');

  it('has the documented defaults: low and medium one approval by anyone, high two by people other than the owner and the requester', function () {
    assert.deepEqual(DEFAULT_TIERS.low, { review_every: '365d', approvals_required: 1, owner_may_approve: true, requester_may_approve: true });
    assert.deepEqual(DEFAULT_TIERS.medium, { review_every: '180d', approvals_required: 1, owner_may_approve: true, requester_may_approve: true });
    assert.deepEqual(DEFAULT_TIERS.high, { review_every: '90d', approvals_required: 2, owner_may_approve: false, requester_may_approve: false });
  });

  it('refuses the owner and the requester of a high-tier model, naming the rule, and accepts an independent validator', function () {
    assert.match(
      approvalProblem(high, 'owner@x', [])!,
      /owner@x is the model's owner.*high-tier.*independent validator.*governance\.tiers\.high\.owner_may_approve: false/,
    );
    assert.match(approvalProblem(high, 'asker@x', [])!, /asker@x asked for this retrain.*governance\.tiers\.high\.requester_may_approve: false/);
    assert.equal(approvalProblem(high, 'validator@x', []), undefined);
  });

  it('counts different people: the same validator approving twice is refused', function () {
    assert.match(
      approvalProblem(high, 'validator@x', ['validator@x'])!,
      /already approved this promotion; a high-tier model needs 2 approvals by different people/,
    );
    assert.equal(approvalProblem(high, 'second@x', ['validator@x']), undefined);
  });

  it('lets the owner and the requester approve a medium-tier model', function () {
    assert.equal(approvalProblem(medium, 'owner@x', []), undefined);
    assert.equal(approvalProblem(medium, 'asker@x', []), undefined);
  });

  it('without a requester (an evaluation asked), bars only the owner', function () {
    const rule = approvalRule(resolveTier('high', { default_tier: 'low', tiers: {} }), 'owner@x');
    assert.deepEqual(eligibleApprovers(rule, ['owner@x', 'a@x', 'b@x']), ['a@x', 'b@x']);
    assert.equal(
      describeRule(rule),
      'high tier: a promotion needs 2 approvals by different people; neither the owner (owner@x) nor whoever asked for the retrain may approve',
    );
  });

  it('overrides a tier field by field and takes the default tier', function () {
    const t = resolveTier(undefined, { default_tier: 'high', tiers: { high: { approvals_required: 1 } } });
    assert.deepEqual(t, { name: 'high', review_every: '90d', approvals_required: 1, owner_may_approve: false, requester_may_approve: false });
  });

  it('says who may decide what', function () {
    const who = whoMayDecide({ owner: 'owner@x', approvers: ['a@x', 'b@x'], tier: resolveTier('high', { default_tier: 'medium', tiers: {} }) });
    assert.deepEqual(who.promote, ['a@x', 'b@x']);
    assert.deepEqual(who.retrain, ['owner@x', 'a@x', 'b@x']);
    assert.equal(who.tier, 'high');
  });
});

describe('risk tiers in upkeep.yaml', function () {
  it('gives every model its tier: its risk_tier, else governance.default_tier, else medium', function () {
    const config = parse(
      `governance: { default_tier: low, tiers: { high: { approvals_required: 1 } } }\nmodels:${modelYaml({ id: 'a' })}${modelYaml({ id: 'b', approvers: '[v@x]', extra: '    risk_tier: high\n' })}`,
    );
    assert.equal(config.models[0]!.tier!.name, 'low');
    assert.deepEqual(config.models[1]!.tier, {
      name: 'high',
      review_every: '90d',
      approvals_required: 1,
      owner_may_approve: false,
      requester_may_approve: false,
    });
    assert.equal(parse(`models:${modelYaml()}`).models[0]!.tier!.name, 'medium');
  });

  it('refuses a high-tier model that has too few approvers besides its owner, naming the model', function () {
    const message = refused(`models:${modelYaml({ id: 'churn', approvers: '[v@x]', extra: '    risk_tier: high\n' })}`);
    assert.match(
      message,
      /^upkeep\.yaml: models\[0\] \(churn\): risk_tier high: a promotion needs 2 approvals by people other than the owner, but only v@x may approve/,
    );
  });

  it('refuses an unknown tier and a bad tier field, naming the field', function () {
    assert.match(refused(`models:${modelYaml({ extra: '    risk_tier: critical\n' })}`), /risk_tier.*expected low, medium or high, not "critical"/);
    assert.match(refused(`governance: { tiers: { high: { approvals_required: 0 } } }\nmodels:${modelYaml()}`), /governance\.tiers\.high\.approvals_required/);
  });
});

describe('upkeep check shows each model’s tier and who may decide what', function () {
  it('prints the tier, the rule, who may approve a promotion and who may approve a retrain or reject', function () {
    const config = parse(
      `models:${modelYaml({ id: 'churn', owner: 'o@x', approvers: '[a@x, b@x]', extra: '    risk_tier: high\n' })}${modelYaml({ id: 'fraud', owner: 'o@x' })}`,
    );
    assert.deepEqual(tierLines(config.models[0]!), [
      '     churn risk tier high: a promotion needs 2 approvals by different people; neither the owner (o@x) nor whoever asked for the retrain may approve; reviewed every 90d',
      '     churn may approve a promotion: a@x, b@x (2 of them), unless they asked for the retrain',
      '     churn may approve a retrain or rollback, or reject: o@x, a@x, b@x',
    ]);
    assert.deepEqual(tierLines(config.models[1]!), [
      '     fraud risk tier medium: a promotion needs 1 approval; the owner and the requester may approve; reviewed every 180d',
      '     fraud may approve a promotion: o@x',
      '     fraud may approve a retrain or rollback, or reject: o@x',
    ]);
  });
});

describe('upkeep approve under a tier that needs several approvals', function () {
  it('says how many more approvals the request waits for, and nothing once it is decided or without a rule', function () {
    const rule = approvalRule(resolveTier('high', { default_tier: 'medium', tiers: {} }), 'o@x');
    const approval = { gate: 'promote' as const, decision: 'approve' as const, approver: 'a@x', at: '2026-12-07T10:00:00.000Z' };
    const gate: GateStatus = {
      gate: 'promote',
      state: 'waiting',
      openedAt: '2026-12-07T09:00:00.000Z',
      expiresAt: '2026-12-14T09:00:00.000Z',
      approvers: ['o@x', 'a@x', 'b@x'],
      notified: [],
      reminders: 0,
      escalated: false,
      rule,
      approvals: [approval],
    };
    assert.equal(approvalsPending(gate), 'approval 1 of 2 (high tier): the request stays open until 1 more approves');
    assert.equal(approvalsPending({ ...gate, state: 'approved' }), undefined);
    assert.equal(approvalsPending({ ...gate, rule: undefined as never }), undefined);
  });
});

describe('audit verify checks each promotion against the rule its request recorded', function () {
  const rule = approvalRule(resolveTier('high', { default_tier: 'medium', tiers: {} }), 'o@x', 'r@x');
  const opened = '2026-12-07T09:00:00.000Z';
  const asked = { kind: 'approval-requested', details: { gate: 'promote', openedAt: opened, rule } };
  const approved = (actor: string) => ({ kind: 'decision', actor, details: { gate: 'promote', openedAt: opened, decision: 'approve' } });
  const trail = (...entries: object[]) => entries.map((entry, i) => ({ seq: i + 1, entry: entry as { kind: string } }));

  it('passes two independent approvals, and a request recorded without a rule', function () {
    assert.deepEqual(tierViolations(trail(asked, approved('a@x'), approved('b@x'), { kind: 'promoted' })), []);
    assert.deepEqual(tierViolations(trail({ ...asked, details: { gate: 'promote', openedAt: opened } }, approved('o@x'), { kind: 'promoted' })), []);
  });

  it("names a promotion approved only by the owner (written around the gate's validator), and one with too few approvals", function () {
    assert.deepEqual(tierViolations(trail(asked, approved('o@x'), approved('a@x'), { kind: 'promoted' })), [
      "entry 2 (decision): o@x is the model's owner, and the owner may not approve a promotion of a high-tier model: an independent validator must approve it (governance.tiers.high.owner_may_approve: false)",
    ]);
    assert.deepEqual(tierViolations(trail(asked, approved('a@x'), { kind: 'promoted' })), [
      "entry 3 (promoted): the promotion had 1 approval, but its request's rule (high tier) needs 2",
    ]);
  });
});
