import { startWebGpu } from '../model/webgpu/testing';
import { drawFlips, drawNoise, drawTimesteps, dropoutMask, philoxKey } from './draws';
import { philox4x32 } from './philox';
import { PHILOX_WGSL, trainingDrawsWgsl } from './philoxWgsl';
import { runWgslWords } from './testing';

const unavailable = await startWebGpu();
if (unavailable) console.warn(`WGSL Philox tests skipped: ${unavailable}`);

const seed = 2 ** 33 + 977;
const step = 31337;
const [k0, k1] = philoxKey(seed);
const key = `vec2<u32>(${k0}u, ${k1}u)`;

describe.skipIf(unavailable !== null)('Philox in WGSL', () => {
  it('gives the TypeScript words bit for bit, KAT counters and a sweep', async () => {
    const n = 512;
    const counter = (i: number) => [i * 2654435761, i, 0xffffffff - i, i * 7];
    const got = await runWgslWords(
      PHILOX_WGSL,
      `let w = philox4x32(vec4<u32>(i * 2654435761u, i, 0xffffffffu - i, i * 7u), vec2<u32>(0xa4093822u, i));
       out[i] = w[i & 3u];`,
      n,
    );
    for (let i = 0; i < n; i++)
      expect(got[i]).toBe(
        philox4x32(
          counter(i).map((x) => x >>> 0),
          [0xa4093822, i],
        )[i & 3],
      );
  });

  it('draws the same t, flips and dropout masks as the TypeScript, and ε within the GPU’s float32 log/sin/cos error', async () => {
    const draws = trainingDrawsWgsl();
    const T = 1000;
    const t = await runWgslWords(draws, `out[i] = drawTimestep(${key}, ${step}u, i, ${T}u, false);`, 64);
    expect(Array.from(t)).toEqual(Array.from(drawTimesteps({ seed, step }, 64, T, false)));
    const shared = await runWgslWords(draws, `out[i] = drawTimestep(${key}, ${step}u, i, ${T}u, true);`, 8);
    expect(Array.from(shared)).toEqual(Array.from(drawTimesteps({ seed, step }, 8, T, true)));
    const flips = await runWgslWords(draws, `out[i] = select(0u, 1u, drawFlip(${key}, ${step}u, i));`, 64);
    expect(Array.from(flips)).toEqual(Array.from(drawFlips({ seed, step }, 64)));
    const n = 4099;
    const keep = await runWgslWords(
      draws,
      `out[i] = select(0u, 1u, dropoutKeep(${key}, ${step}u, 3u, i, ${Math.round(0.3 * 2 ** 24)}u));`,
      n,
    );
    expect(Array.from(keep)).toEqual(
      Array.from(dropoutMask({ seed, step }, 3, n, 0.3), (m) => (m > 0 ? 1 : 0)),
    );
    const eps = new Float32Array(
      (await runWgslWords(draws, `out[i] = bitcast<u32>(drawNormal(${key}, ${step}u, i));`, n)).buffer,
    );
    const ref = drawNoise({ seed, step }, n);
    let worst = 0;
    for (let i = 0; i < n; i++)
      worst = Math.max(worst, Math.abs(eps[i] - ref[i]) / Math.max(1, Math.abs(ref[i])));
    // WGSL's log, sin and cos are approximations (SwiftShader's differ from float64 by up to ~2e-4
    // relative here; the spec allows more near log's zero); the words themselves are exact.
    expect(worst).toBeLessThan(1e-3);
    expect(worst).toBeGreaterThanOrEqual(0);
  });
});
