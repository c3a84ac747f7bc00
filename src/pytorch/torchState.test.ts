import * as tf from '@tensorflow/tfjs';
import { applyOverrides, parseRunConfig, presetRunConfig } from '../config';
import { unetConfigOf } from '../config/validate';
import { generateShapes } from '../data/shapes';
import { parseUNetConfig } from '../model/config';
import { paramSpecs, planUNet } from '../model/plan';
import { prepareTrainingData } from '../training/batch';
import { installFastCpuKernels } from '../training/cpuKernels';
import { Trainer, type SavedTensor, type TrainerState } from '../training/trainer';
import {
  decodeTorchState,
  encodeTorchState,
  labToTorch,
  torchParameterOrder,
  torchToLab,
  TorchStateError,
} from './torchState';

/** Three levels, attention on two, two resnets per level: conv_shortcuts, both resamplers, the mid block. */
const CONFIG = parseUNetConfig({
  sample_size: 8,
  in_channels: 3,
  out_channels: 3,
  block_out_channels: [4, 8, 8],
  down_block_types: ['DownBlock2D', 'AttnDownBlock2D', 'AttnDownBlock2D'],
  up_block_types: ['AttnUpBlock2D', 'AttnUpBlock2D', 'UpBlock2D'],
  layers_per_block: 2,
  norm_num_groups: 2,
  attention_head_dim: 4,
});

/** Random finite float32 bit patterns (signs, subnormals and -0 included), so any misplaced value shows. */
function randomFloats(n: number, seed: number): Float32Array {
  const bits = new Uint32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    const exponent = (s >>> 23) & 0xff;
    bits[i] = exponent === 0xff ? s & 0xff7fffff : s;
  }
  return new Float32Array(bits.buffer);
}

/** A TrainerState with every tensor the trainer saves, in tfjs layout, filled with random bits. */
function syntheticState(withEma: boolean): TrainerState {
  const tensors = new Map<string, SavedTensor>();
  let seed = 1;
  let total = 0;
  for (const spec of paramSpecs(planUNet(CONFIG))) {
    const s = spec.shape;
    const shape =
      spec.layout === 'conv' ? [s[2], s[3], s[1], s[0]] : spec.layout === 'linear' ? [s[1], s[0]] : s;
    const n = shape.reduce((a, b) => a * b, 1);
    total += n;
    tensors.set(`model/${spec.name}`, { shape, data: randomFloats(n, seed++) });
    if (withEma) tensors.set(`ema/${spec.name}`, { shape, data: randomFloats(n, seed++) });
  }
  tensors.set('adam.m', { shape: [total], data: randomFloats(total, seed++) });
  tensors.set('adam.v', { shape: [total], data: randomFloats(total, seed++) });
  return { step: 7, rng: [1, 2, 3, 4], order: { epoch: 1, cursor: 4 }, adamStep: 7, tensors };
}

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

function expectBitIdentical(a: Map<string, SavedTensor>, b: Map<string, SavedTensor>) {
  expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
  for (const [key, t] of a) {
    expect(b.get(key)!.shape, key).toEqual(t.shape);
    expect(bits(b.get(key)!.data).equals(bits(t.data)), key).toBe(true);
  }
}

describe('lab checkpoint ↔ PyTorch state dict', () => {
  it.each([true, false])('every tensor survives lab → PyTorch file → lab bit for bit (EMA %s)', (withEma) => {
    const state = syntheticState(withEma);
    const torch = labToTorch(CONFIG, state);
    const order = torchParameterOrder(planUNet(CONFIG));
    const bytes = encodeTorchState(torch, { step: 7, adamStep: 7, parameterOrder: order, extra: {} });
    const back = decodeTorchState(bytes, 'lab_state.safetensors');
    expect(back.meta).toMatchObject({ step: 7, adamStep: 7, parameterOrder: order });
    expect(back.tensors.ema === null).toBe(!withEma);
    expectBitIdentical(state.tensors, torchToLab(CONFIG, back.tensors));
  });

  it('puts each value where PyTorch expects it: conv OIHW, linear [out, in], moments sliced in forward order', () => {
    const state = syntheticState(true);
    const torch = labToTorch(CONFIG, state);
    // conv_in.weight [o=3, i=2, h=1, w=0] is the tfjs kernel's [h=1, w=0, i=2, o=3] (HWIO, 3×3×3×4).
    const hwio = state.tensors.get('model/conv_in.weight')!.data;
    expect(torch.model.get('conv_in.weight')!.data[((3 * 3 + 2) * 3 + 1) * 3 + 0]).toBe(
      hwio[((1 * 3 + 0) * 3 + 2) * 4 + 3],
    );
    // time_embedding.linear_1.weight [out=5, in=1] is the dense kernel's [in=1, out=5] ([4, 16]).
    const dense = state.tensors.get('ema/time_embedding.linear_1.weight')!.data;
    expect(torch.ema!.get('time_embedding.linear_1.weight')!.data[5 * 4 + 1]).toBe(dense[1 * 16 + 5]);
    // The moments are flat over the forward order: conv_in.weight (108), conv_in.bias (4), linear_1.weight…
    const m = state.tensors.get('adam.m')!.data;
    expect(torch.expAvg.get('conv_in.bias')!.data).toEqual(m.slice(108, 112));
    expect(torch.expAvg.get('time_embedding.linear_1.weight')!.data[5 * 4 + 1]).toBe(m[112 + 1 * 16 + 5]);
    const v = state.tensors.get('adam.v')!.data;
    expect(torch.expAvgSq.get('conv_out.bias')!.data).toEqual(v.slice(v.length - 3));
  });

  it('orders parameters as diffusers registers them: attentions before resnets in every block', () => {
    const order = torchParameterOrder(planUNet(CONFIG));
    const first = (prefix: string) => order.findIndex((n) => n.startsWith(prefix));
    expect(order.slice(0, 4)).toEqual([
      'conv_in.weight',
      'conv_in.bias',
      'time_embedding.linear_1.weight',
      'time_embedding.linear_1.bias',
    ]);
    expect(first('down_blocks.1.attentions.0')).toBeLessThan(first('down_blocks.1.resnets.0'));
    expect(first('down_blocks.1.resnets.1')).toBeLessThan(first('down_blocks.1.downsamplers.0'));
    expect(first('mid_block.attentions.0')).toBeLessThan(first('mid_block.resnets.0'));
    expect(first('up_blocks.0.attentions.2')).toBeLessThan(first('up_blocks.0.resnets.0'));
    expect(order.slice(-4)).toEqual([
      'conv_norm_out.weight',
      'conv_norm_out.bias',
      'conv_out.weight',
      'conv_out.bias',
    ]);
    expect(new Set(order)).toEqual(new Set(paramSpecs(planUNet(CONFIG)).map((s) => s.name)));
  });

  it('names a missing or mis-shaped tensor, and refuses the BatchNorm ablation', () => {
    const state = syntheticState(true);
    state.tensors.delete('ema/conv_out.bias');
    expect(() => labToTorch(CONFIG, state)).toThrow(/no tensor ema\/conv_out.bias/);
    const torch = labToTorch(CONFIG, syntheticState(false));
    torch.expAvgSq.set('conv_in.bias', { shape: [5], data: new Float32Array(5) });
    expect(() => torchToLab(CONFIG, torch)).toThrow(/exp_avg_sq tensor conv_in.bias has shape \[5\]/);
    const batch = parseUNetConfig({ ...CONFIG, lab_norm_after_conv_in: 'batch' });
    expect(() => torchParameterOrder(planUNet(batch))).toThrow(TorchStateError);
    expect(() => decodeTorchState(new Uint8Array(10), 'x.safetensors')).toThrow(
      /x.safetensors is not a readable/,
    );
  });

  it("maps a real trainer's captured state (EMA, Adam after two steps) and restores it exactly", async () => {
    await tf.setBackend('cpu');
    installFastCpuKernels();
    const config = parseRunConfig(applyOverrides(presetRunConfig('tiny'), { training: { batchSize: 2 } }));
    const data = prepareTrainingData({ train: generateShapes({ count: 4, seed: 3, size: 8 }) }, config);
    const trainer = new Trainer(config, data);
    try {
      for (let i = 0; i < 2; i++) await trainer.trainStep();
      const state = await trainer.captureState();
      const unet = unetConfigOf(config);
      const back = torchToLab(
        unet,
        decodeTorchState(
          encodeTorchState(labToTorch(unet, state), {
            step: state.step,
            adamStep: state.adamStep,
            parameterOrder: torchParameterOrder(planUNet(unet)),
            extra: {},
          }),
          'f',
        ).tensors,
      );
      expectBitIdentical(state.tensors, back);
    } finally {
      trainer.dispose();
    }
  });
});
