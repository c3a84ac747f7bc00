import * as tf from '@tensorflow/tfjs';
import { parseUNetConfig } from './config';
import { StateDictError, checkStateDict, currentKey, isClean, type StateDict } from './stateDict';
import { paramSpecs, planUNet } from './plan';
import { SMALL_UNET_JSON } from './testConfigs';
import { UNet } from './unet';

const CONFIG = parseUNetConfig(SMALL_UNET_JSON);

const LEGACY: Record<string, string> = { to_q: 'query', to_k: 'key', to_v: 'value', 'to_out.0': 'proj_attn' };

function expectSame(a: StateDict, b: StateDict) {
  expect([...b.keys()]).toEqual([...a.keys()]);
  for (const [k, t] of a) {
    expect(b.get(k)!.shape, k).toEqual(t.shape);
    expect(Buffer.from(b.get(k)!.data.buffer).equals(Buffer.from(t.data.buffer)), k).toBe(true);
  }
}

describe('state dicts', () => {
  let a: UNet;
  let b: UNet;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    a = new UNet(CONFIG, { seed: 1, init: 'pytorch' });
    b = new UNet(CONFIG, { seed: 2, init: 'pytorch' });
  });
  afterAll(() => {
    a.dispose();
    b.dispose();
  });

  it('exports PyTorch layouts under diffusers names', async () => {
    const sd = await a.getStateDict();
    expect(sd.get('conv_in.weight')!.shape).toEqual([8, 3, 3, 3]);
    expect(sd.get('time_embedding.linear_1.weight')!.shape).toEqual([32, 8]);
    expect(sd.get('down_blocks.1.attentions.0.to_out.0.weight')!.shape).toEqual([16, 16]);
    expect(sd.get('up_blocks.0.upsamplers.0.conv.bias')!.shape).toEqual([16]);
    // conv_in.weight[o=1, i=2, h=0, w=1] is the tfjs kernel's [h=0, w=1, i=2, o=1].
    const hwio = (await a.variable('conv_in.weight').data()) as Float32Array;
    expect(sd.get('conv_in.weight')!.data[((1 * 3 + 2) * 3 + 0) * 3 + 1]).toBe(
      hwio[((0 * 3 + 1) * 3 + 2) * 8 + 1],
    );
  });

  it('round-trips export → import bit-exactly, and the imported model computes the same', async () => {
    const sd = await a.getStateDict();
    b.loadStateDict(sd);
    expectSame(sd, await b.getStateDict());
    const x = tf.randomNormal([1, 8, 8, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    const t = tf.tensor1d([10]);
    const ya = a.apply(x, t, { training: false });
    const yb = b.apply(x, t, { training: false });
    expect(Array.from(await yb.data())).toEqual(Array.from(await ya.data()));
    tf.dispose([x, t, ya, yb]);
  });

  it('accepts the legacy attention names query, key, value, proj_attn', async () => {
    const sd = await a.getStateDict();
    const legacy: StateDict = new Map(
      [...sd].map(([k, v]) => [
        k.replace(
          /\.(to_q|to_k|to_v|to_out\.0)\.(weight|bias)$/,
          (_, p: string, w: string) => `.${LEGACY[p]}.${w}`,
        ),
        v,
      ]),
    );
    expect(legacy.has('down_blocks.1.attentions.0.proj_attn.weight')).toBe(true);
    const fresh = new UNet(CONFIG, { seed: 3 });
    fresh.loadStateDict(legacy);
    expectSame(sd, await fresh.getStateDict());
    fresh.dispose();
  });

  it('renames only attention projections', () => {
    expect(currentKey('mid_block.attentions.0.query.weight')).toBe('mid_block.attentions.0.to_q.weight');
    expect(currentKey('mid_block.attentions.0.proj_attn.bias')).toBe('mid_block.attentions.0.to_out.0.bias');
    expect(currentKey('mid_block.resnets.0.key.weight')).toBe('mid_block.resnets.0.key.weight');
  });

  it('reports every missing, unexpected and mis-shaped tensor in one error and changes nothing', async () => {
    const before = await b.getStateDict();
    const sd = await a.getStateDict();
    sd.delete('conv_out.bias');
    sd.delete('mid_block.attentions.0.to_k.weight');
    sd.set('conv_in.weight', { shape: [8, 3, 5, 5], data: new Float32Array(8 * 3 * 25) });
    sd.set('class_embedding.weight', { shape: [10, 32], data: new Float32Array(320) });
    sd.set('down_blocks.1.attentions.0.query.weight', sd.get('down_blocks.1.attentions.0.to_q.weight')!);
    let error: unknown;
    try {
      b.loadStateDict(sd);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StateDictError);
    const { report, message } = error as StateDictError;
    expect(report.missing).toEqual(['mid_block.attentions.0.to_k.weight', 'conv_out.bias']);
    expect(report.unexpected).toEqual(['class_embedding.weight', 'down_blocks.1.attentions.0.query.weight']);
    expect(report.misShaped).toEqual([{ name: 'conv_in.weight', expected: [8, 3, 3, 3], got: [8, 3, 5, 5] }]);
    expect(message).toMatch(/2 missing: mid_block\.attentions\.0\.to_k\.weight, conv_out\.bias/);
    expect(message).toMatch(/2 unexpected: class_embedding\.weight/);
    expect(message).toMatch(/1 mis-shaped: conv_in\.weight \[8, 3, 5, 5\] \(expected \[8, 3, 3, 3\]\)/);
    expectSame(before, await b.getStateDict());
  });

  it('flags a tensor whose data length disagrees with its shape', () => {
    const specs = paramSpecs(planUNet(CONFIG));
    const sd: StateDict = new Map(
      specs.map((s) => [
        s.name,
        { shape: s.shape, data: new Float32Array(s.shape.reduce((x, y) => x * y, 1)) },
      ]),
    );
    expect(isClean(checkStateDict(specs, sd))).toBe(true);
    sd.set('conv_out.bias', { shape: [3], data: new Float32Array(2) });
    expect(checkStateDict(specs, sd).misShaped.map((m) => m.name)).toEqual(['conv_out.bias']);
  });
});
