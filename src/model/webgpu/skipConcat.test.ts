/**
 * An up resnet's skip concatenation on the fused path: its norm1 fork reads the activation and the
 * skip where they lie, writes the joined tensor for the shortcut, and its gradient kernel writes
 * both inputs' gradients (ops.ts `groupNormFork`, resnet.ts). Checked as a whole resnet against
 * tfjs' ops (a real tf.concat) on the CPU, and by the kernels it runs.
 */
import * as tf from '@tensorflow/tfjs';
import type { ForwardContext } from '../ops';
import { resnetBlock } from '../resnet';
import { compareOnCpu, random, startWebGpu, type Input } from './testing';

const unavailable = await startWebGpu();
if (unavailable) console.warn(`WebGPU kernel tests skipped: ${unavailable}`);

const TEMB = 6;

/** An up resnet over `c1` + `c2` channels → `co` (conv_shortcut only when they differ). */
function upResnet(c1: number, c2: number, co: number, groups: number) {
  const ci = c1 + c2;
  const p = 'up.resnets.0';
  const params: [string, number[]][] = [
    [`${p}.norm1.weight`, [ci]],
    [`${p}.norm1.bias`, [ci]],
    [`${p}.conv1.weight`, [3, 3, ci, co]],
    [`${p}.conv1.bias`, [co]],
    [`${p}.time_emb_proj.weight`, [TEMB, co]],
    [`${p}.time_emb_proj.bias`, [co]],
    [`${p}.norm2.weight`, [co]],
    [`${p}.norm2.bias`, [co]],
    [`${p}.conv2.weight`, [3, 3, co, co]],
    [`${p}.conv2.bias`, [co]],
    ...(ci === co
      ? []
      : ([
          [`${p}.conv_shortcut.weight`, [1, 1, ci, co]],
          [`${p}.conv_shortcut.bias`, [co]],
        ] as [string, number[]][])),
  ];
  /** h, skip, silu(temb), then the parameters in `params` order. */
  const run =
    (fused: boolean) =>
    (h: tf.Tensor, skip: tf.Tensor, tembAct: tf.Tensor, ...ws: tf.Tensor[]): tf.Tensor => {
      const byName = new Map(params.map(([name], i) => [name, ws[i]] as const));
      const ctx: ForwardContext = {
        param: (name) => {
          const t = byName.get(name);
          if (!t) throw new Error(`no parameter ${name}`);
          return t;
        },
        training: false,
        dropout: 0,
        dropoutKey: { seed: 0, step: 0 },
        nextDropoutCall: () => 0,
        dropoutKeyTensor: () => {
          throw new Error('no dropout in these tests');
        },
        groups,
        eps: 1e-5,
        assignState: () => {
          throw new Error('no state in a resnet');
        },
        fused,
      };
      return resnetBlock(
        ctx,
        h as tf.Tensor4D,
        tembAct as tf.Tensor2D,
        { prefix: p, inChannels: ci, outChannels: co },
        {
          concat: skip as tf.Tensor4D,
        },
      );
    };
  const inputs = (n: number, side: [number, number]): Input[] => [
    random([n, ...side, c1], 1),
    random([n, ...side, c2], 2),
    random([n, TEMB], 3),
    ...params.map(([, shape], i) => random(shape, 10 + i)),
  ];
  return { run, inputs };
}

/** Every kernel tfjs' engine ran while `f` ran (lab kernels and tfjs' own, e.g. Concat, Slice). */
async function kernelsOf(f: () => Promise<unknown>): Promise<string[]> {
  const engine = tf.engine();
  const runKernel = engine.runKernel.bind(engine);
  const names: string[] = [];
  engine.runKernel = ((name: string, ...rest: unknown[]) => {
    names.push(name);
    return (runKernel as (...a: unknown[]) => unknown)(name, ...rest);
  }) as typeof engine.runKernel;
  try {
    await f();
  } finally {
    engine.runKernel = runKernel;
  }
  return names;
}

describe.skipIf(unavailable !== null)('an up resnet’s skip concatenation in its norm1 fork', () => {
  // norm2's groups hold ≥ 2 channels where the image has > 1 pixel: with one channel per group
  // conv1's bias and time-embedding gradients are Σ of a GroupNorm gradient over its group, 0 up
  // to rounding, and relative errors against 0 measure nothing.
  it.each([
    {
      name: '3 + 5 → 4 channels, 5×3, batch 2, a group across the seam',
      c: [3, 5, 4],
      side: [5, 3],
      n: 2,
      groups: 2,
    },
    {
      name: '1 + 31 → 32 channels (identity shortcut), 1×1 image, 32 groups',
      c: [1, 31, 32],
      side: [1, 1],
      n: 2,
      groups: 32,
    },
    { name: '1 + 1 → 3 channels, 4×4, batch 3, one group', c: [1, 1, 3], side: [4, 4], n: 3, groups: 1 },
    {
      name: 'batch 1, 40 + 24 → 32 channels, 7×5, 16 groups',
      c: [40, 24, 32],
      side: [7, 5],
      n: 1,
      groups: 16,
    },
  ] as const)(
    '$name: the value and every gradient as tf.concat on the CPU',
    async ({ c, side, n, groups }) => {
      const r = upResnet(c[0], c[1], c[2], groups);
      const errs = await compareOnCpu(r.run(true), r.run(false), r.inputs(n, [...side]));
      for (const e of errs) expect(e).toBeLessThan(1e-4);
    },
  );

  it('runs no Concat, Slice or Split and adds no gradients with tfjs; tfjs’ ops do', async () => {
    await tf.setBackend('webgpu');
    const r = upResnet(3, 5, 4, 4);
    const kernelsWith = (fused: boolean) =>
      kernelsOf(async () => {
        const xs = r.inputs(2, [4, 4]).map((i) => tf.tensor(i.data, i.shape));
        const grads = tf.grads((...a: tf.Tensor[]) => tf.sum(r.run(fused)(a[0], a[1], a[2], ...a.slice(3))))(
          xs,
        );
        expect(grads[0].shape).toEqual([2, 4, 4, 3]);
        expect(grads[1].shape).toEqual([2, 4, 4, 5]);
        await Promise.all(grads.map((t) => t.data()));
        tf.dispose([...xs, ...grads]);
      });
    const fused = await kernelsWith(true);
    expect(fused.filter((k) => /concat|slice|split|^add/i.test(k))).toEqual([]);
    // norm1 and norm2: forward (once more inside the gradient's recording) and one gradient each.
    expect(fused.filter((k) => k === 'LabGroupNormGrad').length).toBe(2);
    // The same block on tfjs' ops does run them (what the checks above would catch).
    const unfused = await kernelsWith(false);
    expect(unfused).toContain('Concat');
    expect(unfused).toContain('Slice');
  });
});
