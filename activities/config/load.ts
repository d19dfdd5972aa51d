import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { UpkeepError } from '../errors.js';
import { readRegularFile } from '../data/open-regular.js';
import { configSchema, type ModelSpec, type UpkeepConfig } from '../../domain/config.js';

/**
 * Turns a path or URI written in the config into an absolute URI. Relative paths are resolved
 * against the config file's folder; `file://` URIs must be absolute; `s3://` is kept as is.
 */
export function resolveUri(value: string, baseDir: string): string {
  if (/^s3:\/\//.test(value)) return value;
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
  if (issue.code === 'invalid_type' && issue.input === undefined) return `required (${issue.message.replace(/^Invalid input: /, '')})`;
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
    throw new UpkeepError('InvalidConfig', `${opts.name}: YAML aliases expand too far (more than ${MAX_YAML_ALIASES} alias expansions; ${(err as Error).message.split('\n')[0]})`);
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${formatPath(opts.name, raw, issue.path)} ${describeIssue(issue)}`);
    throw new UpkeepError('InvalidConfig', lines.join('\n'));
  }
  const config = parsed.data;
  const seen = new Map<string, number>();
  config.models.forEach((m, i) => {
    const first = seen.get(m.id);
    if (first !== undefined) {
      throw new UpkeepError('InvalidConfig', `${opts.name}: models[${i}] (${m.id}): id: duplicate of models[${first}]`);
    }
    seen.set(m.id, i);
  });
  return {
    ...config,
    store: resolveUri(config.store, opts.baseDir),
    cards: config.cards.git ? { ...config.cards, git: path.resolve(opts.baseDir, config.cards.git) } : config.cards,
    models: config.models.map((m, i) => {
      try {
        return {
          ...m,
          artifact: resolveUri(m.artifact, opts.baseDir),
          data: { ...m.data, uri: resolveUri(m.data.uri, opts.baseDir) },
          ...(m.reference ? { reference: resolveUri(m.reference, opts.baseDir) } : {}),
          limits: { ...config.limits, ...(m.limits ?? {}) },
          retrain: m.retrain.trainer.type === 'command' ? { ...m.retrain, trainer: { ...m.retrain.trainer, cwd: path.resolve(opts.baseDir, m.retrain.trainer.cwd ?? '.') } } : m.retrain,
        };
      } catch (err) {
        throw new UpkeepError('InvalidConfig', `${opts.name}: models[${i}] (${m.id}): ${(err as Error).message}`);
      }
    }),
  };
}

export async function loadConfig(file: string): Promise<UpkeepConfig> {
  // only a regular file, size-capped before it is read (a FIFO would block, /dev/zero never end)
  const bytes = await readRegularFile(file, { what: 'config', type: 'InvalidConfig', maxBytes: MAX_CONFIG_BYTES, limitName: 'the config size cap' });
  const text = new TextDecoder().decode(bytes);
  return parseConfig(text, { name: path.basename(file), baseDir: path.dirname(path.resolve(file)) });
}

export function findModel(config: UpkeepConfig, modelId: string, configName = 'config'): ModelSpec {
  const model = config.models.find((m) => m.id === modelId);
  if (!model) {
    throw new UpkeepError('UnknownModel', `${configName}: no model with id ${modelId} (known: ${config.models.map((m) => m.id).join(', ')})`);
  }
  return model;
}
