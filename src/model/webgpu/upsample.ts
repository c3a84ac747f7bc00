/**
 * The gradient of nearest ×2 upsampling (NHWC) as one 2×2 block-sum kernel. The upsampling
 * itself is read by the conv that follows it (gemm.ts' loader); the portable version (ops.ts:
 * reshape + broadcast adds) sums over a middle axis of size 2 backward, which tfjs runs as a
 * transpose and a reduction with one workgroup per output element.
 */
import * as tf from '@tensorflow/tfjs';
import { elementwiseProgram, i32, registerWebGpuKernel, runLabKernel } from './program';

const DOWN = 'LabUpsample2xGrad';

function register(): void {
  // dx[n, y, x, c] = Σ over the 2×2 block of dy; uniforms: the output's h, w, c.
  registerWebGpuKernel<object>(
    DOWN,
    ([dy]) => {
      const [n, h2, w2, c] = dy.shape;
      const [h, w] = [h2 / 2, w2 / 2];
      return {
        program: elementwiseProgram(
          'up2x_grad',
          ['dy'],
          [n, h, w, c],
          'h : i32, w : i32, c : i32,',
          `
          let ch = index % uniforms.c;
          let pixel = index / uniforms.c;
          let x0 = pixel % uniforms.w;
          let rest = pixel / uniforms.w;
          let y0 = rest % uniforms.h;
          let b = rest / uniforms.h;
          let row = 2 * uniforms.w * uniforms.c;
          let i = ((b * 2 * uniforms.h + 2 * y0) * 2 * uniforms.w + 2 * x0) * uniforms.c + ch;
          result[index] = dy[i] + dy[i + uniforms.c] + dy[i + row] + dy[i + row + uniforms.c];`,
        ),
        uniforms: [i32(h), i32(w), i32(c)],
      };
    },
    ['dy'],
  );
}

/** Σ over each 2×2 pixel block of NHWC: the gradient of nearest ×2 upsampling, one dispatch. */
export function blockSum2xWebGpu(dy: tf.Tensor4D): tf.Tensor4D {
  register();
  return runLabKernel(DOWN, { dy }) as tf.Tensor4D;
}
