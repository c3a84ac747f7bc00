/**
 * The compiled sampler's own kernels around the captured U-Net forward: x_T drawn on the GPU, the
 * step's t for the model, copies of a batch chunk in and out of the forward's buffers, and the
 * scheduler update with clipping, fresh noise and the frame's x_t, x̂₀, ε̂. Every scalar the update
 * uses is a row of the coefficient table (`packCoefficients`), built once per run from the
 * diffusion core's `stepCoefficients` and indexed by the step the host writes.
 */
import { sampleDrawsWgsl } from '../../random/philoxWgsl';
import { epsCoefficients } from '../gpuStep';
import { isRecorded, type RunPlan } from '../run';

/** Threads per workgroup of every kernel here. */
export const WG = 256;

/** Fields of one coefficient row, in the order the kernels read them (4 bytes each). */
export const COEFF_FIELDS = [
  't',
  'x0FromSample',
  'x0FromModel',
  'clipRange',
  'prevFromX0',
  'prevFromSample',
  'prevFromModel',
  'sigma',
  'epsFromSample',
  'epsFromModel',
  'draw',
  'record',
] as const;

/** Bytes of the per-step buffer: Philox key (2 words), first image, step index. */
export const INFO_BYTES = 16;

const STRUCTS = `
struct Info { key : vec2<u32>, firstImage : u32, step : u32 }
struct Coeff {
  t : f32, x0FromSample : f32, x0FromModel : f32, clipRange : f32,
  prevFromX0 : f32, prevFromSample : f32, prevFromModel : f32, sigma : f32,
  epsFromSample : f32, epsFromModel : f32, draw : u32, record : u32,
}
struct Range { start : u32, count : u32 }
`;

/**
 * The run's coefficient table: one row per step (float32, `draw` and `record` as uint32). A clip
 * range of −1 means no clipping; `draw` is the step's draw of the seed's noise (σ = 0: none).
 */
export function packCoefficients(plan: RunPlan): ArrayBuffer {
  const row = COEFF_FIELDS.length;
  const bytes = new ArrayBuffer(4 * row * plan.steps.length);
  const f = new Float32Array(bytes);
  const u = new Uint32Array(bytes);
  plan.steps.forEach((c, i) => {
    const { epsFromSample, epsFromModel } = epsCoefficients(c);
    const values: Record<(typeof COEFF_FIELDS)[number], number> = {
      t: c.t,
      x0FromSample: c.x0FromSample,
      x0FromModel: c.x0FromModel,
      clipRange: c.clipRange ?? -1,
      prevFromX0: c.prevFromX0,
      prevFromSample: c.prevFromSample,
      prevFromModel: c.prevFromModel,
      sigma: c.sigma,
      epsFromSample,
      epsFromModel,
      draw: 0,
      record: 0,
    };
    COEFF_FIELDS.forEach((k, j) => (f[i * row + j] = values[k]));
    u[i * row + COEFF_FIELDS.indexOf('draw')] = Math.max(plan.draws[i], 0);
    u[i * row + COEFF_FIELDS.indexOf('record')] = isRecorded(plan, i) ? 1 : 0;
  });
  return bytes;
}

/** x_T: draw 0 of every image, `per` values each (H·W·C); x is bound with the run's size. */
export function initWgsl(per: number): string {
  return `${sampleDrawsWgsl()}${STRUCTS}
@group(0) @binding(0) var<storage, read_write> x : array<f32>;
@group(0) @binding(1) var<storage, read> info : Info;
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid : vec3<u32>) {
  let i = gid.x;
  if (i >= arrayLength(&x)) { return; }
  x[i] = drawSampleNormal(info.key, info.firstImage + i / ${per}u, 0u, i % ${per}u);
}`;
}

/** The model's t input: the step's timestep for every image of a chunk. */
export const FILL_T_WGSL = `${STRUCTS}
@group(0) @binding(0) var<storage, read_write> t : array<f32>;
@group(0) @binding(1) var<storage, read> info : Info;
@group(0) @binding(2) var<storage, read> coeffs : array<Coeff>;
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid : vec3<u32>) {
  if (gid.x < arrayLength(&t)) { t[gid.x] = coeffs[info.step].t; }
}`;

/**
 * Moves a batch chunk between the all-images buffers and the forward's: `gather` copies `count`
 * values of x from `start` into the forward's input (zeros after them, for a last short chunk);
 * scatter copies the forward's output into the model output of all images at `start`.
 */
export function chunkCopyWgsl(direction: 'gather' | 'scatter'): string {
  const body =
    direction === 'gather'
      ? `if (i >= arrayLength(&dst)) { return; }
  if (i < range.count) { dst[i] = src[range.start + i]; } else { dst[i] = 0.0; }`
      : `if (i < range.count) { dst[range.start + i] = src[i]; }`;
  return `${STRUCTS}
@group(0) @binding(0) var<storage, read_write> dst : array<f32>;
@group(0) @binding(1) var<storage, read> src : array<f32>;
@group(0) @binding(2) var<storage, read> range : Range;
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid : vec3<u32>) {
  let i = gid.x;
  ${body}
}`;
}

/**
 * One reverse step in place on x, the recipe of `gpuStep.ts` with its operations in the same
 * order (a term whose scalar is exactly 0 skipped, as tfjs' loop skips it):
 *   x̂₀ = x0FromSample·x_t + x0FromModel·m, clipped when clipRange ≥ 0
 *   x_prev = prevFromX0·x̂₀ + (prevFromSample·x_t + prevFromModel·m) + σ·z
 * with z the step's draw of the seed's noise; a recorded step also writes x_t, x̂₀, ε̂ to `frame`.
 * `per` values an image (H·W·C); x and m are bound with the run's size.
 */
export function updateWgsl(per: number): string {
  return `${sampleDrawsWgsl()}${STRUCTS}
@group(0) @binding(0) var<storage, read_write> x : array<f32>;
@group(0) @binding(1) var<storage, read> m : array<f32>;
@group(0) @binding(2) var<storage, read_write> frame : array<f32>;
@group(0) @binding(3) var<storage, read> info : Info;
@group(0) @binding(4) var<storage, read> coeffs : array<Coeff>;
fn combine(a : f32, x : f32, b : f32, m : f32) -> f32 {
  if (a == 0.0) { return m * b; }
  if (b == 0.0) { return x * a; }
  return x * a + m * b;
}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid : vec3<u32>) {
  let i = gid.x;
  let total = arrayLength(&x);
  if (i >= total) { return; }
  let c = coeffs[info.step];
  let xt = x[i];
  let mi = m[i];
  var x0 = combine(c.x0FromSample, xt, c.x0FromModel, mi);
  if (c.clipRange >= 0.0) { x0 = clamp(x0, -c.clipRange, c.clipRange); }
  var prev = x0 * c.prevFromX0 + combine(c.prevFromSample, xt, c.prevFromModel, mi);
  if (c.sigma > 0.0) {
    prev = prev + drawSampleNormal(info.key, info.firstImage + i / ${per}u, c.draw, i % ${per}u) * c.sigma;
  }
  x[i] = prev;
  if (c.record != 0u) {
    frame[i] = xt;
    frame[total + i] = x0;
    frame[2u * total + i] = combine(c.epsFromSample, xt, c.epsFromModel, mi);
  }
}`;
}
