#!/usr/bin/env node
// The `upkeep` command: TypeScript sources run through tsx, no build step.
import { register } from 'tsx/esm/api';

register();
await import('../scripts/cli.ts');
