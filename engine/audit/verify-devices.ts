/**
 * What `audit verify` adds for decisions signed on a person's device (WebAuthn): each credential's
 * sign counter must rise across the whole trail when the device counts (the workflow sees one
 * request at a time; the trail sees them all, so a cloned authenticator or a replayed assertion
 * shows here), and a count of who signed: the person's device, the person's key, or a server on
 * their behalf (docs/signed-decisions.md).
 */
import { signatureKind, type DecisionProof, type SignatureKind } from '../../domain/signature.js';
import { assertionCounter } from '../../domain/webauthn.js';

/** A signed act of the trail as verify-trail.ts checked it (its SignedActCheck). */
interface CheckedAct {
  seq: number;
  act: { approver: string; proof?: DecisionProof | undefined };
  problem?: string;
}

export interface DeviceFindings {
  problems: string[];
  /** How many signed decisions and requests of each kind the trail holds. */
  kinds: Record<SignatureKind, number>;
}

export function deviceFindings(acts: readonly CheckedAct[]): DeviceFindings {
  const problems: string[] = [];
  const kinds: Record<SignatureKind, number> = { device: 0, 'person-key': 0, authenticator: 0 };
  const last = new Map<string, { counter: number; seq: number }>();
  for (const a of [...acts].sort((x, y) => x.seq - y.seq)) {
    const proof = a.act.proof;
    if (!proof) continue;
    kinds[signatureKind(proof, a.act.approver)] += 1;
    if (!proof.device || a.problem) continue;
    const counter = assertionCounter(proof.device);
    const before = last.get(proof.device.credential);
    if (before && (counter !== 0 || before.counter !== 0) && counter <= before.counter)
      problems.push(
        `entry ${a.seq}: the device sign counter ${counter} of ${a.act.approver}'s credential ${proof.device.credential.slice(0, 16)}… is not above ${before.counter} (entry ${before.seq}): a replayed assertion or a cloned authenticator`,
      );
    last.set(proof.device.credential, { counter: Math.max(counter, before?.counter ?? 0), seq: a.seq });
  }
  return { problems, kinds };
}

/** One line for the notes: who signed the trail's decisions. */
export function describeKinds(k: DeviceFindings['kinds']): string | undefined {
  const total = k.device + k['person-key'] + k.authenticator;
  if (!total) return undefined;
  return `signatures: ${k.device} on the person's device (WebAuthn), ${k['person-key']} with the person's own key, ${k.authenticator} by a server on the person's behalf`;
}
