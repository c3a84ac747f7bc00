import { kernelTotals } from './profile';

describe('kernelTotals', () => {
  it('sums GPU ms and calls per registered kernel, slowest first, skipping nesting wrappers', () => {
    const kernels = [
      { name: 'Conv2D', kernelTimeMs: 3 },
      { name: 'Add', kernelTimeMs: 0.5 },
      { name: '', kernelTimeMs: 9 }, // a customGrad wrapper around the Conv2D: counted already
      { name: 'Conv2D', kernelTimeMs: 4 },
      { name: 'Add', kernelTimeMs: { error: 'no timestamp' } },
    ];
    const r = kernelTotals(kernels, (n) => n !== '');
    expect(r.kernels).toEqual([
      ['Conv2D', 7, 2],
      ['Add', 0.5, 2],
    ]);
    expect(r.gpuMs).toBe(7.5);
  });
});
