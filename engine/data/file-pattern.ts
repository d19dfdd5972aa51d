/**
 * Several files per day: a data URI whose last path segment holds `*` (any run of characters) or
 * `?` (one character) names every file of that folder that matches, in name order. Only the last
 * segment may hold them (folders are listed, never walked), and they are always wildcards.
 */
import { UpkeepError } from '../errors.js';
import type { DataSource } from './source.js';

export { filePatternProblem } from '../../domain/file-pattern.js';

const WILDCARD = /[*?]/;

/** The folder (ending in /) and the last segment of a URI. */
export function splitUri(uri: string): { folder: string; name: string } {
  const slash = uri.lastIndexOf('/');
  return { folder: uri.slice(0, slash + 1), name: uri.slice(slash + 1) };
}

/** A file:// URI writes `?` as %3F; a file name is matched in its decoded form. */
function decodedName(uri: string, name: string): string {
  if (!uri.startsWith('file://')) return name;
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}

/** The last segment of a URI as a glob (decoded for file://). */
export function globOf(uri: string): string {
  return decodedName(uri, splitUri(uri).name);
}

/** Whether the URI (template) names files by a pattern. */
export function isFilePattern(uri: string): boolean {
  const { name } = splitUri(uri);
  return WILDCARD.test(decodedName(uri, name));
}

/**
 * The glob of one segment as a regular expression: `*` any characters, `?` one, all else literal.
 * As in a shell, a hidden name (leading dot) is matched only by a glob that starts with a dot.
 */
export function globRegExp(glob: string): RegExp {
  let source = glob.startsWith('.') ? '' : '(?!\\.)';
  for (const ch of glob) {
    if (ch === '*') source += '.*';
    else if (ch === '?') source += '.';
    else source += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}

/** The names among `names` that match the glob, in name order (code units, as S3 lists them). */
export function matchNames(glob: string, names: readonly string[]): string[] {
  const re = globRegExp(glob);
  return names.filter((n) => re.test(n)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** A file's URI in the folder of a pattern (a file:// name is percent-encoded). */
function fileUri(folder: string, name: string): string {
  return folder.startsWith('file://') ? folder + encodeURIComponent(name) : folder + name;
}

/**
 * The files of one day's URI: the URI itself when it is no pattern (its absence shows when it is
 * read), else the matching files of its folder, none when the folder is absent or holds no match.
 */
export async function dayFiles(data: Pick<DataSource, 'list'>, uri: string): Promise<string[]> {
  if (!isFilePattern(uri)) return [uri];
  if (!data.list) throw new UpkeepError('InvalidConfig', `data URI ${uri}: this data source cannot list folders, so a file pattern cannot be used`);
  const { folder, name } = splitUri(uri);
  const names = (await data.list(folder)) ?? [];
  return matchNames(decodedName(uri, name), names).map((n) => fileUri(folder, n));
}
