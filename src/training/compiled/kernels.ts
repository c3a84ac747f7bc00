/**
 * The compiled step's own kernels after the captured forward and backward: the gradient's global
 * norm in two stages (many workgroups write partial sums of squares, one workgroup adds them),
 * the statistics the host reads, and clipping, Adam and the EMA fused into one dispatch that
 * changes nothing when the step's loss or norm is not finite; and, inside the captured list, the
 * merged split-K sums (splitKSums.ts).
 */
import { kernelFeatures } from '../../model/webgpu/features';
import { SUBGROUPS_ENABLE, workgroupReduceWgsl } from '../../model/webgpu/workgroupReduce';

/** Threads per workgroup of every kernel here. */
export const WG = 256;

/** Floats at the start of the statistics buffer before the per-example losses and t. */
export const STATS_HEADER = 4;

/** Hyper-parameters of one step, in the order the update kernel reads them (float32). */
export const HYPER_FIELDS = [
  'stepSize',
  'vScale',
  'epsilon',
  'beta1',
  'oneMinusBeta1',
  'beta2',
  'oneMinusBeta2',
  'clip',
  'decay',
  'oneMinusDecay',
] as const;

/** Integers per piece in the merged split-K sums' table (see {@link splitKSumsWgsl}). */
export const PIECE_FIELDS = 7;

/**
 * Every merged split-K sum in one dispatch, one thread per value: the table `pieces` holds, per
 * piece in order of `first`, [first (its first thread), length, source (its first value in the
 * partial products' split 0), stride (between splits), splits, into (0: the flat gradient, 1:
 * `extra`), offset (where its values land)]. A thread finds its piece by binary search and adds
 * the piece's splits in order z = 0, 1, …: the order of the sums it replaces (gemm.ts'
 * reduceKernel), so the results are the same bit for bit.
 */
export function splitKSumsWgsl(extra: boolean): string {
  const F = PIECE_FIELDS;
  return `
@group(0) @binding(0) var<storage, read_write> grads : array<f32>;
@group(0) @binding(1) var<storage, read> partials : array<f32>;
@group(0) @binding(2) var<storage, read> pieces : array<i32>;
${extra ? '@group(0) @binding(3) var<storage, read_write> extra : array<f32>;' : ''}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid : vec3<u32>, @builtin(num_workgroups) groups : vec3<u32>) {
  let i = i32(gid.x + gid.y * groups.x * ${WG}u);
  var lo = 0;
  var hi = i32(arrayLength(&pieces)) / ${F} - 1;
  while (lo < hi) {
    let mid = (lo + hi + 1) / 2;
    if (pieces[mid * ${F}] <= i) { lo = mid; } else { hi = mid - 1; }
  }
  let p = lo * ${F};
  let l = i - pieces[p];
  if (l < 0 || l >= pieces[p + 1]) { return; }
  var s = 0.0;
  for (var z = 0; z < pieces[p + 4]; z = z + 1) { s = s + partials[pieces[p + 2] + z * pieces[p + 3] + l]; }
  ${extra ? 'if (pieces[p + 5] == 1) { extra[pieces[p + 6] + l] = s; return; }' : ''}
  grads[pieces[p + 6] + l] = s;
}`;
}

/** Copies a value into its slice of the flat gradient (both bound with the value's size). */
export const COPY_WGSL = `
@group(0) @binding(0) var<storage, read_write> dst : array<f32>;
@group(0) @binding(1) var<storage, read> src : array<f32>;
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid : vec3<u32>) {
  if (gid.x < arrayLength(&dst)) { dst[gid.x] = src[gid.x]; }
}`;

/**
 * The workgroup sum both stages use; with `subgroups` (the switch, `model/webgpu/features.ts`;
 * by default what the device was granted) through subgroup operations.
 */
const workgroupSum = (subgroups: boolean) =>
  workgroupReduceWgsl({ name: 'workgroupSum', op: 'add', workgroupSize: WG, subgroups });
const enables = (subgroups: boolean) => (subgroups ? SUBGROUPS_ENABLE : '');

/** Stage 1: workgroup w writes Σ g² over elements w·WG + lid, stepping by all threads. */
export const normPartialWgsl = (subgroups = kernelFeatures().subgroups) => `${enables(subgroups)}
@group(0) @binding(0) var<storage, read_write> partials : array<f32>;
@group(0) @binding(1) var<storage, read> grad : array<f32>;
${workgroupSum(subgroups)}
@compute @workgroup_size(${WG})
fn main(@builtin(local_invocation_id) lid : vec3<u32>, @builtin(workgroup_id) wid : vec3<u32>,
        @builtin(num_workgroups) groups : vec3<u32>) {
  let n = arrayLength(&grad);
  let stride = groups.x * ${WG}u;
  var sum = 0.0;
  for (var i = wid.x * ${WG}u + lid.x; i < n; i = i + stride) {
    let g = grad[i];
    sum = sum + g * g;
  }
  let total = workgroupSum(sum, lid.x);
  if (lid.x == 0u) { partials[wid.x] = total; }
}`;

/** A float32 is finite when its exponent bits are not all ones (WGSL has no isinf/isnan). */
const IS_FINITE = `fn isFinite(x : f32) -> bool { return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u; }`;

/**
 * Stage 2 (one workgroup): norm = √Σ partials; stats = [loss, norm, ok, 0, per-example losses…, t…]
 * with ok = 1 when loss and norm are finite.
 */
export const finalizeWgsl = (subgroups = kernelFeatures().subgroups) => `${enables(subgroups)}
@group(0) @binding(0) var<storage, read_write> stats : array<f32>;
@group(0) @binding(1) var<storage, read> partials : array<f32>;
@group(0) @binding(2) var<storage, read> loss : array<f32>;
@group(0) @binding(3) var<storage, read> perExample : array<f32>;
@group(0) @binding(4) var<storage, read> t : array<f32>;
${workgroupSum(subgroups)}
${IS_FINITE}
@compute @workgroup_size(${WG})
fn main(@builtin(local_invocation_id) lid : vec3<u32>) {
  var sum = 0.0;
  for (var i = lid.x; i < arrayLength(&partials); i = i + ${WG}u) { sum = sum + partials[i]; }
  let total = workgroupSum(sum, lid.x);
  let b = arrayLength(&t);
  if (lid.x == 0u) {
    let norm = sqrt(total);
    stats[0] = loss[0];
    stats[1] = norm;
    stats[2] = select(0.0, 1.0, isFinite(loss[0]) && isFinite(norm));
    stats[3] = 0.0;
  }
  for (var i = lid.x; i < b; i = i + ${WG}u) {
    stats[${STATS_HEADER}u + i] = perExample[i];
    stats[${STATS_HEADER}u + b + i] = t[i];
  }
}`;

/**
 * Clip (TF's clip_by_global_norm: g·clip/max(‖g‖, clip); clip < 0: off), Adam as `adam.ts`
 * (w −= stepSize·m/(√v·vScale + ε)) and, with `ema`, ema ← d·ema + (1−d)·w, one thread per
 * parameter; a non-finite step returns before writing anything.
 */
export function updateWgsl(ema: boolean): string {
  const fields = HYPER_FIELDS.map((f) => `${f} : f32,`).join(' ');
  return `
struct Hyper { ${fields} }
@group(0) @binding(0) var<storage, read_write> w : array<f32>;
@group(0) @binding(1) var<storage, read_write> m : array<f32>;
@group(0) @binding(2) var<storage, read_write> v : array<f32>;
@group(0) @binding(3) var<storage, read> grad : array<f32>;
@group(0) @binding(4) var<storage, read> stats : array<f32>;
@group(0) @binding(5) var<storage, read> hyper : Hyper;
${ema ? '@group(0) @binding(6) var<storage, read_write> average : array<f32>;' : ''}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid : vec3<u32>, @builtin(num_workgroups) groups : vec3<u32>) {
  let i = gid.x + gid.y * groups.x * ${WG}u;
  if (i >= arrayLength(&w) || stats[2] != 1.0) { return; }
  var g = grad[i];
  if (hyper.clip >= 0.0) { g = g * (hyper.clip / max(stats[1], hyper.clip)); }
  let mi = hyper.beta1 * m[i] + hyper.oneMinusBeta1 * g;
  let vi = hyper.beta2 * v[i] + hyper.oneMinusBeta2 * (g * g);
  m[i] = mi;
  v[i] = vi;
  let wi = w[i] - hyper.stepSize * mi / (sqrt(vi) * hyper.vScale + hyper.epsilon);
  w[i] = wi;
  ${ema ? 'average[i] = hyper.decay * average[i] + hyper.oneMinusDecay * wi;' : ''}
}`;
}
