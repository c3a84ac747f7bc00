/**
 * A seeded pseudo-random generator whose whole state is a short array of numbers, so a training
 * run can checkpoint it and resume drawing the very same timesteps and noise.
 */

const TWO_32 = 4294967296;

/**
 * xoshiro128** (Blackman & Vigna 2018): 128 bits of state, period 2¹²⁸ − 1, fast with 32-bit
 * integer ops in JavaScript. Normals come from the Box–Muller transform, which yields them in pairs;
 * the unused second value is part of the state, so `normal()` one at a time and `fillNormal()` give
 * the same stream.
 */
export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spare: number | null = null;

  /** Seeds from any safe integer (both 32-bit halves count). */
  constructor(seed: number) {
    if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) {
      throw new RangeError(`Rng seed ${String(seed)} is not allowed; it must be a safe integer`);
    }
    // One SplitMix32 stream, its counter keyed by both halves; its four consecutive outputs are
    // distinct (the mix is a bijection), so the state is never all zero.
    const next = splitMix32((seed >>> 0) ^ splitMix32(Math.floor(seed / TWO_32) >>> 0)());
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
  }

  /** Rebuilds a generator from {@link Rng.getState}'s output; it continues the stream exactly. */
  static fromState(state: readonly number[]): Rng {
    const isWord = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < TWO_32;
    if (!Array.isArray(state) || state.length !== 6 || !state.slice(0, 4).every(isWord)) {
      throw new RangeError(
        `Rng state ${JSON.stringify(state)} is not allowed; expected [s0, s1, s2, s3, hasSpare, spare] with four uint32 words`,
      );
    }
    if (state.slice(0, 4).every((w) => w === 0))
      throw new RangeError('Rng state words are all 0, which xoshiro128** cannot leave');
    if ((state[4] !== 0 && state[4] !== 1) || typeof state[5] !== 'number' || !Number.isFinite(state[5])) {
      throw new RangeError(
        `Rng state spare flag ${state[4]} / value ${state[5]} is not allowed; expected 0 or 1 and a finite number`,
      );
    }
    const rng = new Rng(0);
    [rng.s0, rng.s1, rng.s2, rng.s3] = state.map((w) => w | 0);
    rng.spare = state[4] === 1 ? state[5] : null;
    return rng;
  }

  /** The full state as plain JSON-safe numbers: four uint32 words, a spare-normal flag and its value. */
  getState(): number[] {
    return [
      this.s0 >>> 0,
      this.s1 >>> 0,
      this.s2 >>> 0,
      this.s3 >>> 0,
      this.spare === null ? 0 : 1,
      this.spare ?? 0,
    ];
  }

  /** The next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9);
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result >>> 0;
  }

  /** Uniform in [0, 1) with 32-bit resolution. */
  uniform(): number {
    return this.nextUint32() / TWO_32;
  }

  /** A standard normal sample (Box–Muller; tails reach about ±6.7σ at 32-bit resolution). */
  normal(): number {
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return z;
    }
    const [z0, z1] = this.pair();
    this.spare = z1;
    return z0;
  }

  /** Fills `out` with standard normal samples, the same values repeated `normal()` calls would give. */
  fillNormal<A extends Float32Array | Float64Array>(out: A): A {
    let i = 0;
    if (this.spare !== null && out.length > 0) {
      out[i++] = this.spare;
      this.spare = null;
    }
    for (; i + 1 < out.length; i += 2) {
      const [z0, z1] = this.pair();
      out[i] = z0;
      out[i + 1] = z1;
    }
    if (i < out.length) out[i] = this.normal();
    return out;
  }

  /** A uniform integer in 0..n−1, without modulo bias (rejection sampling); n from 1 to 2³². */
  int(n: number): number {
    if (!Number.isSafeInteger(n) || n < 1 || n > TWO_32) {
      throw new RangeError(`Rng.int(${n}) is not allowed; n must be an integer from 1 to 2^32`);
    }
    const limit = TWO_32 - (TWO_32 % n);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % n;
  }

  private pair(): [number, number] {
    const u1 = 1 - this.uniform(); // (0, 1], so the log is finite
    const theta = 2 * Math.PI * this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    return [r * Math.cos(theta), r * Math.sin(theta)];
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** SplitMix32 (a 32-bit variant of Steele et al.'s SplitMix): spreads a seed into well-mixed words. */
function splitMix32(seed: number): () => number {
  let x = seed | 0;
  return () => {
    x = (x + 0x9e3779b9) | 0;
    let z = Math.imul(x ^ (x >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return z ^ (z >>> 15);
  };
}
