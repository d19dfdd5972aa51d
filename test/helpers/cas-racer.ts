/**
 * One contender of the compare-and-swap race in test/attacks/store.test.ts: for each round it
 * waits for the round's go file, then tries putIfMatch on the same key as the other contenders
 * and writes whether it won.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { createFileStore } from '../../engine/store/file-store.js';

const [dir, storeDir, id, roundsText] = process.argv.slice(2) as [string, string, string, string];
const store = createFileStore(storeDir);
for (let round = 0; round < Number(roundsText); round++) {
  const go = path.join(dir, `go-${round}`);
  while (!existsSync(go)) await delay(1);
  const expected = readFileSync(path.join(dir, `expected-${round}`), 'utf8');
  let outcome: string;
  try {
    const r = await store.putIfMatch('registry/m/champion.json', `round ${round} by ${id}`, expected);
    outcome = r.ok ? 'won' : 'lost';
  } catch (err) {
    outcome = `error: ${(err as Error).message}`;
  }
  // Written aside, then renamed: the test polls for the file and must never read it half-written.
  const result = path.join(dir, `result-${round}-${id}`);
  writeFileSync(`${result}.tmp`, outcome);
  renameSync(`${result}.tmp`, result);
}
