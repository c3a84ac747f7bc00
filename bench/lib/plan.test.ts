import { parseOptions } from './options';
import { countParameters } from '../../src/model/plan';
import { NULL_DEVICE_BYTES, PRESET_BATCH, planCases, sampleSteps, twinConfig } from './plan';

describe('planCases', () => {
  it('runs PyTorch for every preset first, then every lab backend of a preset before the next preset', () => {
    const cases = planCases(
      parseOptions(['--presets', 'tiny,mnist', '--backends', 'node-webgpu,pytorch,browser-webgl']),
    );
    expect(cases.map((c) => `${c.preset}/${c.backend}`)).toEqual([
      'tiny/pytorch',
      'mnist/pytorch',
      'tiny/node-webgpu',
      'tiny/browser-webgl',
      'mnist/node-webgpu',
      'mnist/browser-webgl',
    ]);
    expect(cases.map((c) => c.spec.batch)).toEqual([16, 64, 16, 16, 64, 64]);
    expect(cases.map((c) => c.spec.device)).toEqual(['auto', 'auto', 'webgpu', 'webgl', 'webgpu', 'webgl']);
    expect(cases.every((c) => c.flags.length === 0)).toBe(true);
  });

  it('turns seconds into the milliseconds the environments use, and passes the sampling settings', () => {
    const [c] = planCases(
      parseOptions([
        '--presets',
        'mnist',
        '--backends',
        'node-cpu',
        '--cap',
        '30',
        '--case-budget',
        '90',
        '--sample-steps',
        '3',
      ]),
    );
    expect(c.spec).toMatchObject({
      device: 'cpu',
      capMs: 30_000,
      timedBudgetMs: 90_000,
      sampleSteps: 3,
      sampleBatches: [16, 64],
    });
  });

  it('flags a batch other than the preset one', () => {
    const cases = planCases(
      parseOptions(['--presets', 'tiny,paper-cifar10', '--backends', 'pytorch', '--batch', '16']),
    );
    expect(cases[0].flags).toEqual([]);
    expect(cases[1].flags).toEqual([`batch 16 (preset's: ${PRESET_BATCH['paper-cifar10']})`]);
    expect(cases[1].spec.batch).toBe(16);
  });
});

describe('sampleSteps', () => {
  const [{ spec }] = planCases(
    parseOptions([
      '--presets',
      'tiny',
      '--backends',
      'pytorch',
      '--case-budget',
      '40',
      '--sample-steps',
      '5',
    ]),
  );
  it('takes sampleSteps when they fit in a quarter of the case budget, fewer (at least one) when not', () => {
    expect(sampleSteps(spec, 100)).toBe(5);
    expect(sampleSteps(spec, 3000)).toBe(3);
    expect(sampleSteps(spec, 60_000)).toBe(1);
  });
});

describe('--fused', () => {
  const devices = (argv: string[]) =>
    planCases(parseOptions(['--presets', 'tiny', '--backends', 'node-cpu,node-webgpu', ...argv])).map((c) => [
      c.backend,
      c.spec.fused,
      c.flags,
    ]);

  it('runs WebGPU fused by default, without a flag', () => {
    expect(devices([])).toEqual([
      ['node-cpu', true, []],
      ['node-webgpu', true, []],
    ]);
  });

  it('both: a fused and an unfused row per WebGPU case, told apart by their flags; CPU once', () => {
    expect(devices(['--fused', 'both'])).toEqual([
      ['node-cpu', true, []],
      ['node-webgpu', true, ['fused kernels']],
      ['node-webgpu', false, ['unfused (tfjs ops)']],
    ]);
  });

  it('off: WebGPU with tfjs ops only, flagged', () => {
    expect(devices(['--fused', 'off'])).toEqual([
      ['node-cpu', true, []],
      ['node-webgpu', false, ['unfused (tfjs ops)']],
    ]);
  });

  it('rejects other values, naming the allowed ones', () => {
    expect(() => parseOptions(['--fused', 'yes'])).toThrow(/--fused "yes": allowed on, off, both/);
  });
});

describe('node-null twins', () => {
  it('runs paper-cifar10 at a quarter of its widths on the Null device, the smaller presets as they are', () => {
    const cases = planCases(parseOptions(['--presets', 'mnist,paper-cifar10', '--backends', 'node-null']));
    expect(cases.map((c) => c.spec.widthDivisor)).toEqual([undefined, 4]);
    expect(cases[1].flags.at(-1)).toMatch(
      /^block widths ÷4: .* \(682 MiB\) do not fit Dawn's Null device \(512 MiB\)/,
    );
    expect(twinConfig('paper-cifar10', 4).block_out_channels).toEqual([32, 64, 64, 64]);
    expect(countParameters(twinConfig('paper-cifar10', 4)) * 20).toBeLessThan(NULL_DEVICE_BYTES / 4);
  });
});

describe('--gpu-features', () => {
  it('switches shader features on for the node WebGPU cases, flagged; other cases untouched', () => {
    const cases = planCases(
      parseOptions([
        '--presets',
        'tiny',
        '--backends',
        'node-cpu,node-webgpu,browser-webgpu',
        '--gpu-features',
        'subgroups',
      ]),
    );
    expect(cases.map((c) => [c.backend, c.spec.gpuFeatures, c.flags])).toEqual([
      ['node-cpu', undefined, []],
      ['node-webgpu', 'subgroups', ['gpu features subgroups']],
      ['browser-webgpu', undefined, []],
    ]);
    expect(
      planCases(parseOptions(['--presets', 'tiny', '--backends', 'node-webgpu']))[0].spec.gpuFeatures,
    ).toBeUndefined();
  });

  it('rejects an unknown feature, naming the known ones', () => {
    expect(() => parseOptions(['--gpu-features', 'subgroups,f16'])).toThrow(
      /--gpu-features "subgroups,f16": Unknown GPU feature "f16": use subgroups, shader-f16/,
    );
  });
});
