import type { SchedulerKind } from '../../diffusion';
import type { SamplingConfig } from '../../config';
import type { SampleErrors } from '../../store/sampleSettings';
import { MAX_IMAGES } from '../../sampling/options';
import { Field } from '../Field';

interface Props {
  settings: SamplingConfig;
  errors: SampleErrors;
  /** The model's T, the most steps either sampler can take. */
  T: number;
  onChange(key: keyof SamplingConfig, value: unknown): void;
}

const num = (v: string) => (v.trim() === '' ? Number.NaN : Number(v));

/** Sampler settings: DDPM or DDIM (steps, η), images, seed, x₀ clipping. */
export function SampleForm({ settings: s, errors, T, onChange }: Props) {
  return (
    <div className="form-grid">
      <Field
        label="Sampler"
        help="DDPM: ancestral sampling, Ho et al. 2020 Algorithm 2 (the paper uses all 1000 steps). DDIM: Song et al. 2020, deterministic at η = 0, good with few steps."
      >
        {(id, d) => (
          <select
            id={id}
            aria-describedby={d}
            value={s.sampler}
            onChange={(e) => onChange('sampler', e.target.value as SchedulerKind)}
          >
            <option value="ddpm">DDPM</option>
            <option value="ddim">DDIM</option>
          </select>
        )}
      </Field>
      <Field
        label="Steps"
        error={errors.steps}
        help={`Reverse steps, 1 to T = ${T}. The paper samples with all T; DDIM with 50–100 is typical.`}
      >
        {(id, d) => (
          <input
            id={id}
            aria-describedby={d}
            aria-invalid={!!errors.steps}
            type="number"
            min={1}
            max={T}
            value={Number.isNaN(s.steps) ? '' : s.steps}
            onChange={(e) => onChange('steps', num(e.target.value))}
          />
        )}
      </Field>
      {s.sampler === 'ddim' && (
        <Field
          label="η"
          error={errors.eta}
          help="DDIM's noise scale (Song et al. 2020 eq. 16): 0 deterministic, 1 the DDPM posterior variance."
        >
          {(id, d) => (
            <input
              id={id}
              aria-describedby={d}
              aria-invalid={!!errors.eta}
              type="number"
              min={0}
              max={1}
              step={0.1}
              value={Number.isNaN(s.eta) ? '' : s.eta}
              onChange={(e) => onChange('eta', num(e.target.value))}
            />
          )}
        </Field>
      )}
      <Field label="Images" error={errors.numImages} help={`1 to ${MAX_IMAGES} images, sampled together.`}>
        {(id, d) => (
          <input
            id={id}
            aria-describedby={d}
            aria-invalid={!!errors.numImages}
            type="number"
            min={1}
            max={MAX_IMAGES}
            value={Number.isNaN(s.numImages) ? '' : s.numImages}
            onChange={(e) => onChange('numImages', num(e.target.value))}
          />
        )}
      </Field>
      <Field
        label="Seed"
        error={errors.seed}
        help="Seeds x_T and every step's noise: the same seed and weights give the same images."
      >
        {(id, d) => (
          <input
            id={id}
            aria-describedby={d}
            aria-invalid={!!errors.seed}
            type="number"
            step={1}
            value={Number.isNaN(s.seed) ? '' : s.seed}
            onChange={(e) => onChange('seed', num(e.target.value))}
          />
        )}
      </Field>
      <Field
        label="Clip x₀ to [−1, 1]"
        help="The paper clips the predicted x₀ to the data range at every step (clip_sample in diffusers)."
      >
        {(id, d) => (
          <input
            id={id}
            aria-describedby={d}
            type="checkbox"
            checked={s.clip}
            onChange={(e) => onChange('clip', e.target.checked)}
          />
        )}
      </Field>
    </div>
  );
}
