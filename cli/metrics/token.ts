/** The scrapers' bearer token (metrics.token_file): read with its mode checked, compared in constant time. */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { UpkeepConfig } from '../../domain/config.js';
import { UpkeepError } from '../../engine/errors.js';

/**
 * The scrapers' bearer token from `metrics.token_file` (relative to the config): refused when
 * others than its owner may read it, or when it is empty. Undefined when none is configured.
 */
export function readMetricsToken(config: Pick<UpkeepConfig, 'metrics'>, configPath: string): string | undefined {
  const file = config.metrics?.token_file;
  if (!file) return undefined;
  const full = path.resolve(path.dirname(configPath), file);
  const where = `${path.basename(configPath)}: metrics.token_file ${full}`;
  let token: string;
  try {
    if ((statSync(full).mode & 0o077) !== 0) throw new UpkeepError('InvalidConfig', `${where} may be read by others than its owner: chmod 600 it`);
    token = readFileSync(full, 'utf8').trim();
  } catch (err) {
    if (err instanceof UpkeepError) throw err;
    throw new UpkeepError('InvalidConfig', `${where} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  if (token.length < 16) throw new UpkeepError('InvalidConfig', `${where} holds ${token ? 'a token shorter than 16 characters' : 'no token'}`);
  return token;
}

/** Whether an Authorization header carries the token (compared in constant time, as digests). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer (.+)$/i.exec(header ?? '');
  if (!m) return false;
  const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(m[1]!.trim()), digest(token));
}
