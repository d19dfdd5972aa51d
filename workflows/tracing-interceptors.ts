/**
 * The workflow side of OpenTelemetry tracing (workers/tracing.ts): bundled into the sandbox only
 * when tracing is configured, as a workflow interceptor module. Temporal's interceptors make the
 * spans (RunWorkflow, StartActivity, StartChildWorkflow, ...) and hand them to the worker through
 * the `exporter` sink, which is not called while a history is replayed; they add a trace header to
 * the commands they wrap, never a command, so a history replays the same with or without them.
 *
 * Added here: the model a workflow acts on (its input's `modelId`) as the `upkeep.model.id`
 * attribute of its span, and as baggage of the same name in the trace context the activities and
 * child workflows it starts receive, whose spans carry it too. Nothing else of the input: no
 * payload reaches a span.
 */
import * as otel from '@opentelemetry/api';
import type { Next, WorkflowExecuteInput, WorkflowInboundCallsInterceptor, WorkflowInterceptors } from '@temporalio/workflow';
import { MODEL_ID_ATTRIBUTE } from './tracing-names.js';
import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow/index.js';

/** A model id as upkeep's workflows take it (`{ modelId }`), or undefined. */
export function modelIdOf(arg: unknown): string | undefined {
  const id = typeof arg === 'object' && arg !== null ? (arg as { modelId?: unknown }).modelId : undefined;
  return typeof id === 'string' && id.length > 0 && id.length <= 200 ? id : undefined;
}

/** Runs inside the RunWorkflow span (registered after Temporal's inbound interceptor). */
class ModelIdInbound implements WorkflowInboundCallsInterceptor {
  execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const modelId = modelIdOf(input.args[0]);
    if (modelId === undefined) return next(input);
    const active = otel.context.active();
    otel.trace.getSpan(active)?.setAttribute(MODEL_ID_ATTRIBUTE, modelId);
    const baggage = (otel.propagation.getBaggage(active) ?? otel.propagation.createBaggage()).setEntry(MODEL_ID_ATTRIBUTE, { value: modelId });
    return otel.context.with(otel.propagation.setBaggage(active, baggage), () => next(input));
  }
}

export const interceptors = (): WorkflowInterceptors => ({
  inbound: [new OpenTelemetryInboundInterceptor(), new ModelIdInbound()],
  outbound: [new OpenTelemetryOutboundInterceptor()],
  internals: [new OpenTelemetryInternalsInterceptor()],
});
