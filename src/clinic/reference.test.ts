import { readdirSync, readFileSync } from 'node:fs';
import { applyOverrides, defaultRunConfig, presetRunConfig } from '../config';
import {
  bandAt,
  compareToReference,
  configDifferences,
  matchReference,
  parseReferenceCurve,
  referenceBand,
  referenceLength,
  referenceLossPerT,
} from './reference';
import { syntheticReference } from './testCurves';

describe('reference curves', () => {
  it('parses the shipped tiny reference (5 seeds, provenance) and refuses other JSON', () => {
    const ref = parseReferenceCurve(JSON.parse(readFileSync('public/reference/tiny.json', 'utf8')));
    expect(ref.preset).toBe('tiny');
    expect(ref.seeds.length).toBeGreaterThanOrEqual(3);
    expect(ref.runs.every((r) => r.loss.length >= ref.steps)).toBe(true);
    expect(ref.provenance.command).toMatch(/reference_trainer\.py/);
    expect(ref.provenance.machine).toMatch(/torch/);
    expect(referenceLength(ref)).toBe(`${ref.steps} steps`);
    expect(
      referenceLength({ ...ref, provenance: { ...ref.provenance, steps: 100, plannedSteps: 2000 } }),
    ).toBe('100 of the planned 2,000 steps');
    // The reference's config is the preset's as the lab resolves it today.
    expect(configDifferences(ref.config, presetRunConfig('tiny'))).toEqual([]);
    expect(() => parseReferenceCurve({ format: 'x' })).toThrow(/not a Diffusion Lab reference curve/);
    expect(() => parseReferenceCurve({ ...ref, runs: [{ seed: 0, loss: [1, NaN] }] })).toThrow(
      /finite numbers/,
    );
  });

  it.each(readdirSync('public/reference').filter((f) => f.endsWith('.json')))(
    'the shipped %s parses, names its preset and holds every run to its step count',
    (file) => {
      const ref = parseReferenceCurve(JSON.parse(readFileSync(`public/reference/${file}`, 'utf8')));
      expect(`${ref.preset}.json`).toBe(file);
      expect(ref.runs.map((r) => r.seed)).toEqual(ref.seeds);
      expect(ref.runs.every((r) => r.loss.length === ref.steps)).toBe(true);
      expect(ref.provenance.steps).toBe(ref.steps);
    },
  );

  it('bands the seeds: per window lo/hi are the extreme seed means, mid their mean', () => {
    const ref = syntheticReference('tiny', 100, 3, () => 1, 0.1);
    const band = referenceBand(ref, 10);
    expect(band).toHaveLength(10);
    expect(band[0]).toEqual({
      step: 10,
      lo: 1,
      mid: expect.closeTo(1.1, 12) as number,
      hi: expect.closeTo(1.2, 12) as number,
    });
  });

  it('puts the band at a run’s steps: the window holding each step, none past the end', () => {
    const band = [
      { step: 10, lo: 1, mid: 1.5, hi: 2 },
      { step: 20, lo: 3, mid: 3.5, hi: 4 },
    ];
    expect(bandAt(band, [1, 10, 11, 20, 21])).toEqual({ lo: [1, 1, 3, 3, null], hi: [2, 2, 4, 4, null] });
  });

  it('says where a run stands in one sentence', () => {
    const ref = syntheticReference('mnist', 2000, 2, (s) => 1 / Math.sqrt(s), 0);
    const run = Array.from({ length: 1800 }, (_, i) => ({
      step: i + 1,
      loss: (1.12 * 1) / Math.sqrt(i + 1),
    }));
    const c = compareToReference(ref, run)!;
    expect(c.step).toBe(1800);
    expect(c.relative).toBeCloseTo(0.12, 6);
    expect(c.sentence).toBe(
      'at step 1,800 your loss is 12 % above the reference for this config, outside the seeds’ spread',
    );
    const below = compareToReference(
      ref,
      run.map((p) => ({ ...p, loss: p.loss / 1.12 / 2 })),
    )!;
    expect(below.sentence).toMatch(/^at step 1,800 your loss is 50 % below/);
    // A run longer than the reference is compared at its last step inside the reference.
    expect(compareToReference(ref, [...run, { step: 5000, loss: 1 }])!.step).toBe(1800);
    expect(compareToReference(ref, [])).toBeNull();
  });

  it('gives the loss per t of the nearest snapshot', () => {
    const ref = syntheticReference(
      'tiny',
      100,
      2,
      () => 1,
      0,
      (b) => b / 10,
    );
    const at = referenceLossPerT(ref, 57)!;
    expect(at.step).toBe(60);
    expect(at.buckets[5].mid).toBeCloseTo(0.5, 12);
  });

  it('matches a config to its preset; batch size is a caveat, other data or inputs are no match', () => {
    expect(matchReference(presetRunConfig('tiny'))).toEqual({ preset: 'tiny', caveats: [] });
    const small = applyOverrides(presetRunConfig('tiny'), {
      training: { batchSize: 2, targetSteps: 3, seed: 7 },
    });
    expect(matchReference(small)).toEqual({ preset: 'tiny', caveats: ['training.batchSize: 8 → 2'] });
    const zeroOne = applyOverrides(presetRunConfig('tiny'), { training: { normalization: 'zero-one' } });
    expect(matchReference(zeroOne)?.preset).not.toBe('tiny');
    expect(
      matchReference(applyOverrides(defaultRunConfig(), { data: { dataset: 'fashion-mnist' } })),
    ).toBeNull();
  });
});
