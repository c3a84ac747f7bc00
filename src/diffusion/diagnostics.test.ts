import { SchedulerConfigError } from './config';
import { describeSchedule, scaleLinearBetasToT } from './diagnostics';

const codes = (config: Parameters<typeof describeSchedule>[0]) =>
  describeSchedule(config).warnings.map((w) => w.code);

describe('describeSchedule', () => {
  it("gives plot arrays for every t and no warnings for the paper's schedule or the cosine one", () => {
    const d = describeSchedule({});
    for (const a of [d.betas, d.alphaBar, d.sqrtAlphaBar, d.snrDb, d.posteriorVariance])
      expect(a.length).toBe(1000);
    expect(d.snrDb[0]).toBeGreaterThan(35); // ᾱ_0 = 0.9999: 40 dB
    expect(d.snrDb[999]).toBeLessThan(-40);
    expect(d.warnings).toEqual([]);
    expect(codes({ beta_schedule: 'squaredcos_cap_v2' })).toEqual([]);
  });

  it('warns, with the numbers, when 250 steps with unscaled linear betas leave signal at t = T', () => {
    const [warning, ...rest] = describeSchedule({ num_train_timesteps: 250 }).warnings;
    expect(rest).toEqual([]);
    expect(warning.code).toBe('signal-left-at-T');
    // docs/ddpm.md §4: √ᾱ_T ≈ 0.28 and ᾱ_T ≈ 0.080 at T = 250.
    expect(warning.message).toMatch(/^√ᾱ_T = 0\.28\d at t = T = 250 \(ᾱ_T = 0\.079\d\)/);
    expect(warning.message).toMatch(/28% of the signal's amplitude .*pure noise N\(0, I\)/);
    expect(warning.fix).toBe(
      'Scale betas by 1000/T (beta_start 0.0004, beta_end 0.08 for T = 250) or use squaredcos_cap_v2.',
    );
  });

  it('stops warning once the betas are scaled to T', () => {
    const scaled = scaleLinearBetasToT({ num_train_timesteps: 250 }, 250);
    expect(scaled).toEqual({ num_train_timesteps: 250, beta_start: 0.0004, beta_end: 0.08 });
    expect(describeSchedule(scaled).sqrtAlphaBar[249]).toBeLessThan(0.01);
    expect(codes(scaled)).toEqual([]);
  });

  it('warns about very few steps', () => {
    expect(codes(scaleLinearBetasToT({}, 50))).toEqual(['few-steps']);
    expect(describeSchedule({ num_train_timesteps: 50 }).warnings.map((w) => w.code)).toEqual([
      'signal-left-at-T',
      'few-steps',
    ]);
  });

  it('reports betas outside (0, 1) and a rising ᾱ instead of throwing', () => {
    expect(codes({ beta_start: 0 })).toEqual(['betas-out-of-range']);
    const broken = describeSchedule({ beta_end: 1.5 });
    // Past β = 1 the factors 1 − β turn negative: ᾱ flips sign on its way to 0.
    expect(broken.warnings.map((w) => w.code)).toEqual(['betas-out-of-range', 'alpha-bar-not-decreasing']);
    expect(broken.warnings[0].message).toMatch(
      /^betas\[666\] = 1\.0000333\d* lies outside \(0, 1\) \(334 of 1000 betas do\)/,
    );
    const trained = describeSchedule({ num_train_timesteps: 3, trained_betas: [0.5, -0.2, 0.999] });
    expect(trained.warnings[1]).toMatchObject({ code: 'alpha-bar-not-decreasing' });
    expect(trained.warnings[1].message).toMatch(/t = 1 \(ᾱ = 0\.6 after 0\.5\)/);
    expect(trained.warnings[0].fix).toMatch(/trained_betas/);
  });

  it('still rejects invalid keys', () => {
    expect(() => describeSchedule({ beta_schedule: 'sigmoid' as 'linear' })).toThrow(SchedulerConfigError);
  });
});

describe('scaleLinearBetasToT', () => {
  it('writes plain numbers scaled by 1000/T and keeps the other keys', () => {
    expect(scaleLinearBetasToT({ beta_schedule: 'scaled_linear', clip_sample: false }, 100)).toEqual({
      beta_schedule: 'scaled_linear',
      clip_sample: false,
      num_train_timesteps: 100,
      beta_start: 0.001,
      beta_end: 0.2,
    });
    expect(scaleLinearBetasToT({}, 3000)).toMatchObject({
      beta_start: 0.0000333333333333,
      beta_end: 0.00666666666667,
    });
  });

  it('refuses schedules it cannot scale and bad T', () => {
    expect(() => scaleLinearBetasToT({ beta_schedule: 'squaredcos_cap_v2' }, 250)).toThrow(
      /already adapts to T/,
    );
    expect(() => scaleLinearBetasToT({ num_train_timesteps: 1, trained_betas: [0.1] }, 250)).toThrow(
      /trained_betas/,
    );
    expect(() => scaleLinearBetasToT({}, 0)).toThrow(/num_train_timesteps = 0/);
  });
});
