/** Handover activities (docs/governance.md#handover) over engine/audit/handover.ts: open a staged request, read who may accept again, stage a departure's. */
import type { ActivityDeps } from './deps.js';
import type { StagedHandover } from '../domain/handover.js';
import type { DecisionKeys } from '../domain/decision-keys.js';
import { findModel, keysOfPeople } from '../engine/config/load.js';
import { currentOwner, departureRequest, openHandover, stageHandover, type OpenedHandover } from '../engine/audit/handover.js';

export function createHandoverActivities(deps: Pick<ActivityDeps, 'store' | 'loadConfig'>) {
  return {
    /** The staged request (checked against its hash, claimed for this run), the owner now and the keys of who may accept. */
    async openHandover(input: { ref: StagedHandover; workflowId: string; runId: string }): Promise<OpenedHandover> {
      return openHandover(deps.store, await deps.loadConfig(), input.ref, { workflowId: input.workflowId, runId: input.runId });
    },

    /** Who may accept (the people the request names, unchanged) and their keys as the config says now. */
    async handoverDeciders(input: { modelId: string; to: string[] }): Promise<{ approvers: string[]; keys?: DecisionKeys }> {
      const keys = keysOfPeople(await deps.loadConfig(), input.modelId, input.to);
      return { approvers: [...input.to], ...(keys ? { keys } : {}) };
    },

    /**
     * The watchdog found `person` missing from the directory: when they still own the model (by its
     * trail, else its config) and there are platform contacts, stages the request their departure opens.
     */
    async stageDeparture(input: { modelId: string; person: string; by: string; at: string }): Promise<StagedHandover | null> {
      const config = await deps.loadConfig();
      const spec = findModel(config, input.modelId, config.name);
      const owner = await currentOwner(deps.store, spec.id);
      if ((owner.owner ?? spec.owner) !== input.person || config.watchdog.platform.length === 0) return null;
      return stageHandover(deps.store, departureRequest(spec.id, input.person, config.watchdog.platform, input.by, new Date(input.at)));
    },
  };
}
