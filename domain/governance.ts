/**
 * Separation of duties and materiality (docs/signed-decisions.md#risk-tiers): a model's risk tier
 * sets how many people must approve its promotion and whether its owner, or whoever asked for the
 * retrain, may be one of them. Pure rules, used by the config check, the approval gate's validator
 * (inside the workflow sandbox) and `upkeep check`.
 */

export const RISK_TIERS = ['low', 'medium', 'high'] as const;
export type RiskTier = (typeof RISK_TIERS)[number];

/** What a tier demands (`governance.tiers.<tier>`). */
export interface TierPolicy {
  /** How often the model must be reviewed (recorded for the periodic reviews). */
  review_every: string;
  /** How many different people must approve a promotion. */
  approvals_required: number;
  /** The model's owner may be one of them. */
  owner_may_approve: boolean;
  /** Whoever asked for the retrain may be one of them. */
  requester_may_approve: boolean;
}

/** The defaults of each tier; `governance.tiers.<tier>` overrides them field by field. */
export const DEFAULT_TIERS: Readonly<Record<RiskTier, TierPolicy>> = {
  low: { review_every: '365d', approvals_required: 1, owner_may_approve: true, requester_may_approve: true },
  medium: { review_every: '180d', approvals_required: 1, owner_may_approve: true, requester_may_approve: true },
  high: { review_every: '90d', approvals_required: 2, owner_may_approve: false, requester_may_approve: false },
};

/** A model's tier as loaded (parseConfig fills it in): the tier's name and its policy. */
export interface ModelTier extends TierPolicy {
  name: RiskTier;
}

/** The tier of a model from its `risk_tier`, the top-level default and the tier table. */
export function resolveTier(
  riskTier: RiskTier | undefined,
  governance: { default_tier: RiskTier; tiers: Partial<Record<RiskTier, Partial<TierPolicy> | undefined>> },
): ModelTier {
  const name = riskTier ?? governance.default_tier;
  const given = governance.tiers[name] ?? {};
  const policy = { ...DEFAULT_TIERS[name] };
  for (const k of ['review_every', 'approvals_required', 'owner_may_approve', 'requester_may_approve'] as const) {
    if (given[k] !== undefined) (policy as Record<string, unknown>)[k] = given[k];
  }
  return { name, ...policy };
}

/**
 * The rule in force at one promotion request: the tier, and the people it concerns. Kept with the
 * gate (in history and the `approval-requested` audit entry), so a decision is judged by the rule
 * the request opened with.
 */
export interface ApprovalRule {
  tier: RiskTier;
  approvalsRequired: number;
  ownerMayApprove: boolean;
  requesterMayApprove: boolean;
  owner: string;
  /** Who asked for the retrain (a person's request); absent when an evaluation asked. */
  requester?: string;
}

export function approvalRule(tier: ModelTier, owner: string, requester?: string): ApprovalRule {
  return {
    tier: tier.name,
    approvalsRequired: tier.approvals_required,
    ownerMayApprove: tier.owner_may_approve,
    requesterMayApprove: tier.requester_may_approve,
    owner,
    ...(requester ? { requester } : {}),
  };
}

/** Why `approver` may not approve under `rule`, after the approvals `prior` (people); undefined when they may. */
export function approvalProblem(rule: ApprovalRule, approver: string, prior: readonly string[]): string | undefined {
  const independent = 'an independent validator must approve it';
  if (!rule.ownerMayApprove && approver === rule.owner) {
    return `${approver} is the model's owner, and the owner may not approve a promotion of a ${rule.tier}-tier model: ${independent} (governance.tiers.${rule.tier}.owner_may_approve: false)`;
  }
  if (!rule.requesterMayApprove && rule.requester !== undefined && approver === rule.requester) {
    return `${approver} asked for this retrain, and the requester may not approve a promotion of a ${rule.tier}-tier model: ${independent} (governance.tiers.${rule.tier}.requester_may_approve: false)`;
  }
  if (prior.includes(approver)) {
    return `${approver} already approved this promotion; a ${rule.tier}-tier model needs ${rule.approvalsRequired} approvals by different people (governance.tiers.${rule.tier}.approvals_required)`;
  }
  return undefined;
}

/** Of `approvers`, those who may approve a promotion under `rule`. */
export function eligibleApprovers(rule: ApprovalRule, approvers: readonly string[]): string[] {
  return approvers.filter((a) => approvalProblem(rule, a, []) === undefined);
}

/** The rule in one line: "high tier: 2 approvals by different people; neither the owner (a) nor the requester (b) may approve". */
export function describeRule(rule: ApprovalRule): string {
  const count = `${rule.approvalsRequired} approval${rule.approvalsRequired === 1 ? '' : 's'}${rule.approvalsRequired > 1 ? ' by different people' : ''}`;
  const barred = [
    ...(rule.ownerMayApprove ? [] : [`the owner (${rule.owner})`]),
    ...(rule.requesterMayApprove ? [] : [rule.requester ? `the requester (${rule.requester})` : 'whoever asked for the retrain']),
  ];
  const who =
    barred.length === 0
      ? 'the owner and the requester may approve'
      : barred.length === 2
        ? `neither ${barred.join(' nor ')} may approve`
        : `${barred[0]} may not approve`;
  return `${rule.tier} tier: a promotion needs ${count}; ${who}`;
}

/** Who may decide what on a model, for `upkeep check`: approve a promotion, approve a retrain, reject. */
export function whoMayDecide(model: { owner: string; approvers: readonly string[]; tier: ModelTier }): {
  tier: RiskTier;
  rule: string;
  promote: string[];
  retrain: string[];
  reject: string[];
} {
  const all = [...new Set([model.owner, ...model.approvers])];
  const rule = approvalRule(model.tier, model.owner);
  return { tier: model.tier.name, rule: describeRule(rule), promote: eligibleApprovers(rule, all), retrain: all, reject: all };
}

/** A tier no promotion can satisfy: fewer eligible people than approvals required (refused at load). */
export function tierProblem(model: { owner: string; approvers: readonly string[]; tier: ModelTier }): string | undefined {
  const who = whoMayDecide(model);
  if (who.promote.length >= model.tier.approvals_required) return undefined;
  return `risk_tier ${model.tier.name}: a promotion needs ${model.tier.approvals_required} approval${model.tier.approvals_required === 1 ? '' : 's'}${
    model.tier.owner_may_approve ? '' : ' by people other than the owner'
  }, but ${who.promote.length ? `only ${who.promote.join(', ')} may approve` : 'nobody but the owner is listed'}: add approvers (an independent validator)`;
}

/** `upkeep check`'s lines for one model: its tier and who may decide what (indented like its routes). */
export function tierLines(model: { id: string; owner: string; approvers: readonly string[]; tier?: ModelTier | undefined }): string[] {
  if (!model.tier) return [];
  const who = whoMayDecide({ owner: model.owner, approvers: model.approvers, tier: model.tier });
  const t = model.tier;
  return [
    `     ${model.id} risk tier ${t.name}: ${who.rule.replace(/^\w+ tier: /, '')}; reviewed every ${t.review_every}`,
    `     ${model.id} may approve a promotion: ${who.promote.join(', ')}${t.approvals_required > 1 ? ` (${t.approvals_required} of them)` : ''}${
      t.requester_may_approve ? '' : ', unless they asked for the retrain'
    }`,
    `     ${model.id} may approve a retrain or rollback, or reject: ${who.retrain.join(', ')}`,
  ];
}

/** An audit entry as far as the tier check reads it. */
interface TierEntry {
  kind: string;
  actor?: string | undefined;
  details?: Record<string, unknown> | undefined;
}

const isRule = (r: unknown): r is ApprovalRule =>
  typeof r === 'object' &&
  r !== null &&
  typeof (r as ApprovalRule).tier === 'string' &&
  typeof (r as ApprovalRule).approvalsRequired === 'number' &&
  typeof (r as ApprovalRule).owner === 'string';

/**
 * Promotions the trail shows were approved against the rule their request recorded (a barred
 * approver, the same person twice, fewer approvals than required): one line each, naming the
 * entry by its position (`seq`). Requests recorded without a rule are not judged.
 */
export function tierViolations(entries: readonly { seq: number; entry: TierEntry }[]): string[] {
  const problems: string[] = [];
  let rule: ApprovalRule | undefined;
  let openedAt: unknown;
  let approvers: string[] = [];
  for (const { seq, entry } of entries) {
    const d = entry.details ?? {};
    if (entry.kind === 'approval-requested' && d.gate === 'promote') {
      rule = isRule(d.rule) ? d.rule : undefined;
      openedAt = d.openedAt;
      approvers = [];
    } else if (entry.kind === 'decision' && d.gate === 'promote' && d.decision === 'approve' && rule && d.openedAt === openedAt) {
      const who = entry.actor ?? '';
      const problem = approvalProblem(rule, who, approvers);
      if (problem) problems.push(`entry ${seq} (decision): ${problem}`);
      approvers.push(who);
    } else if (entry.kind === 'promoted' && rule) {
      const distinct = new Set(approvers).size;
      if (distinct < rule.approvalsRequired)
        problems.push(
          `entry ${seq} (promoted): the promotion had ${distinct} approval${distinct === 1 ? '' : 's'}, but its request's rule (${rule.tier} tier) needs ${rule.approvalsRequired}`,
        );
      rule = undefined;
    }
  }
  return problems;
}
