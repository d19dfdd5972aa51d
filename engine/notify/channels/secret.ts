/**
 * A channel's secret (PagerDuty routing key, SMTP password, Slack webhook URL), read from a file
 * named relative to the config's folder. The file must be a regular file that only its owner may
 * read or write (like a signing key): a secret others can read is refused with the chmod that
 * fixes it. Messages name the channel, the config field and the file, never its content.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { readRegularFile, whyUnreadable } from '../../open-regular.js';
import { isUpkeepError } from '../../errors.js';
import { ChannelError } from './types.js';

/** A secret is one short line; anything larger is not the file that was meant. */
const MAX_SECRET_BYTES = 16 * 1024;

/**
 * The secret in `file` (relative to `configDir`), trimmed. Throws ChannelError (not retryable:
 * a person must fix the file) when it is missing, not a regular file, open to others, empty, or
 * more than one line.
 */
export async function readSecretFile(channel: string, field: string, file: string, configDir: string): Promise<string> {
  const where = path.resolve(configDir, file);
  const what = `channel ${channel}: ${field} ${where}`;
  let bytes: Uint8Array | undefined;
  try {
    bytes = await readRegularFile(where, { what: `channel ${channel}: ${field}`, maxBytes: MAX_SECRET_BYTES, type: 'InvalidConfig' });
  } catch (err) {
    throw new ChannelError(isUpkeepError(err) ? err.message : `${what}: ${whyUnreadable(err)}`, false);
  }
  if (process.platform !== 'win32') {
    const mode = (await stat(where)).mode;
    if ((mode & 0o077) !== 0) {
      const m = (mode & 0o7777).toString(8).padStart(4, '0');
      throw new ChannelError(`${what} may be read or written by others (mode ${m}): chmod 600 ${where}`, false);
    }
  }
  const text = new TextDecoder().decode(bytes).trim();
  if (text === '') throw new ChannelError(`${what} is empty`, false);
  if (/[\r\n]/.test(text)) throw new ChannelError(`${what} holds more than one line (expected the secret alone)`, false);
  if (/[\u0000-\u001f\u007f]/.test(text)) throw new ChannelError(`${what} holds control characters`, false);
  return text;
}
