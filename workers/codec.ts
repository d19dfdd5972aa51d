/**
 * Payload encryption: an AES-256-GCM PayloadCodec with key ids and rotation. Every payload is
 * encrypted with the current key (the first listed); any listed key decrypts, chosen by the key
 * id stored in the payload's metadata. Keys come from the environment (UPKEEP_PAYLOAD_KEYS) or a
 * key file (UPKEEP_PAYLOAD_KEYS_FILE), never from upkeep.yaml:
 *
 *     # id        base64 of 32 random bytes (openssl rand -base64 32); the first line encrypts
 *     2026-11     q0Z1...=
 *     2026-05     8hJk...=
 *
 * UPKEEP_PAYLOAD_KEYS holds the same entries as `id:base64`, separated by commas.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import type { Settings } from './settings.js';
import { readRegularFileSync } from '../engine/open-regular.js';
import { UpkeepError } from '../engine/errors.js';

export const ENCODING = 'binary/encrypted';
const KEY_ID = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface PayloadKey {
  id: string;
  key: Buffer;
}

/** A key list that cannot be used: bad entry, wrong length, unsafe file mode. */
export class PayloadKeyError extends Error {
  override readonly name = 'SettingsError';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
  }
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/** Parses `id base64` lines (or `id:base64` entries); the first is the current key. */
export function parsePayloadKeys(text: string, source: string, variable: string): PayloadKey[] {
  const entries = text
    .split(/[\n,]/)
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean);
  const keys = entries.map((entry, i) => {
    const m = /^([A-Za-z0-9._-]{1,64})\s*[:\s]\s*([A-Za-z0-9+/=_-]+)$/.exec(entry);
    if (!m) throw new PayloadKeyError(variable, `${source}: entry ${i + 1} is not "<id> <base64 key>"`);
    const key = Buffer.from(m[2]!, 'base64');
    if (key.length !== 32)
      throw new PayloadKeyError(variable, `${source}: key ${m[1]} is ${key.length} bytes, not 32 (make one with: openssl rand -base64 32)`);
    return { id: m[1]!, key };
  });
  const ids = new Set<string>();
  for (const k of keys) {
    if (ids.has(k.id)) throw new PayloadKeyError(variable, `${source}: key id ${k.id} is listed twice`);
    ids.add(k.id);
  }
  return keys;
}

/** The keys of the settings, or undefined when payload encryption is not configured. */
export function payloadKeys(settings: Pick<Settings, 'payloadKeys' | 'payloadKeysFile'>): PayloadKey[] | undefined {
  if (settings.payloadKeys && settings.payloadKeysFile)
    throw new PayloadKeyError('UPKEEP_PAYLOAD_KEYS', 'set UPKEEP_PAYLOAD_KEYS or UPKEEP_PAYLOAD_KEYS_FILE, not both');
  if (settings.payloadKeys) {
    const keys = parsePayloadKeys(settings.payloadKeys, 'UPKEEP_PAYLOAD_KEYS', 'UPKEEP_PAYLOAD_KEYS');
    if (keys.length === 0) throw new PayloadKeyError('UPKEEP_PAYLOAD_KEYS', 'UPKEEP_PAYLOAD_KEYS lists no key');
    return keys;
  }
  const file = settings.payloadKeysFile;
  if (!file) return undefined;
  let text: string;
  try {
    if ((statSync(file).mode & 0o077) !== 0) throw new PayloadKeyError('UPKEEP_PAYLOAD_KEYS_FILE', `key file ${file} is readable by others: chmod 600 ${file}`);
    // A regular file only (a FIFO there would hang every command), and a small one.
    text = Buffer.from(readRegularFileSync(file, { what: 'key file', maxBytes: 64 * 1024 })!).toString('utf8');
  } catch (err) {
    if (err instanceof PayloadKeyError) throw err;
    if (err instanceof UpkeepError) throw new PayloadKeyError('UPKEEP_PAYLOAD_KEYS_FILE', err.message);
    throw new PayloadKeyError('UPKEEP_PAYLOAD_KEYS_FILE', `cannot read key file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const keys = parsePayloadKeys(text, file, 'UPKEEP_PAYLOAD_KEYS_FILE');
  if (keys.length === 0) throw new PayloadKeyError('UPKEEP_PAYLOAD_KEYS_FILE', `key file ${file} lists no key`);
  return keys;
}

/** The original payload as JSON bytes: metadata values and data in base64. */
function serialize(p: Payload): Uint8Array {
  const metadata = Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')]));
  return utf8.encode(JSON.stringify({ metadata, data: Buffer.from(p.data ?? new Uint8Array()).toString('base64') }));
}

function deserialize(bytes: Uint8Array): Payload {
  const o = JSON.parse(fromUtf8.decode(bytes)) as { metadata: Record<string, string>; data: string };
  return {
    metadata: Object.fromEntries(Object.entries(o.metadata).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))])),
    data: new Uint8Array(Buffer.from(o.data, 'base64')),
  };
}

/**
 * AES-256-GCM; the key id is authenticated too (additional data), so it cannot be swapped. With
 * `requireEncrypted` a payload that is not encrypted is refused instead of passed through: nobody
 * without a key can then give a worker an input (a workflow's, a signal's, an activity's scheduled
 * by a rogue poller of the task queue), since GCM authenticates each payload.
 */
export function createEncryptionCodec(keys: PayloadKey[], opts: { requireEncrypted?: boolean } = {}): PayloadCodec {
  if (keys.length === 0) throw new Error('payload encryption needs at least one key');
  const current = keys[0]!;
  const byId = new Map(keys.map((k) => [k.id, k.key]));
  return {
    async encode(payloads: Payload[]): Promise<Payload[]> {
      return payloads.map((p) => {
        const iv = randomBytes(IV_BYTES);
        const cipher = createCipheriv('aes-256-gcm', current.key, iv);
        cipher.setAAD(utf8.encode(current.id));
        const body = Buffer.concat([cipher.update(serialize(p)), cipher.final()]);
        return {
          metadata: { encoding: utf8.encode(ENCODING), [KEY_ID]: utf8.encode(current.id) },
          data: new Uint8Array(Buffer.concat([iv, body, cipher.getAuthTag()])),
        };
      });
    },
    async decode(payloads: Payload[]): Promise<Payload[]> {
      return payloads.map((p) => {
        const encoding = p.metadata?.encoding ? fromUtf8.decode(p.metadata.encoding) : undefined;
        if (encoding !== ENCODING) {
          if (opts.requireEncrypted)
            throw new Error(
              `refused a payload that is not encrypted (encoding ${JSON.stringify(encoding ?? 'none')}): with payload keys, only payloads encrypted with them are read (UPKEEP_PAYLOAD_STRICT=0 also reads unencrypted ones, while workflows started before encryption are open)`,
            );
          return p; // written before encryption was on
        }
        const id = p.metadata?.[KEY_ID] ? fromUtf8.decode(p.metadata[KEY_ID]) : '';
        const key = byId.get(id);
        if (!key) throw new Error(`payload encrypted with key ${JSON.stringify(id)}, which is not among the configured keys (${[...byId.keys()].join(', ')})`);
        const data = Buffer.from(p.data ?? new Uint8Array());
        if (data.length < IV_BYTES + TAG_BYTES) throw new Error('encrypted payload is truncated');
        const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
        decipher.setAAD(utf8.encode(id));
        decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
        return deserialize(Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]));
      });
    },
  };
}

/** The codecs of the settings: [encryption] when keys are configured, else none. */
export function payloadCodecs(settings: Pick<Settings, 'payloadKeys' | 'payloadKeysFile' | 'payloadStrict'>): PayloadCodec[] {
  const keys = payloadKeys(settings);
  if (!keys && settings.payloadStrict)
    throw new PayloadKeyError('UPKEEP_PAYLOAD_STRICT', 'UPKEEP_PAYLOAD_STRICT=1 needs payload keys: set UPKEEP_PAYLOAD_KEYS or UPKEEP_PAYLOAD_KEYS_FILE');
  return keys ? [createEncryptionCodec(keys, { requireEncrypted: settings.payloadStrict === true })] : [];
}

/** The failure converter that encrypts messages and stack traces (failure-converter.ts), by path. */
export const FAILURE_CONVERTER_PATH = fileURLToPath(new URL(`./failure-converter${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));

/**
 * The data converter of a worker or client: none without codecs; with them (payload keys), the
 * codecs and the failure converter that puts messages and stack traces into encoded attributes,
 * so that they are encrypted too.
 */
export function upkeepDataConverter(payloadCodecs: PayloadCodec[] = []): DataConverter | undefined {
  return payloadCodecs.length > 0 ? { payloadCodecs, failureConverterPath: FAILURE_CONVERTER_PATH } : undefined;
}
