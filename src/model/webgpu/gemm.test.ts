import * as tf from '@tensorflow/tfjs';
import type { Padding } from '../convGrad';
import {
  chooseTile,
  convFilterGradKernel,
  convForwardKernel,
  convInputGradKernel,
  denseView,
  denseWeightGradKernel,
  matMulKernel,
  reduceKernel,
  standaloneShader,
  TARGET_WORKGROUPS,
  TILES,
  uniformBytes,
  viewMatMulKernel,
  weightGradParts,
} from './gemm';
import { convGemm, linearGemm, projectionsGemm, viewMatMulGemm } from './gemmOps';
import { attentionCoreWebGpu } from './attention';
import { labKernelRuns } from './program';
import { compareOnCpu as compare, maxRel, random, valueAndGrads } from './testing';
import { startWebGpu } from './testing';

const unavailable = await startWebGpu();
if (unavailable) console.warn(`WebGPU kernel tests skipped: ${unavailable}`);

function upsampleReference(x: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const wide = tf.add(tf.reshape(x, [n, h, 1, w, 1, c]), tf.zeros([1, 1, 2, 1, 2, 1]));
  return tf.reshape(wide, [n, 2 * h, 2 * w, c]);
}

describe('GEMM tile choice', () => {
  it('meets the workgroup and tile-use targets where the shape allows, and splits k when the output is small', () => {
    // cifar-small's 16×16 conv at batch 64: M = 16,384 pixels, 128 channels, K = 1,152.
    const fwd = chooseTile(64 * 16 * 16, 128, 9 * 128);
    expect(fwd.workgroups).toBeGreaterThanOrEqual(TARGET_WORKGROUPS);
    expect(fwd.tileUse).toBe(1);
    expect(fwd.tile).toEqual(TILES[0]);
    // its filter gradient: 1,152 × 128 outputs, K = 16,384 → split into chunks.
    const dw = chooseTile(9 * 128, 128, 64 * 16 * 16, 1, true);
    expect(dw.splits).toBeGreaterThan(1);
    expect(dw.workgroups).toBeGreaterThanOrEqual(TARGET_WORKGROUPS);
    expect(dw.kChunk * dw.splits).toBeGreaterThanOrEqual(dw.k);
    expect(dw.kChunk * (dw.splits - 1)).toBeLessThan(dw.k);
    // conv_out (3 channels) takes a narrow tile instead of wasting 95 % of a 64-wide one.
    const out = chooseTile(64 * 32 * 32, 3, 9 * 64);
    expect(out.tile.bn).toBeLessThanOrEqual(4);
    expect(out.tileUse).toBeGreaterThanOrEqual(0.75);
  });
});

describe('storage bindings', () => {
  it('the multi-source and multi-destination kernels bind at most 8 storage buffers (WebGPU’s guaranteed minimum)', () => {
    const bindings = (k: { inputs: string[]; sideOutputs?: unknown[] }) =>
      1 + k.inputs.length + (k.sideOutputs?.length ?? 0);
    const widths = [64, 64, 64];
    const cParts = weightGradParts(widths);
    const shared = { batch: 1, sharedB: true, bParts: widths };
    const dw = (rows: number) => denseWeightGradKernel(rows, 64, 192, cParts);
    const [unsplit, split] = [dw(256), dw(4096)];
    expect([unsplit.plan.splits, split.plan.splits > 1]).toEqual([1, true]);
    const operand = { input: 'x', trans: false, view: denseView(16, 16) };
    const group = (input: string) => ({ a: { ...operand, input }, b: operand, c: denseView(16, 16) });
    const conv = {
      batch: 2,
      h: 8,
      w: 8,
      ci: 96,
      kh: 3,
      kw: 3,
      co: 64,
      stride: 1,
      pad: [1, 1, 1, 1] as Padding,
      split: 64,
    };
    const kernels = [
      matMulKernel({ ...shared, m: 1024, n: 192, k: 64, transA: false, transB: false }, { bias: true }),
      matMulKernel({ ...shared, m: 1024, n: 64, k: 192, transA: false, transB: true }),
      unsplit,
      split,
      reduceKernel(split.plan.splits, 65 * 192, [64, 64], [], { columns: cParts, rows: 64, n: 192 }),
      viewMatMulKernel({
        batch: 4,
        m: 16,
        n: 16,
        k: 16,
        groups: [group('ds'), group('probs'), group('dout')],
        outputShape: [1],
      }),
      convForwardKernel(conv, { bias: true, residual: true, rowBias: true }),
      convInputGradKernel(conv),
      convFilterGradKernel(conv, true, true),
    ];
    for (const k of kernels) expect(bindings(k), k.key).toBeLessThanOrEqual(8);
    expect(bindings(kernels[0])).toBe(8); // x, three weights, three biases, the packed output
  });
});

describe.skipIf(unavailable !== null)('GEMM kernels against tfjs on the CPU backend', () => {
  const padRef = (x: tf.Tensor4D, p: Padding) =>
    tf.pad(x, [
      [0, 0],
      [p[0], p[1]],
      [p[2], p[3]],
      [0, 0],
    ]);

  it.each([
    { name: 'batch 1, 3 → 5 channels, 5×7', x: [1, 5, 7, 3], k: 3, co: 5, stride: 1, pad: [1, 1, 1, 1] },
    {
      name: '1 channel, 4×4, stride 2 (TF SAME)',
      x: [2, 4, 4, 1],
      k: 3,
      co: 3,
      stride: 2,
      pad: [0, 1, 0, 1],
    },
    { name: 'stride 2, padding 1, odd sides', x: [2, 7, 5, 4], k: 3, co: 4, stride: 2, pad: [1, 1, 1, 1] },
    { name: '1×1 image, 70 output channels', x: [3, 1, 1, 6], k: 3, co: 70, stride: 1, pad: [1, 1, 1, 1] },
    {
      name: '1×1 conv, 65 channels, 198 pixels',
      x: [2, 9, 11, 7],
      k: 1,
      co: 65,
      stride: 1,
      pad: [0, 0, 0, 0],
    },
    {
      name: 'split-K filter gradient (K = 1,024)',
      x: [4, 16, 16, 2],
      k: 3,
      co: 3,
      stride: 1,
      pad: [1, 1, 1, 1],
    },
  ] as const)('conv, $name: values and gradients', async (c) => {
    const [n, h, w, ci] = c.x;
    const pad = [...c.pad] as Padding;
    const stride = c.stride as 1 | 2;
    const ho = Math.floor((h + pad[0] + pad[1] - c.k) / stride) + 1;
    const wo = Math.floor((w + pad[2] + pad[3] - c.k) / stride) + 1;
    const inputs = [
      random([...c.x], 1),
      random([c.k, c.k, ci, c.co], 2),
      random([c.co], 3),
      random([n, ho, wo, c.co], 4),
      random([n, c.co], 5),
    ];
    const errs = await compare(
      (x, wt, b, res, temb) =>
        convGemm(x as tf.Tensor4D, wt as tf.Tensor4D, b as tf.Tensor1D, {
          stride,
          pad,
          residual: res as tf.Tensor4D,
          rowBias: temb as tf.Tensor2D,
        }),
      (x, wt, b, res, temb) =>
        tf.add(
          tf.add(tf.conv2d(padRef(x as tf.Tensor4D, pad), wt as tf.Tensor4D, stride, 'valid'), b),
          tf.add(res, tf.reshape(temb, [n, 1, 1, c.co])),
        ),
      inputs,
    );
    for (const e of errs) expect(e).toBeLessThan(2e-6);
  });

  it('conv reading its input nearest-×2-upsampled: values and gradients', async () => {
    const inputs = [random([2, 2, 3, 3], 1), random([3, 3, 3, 4], 2), random([4], 3)];
    const pad: Padding = [1, 1, 1, 1];
    // The input gradient is the stored input's, gathered from each 2×2 block: no block-sum pass.
    const dx = convInputGradKernel({
      batch: 2,
      h: 4,
      w: 6,
      ci: 3,
      kh: 3,
      kw: 3,
      co: 4,
      stride: 1,
      pad,
      upsample: true,
    });
    expect(dx.outputShape).toEqual([2, 2, 3, 3]);
    expect([dx.plan.m, dx.plan.k]).toEqual([2 * 2 * 3, 4 * 9 * 4]);
    const errs = await compare(
      (x, w, b) =>
        convGemm(x as tf.Tensor4D, w as tf.Tensor4D, b as tf.Tensor1D, { stride: 1, pad, upsample: true }),
      (x, w, b) =>
        tf.add(tf.conv2d(padRef(upsampleReference(x as tf.Tensor4D), pad), w as tf.Tensor4D, 1, 'valid'), b),
      inputs,
    );
    for (const e of errs) expect(e).toBeLessThan(2e-6);
  });

  it.each([
    { rows: 1, inCh: 3, outCh: 70 },
    { rows: 130, inCh: 5, outCh: 1 },
    { rows: 600, inCh: 33, outCh: 17 }, // the weight gradient splits its 600 rows
  ])('dense $rows×$inCh → $outCh: values and gradients', async ({ rows, inCh, outCh }) => {
    const errs = await compare(
      (x, w, b) => linearGemm(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D),
      (x, w, b) => tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), b),
      [random([rows, inCh], 1), random([inCh, outCh], 2), random([outCh], 3)],
    );
    for (const e of errs) expect(e).toBeLessThan(2e-6);
  });

  it.each([
    { transA: false, transB: true },
    { transA: true, transB: false },
    { transA: false, transB: false },
  ])('batched matmul transA $transA transB $transB, scaled', async ({ transA, transB }) => {
    const [batch, m, n, k] = [3, 17, 5, 9];
    const a = random(transA ? [batch, k, m] : [batch, m, k], 1);
    const b = random(transB ? [batch, n, k] : [batch, k, n], 2);
    const want = await valueAndGrads(
      'cpu',
      (x, y) => tf.mul(tf.matMul(x as tf.Tensor3D, y as tf.Tensor3D, transA, transB), 0.5),
      [a, b],
    );
    await tf.setBackend('webgpu');
    const [ta, tb] = [
      tf.tensor3d(a.data, a.shape as [number, number, number]),
      tf.tensor3d(b.data, b.shape as [number, number, number]),
    ];
    const view = (trans: boolean, rows: number, cols: number) =>
      trans ? denseView(cols, rows) : denseView(rows, cols);
    const a0 = { input: 'a', trans: transA, view: view(transA, m, k) };
    const b0 = { input: 'b', trans: transB, view: view(transB, k, n) };
    const s = {
      batch,
      m,
      n,
      k,
      groups: [{ a: a0, b: b0, c: denseView(m, n) }],
      outputShape: [batch, m, n],
      alpha: 0.5,
    };
    const got = viewMatMulGemm(s, { a: ta, b: tb });
    expect(maxRel((await got.data()) as Float32Array, want[0])).toBeLessThan(2e-6);
    tf.dispose([ta, tb, got]);
  });

  it.each([
    { rows: 1, inCh: 3, widths: [70, 70, 70] },
    { rows: 130, inCh: 5, widths: [1, 2, 3] },
    { rows: 600, inCh: 33, widths: [17, 17, 17] }, // the weight gradients split their 600 rows
    { rows: 7, inCh: 4, widths: [9, 6] },
  ])(
    'dense layers reading one x ($rows×$inCh → $widths) as one GEMM each way: values and gradients',
    async ({ rows, inCh, widths }) => {
      const count = widths.length;
      const inputs = [
        random([rows, inCh], 1),
        ...widths.map((w, j) => random([inCh, w], 2 + j)),
        ...widths.map((w, j) => random([w], 10 + j)),
      ];
      const split = (t: tf.Tensor[]) =>
        [t.slice(1, 1 + count), t.slice(1 + count)] as [tf.Tensor2D[], tf.Tensor1D[]];
      const before = new Map(labKernelRuns());
      const errs = await compare(
        (...t) => projectionsGemm(t[0] as tf.Tensor2D, ...split(t)),
        (...t) => {
          const [ws, bs] = split(t);
          return tf.concat(
            ws.map((w, j) => tf.add(tf.matMul(t[0] as tf.Tensor2D, w), bs[j])),
            1,
          );
        },
        inputs,
      );
      for (const e of errs) expect(e).toBeLessThan(2e-6);
      // Forward twice (value, then inside the gradient), then one dx and one dW GEMM for them all.
      const ran = (k: string) => (labKernelRuns().get(k) ?? 0) - (before.get(k) ?? 0);
      expect(ran('LabMatMul')).toBe(4);
      expect(ran('LabSplitKSum')).toBe(rows === 600 ? 1 : 0);
    },
  );

  it('bias and time-embedding gradients are ones rows of the weight-gradient GEMM, split and unsplit: no column sum', async () => {
    // The shapes of the conv and dense cases above: both paths of each run there against the CPU.
    const conv = (x: number[], co: number) => {
      const [batch, h, w, ci] = x;
      return { batch, h, w, ci, kh: 3, kw: 3, co, stride: 1, pad: [1, 1, 1, 1] as Padding };
    };
    const dense = denseWeightGradKernel;
    const unsplit = convFilterGradKernel(conv([1, 5, 7, 3], 5), true);
    expect(unsplit.plan.splits).toBe(1);
    expect(unsplit.plan.m).toBe(28); // 27 filter rows + the ones row
    expect(unsplit.sideOutputs).toEqual([{ name: 'dbias', shape: [5] }]);
    expect(unsplit.outputShape).toEqual([27, 5]);
    // With the time embedding (rowBias): one more row per sample, its gradient Σ over that sample's pixels.
    const withRows = convFilterGradKernel(conv([2, 5, 7, 3], 5), true, true);
    expect(withRows.plan.m).toBe(27 + 1 + 2);
    expect(withRows.sideOutputs).toEqual([
      { name: 'dbias', shape: [5] },
      { name: 'drow', shape: [2, 5] },
    ]);
    const split = convFilterGradKernel(conv([4, 16, 16, 2], 3), true);
    expect(split.plan.splits).toBeGreaterThan(1);
    expect(split.sideOutputs).toBeUndefined(); // the split-K sum splits the row off
    expect(split.outputShape).toEqual([split.plan.splits, 19, 3]);
    expect(dense(1, 3, 70).plan.splits).toBe(1);
    expect(dense(600, 33, 17).plan.splits).toBeGreaterThan(1);

    await tf.setBackend('webgpu');
    const before = new Map(labKernelRuns());
    const grads = tf.tidy(() => {
      const x = tf.randomNormal([4, 16, 16, 2], 0, 1, 'float32', 1) as tf.Tensor4D;
      const w = tf.randomNormal([3, 3, 2, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
      const xs = tf.randomNormal([600, 33], 0, 1, 'float32', 3) as tf.Tensor2D;
      const ws = tf.randomNormal([33, 17], 0, 1, 'float32', 4) as tf.Tensor2D;
      const [b, bs] = [tf.zeros([3]) as tf.Tensor1D, tf.zeros([17]) as tf.Tensor1D];
      const pad: Padding = [1, 1, 1, 1];
      return tf.grads((bc: tf.Tensor, bd: tf.Tensor) =>
        tf.add(
          tf.sum(convGemm(x, w, bc as tf.Tensor1D, { stride: 1, pad })),
          tf.sum(linearGemm(xs, ws, bd as tf.Tensor1D)),
        ),
      )([b, bs]);
    });
    // Σ over every output of ∂/∂b = the number of output pixels per channel.
    expect(Array.from(await grads[0].data())).toEqual([1024, 1024, 1024]);
    expect(Array.from(await grads[1].data())).toEqual(new Array(17).fill(600));
    // Every dispatch of both layers, forward and backward: no pass of its own for a bias gradient.
    const ran = Object.fromEntries(
      [...labKernelRuns()].map(([k, n]) => [k, n - (before.get(k) ?? 0)] as const).filter(([, n]) => n > 0),
    );
    expect(ran).toEqual({
      LabConvForward: 1,
      LabConvInputGrad: 1,
      LabConvFilterGrad: 1,
      LabMatMul: 3, // forward, dx, dW with db
      LabSplitKSum: 2, // both weight gradients are split here
    });
    tf.dispose(grads);
  });

  it('a kernel runs unchanged as a standalone WGSL module with fixed bindings (the compiled step)', async () => {
    await tf.setBackend('webgpu');
    const g = { batch: 2, h: 5, w: 3, ci: 3, kh: 3, kw: 3, co: 5, stride: 1, pad: [1, 1, 1, 1] as Padding };
    const [x, w, b] = [random([2, 5, 3, 3], 1), random([3, 3, 3, 5], 2), random([5], 3)];
    const viaTfjs = convGemm(
      tf.tensor4d(x.data, [2, 5, 3, 3]),
      tf.tensor4d(w.data, [3, 3, 3, 5]),
      tf.tensor1d(b.data),
      {
        stride: 1,
        pad: g.pad,
      },
    );
    const want = (await viaTfjs.data()) as Float32Array;
    const kernel = convForwardKernel(g, { bias: true });
    const device = (tf.backend() as unknown as { device: GPUDevice }).device;
    const buffer = (data: Float32Array<ArrayBuffer> | ArrayBuffer, usage: number) => {
      const buf = device.createBuffer({
        size: Math.max(16, data.byteLength),
        usage: usage | GPUBufferUsage.COPY_DST,
      });
      device.queue.writeBuffer(buf, 0, data);
      return buf;
    };
    const out = device.createBuffer({
      size: want.byteLength,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC,
    });
    const read = device.createBuffer({
      size: want.byteLength,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    const storage = [x, w, b].map((t) => buffer(t.data, GPUBufferUsage.STORAGE));
    const uniforms = buffer(uniformBytes(kernel), GPUBufferUsage.UNIFORM);
    const pipeline = device.createComputePipeline({
      layout: 'auto',
      compute: { module: device.createShaderModule({ code: standaloneShader(kernel) }), entryPoint: 'main' },
    });
    const bind = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [out, ...storage, uniforms].map((buf, i) => ({ binding: i, resource: { buffer: buf } })),
    });
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bind);
    pass.dispatchWorkgroups(...kernel.dispatch);
    pass.end();
    enc.copyBufferToBuffer(out, 0, read, 0, want.byteLength);
    device.queue.submit([enc.finish()]);
    await read.mapAsync(GPUMapMode.READ);
    const got = new Float32Array(read.getMappedRange().slice(0));
    read.unmap();
    expect(maxRel(got, want)).toBe(0);
    for (const buf of [out, read, ...storage, uniforms]) buf.destroy();
    viaTfjs.dispose();
  });
});

describe.skipIf(unavailable !== null)('attention core against tfjs on the CPU backend', () => {
  it.each([
    { images: 2, tokens: 5, c: 3, heads: 1 },
    { images: 1, tokens: 1, c: 4, heads: 1 }, // a 1×1 level: softmax over one key
    { images: 2, tokens: 130, c: 2, heads: 1 }, // rows longer than the 128-thread workgroup
    { images: 2, tokens: 6, c: 6, heads: 3 },
    { images: 1, tokens: 9, c: 4, heads: 2 },
  ])(
    '$images images, $tokens tokens, $c channels, $heads heads, q | k | v read in place, heads merged: values and gradients',
    async ({ images, tokens, c, heads }) => {
      const d = c / heads;
      const scale = 1 / Math.sqrt(d);
      // [images·tokens, c] → [images·heads, tokens, d]
      const split = (t: tf.Tensor) =>
        tf.reshape(tf.transpose(tf.reshape(t, [images, tokens, heads, d]), [0, 2, 1, 3]), [
          images * heads,
          tokens,
          d,
        ]);
      const errs = await compare(
        (qkv) => attentionCoreWebGpu(qkv as tf.Tensor2D, images, heads, scale),
        (qkv) => {
          const [q, k, v] = tf.split(qkv, 3, 1).map(split) as tf.Tensor3D[];
          const mixed = tf.matMul(tf.softmax(tf.mul(tf.matMul(q, k, false, true), scale)), v);
          // and back: [images·tokens, c]
          return tf.reshape(tf.transpose(tf.reshape(mixed, [images, heads, tokens, d]), [0, 2, 1, 3]), [
            images * tokens,
            c,
          ]);
        },
        [random([images * tokens, 3 * c], 1)],
      );
      for (const e of errs) expect(e).toBeLessThan(2e-6);
    },
  );
});
