/**
 * The exported project against scripts/reference/pytorch_export_check.py, which ran the exported
 * train.py's own loading code with torch (no diffusers) on fixtures/pytorch_export/ and continued
 * the lab's run one step in torch (clip_grad_norm_, torch.optim.Adam, the EMA decay of the paper's
 * rules, which train.py's EMAModel subclass was checked to give) with a fixed gradient. Here the
 * lab's Adam, clipping and EMA take the same step from the same checkpoint: equal results mean
 * every moment and weight landed on the right PyTorch parameter.
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { unetConfigOf } from '../config/validate';
import { normalization } from '../data/batch';
import type { Dataset } from '../data/types';
import { readSafetensors } from '../io/safetensors';
import { readZip } from '../io/zip';
import { paramSpecs, planUNet } from '../model/plan';
import { toTfjsLayout } from '../model/stateDict';
import { Adam } from '../training/adam';
import { decodeCheckpoint } from '../training/checkpoint';
import { clipByGlobalNorm, globalNorm } from '../training/clip';
import { emaDecayAt } from '../training/ema';
import { learningRate, Smoother } from '../training/metrics';
import { lossPerTColumns } from '../training/metricsCsv';
import { pytorchProjectFiles } from './project';
import { PYTORCH_TEMPLATES } from './templates';
import { labToTorch } from './torchState';

const fixture = (name: string) =>
  readFileSync(new URL(`../../scripts/reference/fixtures/${name}`, import.meta.url));
const golden = JSON.parse(fixture('pytorch_export_golden.json').toString('utf8'));
const { meta, state } = decodeCheckpoint(fixture('pytorch_export_lab_checkpoint.safetensors'));
const config = meta.config;
const unet = unetConfigOf(config);

/** The images of the project's data/train.npz (uint8 N×H×W×C after a 64-byte-aligned header). */
function fixtureImages(): Dataset {
  const npy = readZip(fixture('pytorch_export/data/train.npz')).get('images.npy')!;
  const headerEnd = 10 + new DataView(npy.buffer, npy.byteOffset).getUint16(8, true);
  const shape = /'shape': \((\d+), (\d+), (\d+), (\d+)\)/.exec(
    new TextDecoder().decode(npy.subarray(0, headerEnd)),
  )!;
  const [count, height, width, channels] = shape.slice(1).map(Number);
  const labels = readZip(fixture('pytorch_export/data/train.npz')).get('labels.npy')!;
  return {
    name: 'fixture',
    images: npy.subarray(headerEnd),
    labels: labels.subarray(labels.length - count),
    count,
    height,
    width,
    channels: channels as 1 | 3,
    classNames: [],
    allowsFlip: true,
  };
}

/** The check's gradient: 1e-3·sin(0.7·i + Σ char codes mod 997), i over the PyTorch-layout tensor. */
function fixedGradient(name: string, shape: number[]): Float32Array {
  const seed = [...name].reduce((s, c) => s + c.charCodeAt(0), 0) % 997;
  return Float32Array.from(
    { length: shape.reduce((a, b) => a * b, 1) },
    (_, i) => 1e-3 * Math.sin(0.7 * i + seed),
  );
}

describe('Export for PyTorch against the torch reference', () => {
  it('the fixture is the current export: its lab_state is what the exporter writes now', () => {
    const files = pytorchProjectFiles({
      checkpoint: { meta, state },
      dataset: fixtureImages(),
      templates: PYTORCH_TEMPLATES,
    });
    expect(
      Buffer.from(files.get('lab_state.safetensors')!).equals(
        fixture('pytorch_export/lab_state.safetensors'),
      ),
    ).toBe(true);
  });

  it("one more step with the lab's clipping, Adam and EMA lands where torch's does, tensor by tensor", async () => {
    await tf.setBackend('cpu');
    const t = config.training;
    const specs = paramSpecs(planUNet(unet)).filter((s) => s.trainable);
    const vars = specs.map((s) => {
      const saved = state.tensors.get(`model/${s.name}`)!;
      return tf.variable(tf.tensor(saved.data, saved.shape), true);
    });
    const adam = new Adam(vars);
    const m = state.tensors.get('adam.m')!;
    const v = state.tensors.get('adam.v')!;
    adam.load({ step: state.adamStep, m: tf.tensor1d(m.data), v: tf.tensor1d(v.data) });
    const grad = tf.concat(
      specs.map((s) =>
        tf.tensor1d(toTfjsLayout(s, { shape: s.shape, data: fixedGradient(s.name, s.shape) }).data),
      ),
    ) as tf.Tensor1D;
    const norm = globalNorm(grad);
    expect((await norm.data())[0]).toBeCloseTo(golden.grad_norm_before_clip, 5);
    const lr = learningRate(t.lr, t.warmupSteps, state.step);
    expect(lr).toBe(golden.lr);
    adam.apply(clipByGlobalNorm(grad, t.gradClipNorm!, norm), lr);
    const decay = emaDecayAt(t.emaDecay, state.step, t.emaWarmup);
    expect(decay).toBeCloseTo(golden.ema_decay, 12);

    const after = new Map(state.tensors);
    for (const [i, s] of specs.entries()) {
      const w = (await vars[i].data()) as Float32Array;
      const ema = state.tensors.get(`ema/${s.name}`)!;
      after.set(`model/${s.name}`, { shape: ema.shape, data: Float32Array.from(w) });
      after.set(`ema/${s.name}`, {
        shape: ema.shape,
        data: ema.data.map((e, k) => decay * e + (1 - decay) * w[k]),
      });
    }
    const moments = adam.state();
    after.set('adam.m', { shape: m.shape, data: (await moments.m.data()) as Float32Array });
    after.set('adam.v', { shape: v.shape, data: (await moments.v.data()) as Float32Array });
    const lab = labToTorch(unet, { ...state, tensors: after });

    const torch = readSafetensors(fixture('pytorch_export_golden.safetensors')).tensors;
    const groups = [
      ['unet/', lab.model],
      ['ema/', lab.ema!],
      ['optimizer.exp_avg/', lab.expAvg],
      ['optimizer.exp_avg_sq/', lab.expAvgSq],
    ] as const;
    let compared = 0;
    for (const [prefix, dict] of groups)
      for (const [name, mine] of dict) {
        const ref = torch.get(prefix + name)!;
        expect(ref.shape, prefix + name).toEqual(mine.shape);
        let worst = 0;
        for (let k = 0; k < ref.data.length; k++)
          worst = Math.max(
            worst,
            Math.abs(mine.data[k] - ref.data[k]) / (1e-6 + 1e-5 * Math.abs(ref.data[k])),
          );
        expect(worst, prefix + name).toBeLessThan(1);
        compared++;
      }
    expect(compared).toBe(4 * specs.length);
    tf.dispose([...vars, grad, norm]);
    adam.dispose();
  });

  it('train.py computes the lab’s lr schedule, EMA decays, normalisation, smoothed loss and metrics.csv columns', () => {
    const t = config.training;
    for (const [n, lr] of Object.entries(golden.lr_schedule))
      expect(learningRate(t.lr, t.warmupSteps, Number(n))).toBeCloseTo(lr as number, 15);
    // train.py's EMAModel subclass, update by update from a fresh start, for both settings.
    expect(Object.keys(golden.ema_decay_schedule).sort()).toEqual(['false', 'true']);
    for (const [warmup, decays] of Object.entries(golden.ema_decay_schedule))
      (decays as number[]).forEach((decay, n) =>
        expect(emaDecayAt(t.emaDecay, n, warmup === 'true'), `${warmup} ${n}`).toBe(decay),
      );
    const images = fixtureImages();
    expect(golden.image_count).toBe(images.count);
    const meanStd = normalization(images, 'meanStd');
    meanStd.scale.forEach((s, c) => expect(s).toBeCloseTo(golden.normalization.scale[c], 12));
    meanStd.offset.forEach((o, c) => expect(o).toBeCloseTo(golden.normalization.offset[c], 12));
    const unit = normalization(images, 'unit');
    expect(unit.scale).toEqual(golden.unit_normalization.scale);
    expect(unit.offset).toEqual(golden.unit_normalization.offset);
    const smoother = new Smoother();
    smoother.load(meta.metrics.smoother);
    expect(smoother.add(0.5)).toBeCloseTo(golden['smoothed_after_0.5'], 14);
    expect(lossPerTColumns(config.diffusion.num_train_timesteps, 20)).toEqual(golden.loss_per_t_columns);
    expect(lossPerTColumns(10, 3)).toEqual(golden.loss_per_t_columns_10_3);
  });
});
