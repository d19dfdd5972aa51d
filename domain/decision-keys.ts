/**
 * Which public keys may sign decisions, and whether they apply to a model. Apart from
 * signature.ts so that loading a config does not load the elliptic-curve code (a fifth of
 * `upkeep evaluate`'s start-up); signature.ts re-exports both.
 */
import type { DeviceKey } from './webauthn.js';

/** Public keys that may sign: people (by their id in the config) and authenticating servers. */
export interface DecisionKeys {
  people: Record<string, string>;
  authenticators: Record<string, string>;
  /** People's registered devices (WebAuthn passkeys), by person id: their decisions may be signed on the device. */
  devices?: Record<string, DeviceKey[]>;
  /** Only the person may sign (their device or their own key): a server signing on their behalf is refused. */
  ownOnly?: true;
}

/** Whether decisions on a model need a signature: someone who may decide has a key or a device, or a server does. */
export function keysApply(keys: DecisionKeys | undefined, deciders: readonly string[]): boolean {
  if (!keys) return false;
  return (
    Object.keys(keys.authenticators).length > 0 ||
    deciders.some((d) => Object.hasOwn(keys.people, d) || (Object.hasOwn(keys.devices ?? {}, d) && keys.devices![d]!.length > 0))
  );
}
