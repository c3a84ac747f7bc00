import { BundleError, PIPELINE_PATHS, pipelineFiles, readModelBundle, writePipelineZip } from './pipeline';
import type { PipelineExport } from './pipeline';
import { readSafetensors, writeSafetensors } from './safetensors';
import { readZip, writeZip } from './zip';

const utf8 = (s: string) => new TextEncoder().encode(s);
const json = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;

const unetConfig = { sample_size: 8, block_out_channels: [4, 8], norm_eps: 1e-6, attention_head_dim: null };
const schedulerConfig = {
  _class_name: 'DDPMScheduler',
  num_train_timesteps: 1000,
  beta_start: 0.0001,
  beta_end: 0.02,
  clip_sample: true,
};
const conv = new Float32Array(4 * 3 * 3 * 3).map((_, i) => Math.sin(i) / 3);
const model: PipelineExport = {
  unetConfig,
  schedulerConfig,
  tensors: new Map([
    ['conv_in.weight', { shape: [4, 3, 3, 3], data: conv }],
    ['conv_in.bias', { shape: [4], data: new Float32Array([0.1, -0.2, 0.3, 1e-30]) }],
  ]),
};
const weights = writeSafetensors(model.tensors);
const configBytes = utf8(JSON.stringify({ _class_name: 'UNet2DModel', ...unetConfig }));
const prefixed = (prefix: string, files: Map<string, Uint8Array>) =>
  new Map([...files].map(([p, d]) => [prefix + p, d]));
const fails = (files: Map<string, Uint8Array>, message: RegExp) => {
  expect(() => readModelBundle(files)).toThrow(BundleError);
  expect(() => readModelBundle(files)).toThrow(message);
};

describe('writePipelineZip', () => {
  const files = readZip(writePipelineZip(model));

  it('writes the four files of a diffusers DDPMPipeline folder', () => {
    expect([...files.keys()].sort()).toEqual(Object.values(PIPELINE_PATHS).sort());
    expect(json(files.get('model_index.json')!)).toEqual({
      _class_name: 'DDPMPipeline',
      _diffusers_version: '0.21.0',
      scheduler: ['diffusers', 'DDPMScheduler'],
      unet: ['diffusers', 'UNet2DModel'],
    });
    expect(json(files.get('unet/config.json')!)).toEqual({
      _class_name: 'UNet2DModel',
      _diffusers_version: '0.21.0',
      ...unetConfig,
    });
    expect(json(files.get('scheduler/scheduler_config.json')!)).toEqual({
      _diffusers_version: '0.21.0',
      ...schedulerConfig,
    });
    const st = readSafetensors(files.get('unet/diffusion_pytorch_model.safetensors')!);
    expect(st.metadata).toEqual({ format: 'pt' });
    expect(st.tensors.get('conv_in.weight')!.data).toEqual(conv);
  });
  it('names a DDIM scheduler in model_index.json when the scheduler config is one', () => {
    const ddim = pipelineFiles({
      ...model,
      schedulerConfig: { ...schedulerConfig, _class_name: 'DDIMScheduler' },
    });
    expect(json(ddim.get('model_index.json')!).scheduler).toEqual(['diffusers', 'DDIMScheduler']);
  });
});

describe('readModelBundle accepts every layout', () => {
  const pipeline = pipelineFiles(model);
  const unetFolder = new Map([
    ['config.json', configBytes],
    ['diffusion_pytorch_model.safetensors', weights],
  ]);
  const layouts: [string, Map<string, Uint8Array>, boolean][] = [
    ['a pipeline folder', pipeline, true],
    ['a pipeline folder inside a top-level directory', prefixed('ddpm-mnist/', pipeline), true],
    ['a pipeline folder two directories down, Windows separators', prefixed('runs\\ddpm\\', pipeline), true],
    ['a zipped pipeline', new Map([['model.zip', writePipelineZip(model)]]), true],
    [
      'a zipped pipeline inside a directory',
      new Map([['m.ZIP', writeZip(prefixed('ddpm/', pipeline))]]),
      true,
    ],
    ['a unet folder', unetFolder, false],
    ['a unet folder picked with its name', prefixed('unet/', unetFolder), false],
    ['a zipped unet folder', new Map([['unet.zip', writeZip(prefixed('unet/', unetFolder))]]), false],
    [
      'a lone .safetensors with its config.json',
      new Map([
        ['my-weights.safetensors', weights],
        ['config.json', configBytes],
      ]),
      false,
    ],
  ];
  it.each(layouts)('%s', (_, files, hasScheduler) => {
    const bundle = readModelBundle(files);
    expect(bundle.unetConfig).toMatchObject({ _class_name: 'UNet2DModel', ...unetConfig });
    expect(bundle.tensors.get('conv_in.weight')!.data).toEqual(conv);
    expect(bundle.tensors.get('conv_in.bias')!.shape).toEqual([4]);
    if (hasScheduler) {
      expect(bundle.schedulerConfig).toMatchObject(schedulerConfig);
      expect(bundle.warnings).toEqual([]);
      expect(bundle.paths).toEqual({
        unetConfig: 'unet/config.json',
        weights: 'unet/diffusion_pytorch_model.safetensors',
        schedulerConfig: 'scheduler/scheduler_config.json',
      });
    } else {
      expect(bundle.schedulerConfig).toBeUndefined();
      expect(bundle.warnings).toEqual([
        'no scheduler_config.json: the scheduler settings are not part of this model',
      ]);
    }
  });
  it('ignores macOS junk and reports non-finite weights and unusual pipelines as warnings', () => {
    const bad = writeSafetensors(new Map([['w', { shape: [2], data: [1, NaN] }]]));
    const files = new Map(pipeline);
    files.set('unet/diffusion_pytorch_model.safetensors', bad);
    files.set(
      'model_index.json',
      utf8('{"_class_name": "LDMPipeline", "unet": ["diffusers", "UNet2DModel"]}'),
    );
    files.set('__MACOSX/unet/._config.json', utf8('junk'));
    files.set('.DS_Store', utf8('junk'));
    expect(readModelBundle(files).warnings).toEqual([
      'model_index.json: pipeline class LDMPipeline is not DDPMPipeline or DDIMPipeline; only its unet is used',
      'unet/diffusion_pytorch_model.safetensors: 1 tensor(s) hold NaN or Infinity: w',
    ]);
  });
});

describe('readModelBundle names what is missing or wrong', () => {
  const pipeline = pipelineFiles(model);
  const without = (path: string) => new Map([...pipeline].filter(([p]) => p !== path));
  const withFile = (path: string, data: Uint8Array, base = pipeline) => new Map([...base, [path, data]]);

  it('missing pieces', () => {
    fails(new Map(), /no files given/);
    fails(
      without('unet/config.json'),
      /^unet\/config.json is missing: the weights unet\/diffusion_pytorch_model.safetensors need the UNet2DModel config/,
    );
    fails(new Map([['w.safetensors', weights]]), /^config.json is missing/);
    fails(
      new Map([['config.json', configBytes]]),
      /no .safetensors weights in the top folder; found 1 file\(s\): config.json/,
    );
    fails(without('unet/diffusion_pytorch_model.safetensors'), /no .safetensors weights in unet\//);
    fails(
      withFile(
        'model_index.json',
        utf8('{"_class_name": "DDPMPipeline", "scheduler": ["diffusers", "DDPMScheduler"]}'),
      ),
      /lists no "unet" component/,
    );
  });
  it('weights it will not load', () => {
    const noWeights = without('unet/diffusion_pytorch_model.safetensors');
    fails(
      withFile('unet/diffusion_pytorch_model.bin', new Uint8Array(4), noWeights),
      /unet\/diffusion_pytorch_model.bin is a PyTorch pickle/,
    );
    fails(
      withFile('unet/diffusion_pytorch_model.safetensors.index.json', utf8('{}'), noWeights),
      /sharded weights are not supported/,
    );
    const two = withFile('unet/b.safetensors', weights, withFile('unet/a.safetensors', weights, noWeights));
    fails(two, /unet\/ holds several .safetensors files \(unet\/a.safetensors, unet\/b.safetensors\)/);
  });
  it('broken files, with the path in front of the underlying error', () => {
    fails(
      withFile('unet/diffusion_pytorch_model.safetensors', weights.subarray(0, 20)),
      /^unet\/diffusion_pytorch_model.safetensors: header length \d+ runs past/,
    );
    fails(
      withFile('unet/config.json', utf8('{"_class_name": "UNet2DConditionModel"}')),
      /^unet\/config.json: _class_name is "UNet2DConditionModel", expected "UNet2DModel"/,
    );
    fails(
      withFile('scheduler/scheduler_config.json', utf8('{oops')),
      /^scheduler\/scheduler_config.json: not valid JSON/,
    );
    fails(new Map([['m.zip', new Uint8Array(30)]]), /^m.zip: no end-of-central-directory record/);
    const cause = (() => {
      try {
        readModelBundle(withFile('unet/config.json', utf8('[]')));
      } catch (e) {
        return (e as Error).cause;
      }
    })();
    expect((cause as Error).name).toBe('JsonFileError');
  });
  it('unsafe or ambiguous input', () => {
    fails(withFile('../x.json', utf8('{}')), /^\.\.\/x.json: path "..\/x.json" climbs out of its folder/);
    fails(
      new Map([
        ['a.zip', writePipelineZip(model)],
        ['b.txt', utf8('')],
      ]),
      /give one .zip on its own or loose files, not both: found a.zip among 2 files/,
    );
    fails(
      new Map([['outer.zip', writeZip(new Map([['inner.zip', writePipelineZip(model)]]))]]),
      /outer.zip holds another .zip/,
    );
    fails(
      new Map([
        ['a/config.json', configBytes],
        ['a\\config.json', configBytes],
      ]),
      /a\/config.json is given twice/,
    );
  });
  it('passes zip limits through', () => {
    expect(() => readModelBundle(new Map([['m.zip', writePipelineZip(model)]]), { maxEntries: 2 })).toThrow(
      /m.zip: archive has 4 entries, over the limit of 2/,
    );
  });
});
