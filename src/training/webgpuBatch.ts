/**
 * The batch, its timesteps and its noise made on the GPU: the training set is uploaded once as
 * packed bytes, and each step the host sends only the batch indices and the draw key
 * [seed low, seed high, step]. One kernel gathers each example's bytes (flipped when Philox says
 * so), normalises them, draws t and ε from the same Philox streams as `src/random/draws.ts` and
 * writes x_t, the regression target and t, so no random value is drawn and no image is uploaded
 * by the host per step.
 */
import * as tf from '@tensorflow/tfjs';
import type { Normalization } from '../data/batch';
import type { Dataset } from '../data/types';
import type { PredictionType } from '../diffusion';
import {
  elementwiseProgram,
  f32,
  i32,
  registerWebGpuKernel,
  runLabKernelOutputs,
} from '../model/webgpu/program';
import { trainingDrawsWgsl } from '../random/philoxWgsl';
import type { NoiseTables } from './loss';

const KERNEL = 'LabNoisyBatch';

interface Attrs {
  /** The regression target the kernel writes beside x_t. */
  target: PredictionType;
  shape: [number, number, number, number];
  T: number;
  sharedT: boolean;
  flip: boolean;
  scale: number[];
  offset: number[];
}

const pad4 = (v: number[]) => [...v, 0, 0, 0, 0].slice(0, 4);

function register(): void {
  registerWebGpuKernel<Attrs>(
    KERNEL,
    (_inputs, a) => {
      const [B, H, W, C] = a.shape;
      const target = {
        epsilon: 'eps',
        sample: 'x0',
        v_prediction: 'a * eps - s * x0',
      }[a.target];
      // x_t is the output; the target and each example's t (written by its first element's
      // thread) are side outputs.
      const body = `
        let k = vec2<u32>(bitcast<u32>(key[0]), bitcast<u32>(key[1]));
        let step = bitcast<u32>(key[2]);
        let hwc = uniforms.H * uniforms.W * uniforms.C;
        let b = index / hwc;
        let r = index - b * hwc;
        let c = r % uniforms.C;
        let p = r / uniforms.C;
        var x = p % uniforms.W;
        let y = p / uniforms.W;
        if (uniforms.flip != 0 && drawFlip(k, step, u32(b))) { x = uniforms.W - 1 - x; }
        let src = indices[b] * hwc + (y * uniforms.W + x) * uniforms.C + c;
        let byte = (bitcast<u32>(images[src >> 2u]) >> (u32(src & 3) * 8u)) & 0xffu;
        let x0 = f32(byte) * uniforms.scale[c] + uniforms.offset[c];
        let tb = drawTimestep(k, step, u32(b), u32(uniforms.T), uniforms.sharedT != 0);
        let a = sqrtAlphaBar[tb];
        let s = sqrtOneMinusAlphaBar[tb];
        let eps = drawNormal(k, step, u32(index));
        result[index] = a * x0 + s * eps;
        regressionTarget[index] = ${target};
        if (r == 0) { timesteps[b] = f32(tb); }`;
      const program = elementwiseProgram(
        `noisy_batch_${a.target}`,
        ['images', 'indices', 'key', 'sqrtAlphaBar', 'sqrtOneMinusAlphaBar'],
        [B, H, W, C],
        'H : i32, W : i32, C : i32, T : i32, sharedT : i32, flip : i32, scale : vec4<f32>, offset : vec4<f32>,',
        body,
      );
      const main = program.getUserCode();
      program.getUserCode = () => `${trainingDrawsWgsl()}\n${main}`;
      return {
        program,
        uniforms: [
          i32(H),
          i32(W),
          i32(C),
          i32(a.T),
          i32(a.sharedT ? 1 : 0),
          i32(a.flip ? 1 : 0),
          f32(...pad4(a.scale)),
          f32(...pad4(a.offset)),
        ],
        sideOutputs: [
          { name: 'regressionTarget', shape: [B, H, W, C] },
          { name: 'timesteps', shape: [B] },
        ],
      };
    },
    ['images', 'indices', 'key', 'sqrtAlphaBar', 'sqrtOneMinusAlphaBar'],
  );
}

/** The training set's bytes packed four to an int32 word (little-endian), as the kernel reads them. */
export function packImages(ds: Dataset): tf.Tensor1D {
  const words = new Int32Array(Math.ceil(ds.images.length / 4));
  new Uint8Array(words.buffer).set(ds.images);
  return tf.tensor1d(words, 'int32');
}

/** Bytes the packed training set takes on the GPU. */
export function packedImageBytes(ds: Dataset): number {
  return 4 * Math.ceil(ds.images.length / 4);
}

/** What one step's GPU batch needs besides the per-step inputs. */
export interface GpuBatchSource {
  images: tf.Tensor1D;
  tables: NoiseTables;
  shape: [number, number, number, number];
  T: number;
  sharedT: boolean;
  flip: boolean;
  normalization: Normalization;
}

/**
 * x_t, the target and t (float32 [B], for the model's time embedding and the step's report) for
 * batch `indices` (int32 [B]) under `key` (int32 [seed low, seed high, step]): one dispatch.
 */
export function noisyBatchWebGpu(
  src: GpuBatchSource,
  indices: tf.Tensor1D,
  key: tf.Tensor1D,
): { xt: tf.Tensor4D; target: tf.Tensor4D; t: tf.Tensor1D } {
  register();
  const inputs = {
    images: src.images,
    indices,
    key,
    sqrtAlphaBar: src.tables.sqrtAlphaBar,
    sqrtOneMinusAlphaBar: src.tables.sqrtOneMinusAlphaBar,
  };
  const attrs: Attrs = {
    target: src.tables.predictionType,
    shape: src.shape,
    T: src.T,
    sharedT: src.sharedT,
    flip: src.flip,
    scale: src.normalization.scale,
    offset: src.normalization.offset,
  };
  const [xt, target, t] = runLabKernelOutputs(KERNEL, inputs, attrs);
  return { xt: xt as tf.Tensor4D, target: target as tf.Tensor4D, t: t as tf.Tensor1D };
}

/** Whether the packed training set fits one storage binding of the current WebGPU device. */
export function gpuBatchFits(ds: Dataset): boolean {
  const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
  return device !== undefined && packedImageBytes(ds) <= device.limits.maxStorageBufferBindingSize;
}
