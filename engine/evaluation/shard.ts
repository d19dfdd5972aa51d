/**
 * Inside an evaluation worker thread: answers the pool's requests (shard-handler.ts) by message.
 */
import { parentPort } from 'node:worker_threads';
import { UpkeepError } from '../errors.js';
import { handle } from './shard-handler.js';
import type { ShardReply, ShardRequest } from './types.js';

parentPort!.on('message', (msg: ShardRequest) => {
  handle(msg).then(
    ({ reply, transfer }) => parentPort!.postMessage(reply, transfer),
    (err: unknown) => {
      const error =
        err instanceof UpkeepError ? { type: err.type, message: err.message } : { message: err instanceof Error ? (err.stack ?? err.message) : String(err) };
      parentPort!.postMessage({ id: msg.id, ok: false, error } satisfies ShardReply);
    },
  );
});
