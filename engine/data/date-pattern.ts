/**
 * "Did you mean" for a dated data URI that matches no file: the folder's file names are read for
 * dates written year first (2026-11-20, 20261120, 2026_11_20, 2026.11.20), else year last, day
 * first (20-11-2026, 20112026) or month first (11-20-2026, when some name's second number is above
 * 12), and the most common naming is offered as the pattern to use. A file pattern with dates in
 * its folders (dt={date}/*.parquet) gets no hint: only the file names of one folder are read.
 */
import { fileURLToPath } from 'node:url';
import { globOf, globRegExp, isFilePattern } from './file-pattern.js';
import { isDatedTemplate } from './window.js';

const DATE = /((?:19|20)\d{2})([-_.]?)(0[1-9]|1[0-2])\2(0[1-9]|[12]\d|3[01])/;

const YEAR_LAST = /(0[1-9]|[12]\d|3[01])([-_.]?)(0[1-9]|[12]\d|3[01])\2((?:19|20)\d{2})/;

/**
 * A file name as a pattern ({date} or {yyyy}{mm}{dd} in place of its date) and that date.
 * `monthFirst`: read a year-last date as month, day, year (US order) rather than day, month, year.
 */
export function namePattern(name: string, opts: { monthFirst?: boolean } = {}): { pattern: string; date: string } | undefined {
  const m = DATE.exec(name);
  if (m) {
    const [whole, y, sep, mo, d] = m as unknown as [string, string, string, string, string];
    const placeholder = sep === '-' ? '{date}' : `{yyyy}${sep}{mm}${sep}{dd}`;
    return { pattern: name.slice(0, m.index) + placeholder + name.slice(m.index + whole.length), date: `${y}-${mo}-${d}` };
  }
  const l = YEAR_LAST.exec(name);
  if (!l) return undefined;
  const [whole, a, sep, b, y] = l as unknown as [string, string, string, string, string];
  const monthFirst = opts.monthFirst ?? false;
  const [mo, d] = monthFirst ? [a, b] : [b, a];
  if (Number(mo) > 12) return undefined;
  const placeholder = monthFirst ? `{mm}${sep}{dd}${sep}{yyyy}` : `{dd}${sep}{mm}${sep}{yyyy}`;
  return { pattern: name.slice(0, l.index) + placeholder + name.slice(l.index + whole.length), date: `${y}-${mo}-${d}` };
}

/** Month-first when some year-last name's second number cannot be a month (11-20-2026). */
function monthFirstFolder(names: string[]): boolean {
  return names.some((name) => {
    if (DATE.test(name)) return false;
    const l = YEAR_LAST.exec(name);
    return l !== null && Number(l[3]) > 12;
  });
}

/**
 * Why a dated template found no file, given the names in its folder (undefined: nothing to say).
 * Only templates whose placeholders are all in the file name are considered.
 */
export function datePatternHint(template: string, names: string[]): string | undefined {
  const slash = template.lastIndexOf('/');
  const folder = template.slice(0, slash + 1);
  const base = template.slice(slash + 1);
  if (!isDatedTemplate(base) || isDatedTemplate(folder)) return undefined;
  const seen = new Map<string, { count: number; example: string; newest: string }>();
  const monthFirst = monthFirstFolder(names);
  for (const name of names) {
    const p = namePattern(name, { monthFirst });
    if (!p) continue;
    const s = seen.get(p.pattern) ?? { count: 0, example: name, newest: p.date };
    s.count++;
    if (p.date > s.newest) s.newest = p.date;
    seen.set(p.pattern, s);
  }
  const where = folder.startsWith('file://') ? fileURLToPath(folder) : folder;
  const wanted = base.replace(/\{yyyy\}-\{mm\}-\{dd\}/g, '{date}');
  // A file pattern (events-{date}-*.csv) is the same naming as each pattern its glob matches.
  const glob = isFilePattern(template) ? globRegExp(globOf(template).replace(/\{yyyy\}-\{mm\}-\{dd\}/g, '{date}')) : undefined;
  const same = glob ? merge([...seen].filter(([p]) => glob.test(p)).map(([, s]) => s)) : seen.get(wanted);
  if (same) return `${where} holds ${count(same.count)} named like ${base}, the newest for ${same.newest}: does the window end at the right time?`;
  const best = [...seen].sort((a, b) => b[1].count - a[1].count || a[0].localeCompare(b[0]))[0];
  if (!best) return undefined;
  // For a pattern, the naming is shown rather than offered as a one-file-per-day data.uri.
  if (glob) return `no file matches ${base} in ${where}, which holds ${count(best[1].count)} named like ${best[1].example} (dated as ${best[0]})`;
  return `no file matches ${base} in ${where}, which holds ${count(best[1].count)} named like ${best[1].example} — did you mean data.uri …/${best[0]}?`;
}

const count = (n: number): string => (n === 1 ? '1 file' : `${n} files`);

function merge(found: { count: number; example: string; newest: string }[]): { count: number; newest: string } | undefined {
  if (found.length === 0) return undefined;
  return { count: found.reduce((n, f) => n + f.count, 0), newest: found.reduce((m, f) => (f.newest > m ? f.newest : m), '') };
}
