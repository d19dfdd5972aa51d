/**
 * `upkeep audit pack verify <archive>`: extracts the archive (regular files only, safe paths only:
 * tar.ts) into a temporary folder and runs upkeep's own copy of verify.mjs on it, never the copy
 * inside the archive. Anything outside the pack's one folder is named as added.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { UpkeepError } from '../errors.js';
import { extractTarGz } from './tar.js';
import { VERIFY_SCRIPT } from './verify-script.js';

const run = promisify(execFile);

export interface PackVerification {
  ok: boolean;
  problems: string[];
  notes: string[];
  files: number;
  links: number;
  entries: number;
  anchored: number;
  head: { seq: number; sha256: string } | null;
  manifestSha: string | null;
}

export async function verifyPackArchive(archive: string): Promise<PackVerification> {
  const st = await stat(archive).catch(() => undefined);
  if (!st?.isFile()) throw new UpkeepError('InvalidRequest', `${archive} is not a file`);
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'upkeep-pack-verify-'));
  try {
    const into = path.join(tmp, 'x');
    const extracted = await extractTarGz(archive, into).catch((err: unknown) => {
      if (err instanceof UpkeepError) throw err;
      throw new UpkeepError('InvalidData', `${archive} is not a readable .tar.gz (${(err as Error).message.split('\n')[0]}): not an evidence pack`);
    });
    const problems = [...extracted.problems];
    const notes: string[] = [];
    const tops = [...new Set(extracted.members.filter((m) => /^[^/]+\/manifest\.json$/.test(m.path)).map((m) => m.path.split('/')[0]!))];
    if (tops.length !== 1)
      return {
        ok: false,
        problems: [
          ...problems,
          tops.length === 0 ? 'the archive holds no manifest.json in a folder: not an evidence pack' : `the archive holds ${tops.length} packs`,
        ],
        notes,
        files: 0,
        links: 0,
        entries: 0,
        anchored: 0,
        head: null,
        manifestSha: null,
      };
    const top = tops[0]!;
    for (const m of extracted.members) if (!m.path.startsWith(`${top}/`)) problems.push(`${m.path} is outside the pack's folder ${top}/ (added)`);
    const script = path.join(tmp, 'verify.mjs');
    await writeFile(script, VERIFY_SCRIPT);
    const out = await run(process.execPath, [script, path.join(into, top), '--json'], { maxBuffer: 64 * 2 ** 20 }).catch(
      (err: { stdout?: string; stderr?: string; message: string }) => ({ stdout: err.stdout ?? '', stderr: err.stderr ?? err.message }),
    );
    let r: Omit<PackVerification, 'ok'> & { ok: boolean };
    try {
      r = JSON.parse(out.stdout) as typeof r;
    } catch {
      throw new UpkeepError(
        'InvalidData',
        `${archive}: the pack could not be checked (the verifier gave no answer: ${String(out.stderr).trim().split('\n').at(-1)?.slice(0, 300) ?? ''})`,
      );
    }
    const inside = await readFile(path.join(into, top, 'verify.mjs'), 'utf8').catch(() => undefined);
    if (inside !== undefined && inside !== VERIFY_SCRIPT)
      notes.push("the pack's verify.mjs differs from this upkeep's (made by another version, or altered): this upkeep's was run");
    const all = [...problems, ...r.problems];
    return { ...r, ok: all.length === 0, problems: all, notes: [...notes, ...r.notes] };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
