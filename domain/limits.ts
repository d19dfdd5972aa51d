/**
 * What reading one input file may cost, so one bad file cannot exhaust a worker: the config's
 * `limits:` (top level, per model overrides), with defaults that real files pass (measurements and
 * reasons: docs/data-formats.md).
 */
import * as z from 'zod';
import { DURATION_PATTERN, durationMs } from './duration.js';

const UNITS: Record<string, number> = { b: 1, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, kb: 1e3, mb: 1e6, gb: 1e9 };
const SIZE_PATTERN = /^(\d+)\s*(b|kib|mib|gib|kb|mb|gb)$/i;

/** A byte count: a whole number, or e.g. "512MiB", "2GiB". */
const size = z.union([z.number().int().positive(), z.string().regex(SIZE_PATTERN, 'expected a size like 64MiB or 2GiB')]).transform((v) => {
  if (typeof v === 'number') return v;
  const m = SIZE_PATTERN.exec(v)!;
  return Number(m[1]) * UNITS[m[2]!.toLowerCase()]!;
});

export const DEFAULT_LIMITS = {
  /** Larger files are refused before they are read (a file is read whole into memory). */
  max_file_bytes: 2 * 1024 ** 3,
  /** Rows one file may hold (declared rows for Parquet, lines for CSV/JSONL). */
  max_rows_per_file: 100_000_000,
  /** Decoded size one file may reach (8 bytes per value, the sizes its pages declare). */
  max_decoded_bytes_per_file: 4 * 1024 ** 3,
  /** ... and at most this many times its size on disk (past a floor of 16 MiB). */
  max_expansion: 256,
  /** Longest physical line of a CSV or JSON Lines file. */
  max_line_bytes: 8 * 1024 ** 2,
  /** Reading a window's files (a snapshot) takes at most this long. */
  read_timeout: '10m',
  /** Larger ONNX model files are refused before they are read (a model is read and parsed whole). */
  max_model_bytes: 512 * 1024 ** 2,
};

/** Files are always allowed to decode to this much, whatever their size on disk. */
export const DECODED_FLOOR_BYTES = 16 * 1024 ** 2;

const fields = {
  max_file_bytes: size,
  max_rows_per_file: z.number().int().min(1).max(0x7fffffff),
  max_decoded_bytes_per_file: size,
  max_expansion: z.number().min(1),
  max_line_bytes: size,
  max_model_bytes: size,
  read_timeout: z
    .string()
    .regex(DURATION_PATTERN, 'expected a duration like 30s, 5m or 1h')
    .refine((d) => !DURATION_PATTERN.test(d) || (durationMs(d) >= 1000 && durationMs(d) <= 86_400_000), 'expected a duration between 1s and 1d'),
};

/** The top-level `limits:`; every field has its default. */
export const limitsSpec = z.strictObject({
  max_file_bytes: fields.max_file_bytes.default(DEFAULT_LIMITS.max_file_bytes),
  max_rows_per_file: fields.max_rows_per_file.default(DEFAULT_LIMITS.max_rows_per_file),
  max_decoded_bytes_per_file: fields.max_decoded_bytes_per_file.default(DEFAULT_LIMITS.max_decoded_bytes_per_file),
  max_expansion: fields.max_expansion.default(DEFAULT_LIMITS.max_expansion),
  max_line_bytes: fields.max_line_bytes.default(DEFAULT_LIMITS.max_line_bytes),
  read_timeout: fields.read_timeout.default(DEFAULT_LIMITS.read_timeout),
  max_model_bytes: fields.max_model_bytes.default(DEFAULT_LIMITS.max_model_bytes),
});

/** A model's `limits:` (no defaults: what it leaves out comes from the top level). */
export const limitsOverrideSpec = z.strictObject({
  max_file_bytes: fields.max_file_bytes.optional(),
  max_rows_per_file: fields.max_rows_per_file.optional(),
  max_decoded_bytes_per_file: fields.max_decoded_bytes_per_file.optional(),
  max_expansion: fields.max_expansion.optional(),
  max_line_bytes: fields.max_line_bytes.optional(),
  read_timeout: fields.read_timeout.optional(),
  max_model_bytes: fields.max_model_bytes.optional(),
});

export type ReadLimits = typeof DEFAULT_LIMITS;

/** The limits that apply: defaults, then the given overrides (e.g. a model spec's `limits`). */
export function resolveLimits(overrides?: Partial<ReadLimits>): ReadLimits {
  const given = Object.entries(overrides ?? {}).filter(([, v]) => v !== undefined);
  return { ...DEFAULT_LIMITS, ...Object.fromEntries(given) };
}

/** How many decoded bytes a file of `fileBytes` may reach. */
export function decodedBudget(fileBytes: number, limits: ReadLimits): number {
  return Math.min(limits.max_decoded_bytes_per_file, Math.max(DECODED_FLOOR_BYTES, fileBytes * limits.max_expansion));
}
