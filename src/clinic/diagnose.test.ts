import { applyOverrides, presetRunConfig } from '../config';
import { diagnose, jumpiness, sqrtAlphaBarT } from './diagnose';
import { syntheticReference } from './testCurves';

const curve = (n: number, f: (s: number) => number) =>
  Array.from({ length: n }, (_, i) => ({ step: i + 1, loss: f(i + 1) }));

describe('diagnose', () => {
  it('finds nothing wrong with the paper’s recipe or the tiny preset', () => {
    for (const preset of ['paper', 'tiny', 'mnist'] as const)
      expect(
        diagnose({ config: presetRunConfig(preset), points: [], lossPerT: null, reference: null }),
      ).toEqual([]);
  });

  it('lists the learner’s script, each finding with its evidence and switch', () => {
    const findings = diagnose({
      config: presetRunConfig('learner-code'),
      points: [],
      lossPerT: null,
      reference: null,
    });
    expect(findings.map((f) => f.id)).toEqual([
      'sqrt-alpha-bar-T',
      'double-lr',
      'input-range',
      'min-max-display',
      'broken-final-step',
    ]);
    expect(findings[0].evidence).toMatch(/√ᾱ_T = 0\.020/);
    expect(findings.find((f) => f.id === 'double-lr')!.switch).toBe('training.doubleOptimizerStep = true');
    expect(findings.find((f) => f.id === 'input-range')!.switch).toBe('training.normalization = "zero-one"');
  });

  it('the post’s learner: √ᾱ_T ≈ 0.28, shared t, mean/std inputs outside [−1, 1]', () => {
    const c = presetRunConfig('learner');
    expect(sqrtAlphaBarT(c)).toBeCloseTo(0.28, 2);
    const findings = diagnose({ config: c, points: [], lossPerT: null, reference: null });
    expect(findings.map((f) => f.id)).toEqual(['sqrt-alpha-bar-T', 'shared-t', 'input-range']);
    expect(findings[2].title).toMatch(/outside \[−1, 1\]/);
  });

  it('sees a jumpy loss in a log without config, against the reference', () => {
    const ref = syntheticReference('mnist', 1000, 1, (s) => 0.05 + 0.001 * Math.sin(s));
    const jumpy = curve(1000, (s) => 0.05 * (s % 2 ? 0.4 : 1.6));
    expect(jumpiness(jumpy)).toBeGreaterThan(1);
    const ids = diagnose({ config: null, points: jumpy, lossPerT: null, reference: ref }).map((f) => f.id);
    expect(ids).toContain('shared-t');
    expect(
      diagnose({
        config: null,
        points: ref.runs[0].loss.map((loss, i) => ({ step: i + 1, loss })),
        lossPerT: null,
        reference: ref,
      }),
    ).toEqual([]);
  });

  it('sees √MSE logged as loss', () => {
    const ref = syntheticReference('mnist', 1000, 2, (s) => 0.03 + 1 / s, 0.05);
    const sqrtLog = curve(1000, (s) => Math.sqrt(0.03 + 1 / s));
    const f = diagnose({ config: null, points: sqrtLog, lossPerT: null, reference: ref });
    expect(f.map((x) => x.id)).toEqual(['sqrt-mse']);
    expect(f[0].evidence).toMatch(/Square your values/);
  });

  it('sees loss per t far above the reference at high t', () => {
    const ref = syntheticReference(
      'tiny',
      100,
      2,
      () => 0.1,
      0,
      () => 0.02,
    );
    const mean = Array.from({ length: 20 }, (_, b) => (b >= 14 ? 0.06 : 0.02));
    const f = diagnose({
      config: presetRunConfig('tiny'),
      points: [],
      lossPerT: { step: 100, mean },
      reference: ref,
    });
    expect(f.map((x) => x.id)).toEqual(['high-t-loss']);
    expect(f[0].evidence).toMatch(/3\.0 × the reference/);
    const fine = diagnose({
      config: presetRunConfig('tiny'),
      points: [],
      lossPerT: { step: 100, mean: mean.map(() => 0.021) },
      reference: ref,
    });
    expect(fine).toEqual([]);
  });

  it('a min–max display alone, with the paper’s inputs, hides nothing', () => {
    const c = applyOverrides(presetRunConfig('paper'), { sampling: { displayMinMax: true } });
    expect(diagnose({ config: c, points: [], lossPerT: null, reference: null })).toEqual([]);
  });
});

describe('twin runs', () => {
  it('flip one switch and keep everything else, the seed included', async () => {
    const { TWIN_SWITCHES, twinConfig } = await import('./switches');
    const { configDifferences } = await import('./reference');
    const base = presetRunConfig('tiny');
    for (const s of TWIN_SWITCHES) {
      const twin = twinConfig(base, s.path);
      expect(configDifferences(base, twin)).toEqual([s.path]);
      expect(configDifferences(base, twinConfig(twin, s.path))).toEqual([]);
      expect(s.explanation.length).toBeGreaterThan(200);
    }
    expect(() => twinConfig(base, 'training.lr')).toThrow(/not a twin-run switch/);
  });
});
