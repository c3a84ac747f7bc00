/**
 * Which cases a run visits and with what settings. Each preset has a training batch (the one a
 * learner would use for it); images/s and the FLOP rate are reported at that batch unless
 * `--batch` overrides it, which the table flags.
 */
import { countParameters } from '../../src/model/plan';
import { presetConfig, type UNetPresetName } from '../../src/model/presets';
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
    'node-null': 'webgpu',
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
        // node-null measures the training step's host cost only.
        sampleBatches: backend === 'node-null' ? [] : [...o.sampleBatches],
        sampleSteps: o.sampleSteps,
        seed: 1,
        ...(o.profile && backend !== 'pytorch' ? { profile: true } : {}),
        fused: true,
        // Node's WebGPU cases only: the browser's device is the page's (not plumbed here).
        ...(o.gpuFeatures && (backend === 'node-webgpu' || backend === 'node-null')
          ? { gpuFeatures: o.gpuFeatures }
          : {}),
      };
      const variants = fusedVariants(o, backend);
      const twin = backend === 'node-null' ? nullDeviceTwin(preset) : null;
      for (const fused of variants) {
        const note = variants.length === 1 && fused ? [] : [fused ? FUSED_NOTE : UNFUSED_NOTE];
        cases.push({
          preset,
          backend,
          spec: { ...spec, fused, ...(twin ? { widthDivisor: twin.divisor } : {}) },
          flags: [
            ...flags,
            ...note,
            ...(twin ? [twin.flag] : []),
            ...(spec.gpuFeatures ? [`gpu features ${spec.gpuFeatures}`] : []),
          ],
        });
      }
    }
  }
  return cases;
}

/** Dawn's Null device fails allocations beyond this many bytes in all (DeviceNull.cpp). */
export const NULL_DEVICE_BYTES = 512 * 2 ** 20;

/**
 * Bytes per parameter the compiled step keeps whatever the batch: weights, gradients, EMA and the
 * two Adam moments, fp32 each.
 */
const STATE_BYTES_PER_PARAMETER = 20;

/**
 * For a preset whose training state alone takes more than a quarter of the Null device
 * (paper-cifar10: 682 MiB of 512; the tfjs path needs room for several times its state), the smallest power-of-two divisor of its block widths that fits, and the flag
 * that says so; null when the preset fits. The twin has the same blocks, layers and kernels, so
 * its dispatches are the preset's (split-K choices, which follow the shapes, aside) and the host
 * cost per dispatch does not depend on the widths; the GPU work does, and the Null device does none.
 */
export function nullDeviceTwin(preset: UNetPresetName): { divisor: number; flag: string } | null {
  const state = (divisor: number) => STATE_BYTES_PER_PARAMETER * countParameters(twinConfig(preset, divisor));
  if (state(1) <= NULL_DEVICE_BYTES / 4) return null;
  let divisor = 2;
  while (state(divisor) > NULL_DEVICE_BYTES / 4) divisor *= 2;
  const mib = (b: number) => Math.round(b / 2 ** 20);
  return {
    divisor,
    flag: `block widths ÷${divisor}: the preset's weights, gradients, EMA and Adam moments (${mib(state(1))} MiB) do not fit Dawn's Null device (${mib(NULL_DEVICE_BYTES)} MiB), so a twin with the same blocks at ${mib(state(divisor))} MiB ran`,
  };
}

/** The preset's U-Net config with its block widths divided by `divisor` (GroupNorm's groups kept where they still divide). */
export function twinConfig(preset: UNetPresetName, divisor: number): ReturnType<typeof presetConfig> {
  const config = presetConfig(preset);
  if (divisor === 1) return config;
  const widths = config.block_out_channels.map((c) => c / divisor);
  const groups = Math.min(config.norm_num_groups, ...widths);
  return { ...config, block_out_channels: widths, norm_num_groups: groups };
}

/** The flags that tell a `--fused both` run's two WebGPU rows apart. */
export const FUSED_NOTE = 'fused kernels';
export const UNFUSED_NOTE = 'unfused (tfjs ops)';

/**
 * The fused settings a case runs with: both ways only on WebGPU and with `--fused both`;
 * `node-null` always fused (the compiled step is built from the fused kernels).
 */
function fusedVariants(o: BenchOptions, backend: BenchBackend): boolean[] {
  if (
    backend === 'pytorch' ||
    TFJS_BACKEND[backend] !== 'webgpu' ||
    backend === 'node-null' ||
    o.fused === 'on'
  )
    return [true];
  return o.fused === 'off' ? [false] : [true, false];
}

/**
 * Steps of a timed sampling run: `sampleSteps`, fewer when the warm-up step says they would take
 * more than a quarter of the case budget (at least one).
 */
export function sampleSteps(spec: EnvSpec, firstStepMs: number): number {
  return Math.max(1, Math.min(spec.sampleSteps, Math.floor(spec.timedBudgetMs / 4 / firstStepMs)));
}
