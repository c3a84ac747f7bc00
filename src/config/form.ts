/**
 * The Configure form as data, derived from the run config schema: each group of FORM_GROUPS with
 * the settings that name it, in schema order, each with its label, input kind, range, step,
 * options and where the paper's value comes from. Paths are the run config's own (the ones its
 * validation errors and the URL hash use).
 */
import { FORM_GROUPS, type FormGroup } from './schema';
import { SETTINGS, declared, isNullable, settingOptions, settingRange } from './settings';

/** The input a setting gets. */
export type FieldKind = 'int' | 'number' | 'select' | 'checkbox' | 'optionalNumber';

/** One field of the form. */
export interface FieldSpec {
  path: string;
  /** The setting's label, with its unit in parentheses where it has one. */
  label: string;
  kind: FieldKind;
  /** Where the paper's value comes from; the form adds the value itself. */
  source: string;
  /** A setting of the lab, not of the paper: its default is shown, and no deviation is marked. */
  lab?: true;
  options?: readonly { value: string | null; text: string }[];
  step?: number;
  min?: number;
  max?: number;
}

/** A titled group of fields. */
export interface FieldGroup {
  id: FormGroup;
  title: string;
  fields: readonly FieldSpec[];
}

function fieldOf(path: string): FieldSpec {
  const { meta } = declared(path);
  const label = meta.unit === undefined ? meta.label : `${meta.label} (${meta.unit})`;
  const base = { path, label, source: meta.source, ...(meta.lab ? { lab: meta.lab } : {}) };
  if (settingOptions(path)) {
    const options = (meta.options ?? settingOptions(path)!.map((o) => [o, String(o)] as const)).map(
      ([value, text]) => ({ value, text }),
    );
    return { ...base, kind: 'select', options };
  }
  const range = settingRange(path);
  if (!range) {
    if (declared(path).schema.type !== 'boolean') throw new Error(`the form has no input for ${path}`);
    return { ...base, kind: 'checkbox' };
  }
  const kind: FieldKind = isNullable(path) ? 'optionalNumber' : range.integer ? 'int' : 'number';
  return {
    ...base,
    kind,
    ...(meta.step !== undefined ? { step: meta.step } : {}),
    ...(range.min !== undefined ? { min: range.min } : {}),
    ...(range.max !== undefined ? { max: range.max } : {}),
  };
}

/** The form's groups in FORM_GROUPS order, each with its settings in schema order. */
export const FORM: readonly FieldGroup[] = (Object.keys(FORM_GROUPS) as FormGroup[]).map((id) => ({
  id,
  title: FORM_GROUPS[id],
  fields: SETTINGS.filter((s) => s.meta.group === id).map((s) => fieldOf(s.path)),
}));
