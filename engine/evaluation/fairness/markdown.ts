/** The fairness section of the report's Markdown. */
import { markdownText as t } from '../../../domain/escape.js';
import type { FairnessReport } from '../../../domain/fairness.js';
import { fairnessIntro, GAP_HEAD, gapRows, groupHead, groupRows } from './table.js';

const row = (cells: string[]): string => `| ${cells.map((c) => t(c)).join(' | ')} |`;

export function fairnessMarkdown(r: FairnessReport): string[] {
  const lines = ['## Fairness across groups', '', t(fairnessIntro(r)), ''];
  lines.push(row(GAP_HEAD), `|---|---|---:|---|---|---|`, ...gapRows(r).map(row), '');
  for (const f of r.families) {
    const binary = f.groups.some((g) => g.selectionRate !== undefined);
    const head = groupHead(r, binary);
    lines.push(
      `### Groups of ${t(f.name)}`,
      '',
      row(head),
      `|---|${head
        .slice(1)
        .map(() => '---:')
        .join('|')}|`,
      ...groupRows(f, r).map(row),
    );
    if (f.omittedGroups > 0) lines.push('', t(`${f.omittedGroups} smaller groups not evaluated (at most ${f.groups.length} are).`));
    lines.push('');
  }
  return lines;
}
