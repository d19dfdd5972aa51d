/** Where a data URI may hold wildcards: only in its last path segment, the file name. */

/** Why a data URI cannot be a file pattern (a wildcard in a folder), or undefined when it can. */
export function filePatternProblem(uri: string): string | undefined {
  const folders = uri
    .replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
    .split('/')
    .slice(0, -1);
  const bad = folders.find((segment) => /[*?]|%3F/i.test(segment));
  if (bad === undefined) return undefined;
  return `a wildcard (* or ?) may only be in the file name, the last part of the path, not in the folder ${bad}/ (write a dated folder with {date}, e.g. dt={date}/*.parquet)`;
}
