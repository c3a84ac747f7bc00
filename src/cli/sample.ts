/**
 * `ddpm-lab sample --pipeline PATH --sampler ddpm|ddim --steps N [--eta E] --seed S --num N
 * --out grid.png [--frames frames.safetensors] [--batch B] [--backend cpu|webgpu]`:
 * runs the reverse process with the pipeline's U-Net on the betas of its
 * `scheduler/scheduler_config.json` (the file's scheduler class does not matter: `--sampler` picks
 * DDPM or DDIM semantics), writes the images as one PNG grid and, with `--frames`, every recorded
 * step as safetensors: `x_t`, `x0`, `eps` F32 [frames, N, C, H, W], `t` and `step` I64 [frames],
 * `alpha_bar` and `sigma` F32 [frames].
 */
import { parseSchedulerConfig } from '../diffusion';
import { tileImages } from '../io/imageGrid';
import type { RasterImage } from '../io/image';
import { nhwcToNchw } from '../io/layout';
import { encodePng } from '../io/png';
import { writeSafetensors, type TensorToWrite } from '../io/safetensors';
import { parseUNetConfig } from '../model/config';
import { checkWeightsForConfig } from '../model/limits';
import { UNet } from '../model/unet';
import type { ImageShape, SampleFrame } from '../sampling/frames';
import { MAX_IMAGES } from '../sampling/options';
import { sample } from '../sampling/runner';
import { parseArgs, requireFlag, UsageError } from './args';
import { GPU_FEATURES_FLAG, parseBackend, parseGpuFeaturesFlag, useBackend } from './backend';
import { checkOutputFile, samePath, writeFileAtomic } from './files';
import { readModelPath } from './modelFiles';
import type { Output } from './output';

/** Usage line shown by --help and on errors. */
export const SAMPLE_USAGE = `ddpm-lab sample --pipeline PATH --sampler ddpm|ddim --steps N [--eta E] --seed S --num N --out grid.png [--frames frames.safetensors] [--force] [--batch B] [--backend cpu|webgpu] ${GPU_FEATURES_FLAG}`;

const FLAGS = {
  pipeline: true,
  sampler: true,
  steps: true,
  eta: true,
  seed: true,
  num: true,
  out: true,
  frames: true,
  batch: true,
  backend: true,
  'gpu-features': true,
  force: false,
};

/** Samples, writes the grid (and the frames), prints what was written. */
export async function sampleCommand(argv: readonly string[], out: Output): Promise<number> {
  const args = parseArgs(argv, FLAGS, 'sample');
  if (args.positionals.length) {
    throw new UsageError(
      `sample takes no positional arguments, got ${args.positionals.join(' ')}; usage: ${SAMPLE_USAGE}`,
    );
  }
  const flag = (name: string) => args.flags.get(name) as string | undefined;
  const sampler = requireFlag(args, 'sampler', 'sample');
  if (sampler !== 'ddpm' && sampler !== 'ddim')
    throw new UsageError(`sample: --sampler ${sampler} is not supported; samplers: ddpm, ddim`);
  if (sampler === 'ddpm' && flag('eta') !== undefined)
    throw new UsageError('sample: --eta applies to --sampler ddim only');
  const steps = integer(requireFlag(args, 'steps', 'sample'), 'steps', 1, Number.MAX_SAFE_INTEGER);
  const eta = flag('eta') === undefined ? 0 : number(flag('eta')!, 'eta', 0, 1);
  const seed = integer(
    requireFlag(args, 'seed', 'sample'),
    'seed',
    Number.MIN_SAFE_INTEGER,
    Number.MAX_SAFE_INTEGER,
  );
  const numImages = integer(requireFlag(args, 'num', 'sample'), 'num', 1, MAX_IMAGES);
  const batch =
    flag('batch') === undefined ? {} : { maxBatch: integer(flag('batch')!, 'batch', 1, MAX_IMAGES) };
  const outPath = requireFlag(args, 'out', 'sample');
  const framesPath = flag('frames');
  const backend = parseBackend(flag('backend'));
  const gpuFeatures = parseGpuFeaturesFlag(flag('gpu-features'), backend);
  const force = args.flags.has('force');
  if (framesPath !== undefined && samePath(framesPath, outPath))
    throw new UsageError(`sample: --frames and --out are both ${outPath}; give two different files`);
  checkOutputFile(outPath, force, '--out');
  if (framesPath !== undefined) checkOutputFile(framesPath, force, '--frames');
  const pipelinePath = requireFlag(args, 'pipeline', 'sample');

  const bundle = readModelPath(pipelinePath);
  if (!bundle.schedulerConfig) {
    throw new UsageError(
      `${pipelinePath} has no scheduler/scheduler_config.json; sampling needs the schedule the model was trained with (give the pipeline folder or zip, not the unet alone)`,
    );
  }
  const schedule = parseSchedulerConfig(bundle.schedulerConfig).config;
  if (steps > schedule.num_train_timesteps) {
    throw new UsageError(
      `sample: --steps ${steps} is more than the ${schedule.num_train_timesteps} timesteps the model was trained on`,
    );
  }
  const config = parseUNetConfig(bundle.unetConfig);
  // Shapes, limits and finiteness of the file before a model is built from its config.
  checkWeightsForConfig(config, bundle.tensors);
  await useBackend(backend, gpuFeatures);
  const model = new UNet(config, { seed: 0 });
  try {
    model.loadStateDict(bundle.tensors);
    const frames: SampleFrame[] = [];
    const result = await sample(
      model,
      schedule,
      {
        sampler,
        numInferenceSteps: steps,
        eta,
        numImages,
        seed,
        ...batch,
        frameFormat: 'float32',
        ...(framesPath === undefined ? { frameBudgetBytes: 0 } : {}),
      },
      { onFrame: (f) => frames.push(f) },
    );
    const { shape, timing } = result;
    writeFileAtomic(outPath, encodePng(tileImages(rasters(result.images, shape))));
    const how = `${sampler}${sampler === 'ddim' ? ` η ${eta}` : ''}, ${steps} steps, seed ${seed}`;
    out.stdout(
      `wrote ${outPath}: ${shape.numImages} images ${shape.height}×${shape.width}×${shape.channels} (${how}; ${backend} backend, ${timing.msPerStep.toFixed(1)} ms/step)`,
    );
    if (framesPath !== undefined) {
      const metadata = {
        sampler,
        steps: String(steps),
        eta: String(eta),
        seed: String(seed),
        frame_stride: String(result.frameStride),
      };
      writeFileAtomic(framesPath, writeSafetensors(frameTensors(frames, shape), metadata));
      const every =
        result.frameStride === 1
          ? 'every step'
          : `every ${result.frameStride}th step, to fit the frame budget`;
      out.stdout(
        `wrote ${framesPath}: ${frames.length} frames (${every}) of x_t, x0, eps [${frames.length}, ${shape.numImages}, ${shape.channels}, ${shape.height}, ${shape.width}] and t`,
      );
    }
  } finally {
    model.dispose();
  }
  return 0;
}

function rasters(images: Uint8Array, s: ImageShape): RasterImage[] {
  if (s.channels < 1 || s.channels > 4) {
    throw new UsageError(`the model makes ${s.channels}-channel images; a PNG holds 1 to 4 channels`);
  }
  const per = s.height * s.width * s.channels;
  return Array.from({ length: s.numImages }, (_, i) => ({
    width: s.width,
    height: s.height,
    channels: s.channels as RasterImage['channels'],
    data: images.subarray(i * per, (i + 1) * per),
  }));
}

/** The recorded frames stacked as [frames, N, C, H, W] (diffusers' layout) plus their per-frame scalars. */
function frameTensors(frames: SampleFrame[], s: ImageShape): Map<string, TensorToWrite> {
  const nhwc = [s.numImages, s.height, s.width, s.channels];
  const stack = (pick: (f: SampleFrame) => SampleFrame['xt']) => {
    const per = s.numImages * s.height * s.width * s.channels;
    const data = new Float32Array(frames.length * per);
    frames.forEach((f, i) => data.set(nhwcToNchw(pick(f) as Float32Array, nhwc).data, i * per));
    return { shape: [frames.length, s.numImages, s.channels, s.height, s.width], data };
  };
  const scalars = (pick: (f: SampleFrame) => number, dtype: 'F32' | 'I64') => ({
    dtype,
    shape: [frames.length],
    data: frames.map(pick),
  });
  return new Map<string, TensorToWrite>([
    ['x_t', stack((f) => f.xt)],
    ['x0', stack((f) => f.x0)],
    ['eps', stack((f) => f.eps)],
    ['t', scalars((f) => f.t, 'I64')],
    ['step', scalars((f) => f.step, 'I64')],
    ['alpha_bar', scalars((f) => f.alphaBar, 'F32')],
    ['sigma', scalars((f) => f.sigma, 'F32')],
  ]);
}

function integer(value: string, name: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
    const range =
      min === Number.MIN_SAFE_INTEGER
        ? ''
        : max === Number.MAX_SAFE_INTEGER
          ? ` ≥ ${min}`
          : ` from ${min} to ${max}`;
    throw new UsageError(`sample: --${name} ${value} is not allowed; expected an integer${range}`);
  }
  return n;
}

function number(value: string, name: string, min: number, max: number): number {
  const n = Number(value);
  if (value.trim() === '' || !(n >= min && n <= max)) {
    throw new UsageError(
      `sample: --${name} ${value} is not allowed; expected a number from ${min} to ${max}`,
    );
  }
  return n;
}
