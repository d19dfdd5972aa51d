/** The maintenance digest's activity over engine/audit/digest.ts: the digests due now, from the audit trail. */
import type { ActivityDeps } from './deps.js';
import { buildDigests, type DigestMessage } from '../engine/audit/digest.js';

export function createDigestActivities(deps: Pick<ActivityDeps, 'store' | 'loadConfig'>) {
  return {
    /** The digests for the period ending at `at` (none when governance.digest is not configured). */
    async buildDigests(input: { at: string }): Promise<DigestMessage[]> {
      return buildDigests(deps.store, await deps.loadConfig(), new Date(input.at));
    },
  };
}
