/**
 * The timestep sinusoids [sin(t·f), cos(t·f)] as one WebGPU kernel with its own sine and cosine:
 * SwiftShader's (and WGSL's, by the spec: 2⁻¹¹ absolute) `sin`/`cos` are off by ~1e-4, which
 * t up to 1000 passes on to every layer, where PyTorch's are exact to a float32 rounding. Here
 * the float32 argument t·f (rounded as PyTorch rounds it) is reduced by π/2 in three exact
 * parts (Cody–Waite) and the quadrant's sine or cosine taken from cephes' float32 polynomials.
 */
import * as tf from '@tensorflow/tfjs';
import { elementwiseProgram, i32, registerWebGpuKernel, runLabKernel } from './program';

const KERNEL = 'LabSinusoids';

function register(): void {
  registerWebGpuKernel<{ half: number; flip: boolean; dim: number }>(
    KERNEL,
    ([t], a) => ({
      program: elementwiseProgram(
        `sinusoids_${a.flip ? 'cs' : 'sc'}`,
        ['t', 'f'],
        [t.shape[0], a.dim],
        'half : i32, dim : i32,',
        `
          let b = index / uniforms.dim;
          let j = index - b * uniforms.dim;
          var v = 0.0;
          if (j < 2 * uniforms.half) {
            let second = j >= uniforms.half;
            let arg = t[b] * f[select(j, j - uniforms.half, second)];
            let k = round(arg * 0.636619772367581343);
            let r = ((arg - k * 1.5703125) - k * 4.837512969970703125e-4) - k * 7.54978995489188216e-8;
            let z = r * r;
            let s = r + r * z * (-1.6666654611e-1 + z * (8.3321608736e-3 + z * -1.9515295891e-4));
            let c = 1.0 - 0.5 * z + z * z * (4.166664568298827e-2 + z * (-1.388731625493765e-3 + z * 2.443315711809948e-5));
            // Quadrant q of arg: sin = (s, c, −s, −c)[q], cos = (c, −s, −c, s)[q].
            let q = i32(k) & 3;
            let sinV = select(select(s, c, q == 1), select(-s, -c, q == 3), q >= 2);
            let cosV = select(select(c, -s, q == 1), select(-c, s, q == 3), q >= 2);
            v = select(sinV, cosV, second != ${a.flip ? 'true' : 'false'});
          }
          result[index] = v;`,
      ),
      uniforms: [i32(a.half), i32(a.dim)],
    }),
    ['t', 'f'],
  );
}

/**
 * `[sin(t·f), cos(t·f)]` (`[cos, sin]` when `flip`) for timesteps t [B] and frequencies f
 * [dim/2] → [B, dim], an odd dim's last column zero: ops.ts' sinusoidalEmbedding on WebGPU.
 */
export function sinusoidsWebGpu(
  t: tf.Tensor1D,
  freqs: Float32Array,
  dim: number,
  flip: boolean,
): tf.Tensor2D {
  register();
  return tf.tidy(
    () =>
      runLabKernel(
        KERNEL,
        { t: tf.cast(t, 'float32'), f: tf.tensor1d(freqs) },
        { half: freqs.length, flip, dim },
      ) as tf.Tensor2D,
  );
}
