/** Who runs a command, as the audit trail records it for changes no workflow makes (asserted, not proven). */
import { hostname, userInfo } from 'node:os';
import type { ConfigWitness } from '../engine/audit/config-entries.js';
import type { Settings } from '../workers/settings.js';

/** Who runs this command: the OS user (not $USER, which anyone can set) and the host. */
export function witness(command: string, s: Pick<Settings, 'author' | 'user'>, author?: string): ConfigWitness {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    user = s.user; // no passwd entry for this uid (a container)
  }
  const given = author?.trim() || s.author;
  return { user, host: hostname(), command, ...(given ? { author: given } : {}) };
}
