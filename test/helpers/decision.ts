/**
 * Every decision a fault test makes goes through here, so the tests follow the decision format in
 * one place (e.g. when decisions must be signed).
 */
import type { WorkflowHandle } from '@temporalio/client';
import type { DecisionInput } from '../../domain/maintenance.js';
import { decideUpdate } from '../../workflows/definitions.js';

/** Sends a decision through the workflow's Update (what `upkeep approve` / `reject` do). */
export function decide(handle: WorkflowHandle, input: DecisionInput): Promise<unknown> {
  return handle.executeUpdate(decideUpdate, { args: [input] });
}
