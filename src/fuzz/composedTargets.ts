/**
 * Fuzz targets for composed paths, where the per-parser targets miss what goes wrong (issue 18):
 * archives inside archives under one load budget, a dataset load carried through to training
 * data by a run config, and a run config carried through to the U-Net it builds.
 */
import { gzipSync } from 'node:zlib';
import { zipSync } from 'fflate';
import { RUN_PRESET_NAMES } from '../config/presets';
import { presetRunConfig } from '../config/hash';
import type { RunConfig } from '../config/runConfig';
import { RunConfigError, parseRunConfig, unetConfigOf } from '../config/validate';
import { DatasetError } from '../data/errors';
import { loadDataset } from '../data/load';
import { bytesSource } from '../data/source';
import { cifarRecords, idxFile, tarArchive } from '../data/testHelpers';
import type { Rng } from '../diffusion/rng';
import type { LoadLimits } from '../io/budget';
import { UNetConfigError } from '../model/config';
import { checkModelLimits } from '../model/limits';
import { paramSpecs, planUNet } from '../model/plan';
import { UNet } from '../model/unet';
import { TrainingDataError, prepareTrainingData } from '../training/batch';
import { describeBytes, describeValue } from './harness';
import type { FuzzTarget } from './harness';
import { cloneJson, mutateJsonValue } from './jsonMutators';
import { BYTE_MUTATORS, INTERESTING_INTS } from './mutators';
import type { NamedFile } from './dataTargets';

/** The load budget the archive targets run under: small, so a check made too late shows. */
export const FUZZ_LOAD_LIMITS: LoadLimits = { maxBytes: 256 << 10, maxEntries: 256, maxDepth: 4 };
/** What one inflation step may overshoot a budget by: one 16 KB input slice at deflate's ~1032×. */
const SLICE_OVERSHOOT = 17 << 20;

const gz = (b: Uint8Array) => new Uint8Array(gzipSync(b, { level: 1 }));

/** Payloads at the bottom of the nest: datasets that load when nothing is spoiled. */
function payloads(): NamedFile[] {
  const images = idxFile(
    [6, 4, 4],
    new Uint8Array(96).map((_, i) => (i * 37) & 0xff),
  );
  const labels = idxFile([6], Uint8Array.from([0, 1, 2, 0, 1, 2]));
  const batch = cifarRecords([1, 5, 9], (i, c, p) => (i * 7 + c * 3 + p) & 0xff);
  return [
    { name: 'train-images-idx3-ubyte', bytes: images },
    { name: 'train-labels-idx1-ubyte', bytes: labels },
    { name: 'data_batch_1.bin', bytes: batch },
    { name: 'cifar.tar', bytes: tarArchive([{ name: 'c/data_batch_1.bin', data: batch }]) },
  ];
}

/**
 * 1 MiB of zeros, gzipped once (5 kB): a bomb four times the fuzz budget. A bigger one tests
 * nothing more (the budget stops inflation within one 16 KB input slice) and costs fflate time.
 */
let bomb: Uint8Array | undefined;

/** One archive layer around `inner`, named so the loader opens it. */
function wrap(rng: Rng, inner: NamedFile, siblings: readonly NamedFile[]): NamedFile {
  const roll = rng.int(100);
  if (roll < 30) return { name: `${inner.name}.gz`, bytes: gz(inner.bytes) };
  if (roll < 60)
    return { name: 'layer.zip', bytes: zipSync({ [inner.name]: inner.bytes }, { level: roll < 45 ? 0 : 6 }) };
  if (roll < 75) {
    // Two members, sometimes under one name: a zip that means two things.
    const other = siblings[rng.int(siblings.length)];
    const name = rng.int(4) === 0 ? `./${inner.name}` : other.name;
    return {
      name: 'pair.zip',
      bytes: zipSync({ [inner.name]: inner.bytes, [name]: other.bytes }, { level: 0 }),
    };
  }
  if (roll < 96)
    return { name: 'layer.tar', bytes: tarArchive([{ name: `d/${inner.name}`, data: inner.bytes }]) };
  bomb ??= gz(new Uint8Array(1 << 20));
  return {
    name: 'bomb.zip',
    bytes: zipSync({ [inner.name]: inner.bytes, 'zeros.bin.gz': bomb }, { level: 0 }),
  };
}

/** Spoils a few bytes of a layer with the byte mutators (bit flips, interesting integers, cuts). */
function spoil(rng: Rng, file: NamedFile): NamedFile {
  let bytes = file.bytes;
  for (let k = 1 + rng.int(3); k > 0; k--) {
    const mutate = BYTE_MUTATORS[rng.int(BYTE_MUTATORS.length)];
    bytes = mutate(rng, bytes, [{ bytes: file.bytes, fields: [] }], []);
  }
  return { name: file.name, bytes };
}

/**
 * Archives inside archives (gzip, zip, tar, a zip of a gzip bomb) 1 to 5 layers deep, one layer
 * spoiled at random, loaded under {@link FUZZ_LOAD_LIMITS}: whatever the nesting, the load stays
 * within its one budget or throws `DatasetError`.
 */
export function nestedArchiveTarget(): FuzzTarget<NamedFile> {
  const seeds = payloads();
  return {
    name: 'archives in archives under one budget (loadDataset)',
    generate: (rng) => {
      let file = seeds[rng.int(seeds.length)];
      const layers = 1 + rng.int(5);
      const spoilAt = rng.int(layers + 2); // past the layers: nothing spoiled
      for (let layer = 0; layer < layers; layer++) {
        if (layer === spoilAt) file = spoil(rng, file);
        file = wrap(rng, file, seeds);
      }
      return spoilAt === layers ? spoil(rng, file) : file;
    },
    run: (file) => loadDataset([bytesSource(file.name, file.bytes)], { limits: FUZZ_LOAD_LIMITS }),
    allowed: [DatasetError],
    maxAllocBytes: (file) => FUZZ_LOAD_LIMITS.maxBytes + SLICE_OVERSHOOT + 32 * file.bytes.length,
    describe: (file) => `${file.name}: ${describeBytes(file.bytes)}`,
  };
}

/** Values that break size arithmetic, for the settings that size buffers. */
const SIZES = [0, 1, 2, 3, 4, 7, 8, 16, 28, 31, 32, 33, 64, 4096, 4097, 8192, 8193, 1e6, ...INTERESTING_INTS];

/** A run config for the tiny or mnist presets with some sizing settings set to edge values. */
function sizedConfig(rng: Rng): unknown {
  const config = cloneJson(presetRunConfig(rng.int(2) === 0 ? 'tiny' : 'mnist')) as RunConfig;
  const pick = () => SIZES[rng.int(SIZES.length)];
  const edits: (() => void)[] = [
    () => (config.model.sample_size = pick()),
    () => (config.training.batchSize = pick()),
    () => (config.model.in_channels = pick()),
    () => (config.model.out_channels = pick()),
    () => (config.model.layers_per_block = pick()),
    () => (config.model.norm_num_groups = pick()),
    () => (config.model.attention_head_dim = rng.int(2) === 0 ? null : pick()),
    () => (config.model.block_out_channels = Array.from({ length: 1 + rng.int(9) }, pick)),
    () => (config.data.classFilter = ['0', '1', '2', 'cat', '', null][rng.int(6)]),
  ];
  for (let k = 1 + rng.int(3); k > 0; k--) edits[rng.int(edits.length)]();
  return rng.int(4) === 0 ? mutateJsonValue(rng, config) : config;
}

/**
 * A dataset load carried into training data by a run config whose sizes are edge values: the
 * images fitted to `sample_size`, filtered by class and checked against the batch and channels.
 */
export function trainingDataTarget(): FuzzTarget<{ files: NamedFile[]; config: unknown }> {
  const seeds = payloads();
  const pairs: NamedFile[][] = [[seeds[0], seeds[1]], [seeds[2]], [seeds[3]], [seeds[0]]];
  return {
    name: 'dataset load → training data (loadDataset, prepareTrainingData)',
    generate: (rng) => {
      const files = pairs[rng.int(pairs.length)].map((f) => (rng.int(4) === 0 ? spoil(rng, f) : f));
      return { files, config: sizedConfig(rng) };
    },
    run: async ({ files, config }) => {
      const checked = parseRunConfig(config);
      const { pair } = await loadDataset(files.map((f) => bytesSource(f.name, f.bytes)));
      return prepareTrainingData(pair, checked);
    },
    allowed: [DatasetError, TrainingDataError, RunConfigError],
    // The fitted images are refused past MAX_TRAINING_BYTES before they are allocated; these are tiny.
    maxAllocBytes: () => 64 << 20,
    describe: ({ files, config }) =>
      `${files.map((f) => `${f.name}: ${describeBytes(f.bytes)}`).join('; ')}; config ${describeValue(config)}`,
  };
}

/** Models at most this big are really built (tfjs variables), so a fuzz run stays fast. */
const BUILD_PARAMETERS = 20_000;

/**
 * A run config carried through to its U-Net: validated (the model limits at its batch), planned,
 * and, when small, built and freed. Whatever the sizes, it is refused or built within the limits.
 */
export function configModelTarget(): FuzzTarget<unknown> {
  const whole = RUN_PRESET_NAMES.map((n) => presetRunConfig(n));
  return {
    name: 'run config → U-Net (validateRunConfig, limits, plan, build)',
    generate: (rng) =>
      rng.int(3) === 0 ? mutateJsonValue(rng, cloneJson(whole[rng.int(whole.length)])) : sizedConfig(rng),
    run: (config) => {
      const checked = parseRunConfig(config);
      const unet = unetConfigOf(checked);
      const cost = checkModelLimits(unet, { batch: checked.training.batchSize });
      const specs = paramSpecs(planUNet(unet));
      if (cost.parameters <= BUILD_PARAMETERS && specs.length > 0) new UNet(unet, { seed: 0 }).dispose();
      return cost;
    },
    allowed: [RunConfigError, UNetConfigError],
    maxAllocBytes: () => 64 << 20,
    describe: describeValue,
  };
}
