/**
 * Initial values of every parameter, seeded, in PyTorch layout (the plan's shapes).
 *
 * - `ddpm`: the paper's TensorFlow code (`hojonathanho/diffusion`, `nn.py` `default_init`):
 *   variance scaling, mode fan_avg, uniform: U(−a, a) with a = √(3·scale / ((fan_in + fan_out)/2)),
 *   scale 1; the layers built with `init_scale=0` (each resnet's conv2, the attention output
 *   projection, conv_out) get scale 1e-10, as nn.py does because TF rejects a scale of 0, so
 *   every residual branch starts as (almost exactly) the identity. Biases 0, norms γ=1, β=0.
 * - `pytorch`: torch.nn defaults: Conv2d/Linear weights and biases U(−1/√fan_in, 1/√fan_in)
 *   (kaiming_uniform with a=√5), norms γ=1, β=0.
 */
import type { ParamSpec } from './plan';

/** Which initialisation scheme to use; see the module comment. */
export type InitScheme = 'ddpm' | 'pytorch';

/** nn.py's stand-in for a zero scale. */
const DDPM_ZERO_SCALE = 1e-10;

/**
 * Initial data for one parameter. `seed` makes the draw reproducible; different parameters must
 * be given different seeds.
 */
export function initialValue(spec: ParamSpec, scheme: InitScheme, seed: number): Float32Array {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const role = spec.role;
  switch (role.kind) {
    case 'ones':
    case 'runningVar':
      return new Float32Array(n).fill(1);
    case 'zeros':
    case 'runningMean':
      return new Float32Array(n);
    case 'bias':
      return scheme === 'ddpm' ? new Float32Array(n) : uniform(n, 1 / Math.sqrt(role.fanIn), seed);
    case 'weight': {
      if (scheme === 'pytorch') return uniform(n, 1 / Math.sqrt(role.fanIn), seed);
      const scale = role.zeroInit ? DDPM_ZERO_SCALE : 1;
      return uniform(n, Math.sqrt((3 * scale) / ((role.fanIn + role.fanOut) / 2)), seed);
    }
  }
}

/** n draws from U(−limit, limit) with a small counter-based generator (splitmix32), so a seed gives the same weights on every backend. */
function uniform(n: number, limit: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let state = seed >>> 0;
  for (let i = 0; i < n; i++) {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    z = (z ^ (z >>> 16)) >>> 0;
    out[i] = (z / 4294967296) * 2 * limit - limit;
  }
  return out;
}

/** A per-parameter seed from a model seed and the parameter's name, stable under reordering. */
export function paramSeed(modelSeed: number, name: string): number {
  let h = (modelSeed ^ 0x811c9dc5) >>> 0;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
