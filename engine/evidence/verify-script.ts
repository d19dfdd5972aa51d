/**
 * The evidence pack's own verifier, `verify.mjs`, written into every pack: plain JavaScript for
 * Node ≥ 18, no package, no network, so a reviewer checks an extracted pack without upkeep
 * (`node verify.mjs`). `upkeep audit pack verify` runs upkeep's copy of the same script (never the
 * one inside the archive, which whoever altered the archive could have altered too) on the
 * archive extracted to a temporary folder.
 *
 * It checks: every file listed in manifest.json is there with its sha256, no file is there that
 * the manifest does not list (nor a link or anything but a file), MANIFEST.sha256 says the same;
 * the chain's links follow one another (each `prev` is the sha256 of the link before) up to the
 * head recorded in chain/segment.json; every entry hashes to its link; every report hashes to the
 * sha256 its evaluation entry cites; every content-addressed object hashes to its name; every
 * anchor that falls inside the packed links matches its link.
 *
 * The script says import.meta["url"], never the dotted form: the build rewrites every dotted one
 * in a source file's text to that file's compiled place, this string's included.
 */
export const VERIFY_SCRIPT = String.raw`#!/usr/bin/env node
// Verifies an extracted upkeep evidence pack: node verify.mjs [folder] [--json]
// Needs Node 18 or later and nothing else. Exit 0: intact; 1: problems (one line each).
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const sha = (b) => createHash('sha256').update(b).digest('hex');
const HEX64 = /^[0-9a-f]{64}$/;

export function verifyPackFolder(dir) {
  const problems = [];
  const notes = [];
  const present = new Map();
  const walk = (rel) => {
    for (const name of readdirSync(path.join(dir, rel)).sort()) {
      const r = rel ? rel + '/' + name : name;
      const st = lstatSync(path.join(dir, r));
      if (st.isDirectory()) walk(r);
      else if (st.isFile()) present.set(r, st.size);
      else problems.push(r + ' is not a regular file (a link or a device): not part of a pack');
    }
  };
  walk('');
  const read = (p) => readFileSync(path.join(dir, ...p.split('/')));
  const json = (p) => {
    try {
      return JSON.parse(read(p).toString('utf8'));
    } catch {
      problems.push(p + ' is missing or not valid JSON');
      return undefined;
    }
  };
  const manifest = present.has('manifest.json') ? json('manifest.json') : (problems.push('manifest.json is missing (removed)'), undefined);
  if (!manifest || !Array.isArray(manifest.files)) return { ok: false, problems, notes };
  const listed = new Map();
  for (const f of manifest.files) listed.set(f.path, f.sha256);
  const hashes = new Map();
  for (const [p, want] of listed) {
    if (!present.has(p)) {
      problems.push(p + ' is missing (removed)');
      continue;
    }
    const got = sha(read(p));
    hashes.set(p, got);
    if (got !== want) problems.push(p + ' was altered (its sha256 is not the one in the manifest)');
  }
  for (const p of present.keys())
    if (!listed.has(p) && p !== 'manifest.json' && p !== 'MANIFEST.sha256') problems.push(p + ' is not in the manifest (added)');
  if (present.has('MANIFEST.sha256')) {
    const lines = read('MANIFEST.sha256').toString('utf8').split('\n').filter(Boolean);
    const text = new Map(lines.map((l) => [l.slice(66), l.slice(0, 64)]));
    const same = text.size === listed.size && [...listed].every(([p, s]) => text.get(p) === s);
    if (!same) problems.push('MANIFEST.sha256 does not list the same files and sha256 as manifest.json');
  } else problems.push('MANIFEST.sha256 is missing (removed)');

  // The chain segment: links in order, each following the one before, entries matching their links.
  const seqOf = (p, dirName) => (p.startsWith(dirName + '/') && /^\d{10}\.json$/.test(p.slice(dirName.length + 1)) ? Number(p.slice(dirName.length + 1, -5)) : undefined);
  const links = [...listed.keys()].map((p) => ({ p, seq: seqOf(p, 'chain/links') })).filter((l) => l.seq !== undefined).sort((a, b) => a.seq - b.seq);
  const linkSha = new Map();
  let prev;
  for (const { p, seq } of links) {
    if (!present.has(p)) continue;
    const bytes = read(p);
    let link;
    try {
      link = JSON.parse(bytes.toString('utf8'));
    } catch {
      problems.push('link ' + seq + ' (' + p + ') is not valid JSON (altered)');
      prev = undefined;
      continue;
    }
    if (link.seq !== seq) problems.push('link ' + seq + ' says it is link ' + link.seq);
    if (prev && (prev.seq !== seq - 1 || link.prev !== prev.sha)) problems.push('link ' + seq + ' does not follow link ' + (seq - 1) + ' (a link was removed, reordered or altered)');
    prev = { seq, sha: sha(bytes) };
    linkSha.set(seq, { sha: prev.sha, link });
  }
  const entries = new Map();
  for (const p of listed.keys()) {
    const seq = seqOf(p, 'chain/entries');
    if (seq === undefined || !present.has(p)) continue;
    const l = linkSha.get(seq);
    const bytes = read(p);
    if (!l) problems.push('entry ' + p + ' has no link in the pack');
    else if (sha(bytes) !== l.link.entry?.sha256) problems.push('entry ' + seq + ' (' + p + ') does not hash to the sha256 its link records (altered)');
    try {
      entries.set(seq, JSON.parse(bytes.toString('utf8')));
    } catch {
      /* named above */
    }
  }
  const segment = listed.has('chain/segment.json') && present.has('chain/segment.json') ? json('chain/segment.json') : undefined;
  for (const seq of Array.isArray(segment?.entries) ? segment.entries : []) {
    const p = 'chain/entries/' + String(seq).padStart(10, '0') + '.json';
    if (!listed.has(p)) problems.push('entry ' + seq + ' is named by chain/segment.json but not in the manifest (removed)');
  }
  if (segment?.head && segment.head.seq > 0) {
    const h = linkSha.get(segment.head.seq);
    if (!h) problems.push('the head recorded in chain/segment.json (link ' + segment.head.seq + ') is not in the pack');
    else if (h.sha !== segment.head.sha256) problems.push('link ' + segment.head.seq + ' does not hash to the head recorded in chain/segment.json');
    if (prev && prev.seq !== segment.head.seq) problems.push('the packed links end at link ' + prev.seq + ', the head recorded is link ' + segment.head.seq);
  }

  // What entries cite: each report hashes to the sha256 of its evaluation entry; objects to their names.
  const verdicts = listed.has('verdicts/verdicts.json') && present.has('verdicts/verdicts.json') ? json('verdicts/verdicts.json') : [];
  for (const v of Array.isArray(verdicts) ? verdicts : []) {
    const e = entries.get(v.seq);
    if (!v.report?.json || !e) continue;
    const cited = e.details?.reportSha256;
    if (typeof cited === 'string' && hashes.has(v.report.json) && hashes.get(v.report.json) !== cited)
      problems.push(v.report.json + ' is not the report entry ' + v.seq + ' cites (sha256 differs)');
  }
  for (const p of listed.keys()) {
    const m = /^objects\/[a-z-]+\/([0-9a-f]{64})\.json$/.exec(p);
    if (m && hashes.has(p) && hashes.get(p) !== m[1]) problems.push(p + ' does not hash to its name');
  }
  const anchors = listed.has('chain/anchors.json') && present.has('chain/anchors.json') ? json('chain/anchors.json') : [];
  let anchored = 0;
  for (const a of Array.isArray(anchors) ? anchors : []) {
    const l = linkSha.get(a.links);
    if (!l) continue;
    anchored++;
    if (!HEX64.test(String(a.sha256)) || l.sha !== a.sha256)
      problems.push('link ' + a.links + ' does not match the head anchored at ' + a.at + ' (' + a.source + '): the chain was rewritten at or before it');
  }
  const headSha = segment?.head?.sha256 ?? null;
  const manifestSha = present.has('manifest.json') ? sha(read('manifest.json')) : null;
  return { ok: problems.length === 0, problems, notes, files: listed.size, links: links.length, entries: entries.size, anchored, head: segment?.head ?? null, headSha, manifestSha };
}

const isMain = !!process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta["url"]));
if (isMain) {
  const args = process.argv.slice(2);
  const dir = args.find((a) => a !== '--json') ?? path.dirname(fileURLToPath(import.meta["url"]));
  const r = verifyPackFolder(dir);
  if (args.includes('--json')) console.log(JSON.stringify(r));
  else if (r.ok)
    console.log('evidence pack intact: ' + r.files + ' files match manifest.json; ' + r.links + ' links chained to head link ' + (r.head?.seq ?? '-') + ' (sha256 ' + r.headSha + '), ' + r.entries + ' entries match their links, ' + r.anchored + ' anchors match; manifest.json sha256 ' + r.manifestSha + ' (compare it with the one recorded when the pack was made, and the head with an anchor kept outside the store)');
  else {
    console.error('evidence pack NOT intact (' + r.problems.length + ' problems):');
    for (const p of r.problems) console.error('  - ' + p);
  }
  process.exitCode = r.ok ? 0 : 1;
}
`;
