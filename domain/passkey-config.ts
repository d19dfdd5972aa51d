/**
 * A person's registered device (WebAuthn passkey) as the config or the keys file lists it under
 * `passkeys:` (docs/signed-decisions.md#signed-on-the-persons-device). The web inbox prints the
 * entry when someone registers a device; the platform team pastes it, as with any public key.
 */
import * as z from 'zod';

/** An origin the inbox is served at: https://host[:port], or http:// on a loopback name (development). */
const origin = z.string().refine((o) => {
  try {
    const u = new URL(o);
    return u.origin === o && (u.protocol === 'https:' || ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname));
  } catch {
    return false;
  }
}, 'expected an origin such as https://inbox.example.com (http:// only on localhost), without a path or a final /');

export const passkeyEntry = z.strictObject({
  /** The person, as the config names owners and approvers. */
  id: z.string().min(1).max(200),
  /** The credential id, base64url as the browser gives it. */
  credential: z.string().regex(/^[A-Za-z0-9_-]{16,1366}$/, 'expected a credential id: 16 to 1366 base64url characters'),
  /** The P-256 public key, uncompressed: 04, then x and y (130 lowercase hex digits). */
  public_key: z.string().regex(/^04[0-9a-f]{128}$/, 'expected a P-256 public key: 04 then 128 lowercase hex digits, as the inbox prints it'),
  /** The relying party id the device made it for: the inbox's host name. */
  rp_id: z
    .string()
    .min(1)
    .max(253)
    .regex(/^[a-z0-9.-]+$/, 'expected a host name such as inbox.example.com'),
  origin,
  /** A label for people (which device). */
  label: z.string().max(200).optional(),
});
export type PasskeyEntry = z.infer<typeof passkeyEntry>;
