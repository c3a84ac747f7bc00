/**
 * `ddpm-lab forward --unet PATH --input IN.safetensors --out OUT.safetensors [--backend cpu|webgpu]`:
 * one eval-mode forward pass, NCHW in and out like diffusers' UNet2DModel.
 */
import * as tf from '@tensorflow/tfjs';
import { nchwToNhwc, nhwcToNchw } from '../io/layout';
import { readSafetensors, writeSafetensors, type SafetensorsTensor } from '../io/safetensors';
import { parseUNetConfig } from '../model/config';
import { checkWeightsForConfig } from '../model/limits';
import { UNet } from '../model/unet';
import { parseArgs, requireFlag, UsageError } from './args';
import { GPU_FEATURES_FLAG, parseBackend, parseGpuFeaturesFlag, useBackend } from './backend';
import { checkOutputFile, readRegularFile, writeFileAtomic } from './files';
import { readModelPath } from './modelFiles';
import type { Output } from './output';

/** Usage line shown by --help and on errors. */
export const FORWARD_USAGE = `ddpm-lab forward --unet PATH --input IN.safetensors --out OUT.safetensors [--force] [--backend cpu|webgpu] ${GPU_FEATURES_FLAG}   (IN: sample F32 [B,C,H,W], timestep F32/I64 [B])`;

/** Reads the input, runs the model in eval mode, writes `sample` to OUT. */
export async function forwardCommand(argv: readonly string[], out: Output): Promise<number> {
  const args = parseArgs(
    argv,
    { unet: true, input: true, out: true, backend: true, 'gpu-features': true, force: false },
    'forward',
  );
  if (args.positionals.length)
    throw new UsageError(
      `forward takes no positional arguments, got ${args.positionals.join(' ')}; usage: ${FORWARD_USAGE}`,
    );
  const unetPath = requireFlag(args, 'unet', 'forward');
  const inputPath = requireFlag(args, 'input', 'forward');
  const outPath = requireFlag(args, 'out', 'forward');
  const backend = parseBackend(args.flags.get('backend') as string | undefined);
  const gpuFeatures = parseGpuFeaturesFlag(args.flags.get('gpu-features') as string | undefined, backend);
  checkOutputFile(outPath, args.flags.has('force'), '--out');

  const { sample, timestep } = readForwardInput(inputPath);
  const bundle = readModelPath(unetPath);
  const config = parseUNetConfig(bundle.unetConfig);
  // Shapes, limits and finiteness of the file before a model is built from its config.
  checkWeightsForConfig(config, bundle.tensors);
  await useBackend(backend, gpuFeatures);
  const model = new UNet(config, { seed: 0 });
  try {
    model.loadStateDict(bundle.tensors);
    const start = performance.now();
    const nhwc = nchwToNhwc(sample.data, sample.shape);
    const y = tf.tidy(() => {
      const x = tf.tensor4d(nhwc.data, nhwc.shape as [number, number, number, number]);
      return model.apply(x, tf.tensor1d(timestep), { training: false });
    });
    const result = nhwcToNchw((await y.data()) as Float32Array, y.shape);
    y.dispose();
    const seconds = (performance.now() - start) / 1000;
    writeFileAtomic(
      outPath,
      writeSafetensors(new Map([['sample', { shape: result.shape, data: result.data }]])),
    );
    out.stdout(
      `wrote ${outPath}: sample [${result.shape.join(', ')}] (${backend} backend, forward ${seconds.toFixed(2)} s)`,
    );
  } finally {
    model.dispose();
  }
  return 0;
}

/** `sample` [B,C,H,W] float32 and `timestep` [B] (or one value for the whole batch), nothing else. */
function readForwardInput(path: string): { sample: SafetensorsTensor; timestep: Float32Array } {
  const file = readSafetensors(readRegularFile(path));
  const extra = [...file.tensors.keys()].filter((k) => k !== 'sample' && k !== 'timestep');
  if (extra.length)
    throw new UsageError(
      `${path}: unexpected tensor(s) ${extra.join(', ')}; expected only sample and timestep`,
    );
  const sample = file.tensors.get('sample');
  const timestep = file.tensors.get('timestep');
  if (!sample) throw new UsageError(`${path}: no tensor "sample" (float32 [B, C, H, W])`);
  if (!timestep) throw new UsageError(`${path}: no tensor "timestep" (float32 or int64 [B])`);
  if (sample.dtype !== 'F32' || sample.shape.length !== 4)
    throw new UsageError(
      `${path}: sample must be F32 [B, C, H, W], got ${sample.dtype} [${sample.shape.join(', ')}]`,
    );
  if (!['F32', 'I64', 'I32'].includes(timestep.dtype))
    throw new UsageError(`${path}: timestep must be F32, I64 or I32, got ${timestep.dtype}`);
  for (const [name, t] of [
    ['sample', sample],
    ['timestep', timestep],
  ] as const) {
    const bad = t.data.reduce((n, v) => (Number.isFinite(v) ? n : n + 1), 0);
    if (bad > 0)
      throw new UsageError(
        `${path}: ${name} holds ${bad} NaN or Infinity value(s); the model would only return NaN`,
      );
  }
  const batch = sample.shape[0];
  if (timestep.data.length === 1 && timestep.shape.length <= 1)
    return { sample, timestep: new Float32Array(batch).fill(timestep.data[0]) };
  if (timestep.shape.length !== 1 || timestep.shape[0] !== batch)
    throw new UsageError(
      `${path}: timestep must have shape [${batch}] (one per sample) or hold a single value, got [${timestep.shape.join(', ')}]`,
    );
  return { sample, timestep: timestep.data };
}
