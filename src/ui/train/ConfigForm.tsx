import { useState } from 'react';
import { ConfigField } from './ConfigField';
import { FORM, type FieldGroup } from '../../config';

interface Props {
  config: unknown;
  paper: unknown;
  /** Validation messages by field path; `''` holds problems not tied to a form field. */
  errors: Readonly<Record<string, string>>;
  presets: readonly string[];
  /** Changing the config is refused while a run is training. */
  locked: boolean;
  onField(path: string, value: unknown): void;
  onPreset(name: string): void;
}

/** Configure: one-click Paper recipe / Learner's setup, presets, every field, the ablations grouped. */
export function ConfigForm({ config, paper, errors, presets, locked, onField, onPreset }: Props) {
  const [copied, setCopied] = useState(false);
  const group = (g: FieldGroup) => (
    <fieldset key={g.id} className="group" disabled={locked}>
      <legend>{g.title}</legend>
      {g.fields.map((f) => (
        <ConfigField
          key={f.path}
          spec={f}
          config={config}
          paper={paper}
          error={errors[f.path]}
          disabled={locked}
          onChange={onField}
        />
      ))}
    </fieldset>
  );
  const known = new Set(FORM.flatMap((g) => g.fields.map((f) => f.path)));
  const other = Object.entries(errors).filter(([path]) => !known.has(path));
  const copy = () => {
    void navigator.clipboard?.writeText(window.location.href).then(() => setCopied(true));
  };
  return (
    <section className="panel" aria-labelledby="config-title">
      <h2 id="config-title">Configure</h2>
      <div className="row" role="group" aria-label="Presets">
        <button
          type="button"
          onClick={() => onPreset('paper')}
          disabled={locked}
          title="Every setting as in Ho et al. 2020 on CIFAR-10 (DDPM.md §1)."
        >
          Paper recipe
        </button>
        <button
          type="button"
          onClick={() => onPreset('learner')}
          disabled={locked}
          title="T = 250 unscaled, one t per batch, batch 64, mean/std inputs, BatchNorm after conv_in (DDPM.md §4)."
        >
          Learner’s setup
        </button>
        <label htmlFor="preset-select">preset</label>
        <select
          id="preset-select"
          value=""
          disabled={locked}
          onChange={(e) => e.target.value && onPreset(e.target.value)}
        >
          <option value="">choose…</option>
          {presets.map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
        </select>
        <button
          type="button"
          onClick={copy}
          title="The whole config is in the URL: the link reproduces this setup."
        >
          {copied ? 'Link copied' : 'Copy link'}
        </button>
      </div>
      {other.map(([path, message]) => (
        <p key={path} role="alert" className="error">
          {message}
        </p>
      ))}
      {FORM.map(group)}
    </section>
  );
}
