/**
 * Which public keys may sign decisions, and whether they apply to a model. Apart from
 * signature.ts so that loading a config does not load the elliptic-curve code (a fifth of
 * `upkeep evaluate`'s start-up); signature.ts re-exports both.
 */
import type { DeviceKey } from './webauthn.js';
import type { GateName } from './requests.js';

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

/**
 * Whether the decisions at a gate must be signed: at a handover always (the new owner accepts
 * with their key, docs/governance.md#handover), at another gate when keys apply to its deciders.
 */
export function signaturesRequired(gate: GateName, keys: DecisionKeys | undefined, deciders: readonly string[]): boolean {
  return gate === 'handover' || keysApply(keys, deciders);
}
