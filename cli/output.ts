/** Files the CLI writes (--out): a folder, FIFO or missing folder is a message, not a stack trace. */
import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { fileKind, whyUnreadable } from '../engine/open-regular.js';
import { UpkeepError } from '../engine/errors.js';

/** `mode`: the file's mode whatever the umask (a config 0644: refused when its group may write it). */
export function writeOutputFile(file: string, text: string, what: string, mode?: number): void {
  let kind: string | undefined;
  try {
    kind = fileKind(statSync(file));
  } catch {
    kind = undefined; // absent: written below
  }
  // (opening a FIFO for writing would wait for a reader)
  if (kind) throw new UpkeepError('InvalidConfig', `cannot write ${what} ${file}: it is ${kind}, not a regular file`);
  try {
    writeFileSync(file, text, mode === undefined ? {} : { mode });
    if (mode !== undefined) chmodSync(file, mode);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'its folder does not exist' : whyUnreadable(err);
    throw new UpkeepError('InvalidConfig', `cannot write ${what} ${file}: ${why}`);
  }
}

/** Rows as columns aligned by padding each cell to its column's widest, two spaces apart (the first row is the header). */
export function printTable(rows: readonly (readonly string[])[]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows)
    console.log(
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    );
}
