/**
 * Fuzz targets for the configuration parsers: the U-Net's config.json (as a parsed object), the
 * scheduler's scheduler_config.json (as text and as an object), the run config (what an imported
 * run.json or a worker command goes through) and the URL hash, which must never throw.
 */
import { RUN_PRESET_NAMES, runPreset } from '../config/presets';
import { decodeRunConfigHash, encodeRunConfigHash, presetRunConfig } from '../config/hash';
import { RunConfigError, parseRunConfig } from '../config/validate';
import { DEFAULT_SCHEDULER_CONFIG, SchedulerConfigError } from '../diffusion/config';
import { parseSchedulerConfig, toSchedulerConfigJson } from '../diffusion/configJson';
import type { Rng } from '../diffusion/rng';
import { UNetConfigError, parseUNetConfig, unetConfigToJson } from '../model/config';
import { UNET_PRESET_NAMES, presetConfig } from '../model/presets';
import { describeValue } from './harness';
import type { FuzzTarget } from './harness';
import { NASTY_KEYS, cloneJson, mutateJsonText, mutateJsonValue } from './jsonMutators';

/** Objects as a config arrives: mostly tree edits, some through JSON text (duplicate keys, deep nesting). */
function objectGenerator(seeds: readonly unknown[]): (rng: Rng) => unknown {
  return (rng) => {
    const seed = seeds[rng.int(seeds.length)];
    if (rng.int(8) === 0) {
      try {
        return JSON.parse(mutateJsonText(rng, JSON.stringify(seed)));
      } catch {
        return mutateJsonValue(rng, seed, true);
      }
    }
    return mutateJsonValue(rng, seed, true);
  };
}

/** Parsing builds nothing: the limit is the JS heap noise of one call. */
const CONFIG_ALLOC = 1 << 20;

/** `parseUNetConfig` on mutated diffusers UNet2DModel configs (every preset, and diffusers' defaults). */
export function unetConfigTarget(): FuzzTarget<unknown> {
  const seeds = [
    ...UNET_PRESET_NAMES.map((n) => unetConfigToJson(presetConfig(n))),
    { _class_name: 'UNet2DModel' },
    {},
  ];
  return {
    name: 'UNet config (parseUNetConfig)',
    generate: objectGenerator(seeds),
    run: (config) => parseUNetConfig(config),
    allowed: [UNetConfigError],
    maxAllocBytes: () => CONFIG_ALLOC,
    describe: describeValue,
  };
}

/** The largest `num_train_timesteps` the scheduler accepts: its tables are 8 bytes × T each. */
const SCHEDULER_ALLOC = 64 << 20;

/** `parseSchedulerConfig` on mutated scheduler_config.json text and objects (DDPM, DDIM, cosine, trained betas). */
export function schedulerConfigTarget(): FuzzTarget<unknown> {
  const seeds: unknown[] = [
    toSchedulerConfigJson('ddpm', DEFAULT_SCHEDULER_CONFIG, { _diffusers_version: '0.21.0' }),
    toSchedulerConfigJson('ddim', { beta_schedule: 'squaredcos_cap_v2', timestep_spacing: 'trailing' }),
    toSchedulerConfigJson(
      'ddpm',
      { num_train_timesteps: 4, trained_betas: [0.1, 0.2, 0.3, 0.4] },
      { thresholding: false },
    ),
  ];
  const objects = objectGenerator(seeds);
  return {
    name: 'scheduler config (parseSchedulerConfig)',
    generate: (rng) => {
      const value = objects(rng);
      if (rng.int(3) !== 0) return value;
      try {
        return JSON.stringify(value) ?? '';
      } catch {
        return mutateJsonText(rng, JSON.stringify(seeds[0]));
      }
    },
    run: (config) => parseSchedulerConfig(config),
    allowed: [SchedulerConfigError],
    maxAllocBytes: () => SCHEDULER_ALLOC,
    describe: describeValue,
  };
}

/** Run configs, whole (every preset) and partial (the presets' overrides), through `parseRunConfig`. */
export function runConfigTarget(): FuzzTarget<unknown> {
  const seeds = [
    ...RUN_PRESET_NAMES.map((n) => presetRunConfig(n)),
    ...RUN_PRESET_NAMES.map((n) => runPreset(n)),
    {},
  ];
  return {
    name: 'run config (validateRunConfig, parseRunConfig)',
    generate: objectGenerator(seeds.map(cloneJson)),
    run: (config) => parseRunConfig(config),
    allowed: [RunConfigError],
    maxAllocBytes: () => SCHEDULER_ALLOC,
    describe: describeValue,
  };
}

/** Hash values that break naive readers: encodings, numbers past every limit, lists where scalars go. */
const HASH_VALUES = [
  '',
  'null',
  'true',
  'NaN',
  'Infinity',
  '1e400',
  '-1',
  '0',
  '1.5',
  '9007199254740993',
  '4294967296',
  '100000000',
  '%',
  '%E0%A4%A',
  '%00',
  '%2C',
  'a,b,c',
  ',',
  ',,',
  ' ',
  '__proto__',
  'constructor',
  '..%2F..',
];
const HASH_KEYS = [
  'preset',
  'model.preset',
  'data.dataset',
  'diffusion.num_train_timesteps',
  'diffusion.trained_betas',
  'training.previewSteps',
  'sampling.steps',
  'model.block_out_channels',
  'model.sample_size',
  ...NASTY_KEYS.map((k) => `model.${k}`),
  ...NASTY_KEYS.map((k) => `training.${k}`),
  ...NASTY_KEYS,
  '.',
  'model.',
  '.x',
  '__proto__.polluted',
  'constructor.prototype',
];

/** `decodeRunConfigHash` on edited hashes: it must return (with errors) for any string, never throw. */
export function hashTarget(): FuzzTarget<string> {
  const seeds = RUN_PRESET_NAMES.map((n) => encodeRunConfigHash(presetRunConfig(n))).concat([
    '',
    '#',
    '#preset=tiny&training.batchSize=2&model.block_out_channels=8,16',
  ]);
  const pick = <T>(rng: Rng, items: readonly T[]) => items[rng.int(items.length)];
  return {
    name: 'URL hash (decodeRunConfigHash)',
    generate: (rng) => {
      const parts = pick(rng, seeds).replace(/^#/, '').split('&');
      for (let k = 1 + rng.int(4); k > 0; k--) {
        const i = rng.int(parts.length);
        const [key, value = ''] = parts[i].split('=');
        switch (rng.int(6)) {
          case 0:
            parts[i] = `${key}=${pick(rng, HASH_VALUES)}`;
            break;
          case 1:
            parts[i] = `${pick(rng, HASH_KEYS)}=${rng.int(2) === 0 ? value : pick(rng, HASH_VALUES)}`;
            break;
          case 2:
            parts.push(parts[i]);
            break;
          case 3:
            parts[i] = key;
            break;
          case 4: {
            const at = rng.int(parts[i].length + 1);
            parts[i] =
              parts[i].slice(0, at) +
              pick(rng, ['=', '&', '%', '#', ',', '\u0000', '\ud800', '.']) +
              parts[i].slice(at);
            break;
          }
          default:
            parts.splice(i, 1);
        }
        if (parts.length === 0) parts.push('');
      }
      return `#${parts.join('&')}`;
    },
    run: (hash) => decodeRunConfigHash(hash),
    allowed: [],
    maxAllocBytes: () => SCHEDULER_ALLOC,
    describe: (hash) => JSON.stringify(hash.slice(0, 400)),
  };
}
