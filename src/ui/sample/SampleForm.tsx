import type { SchedulerKind, VarianceType } from '../../diffusion';
import type { SamplingConfig } from '../../config';
import type { SampleErrors, WeightsOffer } from '../../store/sampleSettings';
import { MAX_IMAGES, type SamplingVariance } from '../../sampling/options';
import { Field } from '../Field';

interface Props {
  settings: SamplingConfig;
  errors: SampleErrors;
  /** The model's T, the most steps either sampler can take. */
  T: number;
  /** Which weights the current model offers, and why there is no choice when there is none. */
  weights: WeightsOffer;
  /** The DDPM variance of this run: null samples with the model's own `variance_type`. */
  varianceType: SamplingVariance | null;
  /** The model's stored `variance_type`. */
  storedVariance: VarianceType;
  onChange(key: keyof SamplingConfig, value: unknown): void;
  onVarianceType(value: SamplingVariance | null): void;
}

const VARIANCE_HELP =
  'DDPM’s noise at each step. fixed_small: σ²_t = β̃_t = β_t(1 − ᾱ_{t−1})/(1 − ᾱ_t), the posterior variance of q(x_{t−1}|x_t, x₀). fixed_large: σ²_t = β_t. Ho et al. 2020 §3.2 found both give similar results; the released google/ddpm-cifar10-32 checkpoint samples with fixed_large. Applies to this sampling run only: the model’s scheduler keeps its variance_type.';

/** Sampler settings: weights, DDPM (variance) or DDIM (η), steps, images, seed, x₀ clipping. */
export function SampleForm(p: Props) {
  const { settings: s, errors, T, weights, onChange } = p;
  return (
    <div className="form-grid">
      <SelectField
        label={weights.reason ? 'Weights (one set)' : 'Weights'}
        help={`EMA: the exponential moving average of the trained weights, what the paper samples (Ho et al. 2020 §4); raw: the weights of the last step. ${weights.reason ?? ''}`}
        title={weights.reason}
        value={weights.shown}
        options={weights.options}
        disabled={weights.reason !== undefined}
        onChange={(v) => onChange('useEma', v === 'ema')}
        testId="sample-weights-choice"
      />
      <SelectField
        label="Sampler"
        help="DDPM: ancestral sampling, Ho et al. 2020 Algorithm 2 (the paper uses all 1000 steps). DDIM: Song et al. 2020, deterministic at η = 0, good with few steps."
        value={s.sampler}
        options={[
          ['ddpm', 'DDPM'],
          ['ddim', 'DDIM'],
        ]}
        onChange={(v) => onChange('sampler', v as SchedulerKind)}
      />
      {s.sampler === 'ddpm' && (
        <SelectField
          label="DDPM variance"
          help={VARIANCE_HELP}
          value={p.varianceType ?? ''}
          options={[
            ['', `the model’s (${p.storedVariance})`],
            ['fixed_small', 'σ² = β̃ (fixed_small)'],
            ['fixed_large', 'σ² = β (fixed_large)'],
          ]}
          onChange={(v) => p.onVarianceType(v === '' ? null : (v as SamplingVariance))}
          testId="sample-variance"
        />
      )}
      {numberFields(s.sampler, T).map(({ key, ...f }) => (
        <NumberField key={key} {...f} error={errors[key]} value={s[key]} onChange={(v) => onChange(key, v)} />
      ))}
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

type NumberKey = 'steps' | 'eta' | 'numImages' | 'seed';

/** The number inputs, in order: η only for DDIM. */
function numberFields(sampler: SchedulerKind, T: number) {
  const fields: (Pick<NumberFieldProps, 'label' | 'help' | 'min' | 'max' | 'step'> & { key: NumberKey })[] = [
    {
      key: 'steps',
      label: 'Steps',
      help: `Reverse steps, 1 to T = ${T}. The paper samples with all T; DDIM with 50–100 is typical.`,
      min: 1,
      max: T,
    },
    {
      key: 'eta',
      label: 'η',
      help: "DDIM's noise scale (Song et al. 2020 eq. 16): 0 deterministic, 1 the DDPM posterior variance.",
      min: 0,
      max: 1,
      step: 0.1,
    },
    {
      key: 'numImages',
      label: 'Images',
      help: `1 to ${MAX_IMAGES} images, sampled together.`,
      min: 1,
      max: MAX_IMAGES,
    },
    {
      key: 'seed',
      label: 'Seed',
      help: "Seeds x_T and every step's noise: the same seed and weights give the same images.",
      step: 1,
    },
  ];
  return fields.filter((f) => f.key !== 'eta' || sampler === 'ddim');
}

interface NumberFieldProps {
  label: string;
  help: string;
  error: string | undefined;
  /** NaN (an emptied input) shows as empty. */
  value: number;
  min?: number;
  max?: number;
  step?: number;
  onChange(value: number): void;
}

function NumberField({ label, help, error, value, min, max, step, onChange }: NumberFieldProps) {
  return (
    <Field label={label} error={error} help={help}>
      {(id, d) => (
        <input
          id={id}
          aria-describedby={d}
          aria-invalid={!!error}
          type="number"
          min={min}
          max={max}
          step={step}
          value={Number.isNaN(value) ? '' : value}
          onChange={(e) => onChange(e.target.value.trim() === '' ? Number.NaN : Number(e.target.value))}
        />
      )}
    </Field>
  );
}

interface SelectFieldProps {
  label: string;
  help: string;
  value: string;
  /** [value, text] per option. */
  options: readonly (readonly [string, string])[];
  onChange(value: string): void;
  disabled?: boolean;
  /** The tooltip on the control itself (why it is disabled). */
  title?: string;
  testId?: string;
}

function SelectField({ label, help, value, options, onChange, disabled, title, testId }: SelectFieldProps) {
  return (
    <Field label={label} help={help}>
      {(id, d) => (
        <select
          id={id}
          aria-describedby={d}
          value={value}
          disabled={disabled}
          title={title}
          data-testid={testId}
          onChange={(e) => onChange(e.target.value)}
        >
          {options.map(([v, text]) => (
            <option key={v} value={v}>
              {text}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}
