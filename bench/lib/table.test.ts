import { caseLine, insertRun, renderRun, runId } from './table';
import type { BenchRun, CaseResult } from './types';

const base: CaseResult = {
  preset: 'tiny',
  backend: 'node-webgpu',
  batch: 16,
  status: 'ok',
  device: 'webgpu nvidia/hopper',
  parameters: 702_499,
  firstStepMs: 12_345,
  msPerStep: 123.4,
  stepsTimed: 10,
  stepMs: [],
  imagesPerSec: 129.66,
  kernelsPerStep: 4321,
  dispatchesPerStep: 3551,
  peakTensorBytes: 50 * 2 ** 20,
  gpuBytes: null,
  flopsPerStep: 1e10,
  gflopsPerSec: 81.04,
  peakFraction: 0.0012,
  vsPytorch: 7.5,
  sampling: [
    { batch: 16, msPerStep: 9.876, steps: 5, dispatchesPerStep: 300, kernelsPerStep: 200 },
    {
      batch: 64,
      msPerStep: null,
      steps: 0,
      dispatchesPerStep: null,
      kernelsPerStep: null,
      reason: 'not reached',
    },
  ],
  topKernels: [],
  topDispatches: [],
  flags: [],
};

const run = (date: string, cases: CaseResult[], name = 'h100'): BenchRun => ({
  version: 1,
  date,
  commit: '0123456789abcdef',
  machine: {
    name,
    description: '16-core CPU, 128 GiB, NVIDIA H100 80GB HBM3',
    cpu: 'x',
    cores: 16,
    memoryGiB: 128,
    os: 'Linux',
    loadAverage: 0.5,
    node: 'v20.0.0',
    gpu: { name: 'NVIDIA H100 80GB HBM3', fp32PeakTflops: 66.9 },
  },
  command: 'npm run bench',
  wallSeconds: 100.4,
  cases,
});

describe('renderRun', () => {
  it('writes one table row per case with units and em dashes for what was not measured', () => {
    const skipped: CaseResult = {
      ...base,
      backend: 'browser-webgpu',
      status: 'skipped',
      reason: 'not started: run budget of 840 s spent',
      device: undefined,
      firstStepMs: null,
      msPerStep: null,
      imagesPerSec: null,
      kernelsPerStep: null,
      dispatchesPerStep: null,
      peakTensorBytes: null,
      gflopsPerSec: null,
      peakFraction: null,
      vsPytorch: null,
      sampling: [
        {
          batch: 16,
          msPerStep: null,
          steps: 0,
          dispatchesPerStep: null,
          kernelsPerStep: null,
          reason: 'not reached',
        },
      ],
      flags: ["batch 8 (preset's: 16)"],
    };
    const md = renderRun(run('2026-11-26T10:00:00.000Z', [base, skipped]));
    const lines = md.split('\n');
    expect(lines[0]).toBe('<!-- run: 2026-11-26-h100 -->');
    expect(lines[1]).toBe('## 2026-11-26 · h100');
    expect(md).toContain(
      'NVIDIA H100 80GB HBM3; load average 0.5 at the start; Linux; Node v20.0.0; fp32 peak 66.9 TFLOP/s.',
    );
    expect(md).toContain('Command `npm run bench` at 0123456789, 100 s.');
    const header = lines.find((l) => l.startsWith('| preset'))!;
    expect(header).toContain('| sampling @16 | sampling @64 | peak MB | notes |');
    const rows = lines.filter((l) => l.startsWith('| tiny'));
    expect(rows[0]).toBe(
      '| tiny | node-webgpu | webgpu nvidia/hopper | 16 | 123 | 130 | 12.3 s | 4,321 | 3,551 | 81.0 | 0.12 % | 7.50× | 9.88 | – | 50 | sampling @64: not reached |',
    );
    expect(rows[1]).toBe(
      "| tiny | browser-webgpu | – | 16 | – | – | – | – | – | – | – | – | – | – | – | skipped; batch 8 (preset's: 16); not started: run budget of 840 s spent |",
    );
  });

  it('lists the most dispatched GPU programs of the cases that counted them', () => {
    const programs: [string, number][] = [
      ['BinaryOpProgram', 1200],
      ['Conv2DMMProgram', 300],
    ];
    const md = renderRun(
      run('2026-11-26T10:00:00.000Z', [base, { ...base, preset: 'mnist', topDispatches: programs }]),
    );
    expect(md).toContain(
      'Most dispatched programs per training step:\n\n- mnist · node-webgpu: BinaryOpProgram 1,200, Conv2DMMProgram 300\n',
    );
    expect(md).not.toContain('- tiny ·');
  });

  it('lists the profiled GPU time per kernel, naming the fused or unfused variant', () => {
    const profile = {
      kernels: [['Conv2D', 86.8, 22] as [string, number, number]],
      gpuMs: 186.1,
      wallMs: 861.4,
    };
    const md = renderRun(
      run('2026-11-26T10:00:00.000Z', [
        base,
        { ...base, preset: 'cifar-small', flags: ['fused kernels'], profile },
      ]),
    );
    expect(md).toContain(
      '- cifar-small · node-webgpu (fused kernels): step 861 ms wall, 186.1 ms GPU; Conv2D 86.8/22\n',
    );
    expect(md).not.toContain('- tiny · node-webgpu: step');
  });

  it('escapes pipes inside cells', () => {
    const md = renderRun(run('2026-11-26T10:00:00.000Z', [{ ...base, reason: 'a | b', status: 'partial' }]));
    expect(md).toContain('partial; a \\| b');
  });
});

describe('insertRun', () => {
  it('starts a new file with the legend, then puts each run first', () => {
    const first = insertRun(null, run('2026-11-20T10:00:00.000Z', [base]));
    expect(first).toMatch(/^# Benchmark results\n/);
    expect(first).toContain('lab/PyTorch');
    const second = insertRun(first, run('2026-11-26T10:00:00.000Z', [base], 'laptop'));
    const ids = [...second.matchAll(/<!-- run: (\S+) -->/g)].map((m) => m[1]);
    expect(ids).toEqual(['2026-11-26-laptop', '2026-11-20-h100']);
    expect(second.startsWith(first.slice(0, first.indexOf('<!-- runs')))).toBe(true);
  });

  it('replaces the section of a rerun with the same id, keeping the others', () => {
    const a = insertRun(null, run('2026-11-20T10:00:00.000Z', [base]));
    const b = insertRun(a, run('2026-11-26T10:00:00.000Z', [base], 'laptop'));
    const c = insertRun(b, run('2026-11-20T18:00:00.000Z', [{ ...base, msPerStep: 99 }]));
    const ids = [...c.matchAll(/<!-- run: (\S+) -->/g)].map((m) => m[1]);
    expect(ids).toEqual(['2026-11-20-h100', '2026-11-26-laptop']);
    expect(c).toContain('| 99.0 |');
    expect(c.match(/\| 123 \|/g)).toHaveLength(1); // only the laptop's row is left at 123 ms
    expect(runId(run('2026-11-20T18:00:00.000Z', []))).toBe('2026-11-20-h100');
  });
});

describe('caseLine', () => {
  it('summarises a measured case and says why one was skipped', () => {
    expect(caseLine(base)).toBe(
      'ok: first step 12.3 s, 10 steps, median 123 ms (130 img/s, 81.0 GFLOP/s), 3,551 dispatches/step, 4,321 kernels/step, sampling @16 9.88 ms/step',
    );
    expect(caseLine({ ...base, status: 'skipped', firstStepMs: null, reason: 'no Dawn binding' })).toBe(
      'skipped: no Dawn binding',
    );
  });
});
