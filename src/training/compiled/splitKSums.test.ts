import * as tf from '@tensorflow/tfjs';
import type { Padding } from '../../model/convGrad';
import type { SplitKSum } from '../../model/webgpu/gemm';
import { groupedParameterOffsets } from '../../model/timeProjections';
import { convGemm } from '../../model/webgpu/gemmOps';
import { attachTimeProjections, projectionWindow, timeProjectionsGemm } from '../../model/webgpu/timeProjections';
import { random, startWebGpu } from '../../model/webgpu/testing';
import { webGpuBackend } from './backend';
import { CompiledStep } from './compiledStep';
import { mergeSplitKSums, type SumCandidate } from './splitKSums';
import { frozenStep } from './testing';

const unavailable = await startWebGpu();
if (unavailable) console.warn(`merged split-K sum tests on WebGPU skipped: ${unavailable}`);

/** A split GEMM writing partial products `p` from `x`. */
const gemm = (p: string, ...inputs: string[]): SumCandidate<string> => ({ output: p, inputs });

/** A split-K sum of `p` into `out` (and tails), with its pieces. */
function sum(p: string, out: string, tails: { id: string; length: number; inPlace?: number }[] = []) {
  const main = 10;
  let start = main;
  const splitKSum: SplitKSum = {
    splits: 3,
    size: main + tails.reduce((n, t) => n + t.length, 0),
    pieces: [
      { start: 0, length: main, offset: 0, inPlace: false },
      ...tails.map((t) => {
        const piece = { start, length: t.length, offset: t.inPlace ?? 0, inPlace: t.inPlace !== undefined };
        start += t.length;
        return piece;
      }),
    ],
  };
  return { output: out, inputs: [p, ...tails.map((t) => t.id)], writes: tails.map((t) => t.id), splitKSum };
}

/** Bytes of a value: p1 300 (two 256-byte blocks), every other 100. */
const bytes = (id: string) => (id === 'p1' ? 300 : 100);

/** Names for the groups' wholes: W0, W1, … */
function whole(): () => string {
  let n = 0;
  return () => `W${n++}`;
}

describe('mergeSplitKSums', () => {
  it('merges the sums whose results are gradients or in-place windows, before the first read of any', () => {
    const list: SumCandidate<string>[] = [
      gemm('p1', 'x'),
      sum('p1', 'gW1', [
        { id: 'gb1', length: 2 },
        { id: 'packed', length: 4, inPlace: 40 },
      ]),
      gemm('p2', 'x'),
      sum('p2', 'act'), // not a gradient: stays
      gemm('p3', 'act'),
      sum('p3', 'gW3'),
      { output: 'dTemb', inputs: ['packed'] }, // the time projections' backward reads the window
      gemm('p4', 'x'),
      sum('p4', 'gW4'), // after that read: stays
    ];
    const groups = mergeSplitKSums(list, new Set(['gW1', 'gb1', 'gW3', 'gW4']), bytes, 1e9, whole());
    expect(groups).toHaveLength(1);
    const [m] = groups;
    expect(m.merged).toEqual([1, 5]);
    expect(m.position).toBe(6);
    expect([...m.parts]).toEqual([
      ['p1', { whole: 'W0', offset: 0 }],
      ['p3', { whole: 'W0', offset: 512 }],
    ]);
    expect(m.bytes).toBe(512 + 256);
    expect(m.pieces.map((p) => [p.partial, p.into, p.start, p.length, p.offset, p.stride, p.splits])).toEqual([
      ['p1', 'gW1', 0, 10, 0, 16, 3],
      ['p1', 'gb1', 10, 2, 0, 16, 3],
      ['p1', 'packed', 12, 4, 40, 16, 3],
      ['p3', 'gW3', 0, 10, 0, 10, 3],
    ]);
    expect(m.dispatch).toEqual({ output: 'gW1', inputs: ['p1', 'p3'], writes: ['gb1', 'packed', 'gW3'] });
  });

  it('leaves a sum whose partial products something else reads too, and merges nothing for one sum', () => {
    const shared: SumCandidate<string>[] = [gemm('p1', 'x'), sum('p1', 'g1'), { output: 'y', inputs: ['p1'] }];
    expect(mergeSplitKSums(shared, new Set(['g1']), bytes, 1e9, whole())).toEqual([]);
    const two = [gemm('p1', 'x'), sum('p1', 'g1'), gemm('p2', 'x'), sum('p2', 'g2')];
    expect(mergeSplitKSums(two, new Set(['g1', 'g2']), bytes, 1e9, whole()).map((g) => g.position)).toEqual([4]);
    expect(mergeSplitKSums(two, new Set(['g1']), bytes, 1e9, whole())).toEqual([]);
  });

  it('closes a group when its partial products would pass the budget', () => {
    // p1 takes 512 bytes, p2…p4 256 each: with 1,024 bytes, {1, 2, 3} then {4, 5} (p5: 256).
    const list = [1, 2, 3, 4, 5].flatMap((k) => [gemm(`p${k}`, 'x'), sum(`p${k}`, `g${k}`)]);
    const grads = new Set([1, 2, 3, 4, 5].map((k) => `g${k}`));
    const groups = mergeSplitKSums(list, grads, bytes, 1024, whole());
    expect(groups.map((g) => g.merged)).toEqual([
      [1, 3, 5],
      [7, 9],
    ]);
    expect(groups.map((g) => [g.whole, g.bytes, g.position])).toEqual([
      ['W0', 1024, 6],
      ['W1', 512, 10],
    ]);
  });
});

describe.skipIf(unavailable !== null)('merged split-K sums in a compiled step', () => {
  it('give the same gradients as one sum per layer, bit for bit, time projection windows included', async () => {
    // Two convs on 16×16 images at batch 2 (each filter gradient split over its 512 pixels), each
    // adding its window of two grouped time projections (3 → 4 and 3 → 5 channels).
    const pad: Padding = [1, 1, 1, 1];
    const layout = { inChannels: 3, prefixes: ['a', 'b'], columns: [0, 4, 9] };
    const { offsets, length } = groupedParameterOffsets(layout);
    const tensor = (shape: number[], seed: number) => tf.tensor(random(shape, seed).data, shape);
    const x = tensor([2, 16, 16, 3], 1) as tf.Tensor4D;
    const r = tensor([2, 16, 16, 5], 2);
    const tembAct = tensor([2, 3], 3) as tf.Tensor2D;
    const convs = [tensor([3, 3, 3, 4], 4), tensor([4], 5), tensor([3, 3, 4, 5], 6), tensor([5], 7)];
    const projections = [
      ['a.time_emb_proj.weight', tensor([3, 4], 8)],
      ['a.time_emb_proj.bias', tensor([4], 9)],
      ['b.time_emb_proj.weight', tensor([3, 5], 10)],
      ['b.time_emb_proj.bias', tensor([5], 11)],
    ] as const;
    const vars = [...convs, ...projections.map(([, t]) => t)].map((t) => tf.variable(t));
    const [w1, b1, w2, b2] = vars as unknown as [tf.Tensor4D, tf.Tensor1D, tf.Tensor4D, tf.Tensor1D];
    const loss = (grouped: tf.Tensor1D) => {
      const packed = timeProjectionsGemm(tembAct, grouped, layout);
      const window = (k: number) => projectionWindow(packed, layout, 2, k);
      const h = convGemm(x, w1, b1, { stride: 1, pad, rowBiasWindow: window(0) });
      const y = convGemm(h, w2, b2, { stride: 1, pad, rowBiasWindow: window(1) });
      return tf.sum(tf.mul(attachTimeProjections(y, packed), r)) as tf.Scalar;
    };
    // The op-by-op step: the same kernels, one sum per layer, the grouped vector a variable.
    const order = [...projections.map(([name], k) => ({ k, at: offsets.get(name) as number }))].sort((p, q) => p.at - q.at);
    const grouped = tf.variable(tf.concat(order.map(({ k }) => tf.reshape(projections[k][1], [-1]))));
    expect(grouped.size).toBe(length);
    const want = tf.variableGrads(() => loss(grouped as tf.Tensor as tf.Tensor1D), [...vars.slice(0, 4), grouped]);
    const groupedGrad = (await want.grads[grouped.name].data()) as Float32Array;
    const expected = [
      ...(await Promise.all(vars.slice(0, 4).map((v) => want.grads[v.name].data()))),
      ...projections.map(([name, t]) => groupedGrad.slice(offsets.get(name), (offsets.get(name) as number) + t.size)),
    ];
    tf.dispose([want.value, ...Object.values(want.grads)]);

    const tensors = tf.memory().numTensors;
    const step = new CompiledStep({
      backend: webGpuBackend(),
      vars,
      batch: 1,
      ema: false,
      grouped: { length, members: new Map(projections.map(([name], k) => [4 + k, offsets.get(name) as number])) },
      trace: (_indices, _key, stand) => {
        const { value, grads } = tf.variableGrads(() => loss(stand as tf.Tensor as tf.Tensor1D), [
          ...vars.slice(0, 4),
          stand,
        ]);
        const perExample = tf.reshape(value, [1]) as tf.Tensor1D;
        return {
          loss: value,
          perExample,
          t: tf.zerosLike(perExample),
          grads: vars.map((v) => grads[v.name]),
          groupedGrad: grads[stand.name],
        };
      },
    });
    // Both sums merged into one dispatch, which writes their time-projection windows too.
    expect(step.kernelCounts.get('LabSplitKSums')).toBe(1);
    expect(step.kernelCounts.has('LabSplitKSum')).toBe(false);
    expect(step.kernelCounts.get('LabTimeProjections')).toBe(3);
    const { stats, grads } = await frozenStep(step, vars, 1);
    expect(stats.finite).toBe(true);
    expect(tf.memory().numTensors).toBe(tensors + grads.length); // the traced step left nothing behind
    const got = await Promise.all(grads.map((g) => g.data()));
    got.forEach((g, i) => expect(Array.from(g), vars[i].name).toEqual(Array.from(expected[i])));
    tf.dispose([x, r, tembAct, grouped, ...grads, ...vars]);
  }, 300_000);
});
