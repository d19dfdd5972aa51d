/**
 * The default task queue, in a file of its own: every CLI call reads it (workers/settings.ts), and
 * importing it from definitions.ts would load the Temporal SDK for commands that never talk to it.
 */
export const TASK_QUEUE = 'upkeep';
