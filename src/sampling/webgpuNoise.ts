/**
 * The reverse process' noise drawn on the GPU for the tfjs loop on WebGPU: one draw of every
 * image (`drawSampleNoise`'s values, computed by the same WGSL `drawSampleNormal` the compiled
 * loop's kernels call), so both WebGPU loops add the very same z and the host draws nothing.
 */
import * as tf from '@tensorflow/tfjs';
import { elementwiseProgram, i32, registerWebGpuKernel, runLabKernel } from '../model/webgpu/program';
import { sampleKeyWords } from '../random/draws';
import { sampleDrawsWgsl } from '../random/philoxWgsl';
import type { ImageShape } from './frames';

const KERNEL = 'LabSampleNoise';

function register(): void {
  registerWebGpuKernel<{ shape: [number, number, number, number] }>(
    KERNEL,
    (_inputs, a) => {
      const [, H, W, C] = a.shape;
      // key = [seed low, seed high, first image, draw] as int32 bit patterns.
      const program = elementwiseProgram(
        'sample_noise',
        ['key'],
        a.shape,
        'per : i32,',
        `
        let k = vec2<u32>(bitcast<u32>(key[0]), bitcast<u32>(key[1]));
        let per = u32(uniforms.per);
        let i = u32(index);
        result[index] = drawSampleNormal(k, bitcast<u32>(key[2]) + i / per, bitcast<u32>(key[3]), i % per);`,
      );
      const main = program.getUserCode();
      program.getUserCode = () => `${sampleDrawsWgsl()}\n${main}`;
      return { program, uniforms: [i32(H * W * C)] };
    },
    ['key'],
  );
}

/** Draw `draw` of images firstImage … firstImage + N − 1 of `seed`, NHWC, on the GPU. */
export function sampleNoiseWebGpu(
  seed: number,
  firstImage: number,
  draw: number,
  s: ImageShape,
): tf.Tensor4D {
  register();
  const words = new Uint32Array([...sampleKeyWords(seed), firstImage, draw]);
  return tf.tidy(() => {
    const key = tf.tensor1d(new Int32Array(words.buffer), 'int32');
    return runLabKernel(
      KERNEL,
      { key },
      { shape: [s.numImages, s.height, s.width, s.channels] },
    ) as tf.Tensor4D;
  });
}
