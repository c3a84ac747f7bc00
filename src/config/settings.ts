/**
 * Reads the run config schema (schema.ts) setting by setting: its metadata, its range, what it
 * allows in words, whether it may be null. Validation messages, the form fields, the URL hash and
 * the CLI's flags all ask here, so they cannot drift apart.
 */
import * as v from 'valibot';
import { SECTION_SCHEMAS, type SettingMeta } from './schema';

type Schema = v.GenericSchema & {
  pipe?: readonly { type: string; kind?: string; requirement?: unknown }[];
  wrapped?: Schema;
  options?: readonly unknown[];
};

/** A declared setting: its dotted path, schema and metadata. */
export interface Setting {
  path: string;
  schema: v.GenericSchema;
  meta: SettingMeta;
}

/** A number setting's bounds; `exclusive` marks a bound the value may not equal. */
export interface SettingRange {
  integer: boolean;
  min?: number;
  max?: number;
  minExclusive: boolean;
  maxExclusive: boolean;
}

/** Every declared setting, section by section in schema order. */
export const SETTINGS: readonly Setting[] = Object.entries(SECTION_SCHEMAS).flatMap(([section, object]) =>
  Object.entries(object.entries as Record<string, v.GenericSchema>).map(([key, schema]) => ({
    path: `${section}.${key}`,
    schema,
    meta: v.getMetadata(schema as Schema) as unknown as SettingMeta,
  })),
);

const BY_PATH = new Map(SETTINGS.map((s) => [s.path, s]));

/** The declared setting at `path` ("training.batchSize"), or undefined. */
export function setting(path: string): Setting | undefined {
  return BY_PATH.get(path);
}

/** The declared setting at `path`; throws for a path the schema does not declare (a programming error). */
export function declared(path: string): Setting {
  const found = BY_PATH.get(path);
  if (!found) throw new Error(`${path} is not a setting the run config schema declares`);
  return found;
}

/** The schema without a `nullable` around it, and whether there was one. */
function unwrapNull(schema: v.GenericSchema): { inner: Schema; nullable: boolean } {
  const s = schema as Schema;
  return s.type === 'nullable' && s.wrapped
    ? { inner: s.wrapped, nullable: true }
    : { inner: s, nullable: false };
}

/** The bounds of a number setting (null may be allowed besides), or undefined for other kinds. */
export function settingRange(path: string): SettingRange | undefined {
  const { inner } = unwrapNull(declared(path).schema);
  if (inner.type !== 'number') return undefined;
  const range: SettingRange = { integer: false, minExclusive: false, maxExclusive: false };
  for (const action of inner.pipe ?? []) {
    const r = action.requirement as number;
    if (action.type === 'safe_integer') range.integer = true;
    else if (action.type === 'min_value') range.min = r;
    else if (action.type === 'gt_value') [range.min, range.minExclusive] = [r, true];
    else if (action.type === 'max_value') range.max = r;
    else if (action.type === 'lt_value') [range.max, range.maxExclusive] = [r, true];
  }
  return range;
}

/** Whether the setting may be null (an "off" or "none" value). */
export function isNullable(path: string): boolean {
  return unwrapNull(declared(path).schema).nullable;
}

/** Whether a URL-hash value for `path` is read as a string, with "null" meaning null. */
export function isNullableString(path: string): boolean {
  const found = setting(path);
  if (!found) return false;
  const { inner, nullable } = unwrapNull(found.schema);
  return nullable && (inner.type === 'string' || inner.type === 'picklist');
}

/** The values of a picklist setting (null first where allowed), or undefined. */
export function settingOptions(path: string): readonly (string | null)[] | undefined {
  const { inner, nullable } = unwrapNull(declared(path).schema);
  if (inner.type !== 'picklist') return undefined;
  const values = inner.options as string[];
  return nullable ? [null, ...values] : values;
}

/**
 * What a setting allows, in words: "an integer from 1 to 4096", "a number in (0, 1]",
 * "true or false", "\"unit\", \"meanstd\"", "null (no clipping) or a number > 0". `max` replaces
 * the schema's maximum (a maximum another setting decides, named by `maxFrom`).
 */
export function allowedText(path: string, max?: number): string {
  const found = declared(path);
  const { inner, nullable } = unwrapNull(found.schema);
  const text = kindText(path, inner, max);
  return nullable ? `null (${found.meta.nullMeans ?? 'off'}) or ${text}` : text;
}

function kindText(path: string, inner: Schema, maxOverride: number | undefined): string {
  if (inner.type === 'boolean') return 'true or false';
  if (inner.type === 'picklist') return (inner.options as string[]).map((o) => JSON.stringify(o)).join(', ');
  if (inner.type === 'number') {
    const range = settingRange(path)!;
    const max = maxOverride ?? range.max;
    const note = maxOverride === undefined ? '' : ` (${declared(path).meta.maxFrom})`;
    if (range.integer) return `an integer from ${range.min} to ${max}${note}`;
    if (range.min !== undefined && max !== undefined)
      return `a number in ${range.minExclusive ? '(' : '['}${range.min}, ${max}${range.maxExclusive ? ')' : ']'}`;
    if (range.min !== undefined) return `a number ${range.minExclusive ? '>' : '≥'} ${range.min}`;
    return 'a finite number';
  }
  return v.getDescription(inner) ?? inner.expects;
}

/** Whether `value` is allowed for the setting at `path` (its schema alone, without `maxFrom`). */
export function allows(path: string, value: unknown): boolean {
  return v.is(declared(path).schema, value);
}
