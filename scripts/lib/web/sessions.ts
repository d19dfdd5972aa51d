/**
 * Sessions of `upkeep serve`, in memory (a restart signs everyone out): a random id in an
 * HttpOnly, SameSite=Strict cookie, a CSRF token per session, an idle and an absolute limit.
 * Also the sign-in throttle. The clock is injected so that tests can move it.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export interface Session {
  /** The cookie's value (never logged). */
  id: string;
  user: string;
  /** Sent back in every form; compared in constant time. */
  csrf: string;
  createdAt: number;
  lastSeen: number;
  /** A one-time message for the next page (the outcome of a decision). */
  flash?: string;
}

const key = (id: string): string => createHash('sha256').update(id).digest('hex');

/** True when both strings are equal, in time independent of where they differ. */
export function sameSecret(a: string | undefined, b: string | undefined): boolean {
  if (typeof a !== 'string' || typeof b !== 'string') return false;
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y) && a.length === b.length;
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  constructor(private readonly o: { idleMs: number; maxMs: number; now?: () => number }) {}

  private now(): number {
    return this.o.now ? this.o.now() : Date.now();
  }

  create(user: string): Session {
    this.sweep();
    const t = this.now();
    const s: Session = { id: randomBytes(32).toString('base64url'), user, csrf: randomBytes(32).toString('base64url'), createdAt: t, lastSeen: t };
    this.sessions.set(key(s.id), s);
    return s;
  }

  /** The live session of a cookie value (its idle time restarts), or undefined when none or expired. */
  get(id: string | undefined): Session | undefined {
    if (!id || id.length > 100) return undefined;
    const k = key(id);
    const s = this.sessions.get(k);
    if (!s) return undefined;
    const t = this.now();
    if (t - s.lastSeen > this.o.idleMs || t - s.createdAt > this.o.maxMs) {
      this.sessions.delete(k);
      return undefined;
    }
    s.lastSeen = t;
    return s;
  }

  destroy(id: string | undefined): void {
    if (id) this.sessions.delete(key(id));
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Drops expired sessions (at each sign-in, so the map cannot grow without bound). */
  private sweep(): void {
    const t = this.now();
    for (const [k, s] of this.sessions) if (t - s.lastSeen > this.o.idleMs || t - s.createdAt > this.o.maxMs) this.sessions.delete(k);
  }
}

/** At most `limit` failed sign-ins per client in `windowMs`; a success does not reset the count. */
export class Throttle {
  private readonly failures = new Map<string, number[]>();
  constructor(private readonly o: { limit: number; windowMs: number; now?: () => number }) {}

  private recent(client: string): number[] {
    const t = this.o.now ? this.o.now() : Date.now();
    const kept = (this.failures.get(client) ?? []).filter((at) => t - at < this.o.windowMs);
    if (kept.length) this.failures.set(client, kept);
    else this.failures.delete(client);
    return kept;
  }

  /** Whether the client may try now. */
  allowed(client: string): boolean {
    return this.recent(client).length < this.o.limit;
  }

  fail(client: string): void {
    if (this.failures.size > 10_000) this.failures.clear(); // bounded memory under a flood
    this.failures.set(client, [...this.recent(client), this.o.now ? this.o.now() : Date.now()]);
  }
}
