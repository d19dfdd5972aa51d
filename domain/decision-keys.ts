/**
 * Which public keys may sign decisions, and whether they apply to a model. Apart from
 * signature.ts so that loading a config does not load the elliptic-curve code (a fifth of
 * `upkeep evaluate`'s start-up); signature.ts re-exports both.
 */

/** Public keys that may sign: people (by their id in the config) and authenticating servers. */
export interface DecisionKeys {
  people: Record<string, string>;
  authenticators: Record<string, string>;
}

/** Whether decisions on a model need a signature: someone who may decide has a key, or a server does. */
export function keysApply(keys: DecisionKeys | undefined, deciders: readonly string[]): boolean {
  if (!keys) return false;
  return Object.keys(keys.authenticators).length > 0 || deciders.some((d) => Object.hasOwn(keys.people, d));
}
