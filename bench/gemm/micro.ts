/**
 * The GEMM kernel micro-bench (run by `npm run bench -- --gemm-census`, in its own process so the
 * Vulkan environment applies): for the largest conv and attention of a preset at a batch, each lab
 * kernel's GFLOP/s beside a plain reference GEMM of the same m×n×k (one thread per output, no
 * tiles) and tfjs' own MatMul, on the same device. Prints one JSON line per kernel.
 *   tsx bench/gemm/micro.ts --preset cifar-small --batch 2 --reps 3
 */
import * as tf from '@tensorflow/tfjs';
import { parseBackend, useBackend } from '../../src/cli/backend';
import { presetConfig } from '../../src/model/presets';
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

async function bench(name: string, layer: string, kernel: GemmKernel, inputs: Record<string, tf.Tensor>) {
  const { m, n, k, batch: b } = kernel.plan;
  const flop = 2 * m * n * k * b;
  const lab = await time(() => runGemmKernel('BenchLabGemm', kernel, inputs));
  const [a, bm] = [normal([m, k]), normal([k, n])];
  // The references run one batch entry: scale their time to the kernel's batch.
  const reference =
    (await time(() => runGemmKernel('BenchReferenceGemm', referenceGemm(m, n, k), { a, b: bm }))) * b;
  const tfjs = (await time(() => tf.matMul(a, bm))) * b;
  tf.dispose([a, bm, ...Object.values(inputs)]);
  const gflops = (s: number) => flop / s / 1e9;
  console.log(
    JSON.stringify({
      preset,
      batch,
      kernel: name,
      layer,
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

await useBackend(parseBackend('webgpu'));
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
const fwd = convForwardKernel(g);
const dyShape = fwd.outputShape;
await bench('conv forward', conv.name, fwd, { x: normal(xShape), w: normal([g.kh, g.kw, g.ci, g.co]) });
await bench('conv input gradient', conv.name, convInputGradKernel(g), {
  dy: normal(dyShape),
  w: normal([g.kh, g.kw, g.ci, g.co]),
});
await bench('conv filter gradient (split-K partials)', conv.name, convFilterGradKernel(g), {
  x: normal(xShape),
  dy: normal(dyShape),
});
const att = products.find((p) => p.kind === 'attention');
if (att) {
  const s = { batch: att.batch, m: att.tokens, n: att.tokens, k: att.d, transA: false, transB: true };
  const shape = [att.batch, att.tokens, att.d];
  await bench('attention q·kᵀ', att.name, matMulKernel(s), { a: normal(shape), b: normal(shape) });
}
