/**
 * A conv's filter gradient as im2col + one matmul: dW = colsᵀ·dy with cols [n·ho·wo, kh·kw·ci]
 * the (zero-padded, strided) input patches, built by one kernel, and dy read as [n·ho·wo, co].
 * Two dispatches instead of convGrad.ts' three transposes and a conv (plus a slice), and no conv
 * with a single input channel, which is what the transposed formulation becomes at batch 1 (tfjs'
 * Conv2D takes its slowest path there: 0.4 s for a 16×16×32 layer on SwiftShader). The patches
 * cost kh·kw times the input's memory, so callers use this below a size (see
 * {@link IM2COL_MAX_ELEMENTS}) and convGrad.ts above it.
 */
import * as tf from '@tensorflow/tfjs';
import type { Padding } from '../convGrad';
import { elementwiseProgram, i32, registerWebGpuKernel, runLabKernel } from './program';

const KERNEL = 'LabIm2Col';

/** Largest patch matrix built (16 M floats, 64 MB); larger layers take convGrad.ts' path. */
export const IM2COL_MAX_ELEMENTS = 16 * 1024 * 1024;

interface Im2ColAttrs {
  kh: number;
  kw: number;
  ho: number;
  wo: number;
  stride: number;
  top: number;
  left: number;
}

function register(): void {
  registerWebGpuKernel<Im2ColAttrs>(
    KERNEL,
    ([x], a) => {
      const [n, h, w, c] = x.shape;
      return {
        program: elementwiseProgram(
          'im2col',
          ['x'],
          [n * a.ho * a.wo, a.kh * a.kw * c],
          'h : i32, w : i32, c : i32, ho : i32, wo : i32, kw : i32, stride : i32, top : i32, left : i32, cols : i32,',
          `
          let row = index / uniforms.cols;
          let col = index - row * uniforms.cols;
          let b = row / (uniforms.ho * uniforms.wo);
          let p = row - b * uniforms.ho * uniforms.wo;
          let oy = p / uniforms.wo;
          let ox = p - oy * uniforms.wo;
          let tap = col / uniforms.c;
          let ch = col - tap * uniforms.c;
          let ki = tap / uniforms.kw;
          let kj = tap - ki * uniforms.kw;
          let iy = oy * uniforms.stride + ki - uniforms.top;
          let ix = ox * uniforms.stride + kj - uniforms.left;
          var v = 0.0;
          if (iy >= 0 && iy < uniforms.h && ix >= 0 && ix < uniforms.w) {
            v = x[((b * uniforms.h + iy) * uniforms.w + ix) * uniforms.c + ch];
          }
          result[index] = v;`,
        ),
        uniforms: [
          i32(h),
          i32(w),
          i32(c),
          i32(a.ho),
          i32(a.wo),
          i32(a.kw),
          i32(a.stride),
          i32(a.top),
          i32(a.left),
          i32(a.kh * a.kw * c),
        ],
      };
    },
    ['x'],
  );
}

/** Whether the patch matrix of this layer is small enough for {@link filterGradientWebGpu}. */
export function im2colFits(dyShape: readonly number[], wShape: readonly number[]): boolean {
  const [n, ho, wo] = dyShape;
  const [kh, kw, ci] = wShape;
  return n * ho * wo * kh * kw * ci <= IM2COL_MAX_ELEMENTS;
}

/** dW (HWIO) of conv2d(x padded by `pad`, w, stride) given its output gradient dy, on WebGPU. */
export function filterGradientWebGpu(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  wShape: [number, number, number, number],
  stride: number,
  pad: Padding,
): tf.Tensor4D {
  register();
  const [kh, kw, ci, co] = wShape;
  const [n, ho, wo] = dy.shape;
  return tf.tidy(() => {
    const cols = runLabKernel(
      KERNEL,
      { x },
      { kh, kw, ho, wo, stride, top: pad[0], left: pad[2] },
    ) as tf.Tensor2D;
    const dy2 = tf.reshape(dy, [n * ho * wo, co]) as tf.Tensor2D;
    return tf.reshape(tf.matMul(cols, dy2, true, false), [kh, kw, ci, co]) as tf.Tensor4D;
  });
}
