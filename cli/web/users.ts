/**
 * Sign-in for `upkeep serve`: per-person tokens, of which the users file keeps only the sha256
 * (`upkeep users add` prints the token once). The file is the platform team's: JSON, mode 0600,
 * re-read at each sign-in so that an added or removed person takes effect without a restart.
 * Sign-in goes through the Authenticator interface, so another provider (OIDC) can take its place.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UpkeepError } from '../../engine/errors.js';
import { readRegularFileSync } from '../../engine/open-regular.js';

/** Who signed in. */
export interface Person {
  id: string;
}

/** A way to sign people in: the users file's tokens today, an OIDC provider later. */
export interface Authenticator {
  /** Shown on the sign-in page. */
  readonly name: string;
  /** The person a credential belongs to, or undefined. */
  authenticate(credential: string): Promise<Person | undefined>;
  /** Whether a signed-in person may still use their session (checked at every request). */
  isActive(id: string): Promise<boolean>;
}

export interface UserRecord {
  id: string;
  /** sha256 of the token, hex. */
  token_sha256: string;
  created: string;
}

interface UsersFile {
  version: 1;
  users: UserRecord[];
}

const ID = /^[^\s\p{Cc}]{1,200}$/u;
const HASH = /^[0-9a-f]{64}$/;

export const hashToken = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/** The people of the users file; none when it does not exist. */
export function readUsers(file: string): UserRecord[] {
  const bytes = readRegularFileSync(file, { what: 'cannot read the users file', type: 'InvalidConfig', missingOk: true, maxBytes: 16 * 1024 * 1024 });
  if (!bytes) return [];
  const mode = statSync(file).mode;
  if ((mode & 0o077) !== 0) {
    // Readable: the hashes can be guessed at offline; writable: anyone could add themselves.
    const how = [mode & 0o044 ? 'readable' : '', mode & 0o022 ? 'writable' : ''].filter(Boolean).join(' and ');
    throw new UpkeepError(
      'InvalidConfig',
      `the users file ${file} is ${how || 'executable'} by others (mode ${(mode & 0o7777).toString(8).padStart(4, '0')}): chmod 600 ${file}`,
    );
  }
  let parsed: Partial<UsersFile>;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes)) as Partial<UsersFile>;
  } catch {
    throw new UpkeepError('InvalidConfig', `the users file ${file} is not valid JSON`);
  }
  if (parsed.version !== 1 || !Array.isArray(parsed.users))
    throw new UpkeepError('InvalidConfig', `the users file ${file} is not an upkeep users file (expected { "version": 1, "users": [...] })`);
  parsed.users.forEach((u, i) => {
    if (typeof u?.id !== 'string' || !ID.test(u.id) || typeof u.token_sha256 !== 'string' || !HASH.test(u.token_sha256)) {
      throw new UpkeepError('InvalidConfig', `the users file ${file}: users[${i}] needs an id and a token_sha256 of 64 hex digits`);
    }
  });
  return parsed.users;
}

function writeUsers(file: string, users: UserRecord[]): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify({ version: 1, users } satisfies UsersFile, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

/** Adds `id` with a new random token and returns the token (the file keeps its hash only). */
export function addUser(file: string, id: string, now = new Date()): string {
  if (!ID.test(id)) throw new UpkeepError('InvalidRequest', `users add: ${JSON.stringify(id)} is not a usable id (1 to 200 characters, no spaces)`);
  const users = readUsers(file);
  if (users.some((u) => u.id === id)) throw new UpkeepError('InvalidRequest', `users add: ${id} is in ${file} already (remove it first to issue a new token)`);
  const token = `upk_${randomBytes(32).toString('base64url')}`;
  writeUsers(file, [...users, { id, token_sha256: hashToken(token).toString('hex'), created: now.toISOString() }]);
  return token;
}

/** Removes `id`; false when it was not there. */
export function removeUser(file: string, id: string): boolean {
  const users = readUsers(file);
  const kept = users.filter((u) => u.id !== id);
  if (kept.length === users.length) return false;
  writeUsers(file, kept);
  return true;
}

/** Signs in with a token of the users file: compares its hash with every person's, in constant time. */
export function tokenAuthenticator(file: string): Authenticator {
  return {
    name: 'token',
    async authenticate(credential: string): Promise<Person | undefined> {
      if (typeof credential !== 'string' || credential.length === 0 || credential.length > 512) return undefined;
      const given = hashToken(credential.trim());
      let match: string | undefined;
      for (const u of readUsers(file)) {
        if (timingSafeEqual(given, Buffer.from(u.token_sha256, 'hex')) && match === undefined) match = u.id;
      }
      return match === undefined ? undefined : { id: match };
    },
    async isActive(id: string): Promise<boolean> {
      return readUsers(file).some((u) => u.id === id);
    },
  };
}

/** `upkeep users add|list|remove`. */
export function usersCommand(file: string, verb: 'add' | 'list' | 'remove', id?: string): void {
  if (verb === 'list') {
    const users = readUsers(file);
    if (users.length === 0) console.log(`no users in ${file}`);
    for (const u of users) console.log(`${u.id}  added ${u.created}`);
    return;
  }
  if (!id) throw new UpkeepError('InvalidRequest', `users ${verb}: give the person's id`);
  if (verb === 'remove') {
    if (!removeUser(file, id)) throw new UpkeepError('InvalidRequest', `users remove: ${id} is not in ${file}`);
    console.log(`removed ${id} from ${file}: their token no longer signs in and their open sessions end at their next request`);
    return;
  }
  const token = addUser(file, id);
  console.log(`added ${id} to ${file}`);
  console.log(`sign-in token (shown once, only its hash is kept; hand it over privately):\n\n  ${token}\n`);
}
