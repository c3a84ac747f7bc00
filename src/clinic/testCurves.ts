/** Synthetic reference curves and runs for the clinic's tests (kept out of *.test.ts to be importable). */
import { presetRunConfig, type RunPresetName } from '../config';
import type { ReferenceCurve } from './reference';

/** A reference of `steps` steps whose seed k has loss base(step) · (1 + spread·k), with loss per t at every 10th step. */
export function syntheticReference(
  preset: RunPresetName,
  steps: number,
  seeds: number,
  base: (step: number) => number,
  spread = 0.1,
  lossPerT: (bucket: number) => number = () => 0.05,
): ReferenceCurve {
  const runs = Array.from({ length: seeds }, (_, k) => ({
    seed: k,
    loss: Array.from({ length: steps }, (_, i) => base(i + 1) * (1 + spread * k)),
    lossPerT: Array.from({ length: 10 }, (_, j) => ({
      step: Math.round(((j + 1) * steps) / 10),
      mean: Array.from({ length: 20 }, (_, b) => lossPerT(b)),
    })),
  }));
  return {
    preset,
    config: presetRunConfig(preset),
    steps,
    seeds: runs.map((r) => r.seed),
    runs,
    provenance: { command: 'test', machine: 'test', date: 'test', seeds: runs.map((r) => r.seed), steps },
  };
}
