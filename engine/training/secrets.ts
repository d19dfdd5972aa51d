/**
 * Secret trainer parameters: in upkeep.yaml a parameter given as `{ secret_env: NAME }` is read
 * from the worker's environment inside the training activity, so its value reaches the trainer's
 * params file only: never the config, the workflow history, the version record, reports or cards.
 * The trainer's log and error messages are redacted before they are kept.
 */
import { UpkeepError } from '../errors.js';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const isRef = (v: unknown): v is { secret_env: string } =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as { secret_env?: unknown }).secret_env === 'string';

/** The params with every `{ secret_env }` replaced by its value, and the values (to redact). */
export function resolveSecretParams(
  params: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  modelId: string,
): { params: Record<string, unknown>; secrets: string[] } {
  const secrets: string[] = [];
  const walk = (v: unknown, at: string): unknown => {
    if (isRef(v)) {
      const name = v.secret_env;
      if (!ENV_NAME.test(name))
        throw new UpkeepError(
          'InvalidConfig',
          `model ${modelId}: retrain.trainer.params.${at}: secret_env ${JSON.stringify(name)} is not an environment variable name`,
        );
      const value = env[name];
      if (value === undefined || value === '')
        throw new UpkeepError('TrainingFailed', `model ${modelId}: retrain.trainer.params.${at}: the worker's environment has no ${name} (secret_env)`);
      secrets.push(value);
      return value;
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${at}[${i}]`));
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, at ? `${at}.${k}` : k)]));
    return v;
  };
  return { params: walk(params, '') as Record<string, unknown>, secrets };
}

/** Replaces each secret (and its JSON-escaped form) by *** in text. */
export function redactor(secrets: string[]): (text: string) => string {
  const forms = [...new Set(secrets.flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]))].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  if (forms.length === 0) return (text) => text;
  return (text) => forms.reduce((out, s) => out.split(s).join('***'), text);
}
