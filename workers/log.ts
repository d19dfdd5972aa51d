/**
 * The worker's log lines on stderr, as the SDK's default logger writes them, except that a failure
 * without a stack (one whose message is all there is, e.g. a run whose model left the config) is
 * written on one line with the workflow it ended.
 */
import { format, types } from 'node:util';
import { DefaultLogger, type LogEntry, type LogLevel } from '@temporalio/worker';

export function formatLogEntry({ level, timestampNanos, message, meta }: LogEntry): string {
  const time = new Date(Number(timestampNanos / 1_000_000n)).toISOString();
  const error = meta?.error;
  // Errors from the workflow sandbox come from another realm: no instanceof.
  if (types.isNativeError(error) && !error.stack?.includes('\n')) {
    const where = typeof meta?.workflowId === 'string' ? ` ${meta.workflowId}` : '';
    return `${time} [${level}] ${message}${where}: ${error.message}`;
  }
  return meta === undefined ? `${time} [${level}] ${message}` : `${time} [${level}] ${message} ${format(meta)}`;
}

export const createWorkerLogger = (level: LogLevel): DefaultLogger =>
  new DefaultLogger(level, (entry) => {
    // The training queue's worker runs activities only, by design: its warning says nothing.
    if (entry.message.startsWith('No workflows registered')) return;
    process.stderr.write(`${formatLogEntry(entry)}\n`);
  });
