/**
 * The GEMM kernel micro-bench (run by `npm run bench -- --gemm-census`, in its own process so the
 * Vulkan environment applies): for the largest conv and attention of a preset at a batch, each lab
 * kernel's GFLOP/s beside a plain reference GEMM of the same m×n×k (one thread per output, no
 * tiles) and tfjs' own MatMul, on the same device. Prints one JSON line per kernel.
 * `--gpu-features` (src/model/webgpu/features.ts) switches optional shader features on: each
 * GEMM then runs with f32 and, where the device was granted shader-f16, f16 tiles
 * (`staging`), and the compiled step's gradient norm (both stages, over the preset's parameter
 * count) and GroupNorm+SiLU run with the shared-memory tree and, where granted, subgroups
 * (`subgroups`): both ways in this one process on the same device, taking turns over 5 rounds
 * (medians).
 *   tsx bench/gemm/micro.ts --preset cifar-small --batch 2 --reps 3 [--gpu-features subgroups]
 */
import * as tf from '@tensorflow/tfjs';
import { parseBackend, parseGpuFeaturesFlag, useBackend } from '../../src/cli/backend';
import { countParameters } from '../../src/model/plan';
import { presetConfig } from '../../src/model/presets';
import { kernelFeatures, setKernelFeatures } from '../../src/model/webgpu/features';
import { groupNormWebGpu } from '../../src/model/webgpu/groupNorm';
import { finalizeWgsl, normPartialWgsl, WG } from '../../src/training/compiled/kernels';
import { forwardProducts, productMacs, type Product } from '../../src/model/products';
import {
  convFilterGradKernel,
  convForwardKernel,
  convInputGradKernel,
  matMulKernel,
  type ElementwiseKernel,
  type GemmKernel,
} from '../../src/model/webgpu/gemm';
import { runGemmKernel } from '../../src/model/webgpu/gemmOps';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const preset = arg('preset', 'cifar-small');
const batch = Number(arg('batch', '2'));
const reps = Number(arg('reps', '3'));
const gpuFeatures = arg('gpu-features', '');

/** A plain GEMM, C = A·B with A [m, k] and B [k, n] row-major: one thread per output value. */
function referenceGemm(m: number, n: number, k: number): ElementwiseKernel {
  const groups = Math.ceil((m * n) / 64);
  const gx = Math.min(groups, 65535);
  return {
    key: 'bench_reference_gemm',
    inputs: ['a', 'b'],
    outputShape: [m, n],
    uniforms: [
      { name: 'M', type: 'i32', value: m },
      { name: 'N', type: 'i32', value: n },
      { name: 'K', type: 'i32', value: k },
      { name: 'gx', type: 'i32', value: gx },
    ],
    workgroupSize: [64, 1, 1],
    dispatch: [gx, Math.ceil(groups / gx), 1],
    code: `
  fn gemm() {
    let i = (i32(workgroupId.y) * uniforms.gx + i32(workgroupId.x)) * 64 + i32(localIndex);
    if (i >= uniforms.M * uniforms.N) { return; }
    let row = i / uniforms.N;
    let col = i - row * uniforms.N;
    var s = 0.0;
    for (var k = 0; k < uniforms.K; k = k + 1) { s = fma(a[row * uniforms.K + k], b[k * uniforms.N + col], s); }
    result[i] = s;
  }`,
  };
}

/** Seconds per run of `f` (its first run, which compiles the shader, untimed). */
async function time(f: () => tf.Tensor): Promise<number> {
  const first = f();
  await first.data();
  first.dispose();
  const t0 = performance.now();
  let last: tf.Tensor | null = null;
  for (let r = 0; r < reps; r++) {
    last?.dispose();
    last = f();
  }
  await last!.data();
  last!.dispose();
  return (performance.now() - t0) / 1000 / reps;
}

const normal = (shape: number[]) => tf.randomNormal(shape, 0, 1, 'float32', 7);

async function bench(name: string, layer: string, make: () => GemmKernel, inputs: Record<string, tf.Tensor>) {
  for (const f16 of granted.shaderF16 ? [false, true] : [false]) {
    setKernelFeatures({ ...granted, shaderF16: f16 });
    await benchKernel(name, layer, make(), inputs, f16 ? 'f16' : 'f32');
  }
  setKernelFeatures(granted);
  tf.dispose(Object.values(inputs));
}

async function benchKernel(
  name: string,
  layer: string,
  kernel: GemmKernel,
  inputs: Record<string, tf.Tensor>,
  staging: 'f32' | 'f16',
) {
  const { m, n, k, batch: b } = kernel.plan;
  const flop = 2 * m * n * k * b;
  const lab = await time(() => runGemmKernel('BenchLabGemm', kernel, inputs));
  const [a, bm] = [normal([m, k]), normal([k, n])];
  // The references run one batch entry: scale their time to the kernel's batch.
  const reference =
    (await time(() => runGemmKernel('BenchReferenceGemm', referenceGemm(m, n, k), { a, b: bm }))) * b;
  const tfjs = (await time(() => tf.matMul(a, bm))) * b;
  tf.dispose([a, bm]);
  const gflops = (s: number) => flop / s / 1e9;
  console.log(
    JSON.stringify({
      preset,
      batch,
      kernel: name,
      layer,
      staging,
      m,
      n,
      k,
      gemmBatch: b,
      gflop: flop / 1e9,
      tile: `${kernel.plan.tile.bm}×${kernel.plan.tile.bn}×${kernel.plan.tile.bk}/${kernel.plan.tile.tm}×${kernel.plan.tile.tn}`,
      splits: kernel.plan.splits,
      labGflops: gflops(lab),
      referenceGflops: gflops(reference),
      tfjsMatMulGflops: gflops(tfjs),
      labOverReference: reference / lab,
    }),
  );
}

/** Tree (false) and, where the device has subgroups, subgroup (true) reductions. */
const subgroupVariants = () => (granted.subgroups ? [false, true] : [false]);

/**
 * Median seconds of each timer over 5 rounds, the variants taking turns within each round (each
 * timed once untimed first), so a change of load on a shared machine hits them alike.
 */
async function interleaved(timers: (() => Promise<number>)[]): Promise<number[]> {
  for (const t of timers) await t();
  const samples: number[][] = timers.map(() => []);
  for (let round = 0; round < 5; round++) for (const [i, t] of timers.entries()) samples[i].push(await t());
  return samples.map((x) => x.sort((a, b) => a - b)[2]);
}

/**
 * The compiled step's gradient norm over `n` floats (both stages, as `compiledStep.ts` dispatches
 * them), with and without subgroups where the device has them: GB/s of gradient read.
 */
async function benchNorm(n: number) {
  const device = (tf.backend() as unknown as { device: GPUDevice }).device;
  const storage = (bytes: number) =>
    device.createBuffer({ size: Math.max(16, bytes), usage: GPUBufferUsage.STORAGE });
  const partialCount = Math.min(256, Math.ceil(n / WG));
  const [grad, partials, stats] = [storage(4 * n), storage(4 * partialCount), storage(4 * 8)];
  const [loss, perExample, t] = [storage(4), storage(4), storage(4)];
  const timer = (subgroups: boolean) => {
    const pipeline = (code: string) =>
      device.createComputePipeline({
        layout: 'auto',
        compute: { module: device.createShaderModule({ code }), entryPoint: 'main' },
      });
    const stages = [
      { p: pipeline(normPartialWgsl(subgroups)), buffers: [partials, grad], groups: partialCount },
      { p: pipeline(finalizeWgsl(subgroups)), buffers: [stats, partials, loss, perExample, t], groups: 1 },
    ].map(({ p, buffers, groups }) => ({
      p,
      groups,
      bind: device.createBindGroup({
        layout: p.getBindGroupLayout(0),
        entries: buffers.map((buffer, i) => ({ binding: i, resource: { buffer } })),
      }),
    }));
    const run = async (times: number) => {
      const encoder = device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      for (let r = 0; r < times; r++)
        for (const s of stages) {
          pass.setPipeline(s.p);
          pass.setBindGroup(0, s.bind);
          pass.dispatchWorkgroups(s.groups);
        }
      pass.end();
      device.queue.submit([encoder.finish()]);
      await device.queue.onSubmittedWorkDone();
    };
    return async () => {
      const t0 = performance.now();
      await run(reps);
      return (performance.now() - t0) / 1000 / reps;
    };
  };
  const medians = await interleaved(subgroupVariants().map(timer));
  subgroupVariants().forEach((subgroups, i) =>
    console.log(
      JSON.stringify({
        preset,
        kernel: 'gradient norm (2 stages)',
        n,
        subgroups,
        ms: medians[i] * 1000,
        gbPerS: (4 * n) / medians[i] / 1e9,
      }),
    ),
  );
  for (const b of [grad, partials, stats, loss, perExample, t]) b.destroy();
}

/**
 * GroupNorm+SiLU forward and backward (their sums are `reductionProgram`'s `workgroupSum`) on
 * `shape` with 32 groups, with and without subgroups where the device has them.
 */
async function benchGroupNorm(layer: string, shape: [number, number, number, number]) {
  const x = normal(shape) as tf.Tensor4D;
  const [gamma, beta] = [normal([shape[3]]), normal([shape[3]])] as tf.Tensor1D[];
  const step = () =>
    tf.tidy(() => {
      const [value, [dx]] = [
        groupNormWebGpu(x, gamma, beta, { groups: 32, eps: 1e-5, silu: true }),
        tf.grads((a: tf.Tensor) =>
          tf.sum(groupNormWebGpu(a as tf.Tensor4D, gamma, beta, { groups: 32, eps: 1e-5, silu: true })),
        )([x]),
      ];
      return tf.add(tf.sum(value), tf.sum(dx));
    });
  const timer = (subgroups: boolean) => async () => {
    setKernelFeatures({ ...granted, subgroups });
    return time(step);
  };
  const medians = await interleaved(subgroupVariants().map(timer));
  setKernelFeatures(granted);
  subgroupVariants().forEach((subgroups, i) =>
    console.log(
      JSON.stringify({
        preset,
        kernel: 'GroupNorm+SiLU fwd+bwd',
        layer,
        shape,
        subgroups,
        ms: medians[i] * 1000,
      }),
    ),
  );
  tf.dispose([x, gamma, beta]);
}

await useBackend('webgpu', parseGpuFeaturesFlag(gpuFeatures || undefined, parseBackend('webgpu')));
/** What the device was granted of the switches asked for. */
const granted = { ...kernelFeatures() };
const config = presetConfig(preset);
const side = config.sample_size as number;
const products = forwardProducts(config, batch, side, side);
const largest = <T extends Product['kind']>(kind: T) =>
  products
    .filter((p): p is Extract<Product, { kind: T }> => p.kind === kind)
    .reduce((a, b) => (productMacs(b) > productMacs(a) ? b : a));
const conv = largest('conv');
const g = conv.geometry;
const xShape = [g.batch, g.upsample ? g.h / 2 : g.h, g.upsample ? g.w / 2 : g.w, g.ci];
const dyShape = convForwardKernel(g).outputShape;
await bench('conv forward', conv.name, () => convForwardKernel(g), {
  x: normal(xShape),
  w: normal([g.kh, g.kw, g.ci, g.co]),
});
await bench('conv input gradient', conv.name, () => convInputGradKernel(g), {
  dy: normal(dyShape),
  w: normal([g.kh, g.kw, g.ci, g.co]),
});
await bench('conv filter gradient (split-K partials)', conv.name, () => convFilterGradKernel(g), {
  x: normal(xShape),
  dy: normal(dyShape),
});
const att = products.find((p) => p.kind === 'attention');
if (att) {
  const s = { batch: att.batch, m: att.tokens, n: att.tokens, k: att.d, transA: false, transB: true };
  const shape = [att.batch, att.tokens, att.d];
  await bench('attention q·kᵀ', att.name, () => matMulKernel(s), { a: normal(shape), b: normal(shape) });
}
await benchNorm(countParameters(config));
if (g.ci % 32 === 0) await benchGroupNorm(`${conv.name} input`, xShape as [number, number, number, number]);
