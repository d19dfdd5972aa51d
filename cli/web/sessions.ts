/**
 * Sessions of `upkeep serve`, in memory (a restart signs everyone out): a random id in an
 * HttpOnly, SameSite=Strict cookie, a CSRF token per session, an idle and an absolute limit.
 * Also the sign-in throttle. The clock is injected so that tests can move it.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export interface Session {
  /** The cookie's value (never logged). */
  id: string;
  /** A random name for the session in logs and the access log (not derived from the id). */
  ref: string;
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
    const s: Session = {
      id: randomBytes(32).toString('base64url'),
      ref: randomBytes(6).toString('hex'),
      user,
      csrf: randomBytes(32).toString('base64url'),
      createdAt: t,
      lastSeen: t,
    };
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

/**
 * At most `limit` failed sign-ins per client in `windowMs`; a success does not reset the count.
 *
 * Memory is bounded (`maxClients` addresses) without ever forgetting a recent failure: when the
 * table is full, addresses whose failures all expired are dropped; if it is still full, every
 * address not in it shares one count (the overflow), so a flood from many addresses throttles
 * newcomers together instead of wiping the counts (and lifting the lockouts) of those it holds.
 */
export class Throttle {
  private readonly failures = new Map<string, number[]>();
  /** The shared count of addresses that found the table full. */
  private overflow: number[] = [];
  private lastSweep = -Infinity;
  private readonly maxClients: number;
  constructor(private readonly o: { limit: number; windowMs: number; maxClients?: number; now?: () => number; onOverflow?: () => void }) {
    this.maxClients = o.maxClients ?? 10_000;
  }

  private now(): number {
    return this.o.now ? this.o.now() : Date.now();
  }

  private live(times: readonly number[], t: number): number[] {
    return times.filter((at) => t - at < this.o.windowMs);
  }

  /** The failures counted for `client`: its own, or the overflow's when it has no entry and the table is full. */
  private counted(client: string, t: number): number[] {
    const own = this.failures.get(client);
    if (own) {
      const kept = this.live(own, t);
      if (kept.length) this.failures.set(client, kept);
      else this.failures.delete(client);
      return kept;
    }
    this.overflow = this.live(this.overflow, t);
    return this.failures.size >= this.maxClients ? this.overflow : [];
  }

  /** Whether the client may try now. */
  allowed(client: string): boolean {
    return this.counted(client, this.now()).length < this.o.limit;
  }

  fail(client: string): void {
    const t = this.now();
    if (!this.failures.has(client) && this.failures.size >= this.maxClients) this.sweep(t);
    if (this.failures.has(client) || this.failures.size < this.maxClients) {
      // at most `limit` times are needed to know whether `limit` fell in the window
      this.failures.set(client, [...this.counted(client, t), t].slice(-this.o.limit));
      return;
    }
    if (this.overflow.length === 0) this.o.onOverflow?.();
    this.overflow = [...this.live(this.overflow, t), t].slice(-this.o.limit);
  }

  /** Addresses with failures in the window (at most `maxClients`). */
  get size(): number {
    return this.failures.size;
  }

  /** Drops addresses whose failures all expired (at most once a second: a flood does not make every failure a full scan). */
  private sweep(t: number): void {
    if (t - this.lastSweep < 1000) return;
    this.lastSweep = t;
    for (const [client, times] of this.failures) if (this.live(times, t).length === 0) this.failures.delete(client);
  }
}
