/** RELIABILITY.md's summary table counts the rows of its sections: kept true as rows are added. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_DIR } from '../../workers/paths.js';

const KINDS = ['input', 'attack', 'fault'] as const;
const cells = (line: string): string[] =>
  line
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());

describe('RELIABILITY.md', function () {
  it('has a summary whose counts are those of the rows in each section', function () {
    const text = readFileSync(path.join(PROJECT_DIR, 'RELIABILITY.md'), 'utf8');
    const sections = new Map<string, Record<string, number>>();
    let current: Record<string, number> | undefined;
    for (const line of text.split('\n')) {
      const heading = /^## (.+)$/.exec(line);
      if (heading) sections.set(heading[1]!, (current = { input: 0, attack: 0, fault: 0 }));
      else if (current && line.startsWith('| ')) {
        const kind = cells(line)[1]?.toLowerCase();
        if (kind && (KINDS as readonly string[]).includes(kind)) current[kind]!++;
      }
    }
    const summary = text.split('\n').filter((l) => /^\| \[.+\]\(#.+\) \|/.test(l));
    assert.ok(summary.length >= 5, 'a summary row per area');
    const total = { input: 0, attack: 0, fault: 0 };
    for (const row of summary) {
      const [area, cases, inputs, attacks, faults] = cells(row);
      const title = /^\[(.+)\]/.exec(area!)![1]!;
      const counted = sections.get(title);
      assert.ok(counted, `a section "${title}"`);
      assert.deepEqual([Number(inputs), Number(attacks), Number(faults)], [counted.input, counted.attack, counted.fault], title);
      assert.equal(Number(cases), counted.input! + counted.attack! + counted.fault!, title);
      for (const k of KINDS) total[k] += counted[k]!;
    }
    const all = cells(text.split('\n').find((l) => l.startsWith('| **All** |'))!).map((c) => Number(c.replace(/\*/g, '')));
    assert.deepEqual(all.slice(1), [total.input + total.attack + total.fault, total.input, total.attack, total.fault]);
  });
});
