import {
  DIFFUSERS_VERSION,
  readDiffusersConfig,
  readModelIndex,
  writeDiffusersConfig,
  writeModelIndex,
} from './configFiles';
import { JsonFileError, MAX_JSON_BYTES, parseJson, parseJsonObject, stringifyJson } from './json';

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const utf8 = (s: string) => new TextEncoder().encode(s);

describe('parseJson', () => {
  it('reads UTF-8 bytes with or without a BOM, and strings', () => {
    expect(parseJson(utf8('{"a": [1, 2.5e-6, "é"]}'), 'x.json')).toEqual({ a: [1, 2.5e-6, 'é'] });
    expect(parseJson(new Uint8Array([0xef, 0xbb, 0xbf, ...utf8('[true]')]), 'x.json')).toEqual([true]);
    expect(parseJson('{"norm_eps": 1e-06}', 'x.json')).toEqual({ norm_eps: 1e-6 });
  });
  it('names the file and the problem', () => {
    expect(() => parseJson(utf8('{"a": }'), 'unet/config.json')).toThrow(
      /^unet\/config.json: not valid JSON \(/,
    );
    expect(() => parseJson(new Uint8Array([0x7b, 0xff, 0x7d]), 'a.json')).toThrow(
      /a.json: not valid UTF-8 text/,
    );
    expect(() => parseJson('[1]'.padEnd(100), 'big.json', { maxBytes: 64 })).toThrow(
      /big.json: 100 bytes is over the 64-byte limit/,
    );
    expect(() => parseJson(new Uint8Array(MAX_JSON_BYTES + 1), 'huge.json')).toThrow(JsonFileError);
  });
  it('parseJsonObject rejects non-objects', () => {
    expect(() => parseJsonObject('[1]', 'c.json')).toThrow(/c.json: expected a JSON object, got an array/);
    expect(() => parseJsonObject('null', 'c.json')).toThrow(/got null/);
    expect(() => parseJsonObject('"s"', 'c.json')).toThrow(/got string "s"/);
  });
});

describe('stringifyJson', () => {
  it('writes like diffusers: sorted keys at every level, 2-space indent, final newline', () => {
    expect(stringifyJson({ b: 1, a: { d: [1, { z: 0, y: null }], c: 'x' } }, 'x.json')).toBe(
      '{\n  "a": {\n    "c": "x",\n    "d": [\n      1,\n      {\n        "y": null,\n        "z": 0\n      }\n    ]\n  },\n  "b": 1\n}\n',
    );
  });
  it('refuses values JSON cannot hold, naming the path', () => {
    expect(() => stringifyJson({ beta: [0.1, NaN] }, 's.json')).toThrow(/s.json: \$.beta\[1\] is NaN/);
    expect(() => stringifyJson({ x: Infinity }, 's.json')).toThrow(/\$.x is Infinity/);
    expect(() => stringifyJson({ f: undefined }, 's.json')).toThrow(/\$.f is undefined/);
    expect(() => stringifyJson({ n: 1n }, 's.json')).toThrow(/\$.n is bigint/);
  });
});

describe('diffusers config files', () => {
  const unet = {
    _class_name: 'UNet2DModel',
    _diffusers_version: '0.1.1',
    block_out_channels: [128, 256],
    norm_eps: 1e-6,
    attention_head_dim: null,
  };

  it('round-trips a config, keeping _class_name and _diffusers_version as found', () => {
    const bytes = writeDiffusersConfig(unet, 'UNet2DModel', 'unet/config.json');
    expect(readDiffusersConfig(bytes, 'unet/config.json', 'UNet2DModel')).toEqual(unet);
  });
  it('adds the class name and the current diffusers version to a new config', () => {
    const bytes = writeDiffusersConfig(
      { num_train_timesteps: 1000 },
      'DDPMScheduler',
      'scheduler_config.json',
    );
    expect(JSON.parse(text(bytes))).toEqual({
      _class_name: 'DDPMScheduler',
      _diffusers_version: DIFFUSERS_VERSION,
      num_train_timesteps: 1000,
    });
  });
  it('rejects a config of another class and malformed metadata', () => {
    expect(() => writeDiffusersConfig(unet, 'DDPMScheduler', 'x.json')).toThrow(
      /has _class_name "UNet2DModel" but is written as "DDPMScheduler"/,
    );
    expect(() =>
      readDiffusersConfig(utf8('{"_class_name": "UNet2DConditionModel"}'), 'unet/config.json', 'UNet2DModel'),
    ).toThrow(/unet\/config.json: _class_name is "UNet2DConditionModel", expected "UNet2DModel"/);
    expect(() => readDiffusersConfig('{"_diffusers_version": 21}', 'c.json')).toThrow(
      /c.json: _diffusers_version must be a string, got number 21/,
    );
  });
  it('writes the DDPMPipeline model_index.json', () => {
    expect(JSON.parse(text(writeModelIndex()))).toEqual({
      _class_name: 'DDPMPipeline',
      _diffusers_version: '0.21.0',
      scheduler: ['diffusers', 'DDPMScheduler'],
      unet: ['diffusers', 'UNet2DModel'],
    });
    expect(readModelIndex(writeModelIndex('DDIMScheduler'), 'model_index.json')).toEqual({
      className: 'DDPMPipeline',
      components: { scheduler: ['diffusers', 'DDIMScheduler'], unet: ['diffusers', 'UNet2DModel'] },
    });
  });
  it('reads null components and rejects malformed ones', () => {
    expect(
      readModelIndex(
        '{"_class_name": "DDPMPipeline", "unet": ["diffusers", "UNet2DModel"], "vae": [null, null]}',
        'm.json',
      ).components.vae,
    ).toEqual([null, null]);
    expect(() => readModelIndex('{"_class_name": "DDPMPipeline", "unet": "UNet2DModel"}', 'm.json')).toThrow(
      /m.json: component "unet" must be \[library, class\], got "UNet2DModel"/,
    );
    expect(() => readModelIndex('{"unet": ["diffusers", "UNet2DModel"]}', 'm.json')).toThrow(
      /m.json: _class_name must be a string, got undefined$/,
    );
  });
});
