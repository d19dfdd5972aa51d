/**
 * The little CBOR (RFC 8949) a WebAuthn registration needs: the attestation object (a map of
 * fmt, attStmt, authData) and the credential's COSE key. Definite lengths only, bounded depth and
 * size; anything else is refused. Used by the inbox when a person registers a device.
 */

export type CborValue = number | string | boolean | null | Uint8Array | CborValue[] | Map<number | string, CborValue>;

const MAX_DEPTH = 8;
const MAX_ITEMS = 256;

export class CborError extends Error {}

/** Decodes one item at `offset`; returns it and where it ended (WebAuthn data may follow a COSE key). */
export function decodeCbor(bytes: Uint8Array, offset = 0, depth = 0): { value: CborValue; end: number } {
  if (depth > MAX_DEPTH) throw new CborError('nested too deeply');
  const need = (n: number, at: number) => {
    if (at + n > bytes.length) throw new CborError('truncated');
  };
  need(1, offset);
  const first = bytes[offset]!;
  const major = first >> 5;
  const info = first & 31;
  let at = offset + 1;
  let arg: number;
  if (info < 24) arg = info;
  else if (info === 24 || info === 25 || info === 26) {
    const n = info === 24 ? 1 : info === 25 ? 2 : 4;
    need(n, at);
    arg = 0;
    for (let i = 0; i < n; i++) arg = arg * 256 + bytes[at + i]!;
    at += n;
  } else throw new CborError(info === 31 ? 'indefinite lengths are not taken' : 'an integer too large');
  switch (major) {
    case 0:
      return { value: arg, end: at };
    case 1:
      return { value: -1 - arg, end: at };
    case 2:
      need(arg, at);
      return { value: bytes.slice(at, at + arg), end: at + arg };
    case 3:
      need(arg, at);
      return { value: new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(at, at + arg)), end: at + arg };
    case 4: {
      if (arg > MAX_ITEMS) throw new CborError('an array too long');
      const out: CborValue[] = [];
      for (let i = 0; i < arg; i++) {
        const item = decodeCbor(bytes, at, depth + 1);
        out.push(item.value);
        at = item.end;
      }
      return { value: out, end: at };
    }
    case 5: {
      if (arg > MAX_ITEMS) throw new CborError('a map too long');
      const out = new Map<number | string, CborValue>();
      for (let i = 0; i < arg; i++) {
        const k = decodeCbor(bytes, at, depth + 1);
        if (typeof k.value !== 'number' && typeof k.value !== 'string') throw new CborError('a map key that is not a number or text');
        if (out.has(k.value)) throw new CborError('a duplicate map key');
        const v = decodeCbor(bytes, k.end, depth + 1);
        out.set(k.value, v.value);
        at = v.end;
      }
      return { value: out, end: at };
    }
    case 7:
      if (info === 20) return { value: false, end: at };
      if (info === 21) return { value: true, end: at };
      if (info === 22) return { value: null, end: at };
      throw new CborError('a simple value or float that WebAuthn does not use');
    default:
      throw new CborError('a tagged value');
  }
}
