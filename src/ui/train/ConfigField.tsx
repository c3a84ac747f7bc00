import { getPath } from '../../config/configPath';
import { Field } from '../Field';
import type { FieldSpec } from '../../config';

interface Props {
  spec: FieldSpec;
  config: unknown;
  /** The paper's recipe, for the tooltip and for marking deviations (lab settings have none). */
  paper: unknown;
  error: string | undefined;
  disabled: boolean;
  onChange(path: string, value: unknown): void;
}

/** How a value reads in a tooltip or a deviation note. */
export function showValue(spec: FieldSpec, v: unknown): string {
  if (spec.options) return spec.options.find((o) => o.value === v)?.text ?? String(v);
  if (typeof v === 'boolean') return v ? 'on' : 'off';
  if (v === null) return 'off';
  return typeof v === 'number' ? v.toLocaleString('en', { maximumSignificantDigits: 6 }) : String(v);
}

/** One run-config field: the right input for its kind, the paper's value in the tooltip, deviations marked. */
export function ConfigField({ spec, config, paper, error, disabled, onChange }: Props) {
  const value = getPath(config, spec.path);
  const paperValue = getPath(paper, spec.path);
  const deviates =
    !spec.lab && paperValue !== undefined && JSON.stringify(value) !== JSON.stringify(paperValue);
  const help = spec.lab ? spec.source : `Paper: ${showValue(spec, paperValue)}. ${spec.source}`;
  const set = (v: unknown) => onChange(spec.path, v);
  return (
    <Field
      label={spec.label}
      help={help}
      error={error}
      deviates={deviates ? `paper: ${showValue(spec, paperValue)}` : undefined}
    >
      {(id, describedBy) => {
        const common = {
          id,
          'aria-describedby': describedBy,
          'aria-invalid': !!error,
          disabled,
          'data-path': spec.path,
        };
        switch (spec.kind) {
          case 'checkbox':
            return (
              <input
                {...common}
                type="checkbox"
                checked={value === true}
                onChange={(e) => set(e.target.checked)}
              />
            );
          case 'select':
            return (
              <select
                {...common}
                value={JSON.stringify(value ?? null)}
                onChange={(e) => set(JSON.parse(e.target.value) as unknown)}
              >
                {spec.options?.map((o) => (
                  <option key={String(o.value)} value={JSON.stringify(o.value)}>
                    {o.text}
                  </option>
                ))}
              </select>
            );
          default: {
            // NaN (an emptied field) and null (an optional value turned off) both show as empty.
            const shown = typeof value === 'number' && Number.isFinite(value) ? value : '';
            return (
              <input
                {...common}
                type="number"
                step={spec.step ?? 1}
                min={spec.min}
                max={spec.max}
                value={shown}
                onChange={(e) => {
                  const text = e.target.value.trim();
                  if (text === '') set(spec.kind === 'optionalNumber' ? null : Number.NaN);
                  else set(Number(text));
                }}
              />
            );
          }
        }
      }}
    </Field>
  );
}
