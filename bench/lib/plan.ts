/**
 * Which cases a run visits and with what settings. Each preset has a training batch (the one a
 * learner would use for it); images/s and the FLOP rate are reported at that batch unless
 * `--batch` overrides it, which the table flags.
 */
import type { UNetPresetName } from '../../src/model/presets';
import type { BenchOptions } from './options';
import type { BenchBackend, EnvSpec } from './types';

/**
 * Training batch per preset: tiny's 16 keeps browser tests quick; 64 is what a laptop GPU holds
 * for the 32×32 presets; the paper trained with 128 (docs/ddpm.md §1).
 */
export const PRESET_BATCH: Readonly<Record<UNetPresetName, number>> = Object.freeze({
  tiny: 16,
  mnist: 64,
  'cifar-small': 64,
  'paper-cifar10': 128,
});

/** The tfjs backend each lab backend runs on. */
export const TFJS_BACKEND: Readonly<Record<Exclude<BenchBackend, 'pytorch'>, 'cpu' | 'webgl' | 'webgpu'>> =
  Object.freeze({
    'node-cpu': 'cpu',
    'node-webgpu': 'webgpu',
    'browser-webgl': 'webgl',
    'browser-webgpu': 'webgpu',
  });

/** One case to run, before the device is resolved. */
export interface PlannedCase {
  preset: UNetPresetName;
  backend: BenchBackend;
  spec: EnvSpec;
  flags: string[];
}

/**
 * PyTorch first for every preset (it is the reference column and cheap), then the lab's backends
 * in preset-major order (every backend of the smallest preset first), so a run cut short by its
 * budget still compares backends on the presets it reached.
 */
export function planCases(o: BenchOptions): PlannedCase[] {
  const cases = presetMajor(o);
  return [...cases.filter((c) => c.backend === 'pytorch'), ...cases.filter((c) => c.backend !== 'pytorch')];
}

function presetMajor(o: BenchOptions): PlannedCase[] {
  const cases: PlannedCase[] = [];
  for (const preset of o.presets) {
    const batch = o.batch ?? PRESET_BATCH[preset];
    const flags =
      o.batch !== null && o.batch !== PRESET_BATCH[preset]
        ? [`batch ${batch} (preset's: ${PRESET_BATCH[preset]})`]
        : [];
    for (const backend of o.backends) {
      const spec: EnvSpec = {
        preset,
        device: backend === 'pytorch' ? o.torchDevice : TFJS_BACKEND[backend],
        batch,
        steps: o.steps,
        warmup: o.warmup,
        timedBudgetMs: o.caseBudgetSeconds * 1000,
        capMs: o.capSeconds * 1000,
        sampleBatches: [...o.sampleBatches],
        sampleSteps: o.sampleSteps,
        seed: 1,
        ...(o.profile && backend !== 'pytorch' ? { profile: true } : {}),
        fused: true,
      };
      for (const fused of fusedVariants(o, spec.device)) {
        const note = spec.device !== 'webgpu' || o.fused === 'on' ? [] : [fused ? FUSED_NOTE : UNFUSED_NOTE];
        cases.push({ preset, backend, spec: { ...spec, fused }, flags: [...flags, ...note] });
      }
    }
  }
  return cases;
}

/** The flags that tell a `--fused both` run's two WebGPU rows apart. */
export const FUSED_NOTE = 'fused kernels';
export const UNFUSED_NOTE = 'unfused (tfjs ops)';

/** The fused settings a case runs with: both ways only on WebGPU and with `--fused both`. */
function fusedVariants(o: BenchOptions, device: string): boolean[] {
  if (device !== 'webgpu' || o.fused === 'on') return [true];
  return o.fused === 'off' ? [false] : [true, false];
}

/**
 * Steps of a timed sampling run: `sampleSteps`, fewer when the warm-up step says they would take
 * more than a quarter of the case budget (at least one).
 */
export function sampleSteps(spec: EnvSpec, firstStepMs: number): number {
  return Math.max(1, Math.min(spec.sampleSteps, Math.floor(spec.timedBudgetMs / 4 / firstStepMs)));
}
