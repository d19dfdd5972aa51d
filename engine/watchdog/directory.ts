/**
 * The directory of current people (`watchdog.directory`): a YAML or JSON file whose `people` is a
 * list of ids (a bare list works too). Read on every watchdog run, so an edit applies at once.
 */
import path from 'node:path';
import { parseDocument } from 'yaml';
import { readRegularFile } from '../open-regular.js';
import { UpkeepError } from '../errors.js';

/** A directory larger than this is not a list of people. */
export const MAX_DIRECTORY_BYTES = 4 * 1024 * 1024;

/** The ids listed in a directory file's text; `name` is named in every error. */
export function parseDirectory(text: string, name: string): Set<string> {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0)
    throw new UpkeepError('InvalidConfig', `${name}: not valid YAML or JSON: ${doc.errors[0]!.message.split('\n')[0]!.replace(/:\s*$/, '')}`);
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new UpkeepError('InvalidConfig', `${name}: YAML aliases expand too far (${(err as Error).message.split('\n')[0]})`);
  }
  const list = Array.isArray(raw) ? raw : raw !== null && typeof raw === 'object' && 'people' in raw ? (raw as { people: unknown }).people : undefined;
  const where = Array.isArray(raw) ? '' : 'people';
  if (!Array.isArray(list)) throw new UpkeepError('InvalidConfig', `${name}: expected a list of people ids, e.g. people: [a@example.com, b@example.com]`);
  const ids = new Set<string>();
  list.forEach((id, i) => {
    if (typeof id !== 'string' || id.trim() === '')
      throw new UpkeepError('InvalidConfig', `${name}: ${where}[${i}]: expected a person's id (a non-empty string), not ${JSON.stringify(id)}`);
    ids.add(id.trim());
  });
  return ids;
}

/** Reads and parses the directory file; an unreadable or malformed file is an error naming it. */
export async function readDirectory(file: string): Promise<Set<string>> {
  const name = `watchdog.directory ${path.basename(file)}`;
  const bytes = await readRegularFile(file, {
    what: `${name}: cannot read`,
    type: 'InvalidConfig',
    maxBytes: MAX_DIRECTORY_BYTES,
    limitName: 'the directory size cap',
  });
  return parseDirectory(new TextDecoder().decode(bytes), name);
}
