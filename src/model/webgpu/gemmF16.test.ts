import * as tf from '@tensorflow/tfjs';
import type { Padding } from '../convGrad';
import type { ConvGeometry } from '../products';
import { kernelFeatures, setKernelFeatures } from './features';
import {
  convFilterGradKernel,
  convForwardKernel,
  convInputGradKernel,
  denseWeightGradKernel,
  matMulKernel,
  standaloneShader,
  type GemmKernel,
} from './gemm';
import { convGemm, linearGemm } from './gemmOps';
import { compareOnCpu, random, startWebGpu } from './testing';

// The lab's device asks for shader-f16: SwiftShader lacks it (the lab says so and runs in f32),
// an adapter with it runs the GEMMs with f16 tiles.
const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
const unavailable = await startWebGpu({ subgroups: false, shaderF16: true });
const warnings = warn.mock.calls.map((c) => String(c[0]));
warn.mockRestore();
if (unavailable) console.warn(`f16 GEMM GPU tests skipped: ${unavailable}`);

const geometry = (o: Partial<ConvGeometry>): ConvGeometry => ({
  batch: 2,
  h: 7,
  w: 5,
  ci: 3,
  kh: 3,
  kw: 3,
  co: 5,
  stride: 1,
  pad: [1, 1, 1, 1] as Padding,
  ...o,
});

/** One kernel of each loader and epilogue kind, on odd shapes. */
function kernels(): GemmKernel[] {
  return [
    convForwardKernel(geometry({}), { bias: true, residual: true }),
    convForwardKernel(geometry({ h: 8, w: 6, upsample: true, co: 70 }), { rowBias: true }),
    convInputGradKernel(geometry({ stride: 2, pad: [0, 1, 0, 1] })),
    convFilterGradKernel(geometry({ batch: 4, h: 16, w: 16, ci: 2, co: 3 }), true, true),
    matMulKernel({ batch: 3, m: 5, n: 7, k: 9, transA: true, transB: true }, { alpha: 0.5 }),
    denseWeightGradKernel(37, 11, 13),
  ];
}

/** Kernels generated with the `shader-f16` switch on, then the switches as they were. */
function f16Kernels(): GemmKernel[] {
  const before = { ...kernelFeatures() };
  setKernelFeatures({ ...before, shaderF16: true });
  try {
    return kernels();
  } finally {
    setKernelFeatures(before);
  }
}

describe('GEMM kernels with f16 tiles (the shader-f16 switch)', () => {
  it('stage A and B as f16 with f32 accumulation, and say so in the key; off, nothing changes', () => {
    for (const k of f16Kernels()) {
      expect(k.directives).toBe('enable f16;');
      expect(k.key).toMatch(/_h$/);
      expect(k.code).toContain('var<workgroup> As : array<f16,');
      expect(k.code).toContain('var<workgroup> Bs : array<f16,');
      expect(k.code).toMatch(/var acc : array<f32, \d+>/);
      expect(standaloneShader(k).startsWith('enable f16;\nstruct Uniforms')).toBe(true);
    }
    const before = { ...kernelFeatures() };
    setKernelFeatures({ ...before, shaderF16: false });
    for (const k of kernels()) {
      expect(k.directives).toBeUndefined();
      expect(k.code).not.toContain('f16');
      expect(standaloneShader(k).startsWith('struct Uniforms')).toBe(true);
    }
    setKernelFeatures(before);
  });

  it('build valid pipelines on a device with shader-f16 (Dawn’s Null backend), and none without it', async () => {
    const { create, globals } = await import('webgpu');
    Object.assign(globalThis, globals);
    const nullGpu = create(['backend=null']);
    const adapter = async () => (await nullGpu.requestAdapter())!;
    expect((await adapter()).features.has('shader-f16')).toBe(true);
    const withF16 = await (await adapter()).requestDevice({ requiredFeatures: ['shader-f16'] });
    const without = await (await adapter()).requestDevice();
    const build = async (device: GPUDevice, code: string) => {
      device.pushErrorScope('validation');
      const module = device.createShaderModule({ code });
      const errors = (await module.getCompilationInfo()).messages.filter((m) => m.type === 'error');
      const pipeline = device.createComputePipeline({
        layout: 'auto',
        compute: { module, entryPoint: 'main' },
      });
      const scope = await device.popErrorScope();
      return { errors: errors.map((e) => e.message), scope: scope?.message, pipeline };
    };
    for (const k of f16Kernels()) {
      const ok = await build(withF16, standaloneShader(k));
      expect(ok.errors, k.key).toEqual([]);
      expect(ok.scope, k.key).toBeUndefined();
      const refused = await build(without, standaloneShader(k));
      expect(refused.scope ?? refused.errors.join(' '), k.key).toMatch(/f16/);
    }
    withF16.destroy();
    without.destroy();
  });
});

describe.skipIf(unavailable !== null)('the shader-f16 switch on this machine’s adapter', () => {
  const adapterHasF16 = async () =>
    (await navigator.gpu.requestAdapter())?.features.has('shader-f16') ?? false;

  it('is honoured where the adapter has shader-f16, and said to be missing (the lab runs in f32) where not', async () => {
    if (await adapterHasF16()) {
      expect(kernelFeatures().shaderF16).toBe(true);
      expect(warnings.filter((w) => w.includes('shader-f16'))).toEqual([]);
    } else {
      expect(kernelFeatures().shaderF16).toBe(false);
      expect(warnings).toEqual([
        expect.stringMatching(
          /^WebGPU feature "shader-f16" was switched on, but the adapter .+ does not have it: the lab runs without it\.$/,
        ),
      ]);
      expect(convForwardKernel(geometry({})).code).not.toContain('f16');
    }
  });

  // Bound: operands rounded to f16 (relative 2⁻¹¹ each), products and sums in f32.
  const bound = async () => ((await adapterHasF16()) ? 4e-3 : 2e-6);

  it('a stride-2 conv on one channel and a dense layer: values and gradients within the bound of tfjs’ CPU', async () => {
    const limit = await bound();
    const pad: Padding = [1, 1, 1, 1];
    const conv = await compareOnCpu(
      (x, w) => convGemm(x as tf.Tensor4D, w as tf.Tensor4D, tf.zeros([4]), { stride: 2, pad }),
      (x, w) =>
        tf.conv2d(
          tf.pad(x as tf.Tensor4D, [
            [0, 0],
            [1, 1],
            [1, 1],
            [0, 0],
          ]),
          w as tf.Tensor4D,
          2,
          'valid',
        ),
      [random([2, 7, 5, 1], 1), random([3, 3, 1, 4], 2)],
    );
    const dense = await compareOnCpu(
      (x, w, b) => linearGemm(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D),
      (x, w, b) => tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), b),
      [random([37, 11], 4), random([11, 13], 5), random([13], 6)],
    );
    for (const e of [...conv, ...dense]) expect(e).toBeLessThan(limit);
  });
});
