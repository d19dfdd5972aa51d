/** An anchor of the audit trail: every model's chain head as the anchorTrail workflow recorded it (docs/audit.md#anchors). */

/** One model's chain head as anchored: `links` 0 and `sha256` null for a model with no chain yet. */
export interface AnchoredHead {
  modelId: string;
  links: number;
  sha256: string | null;
}

/** What an anchor run returns (and so what its Temporal history keeps). */
export interface AnchorRecord {
  v: 'upkeep.anchor/1';
  /** The anchoring workflow's time (ISO 8601). */
  at: string;
  workflowId: string;
  runId: string;
  heads: AnchoredHead[];
}

/** Whether a value is an anchor record (what a history or a copy holds may be anything). */
export function isAnchorRecord(v: unknown): v is AnchorRecord {
  const r = v as AnchorRecord | undefined;
  return (
    !!r &&
    r.v === 'upkeep.anchor/1' &&
    typeof r.at === 'string' &&
    typeof r.runId === 'string' &&
    Array.isArray(r.heads) &&
    r.heads.every((h) => h && typeof h.modelId === 'string' && Number.isInteger(h.links) && (h.sha256 === null || typeof h.sha256 === 'string'))
  );
}
