import { sqlKind } from '../../domain/sql.js';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { UpkeepError } from '../errors.js';
import { readRegularFile, readRegularFileSync } from '../open-regular.js';
import { configSchema, keysFileSchema, type ModelSpec, type UpkeepConfig } from '../../domain/config.js';
import { resolveTier, tierProblem } from '../../domain/governance.js';
import { reviewConfigProblem } from '../../domain/review.js';
import { didYouMean } from '../../domain/suggest.js';
import { stakeholders } from '../../domain/maintenance.js';
import { keysApply, type DecisionKeys } from '../../domain/decision-keys.js';
import type { DeviceKey } from '../../domain/webauthn.js';
import type { PasskeyEntry } from '../../domain/passkey-config.js';
import { parseS3Uri } from '../store/s3-client.js';
import { checkRouting } from './routes.js';

/**
 * Turns a path or URI written in the config into an absolute URI. Relative paths are resolved
 * against the config file's folder; `file://` URIs must be absolute; `s3://` is kept as is.
 */
export function resolveUri(value: string, baseDir: string): string {
  if (/^s3:\/\//.test(value) || sqlKind(value)) return value;
  if (value.startsWith('file://')) {
    const rest = value.slice('file://'.length);
    if (!rest.startsWith('/')) return pathToFileURL(path.resolve(baseDir, rest)).href.replace(/%7B/g, '{').replace(/%7D/g, '}');
    return value;
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    throw new UpkeepError('InvalidConfig', `unsupported URI scheme in ${value}: use a path, file:// or s3://`);
  }
  return pathToFileURL(path.resolve(baseDir, value)).href.replace(/%7B/g, '{').replace(/%7D/g, '}');
}

function formatPath(configName: string, raw: unknown, issuePath: readonly PropertyKey[]): string {
  let prefix = `${configName}:`;
  let rest = issuePath;
  if (issuePath[0] === 'models' && typeof issuePath[1] === 'number') {
    const models = (raw as { models?: unknown[] } | null)?.models;
    const id = (models?.[issuePath[1]] as { id?: unknown } | undefined)?.id;
    prefix += ` models[${issuePath[1]}]${typeof id === 'string' ? ` (${id})` : ''}:`;
    rest = issuePath.slice(2);
  }
  const field = rest.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
  return field ? `${prefix} ${field}:` : prefix;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
  // Absent (or null): required; present with the wrong type: the message says what it is.
  if (issue.code === 'invalid_type' && (issue.input === undefined || issue.input === null))
    return `required (${issue.message.replace(/^Invalid input: /, '')})`;
  if (issue.code === 'too_small' && issue.origin === 'number') return `expected a number ≥ ${String(issue.minimum)}`;
  if (issue.code === 'too_big' && issue.origin === 'number') return `expected a number ≤ ${String(issue.maximum)}`;
  return issue.message.replace(/^Invalid input: /, '');
}

/** A config is a few kilobytes; a larger file is a mistake (or an attack on the parser). */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** YAML aliases (*name) one config may expand; a few are handy, thousands are an alias bomb. */
export const MAX_YAML_ALIASES = 100;

/** Parses and validates config text; relative paths are resolved against `baseDir`. */
export function parseConfig(text: string, opts: { name: string; baseDir: string }): UpkeepConfig {
  if (text.length > MAX_CONFIG_BYTES) {
    throw new UpkeepError('InvalidConfig', `${opts.name}: ${text.length} characters, more than a config may have (${MAX_CONFIG_BYTES})`);
  }
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new UpkeepError('InvalidConfig', `${opts.name}: not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (err) {
    // yaml throws a ReferenceError for an alias bomb (aliases expanding to too many nodes)
    throw new UpkeepError(
      'InvalidConfig',
      `${opts.name}: YAML aliases expand too far (more than ${MAX_YAML_ALIASES} alias expansions; ${(err as Error).message.split('\n')[0]})`,
    );
  }
  // reportInput: a field that is there with the wrong type is told from one that is missing.
  // jitless: a config is validated once per change, and zod's fast path (code it generates with
  // new Function for each object schema at the first parse) costs more than it saves then: ~5 ms
  // of every command's start.
  const parsed = configSchema.safeParse(raw, { reportInput: true, jitless: true });
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${formatPath(opts.name, raw, issue.path)} ${describeIssue(issue)}`);
    throw new UpkeepError('InvalidConfig', lines.join('\n'));
  }
  const config = parsed.data;
  const keyring = readKeyring(raw, config, opts);
  refuseDoubleRoles(config, keyring, opts.name);
  checkRouting(config, opts.name);
  const seen = new Map<string, number>();
  config.models.forEach((m, i) => {
    const first = seen.get(m.id);
    if (first !== undefined) {
      throw new UpkeepError('InvalidConfig', `${opts.name}: models[${i}] (${m.id}): id: duplicate of models[${first}]`);
    }
    seen.set(m.id, i);
  });
  if (/^[a-z][a-z0-9+.-]*:/i.test(config.store) && !config.store.startsWith('file://') && !config.store.startsWith('s3://')) {
    throw new UpkeepError(
      'InvalidConfig',
      `${opts.name}: store: ${config.store.split(':')[0]}: stores are not supported: give a folder path, a file:// URI or s3://bucket/prefix`,
    );
  }
  if (config.store.startsWith('s3://')) {
    try {
      parseS3Uri(config.store);
    } catch (err) {
      throw new UpkeepError('InvalidConfig', `${opts.name}: store: ${(err as Error).message}`);
    }
  }
  const loaded: UpkeepConfig = {
    ...config,
    store: resolveUri(config.store, opts.baseDir),
    cards: config.cards.git ? { ...config.cards, git: path.resolve(opts.baseDir, config.cards.git) } : config.cards,
    audit: {
      ...config.audit,
      ...(config.audit.anchor_store ? { anchor_store: resolveUri(config.audit.anchor_store, opts.baseDir) } : {}),
      ...(config.audit.anchor_git ? { anchor_git: path.resolve(opts.baseDir, config.audit.anchor_git) } : {}),
    },
    watchdog: config.watchdog.directory ? { ...config.watchdog, directory: path.resolve(opts.baseDir, config.watchdog.directory) } : config.watchdog,
    models: config.models.map((m, i) => {
      try {
        const tier = resolveTier(m.risk_tier, config.governance);
        const keys = keysFor(m, keyring, i, m.require_own_signature ?? config.governance.tiers[tier.name]?.require_own_signature ?? false);
        const tierIssue = tierProblem({ owner: m.owner, approvers: m.approvers, tier });
        if (tierIssue) throw new Error(tierIssue);
        const reviewIssue = reviewConfigProblem(m, tier);
        if (reviewIssue) throw new Error(reviewIssue);
        return {
          ...m,
          ...(keys ? { keys } : {}),
          tier,
          artifact: resolveUri(m.artifact, opts.baseDir),
          data: {
            ...m.data,
            uri: resolveUri(m.data.uri, opts.baseDir),
            ...(m.data.labels?.uri ? { labels: { ...m.data.labels, uri: resolveUri(m.data.labels.uri, opts.baseDir) } } : {}),
            ...(m.data.password_file ? { password_file: path.resolve(opts.baseDir, m.data.password_file) } : {}),
          },
          ...(typeof m.reference === 'string' ? { reference: resolveUri(m.reference, opts.baseDir) } : {}),
          limits: { ...config.limits, ...(m.limits ?? {}) },
          retrain:
            m.retrain.trainer?.type === 'command'
              ? { ...m.retrain, trainer: { ...m.retrain.trainer, cwd: path.resolve(opts.baseDir, m.retrain.trainer.cwd ?? '.') } }
              : m.retrain,
        };
      } catch (err) {
        throw new UpkeepError('InvalidConfig', `${opts.name}: models[${i}] (${m.id}): ${(err as Error).message}`);
      }
    }),
  };
  // By its models array: a copy of the config made with a spread (the worker's, with its name) shares it.
  keyrings.set(loaded.models, keyring);
  return loaded;
}

/** The keyring each parsed config was read with (a handover's candidates are not yet the model's people). */
const keyrings = new WeakMap<readonly unknown[], Keyring>();

/**
 * The public keys that may sign for `people` about model `modelId` (not necessarily its people yet:
 * the candidates of a handover): theirs from the keys file or next to the model, and the
 * authenticators. undefined when none of them has a key and there is no authenticator.
 */
export function keysOfPeople(config: UpkeepConfig, modelId: string, people: readonly string[]): DecisionKeys | undefined {
  const ring = keyrings.get(config.models);
  const model = config.models.find((m) => m.id === modelId);
  const found: Record<string, string> = {};
  for (const id of people) {
    const key = model?.keys?.people[id] ?? ring?.people.get(id);
    if (key !== undefined) found[id] = key;
  }
  const keys = { people: found, authenticators: { ...(ring?.authenticators ?? model?.keys?.authenticators ?? {}) } };
  return keysApply(keys, people) ? keys : undefined;
}

type KeyEntry = { id: string; public_key: string };
interface Keyring {
  /** Fleet-wide keys: the keys file's people, and authenticators. */
  people: Map<string, string>;
  authenticators: Record<string, string>;
  /** Keys written next to a model's approvers (`{ id, public_key }`), by model index. */
  byModel: Map<number, KeyEntry[]>;
  /** Where each person of the keys file and each authenticator is listed (for messages). */
  where: { people: Map<string, string>; authenticators: Map<string, string> };
  /** People's registered devices (`passkeys`), by person. */
  devices: Map<string, DeviceKey[]>;
}

/** Adds passkey entries by person, refusing one credential listed with two different keys. */
function addPasskeys(into: Map<string, DeviceKey[]>, credentials: Map<string, string>, entries: readonly PasskeyEntry[], where: string): void {
  for (const e of entries) {
    const had = credentials.get(e.credential);
    if (had !== undefined && had !== `${e.id} ${e.public_key}`)
      throw new UpkeepError('InvalidConfig', `${where}: the credential ${e.credential.slice(0, 40)} is listed twice with a different person or key`);
    if (had !== undefined) continue;
    credentials.set(e.credential, `${e.id} ${e.public_key}`);
    into.set(e.id, [...(into.get(e.id) ?? []), { credential: e.credential, publicKey: e.public_key, rpId: e.rp_id, origin: e.origin }]);
  }
}

/**
 * An id is a person (who signs their own decisions) or an authenticator (a server that signs for
 * others), never both: with two keys under one name, which one signed would be ambiguous, and a
 * person listed as an authenticator could sign for everyone.
 */
function refuseDoubleRoles(config: { models: { id: string; owner: string; approvers: string[] }[] }, ring: Keyring, configName: string): void {
  for (const [id, asServer] of ring.where.authenticators) {
    let asPerson = ring.where.people.get(id);
    config.models.forEach((m, i) => {
      if (asPerson) return;
      if (m.owner === id) asPerson = `${configName}: models[${i}] (${m.id}): owner`;
      else if (m.approvers.includes(id)) asPerson = `${configName}: models[${i}] (${m.id}): approvers`;
    });
    if (asPerson) {
      throw new UpkeepError(
        'InvalidConfig',
        `${configName}: ${id} is listed both as a person (${asPerson}) and as an authenticator (${asServer}): an id is one or the other; give the server its own id`,
      );
    }
  }
}

/** Adds `entries` to `into`, refusing one id with two different keys. */
function addKeys(into: Map<string, string>, entries: readonly KeyEntry[], where: string): void {
  for (const e of entries) {
    const had = into.get(e.id);
    if (had !== undefined && had !== e.public_key) throw new UpkeepError('InvalidConfig', `${where}: ${e.id} has two different public keys`);
    into.set(e.id, e.public_key);
  }
}

/** The public keys of the config and of its keys file. */
function readKeyring(
  raw: unknown,
  config: { keys_file?: string | undefined; authenticators: KeyEntry[]; passkeys: PasskeyEntry[] },
  opts: { name: string; baseDir: string },
): Keyring {
  const devices = new Map<string, DeviceKey[]>();
  const credentials = new Map<string, string>();
  const people = new Map<string, string>();
  const servers = new Map<string, string>();
  const where = { people: new Map<string, string>(), authenticators: new Map<string, string>() };
  const note = (into: Map<string, string>, entries: readonly KeyEntry[], at: string) => entries.forEach((e) => into.has(e.id) || into.set(e.id, at));
  addKeys(servers, config.authenticators, `${opts.name}: authenticators`);
  note(where.authenticators, config.authenticators, `${opts.name}: authenticators`);
  addPasskeys(devices, credentials, config.passkeys, `${opts.name}: passkeys`);
  note(where.people, config.passkeys, `${opts.name}: passkeys`);
  if (config.keys_file) {
    const file = path.resolve(opts.baseDir, config.keys_file);
    const bytes = readRegularFileSync(file, {
      what: `${opts.name}: keys_file: cannot read`,
      type: 'InvalidConfig',
      maxBytes: MAX_CONFIG_BYTES,
      limitName: 'the config size cap',
      ownerWritesOnly: `${opts.name}: keys_file: the keys file`,
    })!;
    const doc = parseDocument(new TextDecoder().decode(bytes), { uniqueKeys: true });
    if (doc.errors.length > 0) throw new UpkeepError('InvalidConfig', `${file}: not valid YAML or JSON: ${doc.errors[0]!.message.split('\n')[0]}`);
    let keysRaw: unknown;
    try {
      keysRaw = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
    } catch (err) {
      throw new UpkeepError('InvalidConfig', `${file}: YAML aliases expand too far (${(err as Error).message.split('\n')[0]})`);
    }
    const parsed = keysFileSchema.safeParse(keysRaw, { reportInput: true });
    if (!parsed.success)
      throw new UpkeepError('InvalidConfig', parsed.error.issues.map((issue) => `${formatPath(file, null, issue.path)} ${describeIssue(issue)}`).join('\n'));
    addKeys(people, parsed.data.people, `${file}: people`);
    addKeys(servers, parsed.data.authenticators, `${file}: authenticators`);
    note(where.people, parsed.data.people, `${file}: people`);
    note(where.authenticators, parsed.data.authenticators, `${file}: authenticators`);
    addPasskeys(devices, credentials, parsed.data.passkeys, `${file}: passkeys`);
    note(where.people, parsed.data.passkeys, `${file}: passkeys`);
  }
  const byModel = new Map<number, KeyEntry[]>();
  const models = (raw as { models?: { approvers?: unknown[] }[] }).models ?? [];
  models.forEach((m, i) =>
    byModel.set(
      i,
      (m?.approvers ?? []).filter((a): a is KeyEntry => typeof a === 'object' && a !== null),
    ),
  );
  return { people, authenticators: Object.fromEntries(servers), byModel, where, devices };
}

/** The keys that apply to one model: its deciders' keys (next to it or in the keys file) and the authenticators. */
function keysFor(m: { id: string; owner: string; approvers: string[] }, ring: Keyring, index: number, ownOnly: boolean): DecisionKeys | undefined {
  const own = new Map<string, string>();
  addKeys(own, ring.byModel.get(index) ?? [], `models[${index}] (${m.id}): approvers`);
  const people: Record<string, string> = {};
  for (const id of stakeholders(m)) {
    const a = own.get(id);
    const b = ring.people.get(id);
    if (a !== undefined && b !== undefined && a !== b)
      throw new UpkeepError('InvalidConfig', `models[${index}] (${m.id}): approvers: ${id} has a different public key in the keys file`);
    const key = a ?? b;
    if (key !== undefined) people[id] = key;
  }
  const devices: Record<string, DeviceKey[]> = {};
  for (const id of stakeholders(m)) {
    const registered = ring.devices.get(id);
    if (registered?.length) devices[id] = registered.map((d) => ({ ...d }));
  }
  // Devices and the own-signature rule appear only when set, so a model without them keeps the keys it had.
  const keys: DecisionKeys = {
    people,
    authenticators: { ...ring.authenticators },
    ...(Object.keys(devices).length ? { devices } : {}),
    ...(ownOnly ? { ownOnly: true as const } : {}),
  };
  if (ownOnly && !stakeholders(m).some((id) => Object.hasOwn(people, id) || Object.hasOwn(devices, id)))
    throw new UpkeepError(
      'InvalidConfig',
      `models[${index}] (${m.id}): require_own_signature: none of its owner and approvers has a key or a registered device, so no decision could be signed`,
    );
  return keysApply(keys, stakeholders(m)) ? keys : undefined;
}

/** Models whose decisions are not authenticated, each warned about once per process. */
const warned = new Set<string>();

/** Warns, once per process and model, that a model without keys takes decisions on anyone's word. */
export function warnUnauthenticated(config: UpkeepConfig, configName: string, warn: (line: string) => void = console.warn): void {
  const fresh = config.models.filter((m) => !m.keys && !warned.has(`${configName}\0${m.id}`));
  if (fresh.length === 0) return;
  for (const m of fresh) warned.add(`${configName}\0${m.id}`);
  const ids = fresh.map((m) => m.id).join(', ');
  warn(
    `upkeep: WARNING: ${configName}: approvals are NOT authenticated for ${ids}: no approver has a public key, so anyone who can reach the Temporal namespace can approve, reject or roll back as anyone. ` +
      'Create keys with `upkeep keys create --id <you>` and list them under approvers (docs/signed-decisions.md).',
  );
}

export async function loadConfig(file: string): Promise<UpkeepConfig> {
  return parseConfig(await readConfigText(file), { name: path.basename(file), baseDir: path.dirname(path.resolve(file)) });
}

async function readConfigText(file: string): Promise<string> {
  // only a regular file, size-capped before it is read (a FIFO would block, /dev/zero never end)
  const bytes = await readRegularFile(file, {
    what: 'config',
    type: 'InvalidConfig',
    maxBytes: MAX_CONFIG_BYTES,
    limitName: 'the config size cap',
    ownerWritesOnly: 'the config',
  });
  return new TextDecoder().decode(bytes);
}

/**
 * loadConfig for a process that reads one config again and again (the worker's activities): the
 * file and its keys file are read each time, and parsed again only when either changed. Parsing
 * grows with the fleet (about 0.3 s for 500 models on a loaded 2-core machine); a read does not.
 * The config returned is shared between calls: read it, never change it.
 */
export function configLoader(file: string): () => Promise<UpkeepConfig> {
  const baseDir = path.dirname(path.resolve(file));
  // keys: the keys file's text read before `config` was parsed from it; null: not known yet.
  let last: { text: string; keysPath?: string; keys: string | null; config: UpkeepConfig } | undefined;
  const readKeys = (p: string): Promise<string | null> => readFile(p, 'utf8').catch(() => null);
  return async () => {
    const text = await readConfigText(file);
    const keysPath = last?.text === text ? last.keysPath : undefined;
    const keys = keysPath ? await readKeys(keysPath) : null;
    if (last?.text === text && (!keysPath || (keys !== null && keys === last.keys))) return last.config;
    const config = parseConfig(text, { name: path.basename(file), baseDir });
    const parsedKeysPath = config.keys_file ? path.resolve(baseDir, config.keys_file) : undefined;
    // A first parse read its keys file itself: the next call parses again to know which text it had.
    last = { text, ...(parsedKeysPath ? { keysPath: parsedKeysPath } : {}), keys: parsedKeysPath === keysPath ? keys : null, config };
    return config;
  };
}

export function findModel(config: UpkeepConfig, modelId: string, configName = 'config'): ModelSpec {
  const model = config.models.find((m) => m.id === modelId);
  if (!model) {
    throw new UpkeepError(
      'UnknownModel',
      `${configName}: no model with id ${modelId} (known: ${config.models.map((m) => m.id).join(', ')})${didYouMean(
        modelId,
        config.models.map((m) => m.id),
      )}`,
    );
  }
  return model;
}
