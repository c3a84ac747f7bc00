import { Fragment, useState, type ReactNode } from 'react';
import type { ActivePreset } from './activePreset';
import { ConfigField } from './ConfigField';
import { FORM, type FieldGroup } from '../../config';

interface Props {
  config: unknown;
  paper: unknown;
  /** Validation messages by field path; `''` holds problems not tied to a form field. */
  errors: Readonly<Record<string, string>>;
  presets: readonly string[];
  /** The preset the config is, or custom: what the preset picker shows. */
  active: ActivePreset;
  /** A line shown under a field, by path (what the U-Net field will really build). */
  notes: Readonly<Record<string, ReactNode>>;
  /** Changing the config is refused while a run is training. */
  locked: boolean;
  onField(path: string, value: unknown): void;
  /** A preset's name, or 'defaults'. */
  onPreset(name: string): void;
}

/** Configure: one-click Paper recipe / Learner's setup, presets, every field, the ablations grouped. */
export function ConfigForm({
  config,
  paper,
  errors,
  presets,
  active,
  notes,
  locked,
  onField,
  onPreset,
}: Props) {
  const [copied, setCopied] = useState(false);
  const group = (g: FieldGroup) => (
    <fieldset key={g.id} className="group" disabled={locked}>
      <legend>{g.title}</legend>
      {g.fields.map((f) => (
        <Fragment key={f.path}>
          <ConfigField
            spec={f}
            config={config}
            paper={paper}
            error={errors[f.path]}
            disabled={locked}
            onChange={onField}
          />
          {notes[f.path] && (
            <p className="model-build" data-testid={`note-${f.path}`}>
              {notes[f.path]}
            </p>
          )}
        </Fragment>
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
      <div className="row preset-row" role="group" aria-label="Presets">
        <button
          type="button"
          onClick={() => onPreset('paper')}
          disabled={locked}
          title="Every setting as in Ho et al. 2020 on CIFAR-10 (docs/ddpm.md §1)."
        >
          Paper recipe
        </button>
        <button
          type="button"
          onClick={() => onPreset('learner')}
          disabled={locked}
          title="T = 250 unscaled, one t per batch, batch 64, mean/std inputs, BatchNorm after conv_in (docs/ddpm.md §4)."
        >
          Learner’s setup
        </button>
        <label htmlFor="preset-select">Preset</label>
        <select
          id="preset-select"
          data-testid="preset-select"
          value={active.kind === 'preset' ? active.name : 'custom'}
          disabled={locked}
          onChange={(e) => e.target.value !== 'custom' && onPreset(e.target.value)}
        >
          <option value="defaults">defaults</option>
          {presets.map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
          {active.kind === 'custom' && (
            <option value="custom" disabled>
              custom ({active.base} + {active.changes} change{active.changes === 1 ? '' : 's'})
            </option>
          )}
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
