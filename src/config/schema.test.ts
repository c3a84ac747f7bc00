import {
  DEFAULT_RUN_CONFIG,
  FORM,
  SETTINGS,
  allowedText,
  decodeRunConfigHash,
  encodeRunConfigHash,
  presetRunConfig,
  validateRunConfig,
  type FieldSpec,
  type RunConfigIssue,
} from './index';
import { CLOSED_SECTIONS } from './schema';
import { isNullableString, settingRange } from './settings';

/** The issues validation reports for one setting set to `value` (on top of the defaults). */
function issuesAt(path: string, value: unknown): RunConfigIssue[] {
  const [section, key] = path.split('.');
  const result = validateRunConfig({ [section]: { [key]: value } });
  return 'errors' in result ? result.errors.filter((e) => e.path === path) : [];
}

const FIELDS: FieldSpec[] = FORM.flatMap((g) => g.fields);
const NUMBER_FIELDS = FIELDS.filter(
  (f) => f.kind === 'int' || f.kind === 'number' || f.kind === 'optionalNumber',
);

describe('one schema: the form, the validator, the URL hash and the defaults agree', () => {
  it('every setting has a default, and every default of a closed section is a declared setting', () => {
    for (const { path } of SETTINGS) {
      const [section, key] = path.split('.') as [keyof typeof DEFAULT_RUN_CONFIG, string];
      expect([path, key in DEFAULT_RUN_CONFIG[section]]).toEqual([path, true]);
    }
    for (const section of CLOSED_SECTIONS)
      for (const key of Object.keys(DEFAULT_RUN_CONFIG[section]))
        expect(SETTINGS.map((s) => s.path)).toContain(`${section}.${key}`);
  });

  it('the defaults and the paper preset hold an allowed value for every form field', () => {
    for (const config of [DEFAULT_RUN_CONFIG, presetRunConfig('paper')])
      for (const f of FIELDS) {
        const [section, key] = f.path.split('.') as [keyof typeof config, string];
        expect(issuesAt(f.path, (config[section] as unknown as Record<string, unknown>)[key])).toEqual([]);
      }
  });

  it.each(NUMBER_FIELDS.map((f) => [f.path, f] as const))(
    '%s: the form’s min and max are the validator’s bounds',
    (path, f) => {
      const range = settingRange(path)!;
      expect([f.min, f.max]).toEqual([range.min, range.max]);
      const step = f.kind === 'int' ? 1 : 1e-9;
      // Inside the bounds: accepted. On an exclusive bound or past one: refused, in the schema's words.
      if (f.min !== undefined) {
        expect(issuesAt(path, range.minExclusive ? f.min + step : f.min)).toEqual([]);
        const below = range.minExclusive ? f.min : f.min - step;
        expect(issuesAt(path, below)).toEqual([
          { path, message: `${path} = ${below} is not allowed; allowed: ${allowedText(path)}` },
        ]);
      }
      if (f.max !== undefined) {
        expect(issuesAt(path, range.maxExclusive ? f.max - step : f.max)).toEqual([]);
        const above = range.maxExclusive ? f.max : f.max + step;
        expect(issuesAt(path, above)).toHaveLength(1);
      }
      if (f.kind === 'int') expect(issuesAt(path, (f.min ?? 0) + 1.5)).toHaveLength(1);
      if (f.kind === 'optionalNumber') expect(issuesAt(path, null)).toEqual([]);
      else expect(issuesAt(path, null)).toHaveLength(1);
    },
  );

  it('every option a select offers is allowed, and a value it does not know is refused', () => {
    for (const f of FIELDS.filter((f) => f.kind === 'select')) {
      for (const o of f.options!)
        expect([f.path, o.value, issuesAt(f.path, o.value)]).toEqual([f.path, o.value, []]);
      expect(issuesAt(f.path, 'nonsense')).toHaveLength(1);
    }
  });

  it('checkboxes take true and false only', () => {
    for (const f of FIELDS.filter((f) => f.kind === 'checkbox')) {
      expect(issuesAt(f.path, true)).toEqual([]);
      expect(issuesAt(f.path, false)).toEqual([]);
      expect(issuesAt(f.path, 'yes')[0].message).toBe(
        `${f.path} = "yes" is not allowed; allowed: true or false`,
      );
    }
  });

  it('the batch size keeps its 4096 maximum in the form (issue 16: the hand-written form had lost it)', () => {
    expect(FIELDS.find((f) => f.path === 'training.batchSize')).toMatchObject({
      kind: 'int',
      min: 1,
      max: 4096,
    });
  });

  it('the URL hash reads "null" as null exactly for the settings the schema lets be a null string', () => {
    expect(SETTINGS.map((s) => s.path).filter(isNullableString)).toEqual([
      'data.classFilter',
      'model.lab_norm_after_conv_in',
    ]);
    const c = presetRunConfig('learner');
    c.data.classFilter = 'null-ish';
    const back = decodeRunConfigHash(encodeRunConfigHash(c));
    expect(back.errors).toEqual([]);
    expect(back.config).toEqual(c);
    expect(
      decodeRunConfigHash('#preset=learner&model.lab_norm_after_conv_in=null').config.model
        .lab_norm_after_conv_in,
    ).toBeNull();
  });

  it('a dependent maximum names the setting it comes from', () => {
    expect(issuesAt('sampling.steps', 1001)[0].message).toBe(
      'sampling.steps = 1001 is not allowed; allowed: an integer from 1 to 1000 (diffusion.num_train_timesteps)',
    );
    const r = validateRunConfig({
      diffusion: { num_train_timesteps: 10, scale_betas_to_T: false },
      sampling: { steps: 10 },
    });
    expect('errors' in r && r.errors.map((e) => e.message)).toEqual([
      'training.previewSteps = 20 is not allowed; allowed: an integer from 1 to 10 (diffusion.num_train_timesteps)',
    ]);
  });
});
