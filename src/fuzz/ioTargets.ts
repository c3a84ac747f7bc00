/**
 * Fuzz targets for `src/io/`: safetensors, diffusers config files, zip, PNG and model bundles.
 * Limits the parsers take as options are set small here so that "refuses before allocating" is
 * visible in a run's memory growth; each target's `maxAllocBytes` is the parser's stated bound.
 */
import type { Rng } from '../diffusion/rng';
import { readDiffusersConfig, readModelIndex } from '../io/configFiles';
import { JsonFileError } from '../io/json';
import { BundleError, pipelineFiles, readModelBundle, writePipelineZip } from '../io/pipeline';
import type { PipelineExport } from '../io/pipeline';
import { PngError, decodePng, encodePng } from '../io/png';
import { SafetensorsError, readSafetensors, writeSafetensors } from '../io/safetensors';
import { UnsafePathError, ZipError, readZip, writeZip } from '../io/zip';
import { presetConfig } from '../model/presets';
import { unetConfigToJson } from '../model/config';
import { safetensorsFixtures, pngFixtures, zipFixture } from './fixtures';
import { SAFETENSORS_FIELDS, fixPngCrcs, mutateSafetensorsHeader, pngFields, zipFields } from './formats';
import { byteGenerator, describeBytes } from './harness';
import type { FuzzTarget } from './harness';
import { mutateJsonText, mutateJsonValue } from './jsonMutators';
import { havoc } from './mutators';
import type { ByteSeed } from './mutators';

const utf8 = (s: string) => new TextEncoder().encode(s);

/** A small model in the lab's export format: two tensors, a tiny U-Net config, a DDPM scheduler. */
const MODEL: PipelineExport = {
  unetConfig: unetConfigToJson(presetConfig('tiny')),
  schedulerConfig: {
    _class_name: 'DDPMScheduler',
    num_train_timesteps: 1000,
    beta_start: 0.0001,
    beta_end: 0.02,
  },
  tensors: new Map([
    ['conv_in.weight', { shape: [2, 3, 3, 3], data: new Float32Array(54).map((_, i) => Math.sin(i)) }],
    ['conv_in.bias', { shape: [2], data: new Float32Array([0.5, -0.5]) }],
    ['timestep', { dtype: 'I64', shape: [1], data: [7] }],
  ]),
};

/** Safetensors: the reader's checks are all before allocation; its output is at most 4 bytes per input byte (U8 → float32). */
export function safetensorsTarget(): FuzzTarget<Uint8Array> {
  const seeds: ByteSeed[] = [...safetensorsFixtures(), writeSafetensors(MODEL.tensors, { note: 'lab' })].map(
    (bytes) => ({
      bytes,
      fields: SAFETENSORS_FIELDS,
    }),
  );
  return {
    name: 'safetensors (readSafetensors)',
    generate: byteGenerator(seeds, { structured: mutateSafetensorsHeader }),
    run: (bytes) => readSafetensors(bytes),
    allowed: [SafetensorsError],
    maxAllocBytes: (bytes) => 16 * bytes.length,
    describe: describeBytes,
  };
}

/** JSON configs: byte havoc, tree edits and text edits of the three diffusers files the lab reads. */
function jsonConfigGenerator(seeds: readonly string[]): (rng: Rng) => Uint8Array {
  const byteSeeds = seeds.map((s) => ({ bytes: utf8(s) }));
  return (rng) => {
    const seed = seeds[rng.int(seeds.length)];
    switch (rng.int(4)) {
      case 0:
        return havoc(rng, byteSeeds[rng.int(byteSeeds.length)], byteSeeds);
      case 1:
        return utf8(mutateJsonText(rng, seed));
      default:
        return utf8(JSON.stringify(mutateJsonValue(rng, JSON.parse(seed)), null, rng.int(2) * 2));
    }
  };
}

/** The diffusers JSON files as `io/` reads them (size cap, UTF-8, object, `_class_name`, model_index pairs). */
export function configFilesTarget(): FuzzTarget<Uint8Array> {
  const files = pipelineFiles(MODEL);
  const seeds = [...files].filter(([p]) => p.endsWith('.json')).map(([, b]) => new TextDecoder().decode(b));
  return {
    name: 'config files (parseJson, readDiffusersConfig, readModelIndex)',
    generate: jsonConfigGenerator(seeds),
    run: (bytes) => {
      // Every reader sees every input; the first foreign error wins, else the first JsonFileError.
      let own: unknown;
      for (const read of [
        () => readDiffusersConfig(bytes, 'config.json', 'UNet2DModel'),
        () => readModelIndex(bytes, 'model_index.json'),
      ]) {
        try {
          read();
        } catch (e) {
          if (!(e instanceof JsonFileError)) throw e;
          own ??= e;
        }
      }
      if (own) throw own;
    },
    allowed: [JsonFileError],
    maxAllocBytes: (bytes) => 64 * bytes.length,
    describe: (bytes) => JSON.stringify(new TextDecoder().decode(bytes.subarray(0, 200))),
  };
}

/** The zip limits the fuzz run reads with: small, so that a lying size shows up as memory growth. */
export const FUZZ_ZIP_LIMITS = { maxEntries: 1000, maxTotalBytes: 1 << 20 };

/** Zip: at most `maxTotalBytes` of output, plus copies of the input. */
export function zipTarget(): FuzzTarget<Uint8Array> {
  const lab = writeZip(
    new Map([
      ['a/weights.safetensors', writeSafetensors(MODEL.tensors)],
      ['a/config.json', utf8('{"x": 1}'.repeat(20))],
      ['b.txt', new Uint8Array(0)],
    ]),
  );
  const seeds = [zipFixture(), lab].map((bytes) => ({ bytes, fields: zipFields(bytes) }));
  return {
    name: 'zip (readZip)',
    generate: byteGenerator(seeds),
    run: (bytes) => readZip(bytes, FUZZ_ZIP_LIMITS),
    allowed: [ZipError, UnsafePathError],
    maxAllocBytes: (bytes) => FUZZ_ZIP_LIMITS.maxTotalBytes + 4 * bytes.length,
    describe: describeBytes,
  };
}

/** The pixel limit the fuzz run decodes with. */
export const FUZZ_PNG_PIXELS = 1 << 16;

/** PNG: output and scanlines are bounded by `maxPixels` × 8 bytes each (16-bit RGBA), checked on IHDR. */
export function pngTarget(): FuzzTarget<Uint8Array> {
  const gray = { width: 5, height: 3, channels: 1 as const, data: new Uint8Array(15).map((_, i) => i * 17) };
  const seeds = [...pngFixtures(), encodePng(gray)].map((bytes) => ({ bytes, fields: pngFields(bytes) }));
  return {
    name: 'png (decodePng)',
    generate: byteGenerator(seeds, { fixup: fixPngCrcs }),
    run: (bytes) => decodePng(bytes, { maxPixels: FUZZ_PNG_PIXELS }),
    allowed: [PngError],
    maxAllocBytes: (bytes) => 17 * FUZZ_PNG_PIXELS + 4 * bytes.length,
    describe: describeBytes,
  };
}

/** Paths that test normalisation: traversal, absolute, drive letters, NUL, junk, near-duplicates. */
const NASTY_PATHS = [
  '../model_index.json',
  'a/../../x.safetensors',
  '/etc/passwd',
  'C:\\Windows\\x.json',
  'a\0b.json',
  '',
  '.',
  './',
  '__MACOSX/unet/config.json',
  '.DS_Store',
  'unet//config.json',
  'unet\\config.json',
  'unet/./config.json',
  'weights.bin',
  'unet/diffusion_pytorch_model.bin',
  'unet/diffusion_pytorch_model.safetensors.index.json',
  'unet/other.safetensors',
  'inner.zip',
  'model_index.json',
];

function parseOrUndefined(data: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(data));
  } catch {
    return undefined;
  }
}

/** Model bundles: file maps with mutated paths, mutated or dropped files, or a mutated zip. */
export function bundleTarget(): FuzzTarget<Map<string, Uint8Array>> {
  const files = pipelineFiles(MODEL);
  const zip = writePipelineZip(MODEL);
  const seedMaps: Map<string, Uint8Array>[] = [
    files,
    new Map([...files].map(([p, d]) => [`my-model/${p}`, d])),
    new Map([['model.zip', zip]]),
    new Map([
      ['config.json', files.get('unet/config.json')!],
      ['weights.safetensors', files.get('unet/diffusion_pytorch_model.safetensors')!],
      ['scheduler_config.json', files.get('scheduler/scheduler_config.json')!],
    ]),
  ];
  const byteSeeds: ByteSeed[] = [...files.values(), zip].map((bytes) => ({
    bytes,
    fields: zipFields(bytes),
  }));
  const pick = <T>(rng: Rng, items: readonly T[]) => items[rng.int(items.length)];
  const generate = (rng: Rng) => {
    const out = new Map(pick(rng, seedMaps));
    for (let k = 1 + rng.int(3); k > 0; k--) {
      const paths = [...out.keys()];
      const path = pick(rng, paths.length > 0 ? paths : ['x']);
      const data = out.get(path) ?? new Uint8Array(0);
      switch (rng.int(5)) {
        case 0:
          out.delete(path);
          out.set(
            rng.int(2) === 0 ? pick(rng, NASTY_PATHS) : `${path}${pick(rng, ['/', '.zip', '.bin', ''])}`,
            data,
          );
          break;
        case 1:
          out.delete(path);
          break;
        case 2:
          out.set(pick(rng, NASTY_PATHS), pick(rng, byteSeeds).bytes);
          break;
        default: {
          const json = path.endsWith('.json') && rng.int(2) === 0 ? parseOrUndefined(data) : undefined;
          const fields = path.endsWith('.zip') ? zipFields(data) : SAFETENSORS_FIELDS;
          out.set(
            path,
            json !== undefined
              ? utf8(JSON.stringify(mutateJsonValue(rng, json)))
              : havoc(rng, { bytes: data, fields }, byteSeeds),
          );
        }
      }
    }
    return out;
  };
  const total = (m: Map<string, Uint8Array>) => [...m.values()].reduce((n, d) => n + d.length, 0);
  return {
    name: 'model bundles (readModelBundle)',
    generate,
    run: (input) => readModelBundle(input, FUZZ_ZIP_LIMITS),
    allowed: [BundleError],
    maxAllocBytes: (input) => FUZZ_ZIP_LIMITS.maxTotalBytes + 16 * total(input),
    describe: (input) => [...input].map(([p, d]) => `${JSON.stringify(p)}: ${describeBytes(d)}`).join('; '),
  };
}
