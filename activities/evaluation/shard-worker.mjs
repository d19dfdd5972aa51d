// Entry of an evaluation worker thread: loads the TypeScript implementation through tsx.
// Messages sent before the import finishes wait in the port's queue.
import { register } from 'tsx/esm/api';

register();
await import('./shard.ts');
