/**
 * The one WGSL generator for a workgroup-wide reduction (a sum or a maximum of one f32 per
 * invocation), with or without subgroup operations. Without, it is the shared-memory tree: every
 * invocation stores its value, then log₂(size) halving steps, each behind a barrier, and one
 * more before the result is returned. With
 * `subgroups` (the `subgroups` switch, `features.ts`), each subgroup reduces its values in
 * registers (subgroupAdd / subgroupMax), one value per subgroup goes to workgroup memory, and the
 * first subgroup reduces those: two barriers instead of log₂(size) + 2.
 *
 * The subgroup form assumes what every WebGPU implementation does for a one-dimensional workgroup
 * of a power-of-two size: subgroup j holds the invocations j·s … j·s + s − 1 (s its size, a power
 * of two ≥ 4 that divides the workgroup size). Its order of additions differs from the tree's, so
 * sums agree to rounding, not bit for bit; a maximum agrees exactly.
 */

/** A reduction's combining operation. */
export type ReduceOp = 'add' | 'max';

/** What a reduction is generated for. */
export interface WorkgroupReduceOptions {
  /** The WGSL function's name (and the prefix of its workgroup variables). */
  name: string;
  op: ReduceOp;
  /** Invocations per workgroup (a power of two); every one calls the function, in uniform control flow. */
  workgroupSize: number;
  /** Subgroup operations (the module must start with {@link SUBGROUPS_ENABLE}). */
  subgroups: boolean;
}

/** The directive a module using the subgroup form starts with. */
export const SUBGROUPS_ENABLE = 'enable subgroups;';

const IDENTITY: Record<ReduceOp, string> = { add: '0.0', max: '-3.402823e+38' };
const COMBINE: Record<ReduceOp, (a: string, b: string) => string> = {
  add: (a, b) => `${a} + ${b}`,
  max: (a, b) => `max(${a}, ${b})`,
};
const SUBGROUP_OP: Record<ReduceOp, string> = { add: 'subgroupAdd', max: 'subgroupMax' };

/**
 * WGSL for `fn <name>(v : f32, lid : u32) -> f32` (lid: the local invocation index): the
 * reduction of every invocation's v, returned to every invocation. Each call must be made by the
 * whole workgroup (it has barriers); calls may follow one another.
 */
export function workgroupReduceWgsl(o: WorkgroupReduceOptions): string {
  const { name, op, workgroupSize: wg } = o;
  if (!Number.isInteger(Math.log2(wg)) || wg < 4)
    throw new Error(`${name}: a workgroup reduction needs a power-of-two size ≥ 4, not ${wg}`);
  const combine = COMBINE[op];
  if (!o.subgroups)
    return `
var<workgroup> ${name}Partial : array<f32, ${wg}>;
fn ${name}(v : f32, lid : u32) -> f32 {
  ${name}Partial[lid] = v;
  workgroupBarrier();
  for (var s = ${wg / 2}u; s > 0u; s = s >> 1u) {
    if (lid < s) { ${name}Partial[lid] = ${combine(`${name}Partial[lid]`, `${name}Partial[lid + s]`)}; }
    workgroupBarrier();
  }
  // Read before the next call's stores: a barrier between.
  let total = ${name}Partial[0];
  workgroupBarrier();
  return total;
}`;
  const sg = SUBGROUP_OP[op];
  return `
var<workgroup> ${name}Partial : array<f32, ${wg}>;
var<workgroup> ${name}Total : f32;
fn ${name}(v : f32, lid : u32) -> f32 {
  // Every invocation is active here, so subgroupAdd(1u) is the subgroup's size.
  let size = subgroupAdd(1u);
  let own = ${sg}(v);
  if (subgroupElect()) { ${name}Partial[lid / size] = own; }
  workgroupBarrier();
  // The first subgroup combines the ${wg} / size subgroup values, each lane a strided share.
  var t = ${IDENTITY[op]};
  if (lid < size) {
    for (var i = lid; i < ${wg}u / size; i = i + size) { t = ${combine('t', `${name}Partial[i]`)}; }
  }
  t = ${sg}(t);
  if (lid == 0u) { ${name}Total = t; }
  workgroupBarrier();
  return ${name}Total;
}`;
}
