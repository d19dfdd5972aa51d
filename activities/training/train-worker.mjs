// Entry of a builtin-training thread: loads the TypeScript implementation through tsx.
import { register } from 'tsx/esm/api';

register();
await import('./train-thread.ts');
