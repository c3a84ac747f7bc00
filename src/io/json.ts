/**
 * JSON files as the lab reads and writes them (diffusers configs, run settings): parsing with a
 * size cap ({@link MAX_JSON_BYTES} by default, far above any config) and errors that carry the
 * file name; writing in diffusers' own style (`json.dumps(indent=2, sort_keys=True)` plus a
 * newline), refusing values JSON cannot hold (NaN, ±Infinity, undefined, functions, bigints).
 */

/** Default cap on a JSON file's size: configs are a few kB, so 16 MiB means something is wrong. */
export const MAX_JSON_BYTES = 16 * 1024 * 1024;

/** A JSON file that is too large, not UTF-8, not JSON, of the wrong shape or not serialisable. */
export class JsonFileError extends Error {
  override name = 'JsonFileError';
}

/** Parse limits. */
export interface ParseJsonOptions {
  /** Cap in bytes (for a string: in UTF-16 code units). */
  maxBytes?: number;
}

/** Parses a JSON file given as bytes (UTF-8, optional BOM) or text; errors name `fileName`. */
export function parseJson(
  input: Uint8Array | string,
  fileName: string,
  opts: ParseJsonOptions = {},
): unknown {
  const max = opts.maxBytes ?? MAX_JSON_BYTES;
  if (input.length > max)
    throw new JsonFileError(
      `${fileName}: ${input.length} bytes is over the ${max}-byte limit for JSON files`,
    );
  let text: string;
  if (typeof input === 'string') text = input;
  else {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(input);
    } catch {
      throw new JsonFileError(`${fileName}: not valid UTF-8 text`);
    }
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new JsonFileError(`${fileName}: not valid JSON (${(e as Error).message})`);
  }
}

/** {@link parseJson}, then insists on a top-level object (not an array, string, number or null). */
export function parseJsonObject(
  input: Uint8Array | string,
  fileName: string,
  opts?: ParseJsonOptions,
): Record<string, unknown> {
  const value = parseJson(input, fileName, opts);
  if (!isPlainObject(value))
    throw new JsonFileError(`${fileName}: expected a JSON object, got ${describeValue(value)}`);
  return value;
}

/** Serialises like diffusers' `to_json_string`: keys sorted at every level, 2-space indent, final newline. */
export function stringifyJson(value: unknown, fileName: string): string {
  return `${JSON.stringify(normalise(value, fileName, '$'), null, 2)}\n`;
}

/** {@link stringifyJson} as UTF-8 bytes, ready to put in a file or zip. */
export function encodeJson(value: unknown, fileName: string): Uint8Array {
  return new TextEncoder().encode(stringifyJson(value, fileName));
}

/** True for a JSON object (not null, not an array). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short description of a JSON value's kind for error messages. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}

function normalise(value: unknown, fileName: string, path: string): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw new JsonFileError(`${fileName}: ${path} is ${value}, which JSON cannot hold`);
    return value;
  }
  if (Array.isArray(value)) return value.map((v, i) => normalise(v, fileName, `${path}[${i}]`));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = normalise(value[key], fileName, `${path}.${key}`);
    return out;
  }
  throw new JsonFileError(`${fileName}: ${path} is ${typeof value}, which JSON cannot hold`);
}
