/**
 * Asking for a handover (docs/governance.md#handover): the request is checked, staged in the store
 * and its reference handed to the model's handover workflow, which is all that workflow takes. A
 * departure (`upkeep users remove`) opens one for every model the person owns, addressed to the
 * platform contacts. Part of the client layer: returns values, throws, never prints.
 */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { ModelSpec, UpkeepConfig } from '../../domain/config.js';
import type { HandoverRequest, StagedHandover } from '../../domain/handover.js';
import { UpkeepError } from '../../engine/errors.js';
import type { ArtifactStore } from '../../engine/store/store.js';
import { currentOwner, departureRequest, modelsOwnedBy, stageHandover } from '../../engine/audit/handover.js';
import { handoverWorkflowId } from '../../workflows/definitions.js';

export interface HandoverAsk {
  to: string;
  /** Who asks (asserted by the command, like a config change). */
  as: string;
  reason?: string | undefined;
  /** The directory of current people (watchdog.directory), when the config has one: the new owner must be in it. */
  directory?: { name: string; people: ReadonlySet<string> } | undefined;
}

/** Starts the model's handover workflow with a staged request; one already waiting is an UpkeepError naming it. */
export async function startHandover(client: Client, taskQueue: string, ref: StagedHandover): Promise<string> {
  const workflowId = handoverWorkflowId(ref.modelId);
  try {
    await client.workflow.start('handoverModel', { workflowId, taskQueue, args: [ref] });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError)
      throw new UpkeepError(
        'InvalidRequest',
        `a handover of ${ref.modelId} is already waiting (workflow ${workflowId}): see upkeep approvals list --model ${ref.modelId}; it is accepted or rejected with --gate handover, or expires`,
      );
    throw err;
  }
  return workflowId;
}

/**
 * `upkeep handover <model> --to <person>`, before Temporal is asked: checked against the owner the
 * trail names (handing a model to its owner is refused) and the directory of current people, when
 * given (a person not in it is refused), and staged in the store; returns its
 * reference and the owner it hands over from.
 */
export async function prepareHandover(store: ArtifactStore, spec: ModelSpec, o: HandoverAsk, now = new Date()): Promise<{ ref: StagedHandover; from: string }> {
  const owner = await currentOwner(store, spec.id, now);
  const from = owner.owner ?? spec.owner;
  if (o.to === from) throw new UpkeepError('InvalidRequest', `handover ${spec.id}: ${o.to} owns it already (nothing to hand over)`);
  // The watchdog would report the new owner as a person who left and hand the model on again.
  if (o.directory && !o.directory.people.has(o.to))
    throw new UpkeepError(
      'InvalidRequest',
      `handover ${spec.id}: --to ${o.to} is not in the directory of current people (${o.directory.name}): check the id, or add them to it first`,
    );
  const request: HandoverRequest = {
    modelId: spec.id,
    to: [o.to],
    reason: o.reason ?? `handover asked for by ${o.as}`,
    requestedBy: o.as,
    source: 'manual',
    at: now.toISOString(),
  };
  const ref = await stageHandover(store, request).catch((err: unknown) => {
    // The request's fields as the command names them.
    if (err instanceof UpkeepError)
      throw new UpkeepError(
        err.type,
        err.message
          .replace(/: to\b/, ': --to')
          .replace(/: reason\b/, ': --reason')
          .replace(/: requestedBy\b/, ': --as'),
      );
    throw err;
  });
  return { ref, from };
}

/** prepareHandover, then the workflow started: returns the workflow id and the owner it hands over from. */
export async function requestHandover(
  client: Client,
  taskQueue: string,
  store: ArtifactStore,
  spec: ModelSpec,
  o: HandoverAsk,
  now = new Date(),
): Promise<{ workflowId: string; from: string }> {
  const { ref, from } = await prepareHandover(store, spec, o, now);
  return { workflowId: await startHandover(client, taskQueue, ref), from };
}

/** One model a departure concerns: its handover request started, or why not. */
export interface DepartureHandover {
  modelId: string;
  workflowId?: string;
  skipped?: string;
}

/** A person left: a handover request to the platform contacts for every model they own (by the trail, else the config). */
export async function openDepartureHandovers(
  client: Client,
  taskQueue: string,
  store: ArtifactStore,
  config: UpkeepConfig,
  person: string,
  by: string,
  now = new Date(),
  /** The models the person owns, when the caller has read them already. */
  owned?: readonly { modelId: string }[],
): Promise<DepartureHandover[]> {
  owned ??= await modelsOwnedBy(store, config, person);
  if (config.watchdog.platform.length === 0)
    return owned.map(({ modelId }) => ({ modelId, skipped: 'no platform contacts (watchdog.platform) to address it to' }));
  const out: DepartureHandover[] = [];
  for (const { modelId } of owned) {
    const ref = await stageHandover(store, departureRequest(modelId, person, config.watchdog.platform, by, now));
    try {
      out.push({ modelId, workflowId: await startHandover(client, taskQueue, ref) });
    } catch (err) {
      if (!(err instanceof UpkeepError)) throw err;
      out.push({ modelId, skipped: err.message });
    }
  }
  return out;
}
