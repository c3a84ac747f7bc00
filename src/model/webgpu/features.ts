/**
 * The optional WebGPU features the lab's kernels can use, each off unless switched on: `subgroups`
 * (workgroup reductions through subgroupAdd/subgroupMax instead of shared-memory tree steps) and
 * `shader-f16` (the GEMM kernels stage their A/B tiles in workgroup memory as f16, accumulating
 * in f32). Off, every generated kernel is plain fp32 WGSL without `enable` directives: that is the
 * default and what the PyTorch comparisons run. The device request (`device.ts`) asks for a
 * feature only when its switch is on and the adapter has it; a switch the adapter cannot honour
 * is reported ({@link missingFeatureMessages}) and the lab runs without it.
 */

/** Which optional features the lab asks for. */
export interface GpuFeatureSwitches {
  subgroups: boolean;
  shaderF16: boolean;
}

/** Every switch off: the default everywhere. */
export const NO_GPU_FEATURES: Readonly<GpuFeatureSwitches> = Object.freeze({
  subgroups: false,
  shaderF16: false,
});

/** The WebGPU feature name of each switch (also the name a user writes). */
export const GPU_FEATURE_NAMES = {
  subgroups: 'subgroups',
  shaderF16: 'shader-f16',
} as const satisfies Record<keyof GpuFeatureSwitches, string>;

/** A feature a switch turns on (`subgroups` is newer than @webgpu/types' GPUFeatureName). */
export type SwitchedFeature = (typeof GPU_FEATURE_NAMES)[keyof GpuFeatureSwitches];

const SWITCHES = Object.keys(GPU_FEATURE_NAMES) as (keyof GpuFeatureSwitches)[];

/**
 * What of a GPUAdapter or GPUDevice is read here (structural, so the page, which has no WebGPU
 * types, can use this module too).
 */
export interface HasFeatures {
  features: { has(name: string): boolean };
}

/** An adapter's names, as GPUAdapterInfo has them. */
interface AdapterNames {
  vendor?: string;
  architecture?: string;
  description?: string;
}

/**
 * Parses a comma-separated list of feature names (`subgroups,shader-f16`; empty or `none`: all
 * off). An unknown name is reported, not guessed: the switches then stay off.
 */
export function parseGpuFeatures(text: string | null | undefined): {
  switches: GpuFeatureSwitches;
  error?: string;
} {
  const switches = { ...NO_GPU_FEATURES };
  const names = (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '' && s !== 'none');
  const known = Object.values(GPU_FEATURE_NAMES) as string[];
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0)
    return {
      switches,
      error: `Unknown GPU feature ${unknown.map((n) => `"${n}"`).join(', ')}: use ${known.join(', ')} (comma-separated) or none.`,
    };
  for (const s of SWITCHES) switches[s] = names.includes(GPU_FEATURE_NAMES[s]);
  return { switches };
}

/** The feature names of the switches that are on, in a fixed order. */
export function switchedOn(switches: GpuFeatureSwitches): SwitchedFeature[] {
  return SWITCHES.filter((s) => switches[s]).map((s) => GPU_FEATURE_NAMES[s]);
}

/** What the device request asks for: each switched-on feature the adapter has. */
export function featuresToRequest(switches: GpuFeatureSwitches, adapter: HasFeatures): SwitchedFeature[] {
  return switchedOn(switches).filter((f) => adapter.features.has(f));
}

/** How an adapter is named in messages: `vendor/architecture`, or its description. */
function adapterName(info: AdapterNames | undefined): string {
  const name = [info?.vendor, info?.architecture].filter(Boolean).join('/');
  return name || info?.description || 'unnamed adapter';
}

/** One message per switched-on feature the adapter lacks, naming the feature and the adapter. */
export function missingFeatureMessages(
  switches: GpuFeatureSwitches,
  adapter: HasFeatures & { info?: AdapterNames },
): string[] {
  return switchedOn(switches)
    .filter((f) => !adapter.features.has(f))
    .map(
      (f) =>
        `WebGPU feature "${f}" was switched on, but the adapter ${adapterName(adapter.info)} does not have it: the lab runs without it.`,
    );
}

/** The switches a device honours: those whose feature it was granted. */
export function switchesOf(device: HasFeatures): GpuFeatureSwitches {
  return { subgroups: device.features.has('subgroups'), shaderF16: device.features.has('shader-f16') };
}

/**
 * The switches the lab's kernel generators follow by default: those of the WebGPU device tfjs
 * runs on, set by the device factory (`device.ts`) once the device is made; all off before.
 */
let current: GpuFeatureSwitches = { ...NO_GPU_FEATURES };

/** Sets the switches the kernel generators follow (the device factory; tests and the bench). */
export function setKernelFeatures(switches: GpuFeatureSwitches): void {
  current = { ...switches };
}

/** The switches the kernel generators follow: see {@link setKernelFeatures}. */
export function kernelFeatures(): Readonly<GpuFeatureSwitches> {
  return current;
}
