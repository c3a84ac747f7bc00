/**
 * The WGSL twin of `philox.ts` (Philox 4x32-10), pasted into the lab's shaders: the same 32-bit
 * operations in the same order, so a GPU thread draws exactly the words the TypeScript draws
 * (`philox.test.ts` runs both).
 */
import { INV_2_24, STREAM } from './draws';

/** WGSL functions `philoxMulHi(a, b) -> u32` and `philox4x32(c : vec4<u32>, k : vec2<u32>) -> vec4<u32>`. */
export const PHILOX_WGSL = `
fn philoxMulHi(a : u32, b : u32) -> u32 {
  let aL = a & 0xffffu;
  let aH = a >> 16u;
  let bL = b & 0xffffu;
  let bH = b >> 16u;
  let ll = aL * bL;
  let hl = aH * bL;
  let lh = aL * bH;
  let mid = (ll >> 16u) + (hl & 0xffffu) + (lh & 0xffffu);
  return aH * bH + (hl >> 16u) + (lh >> 16u) + (mid >> 16u);
}

fn philox4x32(counter : vec4<u32>, key : vec2<u32>) -> vec4<u32> {
  var c = counter;
  var k = key;
  for (var round = 0; round < 10; round++) {
    if (round > 0) {
      k = k + vec2<u32>(0x9e3779b9u, 0xbb67ae85u);
    }
    let hi0 = philoxMulHi(0xd2511f53u, c.x);
    let lo0 = 0xd2511f53u * c.x;
    let hi1 = philoxMulHi(0xcd9e8d57u, c.z);
    let lo1 = 0xcd9e8d57u * c.z;
    c = vec4<u32>(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
  }
  return c;
}
`;

/**
 * WGSL of `draws.ts` over a key `vec2<u32>` (seed words) and the step: `drawTimestep(b, T, shared)`,
 * `drawFlip(b)`, `drawNormal(e)`, `dropoutKeep(call, e, threshold)`. Needs `PHILOX_WGSL`.
 */
export function trainingDrawsWgsl(): string {
  return `
${PHILOX_WGSL}
fn drawWords(key : vec2<u32>, step : u32, stream : u32, index : u32) -> vec4<u32> {
  return philox4x32(vec4<u32>(index, step, stream, 0u), key);
}
fn drawTimestep(key : vec2<u32>, step : u32, b : u32, T : u32, sharedT : bool) -> u32 {
  return drawWords(key, step, ${STREAM.t}u, select(b, 0u, sharedT)).x % T;
}
fn drawFlip(key : vec2<u32>, step : u32, b : u32) -> bool {
  return (drawWords(key, step, ${STREAM.flip}u, b).x >> 31u) == 1u;
}
fn drawNormal(key : vec2<u32>, step : u32, e : u32) -> f32 {
  let w = drawWords(key, step, ${STREAM.eps}u, e >> 2u);
  let j = e & 3u;
  let pair = select(w.xy, w.zw, j >= 2u);
  let u1 = f32((pair.x >> 8u) + 1u) * ${INV_2_24};
  let u2 = f32(pair.y >> 8u) * ${INV_2_24};
  let r = sqrt(-2.0 * log(u1));
  let theta = 6.283185307179586 * u2;
  return select(r * cos(theta), r * sin(theta), (j & 1u) == 1u);
}
fn dropoutKeep(key : vec2<u32>, step : u32, call : u32, e : u32, threshold : u32) -> bool {
  let w = drawWords(key, step, ${STREAM.dropout}u + call, e >> 2u);
  return (w[e & 3u] >> 8u) >= threshold;
}
`;
}
