import * as tf from '@tensorflow/tfjs';
import { toSchedulerConfigJson } from '../diffusion';
import { pipelineFiles, readModelBundle, writePipelineZip } from '../io/pipeline';
import { unetConfigToJson, type UNetConfig } from '../model/config';
import { countParameters } from '../model/plan';
import type { StateDict } from '../model/stateDict';
import { UNet } from '../model/unet';
import { Engine } from './engine';
import { PROTOCOL_VERSION, type ModelFile, type WorkerEvent } from './protocol';
import { SMALL_UNET_CONFIG } from '../model/testConfigs';

const SCHEDULE = { num_train_timesteps: 100, variance_type: 'fixed_large' as const };

interface Sent {
  event: WorkerEvent;
  transfer: Transferable[];
}

async function stateDict(config: UNetConfig, seed: number): Promise<StateDict> {
  const m = new UNet(config, { seed });
  const dict = await m.getStateDict();
  m.dispose();
  return dict;
}

function zipOf(
  dict: StateDict,
  config = SMALL_UNET_CONFIG,
  scheduler: Record<string, unknown> = toSchedulerConfigJson('ddpm', SCHEDULE),
) {
  const bytes = writePipelineZip({
    unetConfig: unetConfigToJson(config),
    schedulerConfig: scheduler,
    tensors: dict,
  });
  return [{ name: 'tiny-pipeline.zip', bytes: bytes.slice().buffer as ArrayBuffer }];
}

function filesOf(map: Map<string, Uint8Array>): ModelFile[] {
  return [...map].map(([name, b]) => ({ name, bytes: b.slice().buffer as ArrayBuffer }));
}

async function ready() {
  const sent: Sent[] = [];
  const engine = new Engine((event, transfer = []) => sent.push({ event, transfer }), {
    initBackend: async () => ({ name: 'cpu', requested: 'cpu', fallbackReasons: [] }),
    runGpuCheck: async () => ({ ms: 1, gflops: 1 }),
  });
  await engine.handle({ type: 'init', protocolVersion: PROTOCOL_VERSION, backend: 'cpu' });
  sent.length = 0;
  const of = <T extends WorkerEvent['type']>(type: T) =>
    sent.filter((s) => s.event.type === type).map((s) => s.event as Extract<WorkerEvent, { type: T }>);
  return { engine, sent, of };
}

let goodDict: StateDict;
beforeAll(async () => {
  await tf.setBackend('cpu');
  goodDict = await stateDict(SMALL_UNET_CONFIG, 5);
});

describe('importModel', () => {
  it('loads a pipeline zip and reports its config, size, scheduler and compatibility', async () => {
    const { engine, of } = await ready();
    await engine.handle({ type: 'importModel', requestId: 'i1', files: zipOf(goodDict) });
    const [loaded] = of('modelLoaded');
    expect(of('error')).toEqual([]);
    expect(loaded.requestId).toBe('i1');
    expect(loaded.model).toMatchObject({
      origin: 'imported',
      source: ['tiny-pipeline.zip'],
      config: { sample_size: 8, block_out_channels: [8, 16], in_channels: 3 },
      parameterCount: countParameters(SMALL_UNET_CONFIG),
      diffusersCompatible: true,
      scheduler: { kind: 'ddpm', config: { num_train_timesteps: 100, variance_type: 'fixed_large' } },
      warnings: [],
    });
    const slot = engine.modelSlot.current()!;
    const weights = await slot.model.getStateDict();
    expect(weights.get('conv_in.weight')!.data).toEqual(goodDict.get('conv_in.weight')!.data);
  });

  it("accepts google/ddpm-cifar10-32's layout: a pipeline folder with legacy attention names", async () => {
    const LEGACY: Record<string, string> = {
      to_q: 'query',
      to_k: 'key',
      to_v: 'value',
      'to_out.0': 'proj_attn',
    };
    const legacy: StateDict = new Map(
      [...goodDict].map(([k, v]) => [
        k.replace(/\.(to_q|to_k|to_v|to_out\.0)\./, (_, p: string) => `.${LEGACY[p]}.`),
        v,
      ]),
    );
    const files = pipelineFiles({
      unetConfig: unetConfigToJson(SMALL_UNET_CONFIG),
      schedulerConfig: toSchedulerConfigJson('ddpm', SCHEDULE),
      tensors: legacy,
    });
    const { engine, of } = await ready();
    await engine.handle({
      type: 'importModel',
      requestId: 'i2',
      files: filesOf(new Map([...files].map(([p, b]) => [`ddpm-cifar10-32/${p}`, b]))),
    });
    const [loaded] = of('modelLoaded');
    expect(loaded.model.warnings).toEqual([
      expect.stringMatching(/^32 attention tensors have pre-0.14 diffusers names/),
    ]);
  });

  it('loads a lone .safetensors with its config.json and warns that the schedule is the default', async () => {
    const files = pipelineFiles({
      unetConfig: unetConfigToJson(SMALL_UNET_CONFIG),
      schedulerConfig: {},
      tensors: goodDict,
    });
    const { engine, of } = await ready();
    await engine.handle({
      type: 'importModel',
      requestId: 'i3',
      files: filesOf(
        new Map([
          ['config.json', files.get('unet/config.json')!],
          ['weights.safetensors', files.get('unet/diffusion_pytorch_model.safetensors')!],
        ]),
      ),
    });
    const [loaded] = of('modelLoaded');
    expect(loaded.model.scheduler).toBeNull();
    expect(loaded.model.warnings.join('\n')).toMatch(/no scheduler_config.json[^]*paper's schedule/);
  });

  it('names every missing, unexpected and mis-shaped tensor at once and keeps the previous model', async () => {
    const { engine, of } = await ready();
    await engine.handle({ type: 'importModel', requestId: 'ok', files: zipOf(goodDict) });
    const before = engine.modelSlot.current();
    const bad: StateDict = new Map(goodDict);
    bad.delete('conv_out.bias');
    bad.set('extra.weight', { shape: [1], data: new Float32Array(1) });
    bad.set('conv_in.weight', { shape: [8, 3, 1, 1], data: new Float32Array(24) });
    const tensorsBefore = tf.memory().numTensors;
    await engine.handle({ type: 'importModel', requestId: 'bad', files: zipOf(bad) });
    const [error] = of('error');
    expect(error).toMatchObject({ requestId: 'bad', code: 'bad-model' });
    expect(error.message).toMatch(/^importModel: state dict does not match the config/);
    expect(error.message).toMatch(/1 missing: conv_out.bias/);
    expect(error.message).toMatch(/1 unexpected: extra.weight/);
    expect(error.message).toMatch(/conv_in.weight \[8, 3, 1, 1\] \(expected \[8, 3, 3, 3\]\)/);
    expect(engine.modelSlot.current()).toBe(before);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(of('modelLoaded')).toHaveLength(1);
  });

  it('refuses weights holding NaN or Infinity and a config past the model limits, building nothing', async () => {
    const { engine, of } = await ready();
    const nan: StateDict = new Map(goodDict);
    const bias = goodDict.get('conv_out.bias')!;
    nan.set('conv_out.bias', { shape: bias.shape, data: bias.data.map(() => NaN) });
    const tensorsBefore = tf.memory().numTensors;
    await engine.handle({ type: 'importModel', requestId: 'nan', files: zipOf(nan) });
    const wide = { ...SMALL_UNET_CONFIG, block_out_channels: [4096, 4096], norm_num_groups: 32 };
    await engine.handle({ type: 'importModel', requestId: 'wide', files: zipOf(goodDict, wide) });
    const [nanError, wideError] = of('error');
    expect(nanError).toMatchObject({ requestId: 'nan', code: 'bad-model' });
    expect(nanError.message).toMatch(
      /^importModel: the weights hold NaN or Infinity in 1 tensor\(s\): conv_out\.bias/,
    );
    expect(wideError).toMatchObject({ requestId: 'wide', code: 'bad-model' });
    expect(wideError.message).toMatch(/over the limit of 150,000,000 \(MODEL_LIMITS\.maxParameters\)/);
    expect(engine.modelSlot.current()).toBeNull();
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  it('reports unreadable bundles and bad configs as bad-model, naming the file or key', async () => {
    const { engine, of } = await ready();
    await engine.handle({
      type: 'importModel',
      requestId: 'z',
      files: [{ name: 'x.zip', bytes: new ArrayBuffer(10) }],
    });
    await engine.handle({
      type: 'importModel',
      requestId: 's',
      files: zipOf(goodDict, SMALL_UNET_CONFIG, { _class_name: 'DDPMScheduler', beta_schedule: 'cosine' }),
    });
    const [zip, sched] = of('error');
    expect(zip).toMatchObject({ requestId: 'z', code: 'bad-model' });
    expect(zip.message).toMatch(/^importModel: x\.zip/);
    expect(sched.message).toMatch(/beta_schedule = "cosine"/);
    expect(engine.modelSlot.current()).toBeNull();
  });

  it('frees the import it replaces but never a trained model', async () => {
    const { engine } = await ready();
    const trained = new UNet(SMALL_UNET_CONFIG, { seed: 1 });
    engine.modelSlot.set({ model: trained, scheduler: null, origin: { kind: 'trained', runId: 'train-1' } });
    await engine.handle({ type: 'importModel', requestId: 'a', files: zipOf(goodDict) });
    const first = engine.modelSlot.current()!.model;
    await engine.handle({ type: 'importModel', requestId: 'b', files: zipOf(goodDict) });
    expect(trained.variable('conv_in.weight').isDisposed).toBe(false);
    expect(() => first.variable('conv_in.weight')).toThrow(/no parameter/);
    trained.dispose();
  });
});

describe('sample', () => {
  it('streams throttled progress, frames in transferred chunks, then the images', async () => {
    const { engine, sent, of } = await ready();
    await engine.handle({ type: 'importModel', requestId: 'm', files: zipOf(goodDict) });
    await engine.handle({
      type: 'sample',
      requestId: 's1',
      options: {
        sampler: 'ddim',
        numInferenceSteps: 6,
        numImages: 2,
        frameBudgetBytes: 3 * 3 * 2 * 8 * 8 * 3,
      },
    });
    expect(of('error')).toEqual([]);
    const progress = of('sampleProgress');
    expect(progress.at(-1)).toEqual({ type: 'sampleProgress', requestId: 's1', done: 6, total: 6 });
    const chunks = sent.filter((s) => s.event.type === 'sampleFrames');
    const frames = chunks.flatMap((c) => (c.event as Extract<WorkerEvent, { type: 'sampleFrames' }>).frames);
    expect(frames.map((f) => f.step)).toEqual([0, 2, 4]);
    for (const c of chunks) {
      const e = c.event as Extract<WorkerEvent, { type: 'sampleFrames' }>;
      expect(e).toMatchObject({
        shape: { numImages: 2, height: 8, width: 8, channels: 3 },
        format: 'uint8',
        frameStride: 2,
      });
      expect(c.transfer).toEqual(e.frames.flatMap((f) => [f.xt, f.x0, f.eps]));
    }
    expect(frames.every((f) => f.xt.byteLength === 2 * 8 * 8 * 3)).toBe(true);
    const done = sent.at(-1)!;
    expect(done.event).toMatchObject({ type: 'sampleDone', requestId: 's1', frameStride: 2, frameCount: 3 });
    const d = done.event as Extract<WorkerEvent, { type: 'sampleDone' }>;
    expect(d.images.byteLength).toBe(2 * 8 * 8 * 3);
    expect(done.transfer).toEqual([d.images]);
    expect(d.timesteps).toEqual([80, 64, 48, 32, 16, 0]); // leading spacing: i·⌊100/6⌋
    expect(d.timing.msPerStep).toBeGreaterThan(0);
  });

  it('stops on cancel, refuses a second run meanwhile, and reports both', async () => {
    const { engine, of } = await ready();
    await engine.handle({ type: 'importModel', requestId: 'm', files: zipOf(goodDict) });
    const tensorsBefore = tf.memory().numTensors;
    const run = engine.handle({
      type: 'sample',
      requestId: 'long',
      options: { sampler: 'ddpm', numInferenceSteps: 100, numImages: 1 },
    });
    await engine.handle({
      type: 'sample',
      requestId: 'second',
      options: { sampler: 'ddpm', numInferenceSteps: 2 },
    });
    await engine.handle({ type: 'importModel', requestId: 'during', files: zipOf(goodDict) });
    await engine.handle({ type: 'cancel', requestId: 'long' });
    await run;
    const errors = of('error');
    expect(errors.map((e) => [e.requestId, e.code])).toEqual([
      ['second', 'busy'],
      ['during', 'busy'],
      ['long', 'cancelled'],
    ]);
    expect(errors[2].message).toMatch(/sampling cancelled after \d+ of 100 steps/);
    expect(of('sampleDone')).toEqual([]);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  it('answers bad options with bad-command naming the option, and no model with no-model', async () => {
    const { engine, of } = await ready();
    await engine.handle({ type: 'sample', requestId: 'n', options: { sampler: 'ddim', numInferenceSteps: 2 } });
    await engine.handle({ type: 'importModel', requestId: 'm', files: zipOf(goodDict) });
    await engine.handle({ type: 'sample', requestId: 'b', options: { sampler: 'ddim', numInferenceSteps: 101 } });
    await engine.handle({
      type: 'sample',
      requestId: 'c',
      options: { sampler: 'ddim', numInferenceSteps: 2, numImages: 0 },
    });
    expect(of('error').map((e) => [e.requestId, e.code])).toEqual([
      ['n', 'no-model'],
      ['b', 'bad-command'],
      ['c', 'bad-command'],
    ]);
    expect(of('error')[1].message).toMatch(/numInferenceSteps = 101/);
    expect(of('error')[2].message).toMatch(/numImages = 0/);
  });
});

describe('sample: weights and variance type', () => {
  it('offers an import no choice of weights and names why when one is asked for', async () => {
    const { engine, of } = await ready();
    await engine.handle({ type: 'importModel', requestId: 'm', files: zipOf(goodDict) });
    expect(of('modelLoaded')[0].model.weights).toEqual([]);
    const options = { sampler: 'ddim', numInferenceSteps: 1, numImages: 1 } as const;
    await engine.handle({ type: 'sample', requestId: 'e', options, weights: 'ema' });
    await engine.handle({ type: 'sample', requestId: 'x', options, weights: 'best' as never });
    expect(of('error').map((e) => [e.requestId, e.code, e.message])).toEqual([
      [
        'e',
        'bad-command',
        expect.stringMatching(/weights "ema" is not available: an imported pipeline has one set/),
      ],
      ['x', 'bad-command', expect.stringMatching(/weights "best" is not allowed; use "ema" or "raw"/)],
    ]);
  });

  it('overrides the stored variance_type for one run: σ_t in the frames changes, the scheduler does not', async () => {
    const { engine, of } = await ready();
    await engine.handle({ type: 'importModel', requestId: 'm', files: zipOf(goodDict) });
    const sigmas = async (requestId: string, varianceType?: 'fixed_small' | 'fixed_large') => {
      await engine.handle({
        type: 'sample',
        requestId,
        options: { sampler: 'ddpm', numInferenceSteps: 4, numImages: 1, varianceType },
      });
      return of('sampleFrames')
        .filter((e) => e.requestId === requestId)
        .flatMap((e) => e.frames.map((f) => f.sigma));
    };
    // SCHEDULE stores fixed_large (σ² = β); fixed_small (σ² = β̃ < β) shrinks every noisy step.
    const stored = await sigmas('stored');
    const small = await sigmas('small', 'fixed_small');
    expect(await sigmas('large', 'fixed_large')).toEqual(stored);
    expect(small).toHaveLength(4);
    small.slice(0, 3).forEach((s, i) => expect(s).toBeLessThan(stored[i]));
    expect(of('error')).toEqual([]);
    expect(engine.modelSlot.current()!.scheduler!.config.variance_type).toBe('fixed_large');
  });
});

describe('exportPipeline', () => {
  it('writes a diffusers pipeline zip that imports back to the same weights and schedule', async () => {
    const { engine, sent, of } = await ready();
    await engine.handle({ type: 'importModel', requestId: 'm', files: zipOf(goodDict) });
    await engine.handle({ type: 'exportPipeline', requestId: 'e' });
    const last = sent.at(-1)!;
    const [ready1] = of('exportReady');
    expect(ready1.fileName).toBe('tiny-pipeline-pipeline.zip');
    expect(last.transfer).toEqual([ready1.bytes]);
    const bundle = readModelBundle(new Map([['x.zip', new Uint8Array(ready1.bytes)]]));
    expect(bundle.warnings).toEqual([]);
    expect(bundle.schedulerConfig).toMatchObject({
      _class_name: 'DDPMScheduler',
      num_train_timesteps: 100,
      variance_type: 'fixed_large',
    });
    for (const [name, t] of goodDict) expect(bundle.tensors.get(name)!.data).toEqual(t.data);
  });

  it('refuses the lab-only BatchNorm model with the reason, and answers no-model before any model', async () => {
    const { engine, of } = await ready();
    await engine.handle({ type: 'exportPipeline', requestId: 'none' });
    const bn = new UNet({ ...SMALL_UNET_CONFIG, lab_norm_after_conv_in: 'batch' }, { seed: 2 });
    engine.modelSlot.set({ model: bn, scheduler: null, origin: { kind: 'trained', runId: 'r' } });
    await engine.handle({ type: 'exportPipeline', requestId: 'bn' });
    const [none, refused] = of('error');
    expect(none).toMatchObject({ requestId: 'none', code: 'no-model' });
    expect(refused).toMatchObject({ requestId: 'bn', code: 'export-refused' });
    expect(refused.message).toMatch(/lab_norm_after_conv_in = "batch"/);
    expect(of('exportReady')).toEqual([]);
    bn.dispose();
  });
});
