/**
 * Escaping of user-supplied strings (comments, reasons, column names, model ids, file contents)
 * per sink. Every renderer passes such strings through the function of its sink, never raw:
 *
 * - Markdown (model cards, reports): markdownText for inline text and table cells, markdownCode
 *   for code spans, markdownBlock for paragraphs.
 * - Slack `text` (webhooks): slackText.
 * - JSON (webhook bodies, stored JSON): jsonText.
 * - Log lines and echoed file contents: plainLine; CLI output built from recorded text: terminalSafe.
 * - HTML text and attribute values (audit pages): htmlText.
 */

/** C0/C1 controls (tab and line breaks aside) and the bidirectional overrides that reorder text on screen. */
const CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const oneLine = (s: string): string => s.replace(/\s*(\r\n|\r|\n|\u2028|\u2029)\s*/g, ' ');

/**
 * Text on one line, without control characters, at most `max` characters (longer text is cut and
 * ends with "…"): for log lines and for file contents echoed in messages.
 */
export function plainLine(value: unknown, max = 200): string {
  const s = oneLine(String(value).replace(CONTROLS, '')).replace(/\t/g, ' ').trim();
  return s.length > max ? `${[...s].slice(0, max - 1).join('')}…` : s;
}

/**
 * A value for a terminal: every string in it (nested in arrays and objects too) as plainLine,
 * uncut. For CLI output built from recorded or claimed text (comments, reasons, requesters,
 * titles), so no field can move the cursor, clear the screen, retitle the window or start a
 * line of its own that reads like the tool's (e.g. a forged "approved" line).
 */
export function terminalSafe<T>(value: T): T {
  if (typeof value === 'string') return plainLine(value, Infinity) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => terminalSafe(v)) as T;
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, terminalSafe(v)])) as T;
  return value;
}

/**
 * Names read from a file (e.g. a CSV header, which for a file that is not CSV is its first line),
 * for a message: each cut to 60 characters, at most 20 of them, then how many more.
 */
export function echoNames(names: readonly string[], maxItems = 20): string {
  const shown = names.slice(0, maxItems).map((n) => plainLine(n, 60));
  return `${shown.join(', ')}${names.length > maxItems ? ` and ${names.length - maxItems} more` : ''}`;
}

/**
 * The file's columns in a message: how many, never their names (a header may be the first line of
 * some other file, e.g. credentials); a name close to the one asked for is suggested (didYouMean).
 */
export function columnsWord(n: number): string {
  return `the file has ${n} column${n === 1 ? '' : 's'}`;
}

/**
 * Inline Markdown: every character that can start markup (emphasis, links, images, HTML, code,
 * table pipes, entities) is backslash-escaped and line breaks become spaces, so the text renders
 * as written and cannot add links, images, HTML or table cells. Safe in table cells. An underscore
 * inside a word (roc_auc) cannot start emphasis and is left alone; so are ( ) ! # in the middle
 * of a line, which make no markup without [ ] or a line start.
 */
export function markdownText(value: unknown): string {
  return oneLine(String(value).replace(CONTROLS, ''))
    .replace(/[\\`*[\]<>|~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, '\\$&')
    .replace(/&(?=[#a-z0-9]+;)/gi, '&amp;');
}

/** A Markdown table cell: each line as markdownText, line breaks kept as <br>. */
export function markdownCell(value: unknown): string {
  return String(value)
    .split(/\r\n|\r|\n/)
    .map((line) => markdownText(line))
    .join('<br>');
}

/** A Markdown code span that holds `value` as written, whatever backticks it contains. */
export function markdownCode(value: unknown): string {
  const s = oneLine(String(value).replace(CONTROLS, ''));
  const longest = Math.max(0, ...(s.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = s.startsWith('`') || s.endsWith('`') || longest > 0 ? ' ' : '';
  return `${fence}${pad}${s}${pad}${fence}`;
}

/** A Markdown paragraph of several lines: each line as markdownText (a line cannot start a list, quote or heading). */
export function markdownBlock(value: unknown): string {
  return String(value)
    .split(/\r\n|\r|\n/)
    .map((line) =>
      markdownText(line)
        .replace(/^(\s*)([-+=#])/, '$1\\$2')
        .replace(/^(\s*\d+)([.)])/, '$1\\$2'),
    )
    .join('\n');
}

/**
 * Plain text in a Slack `text`: &, < and > escaped (so no <!channel>, <@user> or <url|label> can be
 * forged), controls removed. `multiline` keeps line breaks; otherwise they become spaces.
 */
export function slackText(value: unknown, opts: { multiline?: boolean } = {}): string {
  const s = String(value).replace(CONTROLS, '');
  const escaped = s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return opts.multiline ? escaped.replace(/\r\n|\r|\u2028|\u2029/g, '\n') : oneLine(escaped).trim();
}

/**
 * JSON that is also safe inside HTML or a log viewer: <, >, & and the line separators U+2028 and
 * U+2029 are written as \u escapes (the value parses back unchanged).
 */
export function jsonText(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** HTML text or a quoted attribute value: & < > " ' become entities, controls are dropped. */
export function htmlText(value: unknown): string {
  return String(value)
    .replace(CONTROLS, '')
    .replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
