/**
 * The maintenance requests a model can have running and the approval gates they wait at: the one
 * list the decision's validation (domain/inputs.ts), the CLI's --gate and the client's lookups
 * (cli/client/) use. Apart from domain/maintenance.ts so that the input checks can use it
 * without importing the maintenance shapes.
 */

/**
 * The approval gates: the one list the decision's validation, the CLI's --gate and the client's
 * lookups use. `handover`: the new owner accepts a model (docs/governance.md#handover); always
 * signed. `review`: a periodic review's attestation (docs/governance.md#periodic-reviews).
 */
export const GATE_NAMES = ['retrain', 'promote', 'rollback', 'handover', 'review'] as const;
export type GateName = (typeof GATE_NAMES)[number];

/** The kinds of maintenance request and the workflow type of each (one running per model and kind). */
export const REQUEST_WORKFLOWS = { retrain: 'retrainModel', rollback: 'rollbackModel', handover: 'handoverModel', review: 'reviewModel' } as const;
export type RequestKind = keyof typeof REQUEST_WORKFLOWS;

/** The request whose workflow holds each gate: a retrain request asks twice (retrain, then promote). */
export const GATE_REQUEST: Readonly<Record<GateName, RequestKind>> = {
  retrain: 'retrain',
  promote: 'retrain',
  rollback: 'rollback',
  handover: 'handover',
  review: 'review',
};
