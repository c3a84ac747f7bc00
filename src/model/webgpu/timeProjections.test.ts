import * as tf from '@tensorflow/tfjs';
import type { Padding } from '../convGrad';
import { groupedParameterOffsets, totalColumns, type TimeProjectionLayout } from '../timeProjections';
import { convGemm } from './gemmOps';
import { compareOnCpu, random, startWebGpu } from './testing';
import {
  attachTimeProjections,
  projectionWindow,
  timeProjectionsGemm,
  timeProjectionsInputGradKernel,
  timeProjectionsWeightGradKernel,
} from './timeProjections';
import { convFilterGradKernel } from './gemm';

const unavailable = await startWebGpu();
if (unavailable) console.warn(`time projection kernel tests skipped: ${unavailable}`);

const PAD: Padding = [1, 1, 1, 1];

/** Three "resnets" whose conv1 add their projections: 1, 70 and 5 channels, in 3 channels of temb. */
function layoutOf(outs: number[], inChannels: number): TimeProjectionLayout {
  const columns = [0];
  for (const o of outs) columns.push(columns[columns.length - 1] + o);
  return { inChannels, prefixes: outs.map((_, r) => `r${r}`), columns };
}

describe.skipIf(unavailable !== null)(
  'grouped time projections against per-resnet dense layers on the CPU',
  () => {
    it.each([
      // batch 1 and 4×4 images; a 1×1 image; a 16×16 image whose filter gradient is split (K = 512).
      { batch: 1, sides: [4, 1, 4], outs: [1, 70, 5], ci: [1, 3, 2], inChannels: 3 },
      { batch: 2, sides: [16, 4, 1], outs: [3, 17, 64], ci: [3, 1, 4], inChannels: 33 },
    ])(
      'batch $batch, $outs channels from $inChannels: values and every gradient',
      async ({ batch, sides, outs, ci, inChannels }) => {
        const layout = layoutOf(outs, inChannels);
        const { offsets, length } = groupedParameterOffsets(layout);
        expect(length).toBe((inChannels + 1) * totalColumns(layout));
        if (sides[0] === 16) {
          const g = {
            batch,
            h: 16,
            w: 16,
            ci: ci[0],
            kh: 3,
            kw: 3,
            co: outs[0],
            stride: 1 as const,
            pad: PAD,
          };
          expect(convFilterGradKernel(g, true, true, 0).plan.splits).toBeGreaterThan(1);
        }
        // The backward products cover every column and the ones row in one dispatch each.
        expect(timeProjectionsWeightGradKernel(layout, batch).plan.m).toBe(inChannels + 1);
        expect(timeProjectionsInputGradKernel(layout, batch).plan.k).toBe(totalColumns(layout));
        const n = outs.length;
        const inputs = [
          random([batch, inChannels], 1),
          random([length], 2),
          ...outs.map((_, r) => random([batch, sides[r], sides[r], ci[r]], 10 + r)),
          ...outs.map((o, r) => random([3, 3, ci[r], o], 20 + r)),
          ...outs.map((o, r) => random([o], 30 + r)),
        ];
        const parts = (xs: tf.Tensor[]) => ({
          tembAct: xs[0] as tf.Tensor2D,
          grouped: xs[1] as tf.Tensor1D,
          x: xs.slice(2, 2 + n) as tf.Tensor4D[],
          w: xs.slice(2 + n, 2 + 2 * n) as tf.Tensor4D[],
          b: xs.slice(2 + 2 * n) as tf.Tensor1D[],
        });
        const flat = (ys: tf.Tensor[]) => tf.concat(ys.map((y) => tf.reshape(y, [-1])));
        const errs = await compareOnCpu(
          (...xs) => {
            const p = parts(xs);
            const packed = timeProjectionsGemm(p.tembAct, p.grouped, layout);
            const ys = p.x.map((x, r) =>
              convGemm(x, p.w[r], p.b[r], {
                stride: 1,
                pad: PAD,
                rowBiasWindow: projectionWindow(packed, layout, batch, r),
              }),
            );
            return attachTimeProjections(flat(ys), packed);
          },
          (...xs) => {
            const p = parts(xs);
            const ys = p.x.map((x, r) => {
              const o = outs[r];
              const w = tf.reshape(
                tf.slice(p.grouped, offsets.get(`r${r}.time_emb_proj.weight`)!, inChannels * o),
                [inChannels, o],
              );
              const bias = tf.slice(p.grouped, offsets.get(`r${r}.time_emb_proj.bias`)!, o);
              const proj = tf.add(tf.matMul(p.tembAct, w as tf.Tensor2D), bias);
              const padded = tf.pad(x, [
                [0, 0],
                [1, 1],
                [1, 1],
                [0, 0],
              ]);
              const y = tf.add(tf.conv2d(padded as tf.Tensor4D, p.w[r], 1, 'valid'), p.b[r]);
              return tf.add(y, tf.reshape(proj, [batch, 1, 1, o]));
            });
            return flat(ys);
          },
          inputs,
        );
        expect(errs).toHaveLength(inputs.length + 1);
        for (const e of errs) expect(e).toBeLessThan(2e-6);
      },
      300_000,
    );
  },
);
