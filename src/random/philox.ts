/**
 * Philox 4x32-10 (Salmon, Moraes, Dror & Shaw, "Parallel random numbers: as easy as 1, 2, 3",
 * SC 2011): a counter-based generator. Four 32-bit output words are a pure function of a 128-bit
 * counter and a 64-bit key, so any value of a run can be computed anywhere (a GPU thread, the
 * CPU, a resumed run) without carrying generator state. The same function is written in WGSL in
 * `philoxWgsl.ts`; both use only 32-bit integer operations (the 32×32→64 product is split into
 * 16-bit halves), so they agree bit for bit.
 */

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** The high 32 bits of the 64-bit product a·b of two uint32 (from 16-bit halves, as the WGSL does). */
export function mulHi32(a: number, b: number): number {
  const aL = a & 0xffff;
  const aH = a >>> 16;
  const bL = b & 0xffff;
  const bH = b >>> 16;
  const ll = aL * bL;
  const hl = aH * bL;
  const lh = aL * bH;
  const mid = (ll >>> 16) + (hl & 0xffff) + (lh & 0xffff);
  return (aH * bH + (hl >>> 16) + (lh >>> 16) + (mid >>> 16)) >>> 0;
}

/**
 * Philox 4x32 with 10 rounds: counter `c` (4 uint32), key `k` (2 uint32) → 4 uint32 words,
 * written into `out` (a fresh array when omitted).
 */
export function philox4x32(
  c: ArrayLike<number>,
  k: ArrayLike<number>,
  out: Uint32Array = new Uint32Array(4),
): Uint32Array {
  let c0 = c[0] >>> 0;
  let c1 = c[1] >>> 0;
  let c2 = c[2] >>> 0;
  let c3 = c[3] >>> 0;
  let k0 = k[0] >>> 0;
  let k1 = k[1] >>> 0;
  for (let round = 0; round < 10; round++) {
    if (round > 0) {
      k0 = (k0 + W0) >>> 0;
      k1 = (k1 + W1) >>> 0;
    }
    const hi0 = mulHi32(M0, c0);
    const lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulHi32(M1, c2);
    const lo1 = Math.imul(M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
  return out;
}
