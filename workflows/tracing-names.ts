/**
 * The span attribute (and trace baggage entry) naming the model a workflow or activity acts on:
 * shared by the sandbox's interceptors (tracing-interceptors.ts) and the worker's (workers/tracing.ts),
 * in a file of its own so that the worker reads the name without loading the sandbox's module.
 */
export const MODEL_ID_ATTRIBUTE = 'upkeep.model.id';
