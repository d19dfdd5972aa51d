/** The fairness section of the report's HTML page: the gaps between groups, then each column's groups. */
import type { FairnessReport } from '../../domain/fairness.js';
import { fairnessIntro, GAP_HEAD, gapRows, groupHead, groupRows } from '../evaluation/fairness/table.js';
import { el, escapeXml, htmlTable } from './svg.js';

export function fairnessSection(r: FairnessReport | undefined): string {
  if (!r || !Array.isArray(r.families)) return '';
  const groups = r.families.map((f) =>
    htmlTable(
      `Groups of ${f.name}${f.omittedGroups > 0 ? ` (${f.omittedGroups} smaller groups not evaluated)` : ''}`,
      groupHead(
        r,
        f.groups.some((g) => g.selectionRate !== undefined),
      ),
      groupRows(f, r),
    ),
  );
  return el(
    'section',
    { id: 'fairness' },
    el('h2', {}, 'Fairness across groups'),
    el('p', {}, escapeXml(fairnessIntro(r))),
    htmlTable('Gaps between groups', GAP_HEAD, gapRows(r)),
    ...groups,
  );
}
