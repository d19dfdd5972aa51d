/**
 * A person's signing keys: `upkeep keys create` and the signing of decisions and rollback
 * requests by the CLI. The private key stays in the person's key folder (UPKEEP_KEY_DIR, else
 * $XDG_CONFIG_HOME/upkeep, else ~/.config/upkeep): folder 0700, file 0600.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, openSync, statSync, writeSync, closeSync } from 'node:fs';
import { readRegularFileSync, whyUnreadable } from '../engine/open-regular.js';
import path from 'node:path';
import { UpkeepError } from '../engine/errors.js';
import {
  newKeyPair,
  newNonce,
  publicKeyOf,
  rollbackAct,
  signDecision,
  storedDecisionProblem,
  type DecisionKeys,
  type DecisionProof,
  type SignedAct,
} from '../domain/signature.js';
import type { ArtifactStore } from '../engine/store/store.js';
import { plainLine } from '../domain/escape.js';

export interface SigningKey {
  id: string;
  publicKey: string;
  secretKey: string;
  file: string;
}

/** The file of `id`'s key in `dir` (characters other than letters, digits, @ . _ - become _). */
export const keyFile = (dir: string, id: string): string => path.join(dir, 'keys', `${id.replace(/[^A-Za-z0-9@._-]/g, '_')}.key.json`);

/** `id`'s key, or undefined when its file does not exist; a clear error when it is unusable. */
export function readSigningKey(dir: string, id: string): SigningKey | undefined {
  const file = keyFile(dir, id);
  // a regular file only (a FIFO would block the CLI)
  const bytes = readRegularFileSync(file, { what: 'cannot read the signing key', type: 'InvalidConfig', missingOk: true, maxBytes: 64 * 1024 });
  if (!bytes) return undefined;
  const text = new TextDecoder().decode(bytes);
  if ((statSync(file).mode & 0o077) !== 0) throw new UpkeepError('InvalidConfig', `the signing key ${file} is readable by others: chmod 600 ${file}`);
  let parsed: { id?: unknown; secret_key?: unknown };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    throw new UpkeepError('InvalidConfig', `the signing key ${file} is not valid JSON`);
  }
  if (parsed.id !== id || typeof parsed.secret_key !== 'string')
    throw new UpkeepError('InvalidConfig', `the signing key ${file} is not ${id}'s key (expected { "id": "${id}", "secret_key": … })`);
  try {
    return { id, secretKey: parsed.secret_key, publicKey: publicKeyOf(parsed.secret_key), file };
  } catch {
    throw new UpkeepError('InvalidConfig', `the signing key ${file}: secret_key must be 64 hex digits`);
  }
}

/** Makes `id`'s key pair; refuses to overwrite one unless `force`. Returns the key and the config snippet. */
export function createSigningKey(dir: string, id: string, force = false): { key: SigningKey; snippet: string } {
  if (!id.trim() || id.length > 200) throw new UpkeepError('InvalidRequest', 'keys create: --id must be 1 to 200 characters');
  const file = keyFile(dir, id);
  for (const d of [dir, path.dirname(file)]) {
    try {
      mkdirSync(d, { recursive: true, mode: 0o700 });
      chmodSync(d, 0o700);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new UpkeepError(
        'InvalidConfig',
        `cannot use the key folder ${d}: ${code === 'EEXIST' || code === 'ENOTDIR' ? 'a file is in the way (UPKEEP_KEY_DIR names a folder)' : whyUnreadable(err)}`,
      );
    }
  }
  const pair = newKeyPair();
  let fd: number;
  try {
    fd = openSync(file, force ? 'w' : 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST')
      throw new UpkeepError('InvalidRequest', `${file} exists already: keep it, or replace it with --force (the old public key stops working)`);
    throw new UpkeepError('InvalidConfig', `cannot write ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    writeSync(fd, `${JSON.stringify({ id, public_key: pair.publicKey, secret_key: pair.secretKey, created: new Date().toISOString() }, null, 2)}\n`);
  } finally {
    closeSync(fd);
  }
  chmodSync(file, 0o600);
  const snippet = [`approvers:`, `  - id: ${JSON.stringify(id)}`, `    public_key: ${pair.publicKey}`].join('\n');
  return { key: { id, ...pair, file }, snippet };
}

/** `upkeep keys create`: prints the public key and what to paste into upkeep.yaml. */
export function keysCreateCommand(dir: string, o: { id: string; force?: boolean }): void {
  const { key, snippet } = createSigningKey(dir, o.id, o.force);
  console.log(`created the signing key of ${key.id}: ${key.file} (mode 0600; keep it private, never commit it)`);
  console.log(`public key: ${key.publicKey}`);
  console.log(`\nadd it to each model ${key.id} decides on in upkeep.yaml (or send it to whoever manages the keys file):\n\n${snippet}\n`);
}

/**
 * Signs `act` as `id` when `id` has a key; without one, returns undefined unless a signature is
 * `required`, which is a clear error naming the file looked for.
 */
export function signAs(
  dir: string,
  id: string,
  act: SignedAct,
  where: Omit<DecisionProof, 'signer' | 'at' | 'nonce' | 'signature'>,
  required: boolean,
): DecisionProof | undefined {
  const key = readSigningKey(dir, id);
  if (!key) {
    if (!required) return undefined;
    throw new UpkeepError(
      'InvalidRequest',
      `model ${where.model}: decisions must be signed, and there is no signing key for ${id} at ${keyFile(dir, id)}: create one with \`upkeep keys create --id ${id}\` and have its public key added to the config`,
    );
  }
  return signDecision(act, { ...where, signer: id, at: new Date().toISOString(), nonce: newNonce((n) => randomBytes(n)) }, key.secretKey);
}

/** A format-2 signature's evidence must be in the store, unaltered (content-addressed by that sha256). */
async function evidenceProblem(store: ArtifactStore, modelId: string, sha256: string | undefined): Promise<string | undefined> {
  if (!sha256) return undefined;
  const { evidenceKey } = await import('../engine/store/keys.js');
  const { sha256Hex } = await import('../engine/util.js');
  const bytes = /^[0-9a-f]{64}$/.test(sha256) ? await store.tryGet(evidenceKey(modelId, sha256)) : undefined;
  if (!bytes) return `model ${modelId}: the evidence the decision was signed over (sha256 ${sha256}) is not in the store`;
  if (sha256Hex(bytes) !== sha256) return `model ${modelId}: the evidence the decision was signed over (sha256 ${sha256}) was altered in the store`;
  return undefined;
}

/**
 * `upkeep verify-decision <model>`: checks the signature of every decision kept in the registry's
 * champion history against the keys in force when it was made, as the audit trail recorded them
 * (the request's entry), and that each is a decision of the trail; the trail is verified first
 * (audit verify's checks) and any problem it has counts. Only a decision the trail holds no keys for
 * (recorded before requests carried them) is checked against the config's keys of today, and says so.
 * Returns the number of problems.
 */
export async function verifyDecisionsCommand(spec: { id: string; keys?: DecisionKeys }, store: ArtifactStore): Promise<number> {
  const { createRegistry } = await import('../engine/registry/registry.js');
  const { verifyTrail, sameDecision, actProblem } = await import('../engine/audit/verify-trail.js');
  // As audit verify checks it: data files and models re-hashed too.
  const trail = await verifyTrail(store, spec.id, { deep: true });
  let bad = 0;
  if (!trail.ok) {
    console.log(
      `NOT VERIFIED  the audit trail of ${spec.id} does not verify (${trail.problems.length} problem${trail.problems.length === 1 ? '' : 's'}; upkeep audit verify ${spec.id}):`,
    );
    for (const p of trail.problems) console.log(`  - ${plainLine(p, 2000)}`);
    bad += trail.problems.length;
  }
  const history = await createRegistry(store).history(spec.id);
  let seen = 0;
  for (const p of history) {
    const acts = [
      ...p.approvals,
      ...(p.emergency ? [{ ...rollbackAct({ requestedBy: p.emergency.by, reason: p.emergency.reason, emergency: true }), proof: p.emergency.proof }] : []),
    ];
    for (const d of acts) {
      seen++;
      // A format-2 promote signature names the candidate: it must be the version this record promoted.
      const promoted = p.change === 'promotion' ? p.version : undefined;
      const recorded = trail.acts.find((a) => a.entry.runId === p.workflow?.runId && sameDecision(d, a.act));
      let problem: string | undefined;
      let how = '';
      if (!recorded)
        problem = `it is not a ${d.gate === 'rollback-request' ? 'rollback request' : 'decision'} of the audit trail (removed from the trail, or added to the registry)`;
      else if (recorded.inForce) {
        problem = actProblem(spec.id, d, recorded.inForce, p.workflow?.workflowId, promoted);
        how = d.proof
          ? `, against the keys in force then (${recorded.inForce.from})`
          : `; unsigned: no keys were in force for this request (${recorded.inForce.from})`;
      } else {
        problem = storedDecisionProblem(spec.id, d, spec.keys, p.workflow?.workflowId, promoted);
        how = ", against the config's keys of today (the trail records no keys in force before this decision)";
      }
      problem ??= await evidenceProblem(store, spec.id, d.proof?.evidence);
      if (problem) bad++;
      // What the store says (approver, signer, comment of a record anyone with store access can edit), on one line.
      console.log(
        plainLine(
          `${problem ? 'NOT VERIFIED' : 'verified'}  generation ${p.generation} (${p.change} to ${p.version}): ${d.gate} ${d.decision} by ${d.approver}${d.proof ? `, signed by ${d.proof.signer} at ${d.proof.at}` : ''}${problem ? `: ${problem}` : how}`,
          4000,
        ),
      );
    }
  }
  if (seen === 0) console.log(`no decisions recorded for ${spec.id} yet`);
  return bad;
}
