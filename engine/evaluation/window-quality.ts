/**
 * The window's data quality against the reference profile: the quality checks (engine/drift/quality.ts)
 * on the window's column sketches, and the file columns the reference does not know.
 */
import { profileFromSketch, type ColumnSketch } from '../drift/sketch.js';
import type { ReferenceProfile } from '../drift/profile.js';
import { checkQuality, type QualityReport } from '../drift/quality.js';

export const QUALITY_SAMPLE = 10_000;

/** Quality of the window's columns against the reference; file columns the reference lacks are listed too. */
export function qualityOf(
  reference: ReferenceProfile,
  current: Record<string, ColumnSketch>,
  fileColumns: Set<string>,
  required: string[],
  recognised: string[],
): QualityReport {
  // The quality checks need exact counts and ranges; 10,000 evenly spaced values estimate the
  // out-of-range shares to 0.01%, well inside the 1% that raises an issue.
  const profiles = Object.fromEntries(Object.entries(current).map(([k, v]) => [k, profileFromSketch(v, QUALITY_SAMPLE)]));
  // Recognised date, time and id columns are not sketched: they are present when the files have them.
  const present = recognised.filter((c) => fileColumns.has(c));
  const report = checkQuality(reference, profiles, { requiredColumns: required, recognised, fileColumns: present });
  for (const name of fileColumns) {
    if (reference.columns[name] || current[name] || required.includes(name) || recognised.includes(name) || report.unexpectedColumns.includes(name)) continue;
    if (reference.label?.column === name) continue;
    report.unexpectedColumns.push(name);
    report.issues.push({ severity: 'warning', column: name, message: `column ${name}: not in the reference profile (unexpected column)` });
  }
  return report;
}
