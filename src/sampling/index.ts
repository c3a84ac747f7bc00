/**
 * The reverse process on the GPU: `sample()` runs DDPM or DDIM with any (x_t, t) → prediction
 * model (compiled on WebGPU, tfjs ops elsewhere), records x_t, x̂₀ and ε̂ for the timeline within a
 * memory budget, and returns the images.
 * `options.ts` and `frames.ts` hold no tfjs, so the page can import their types and helpers.
 */
export {
  SampleCancelledError,
  sample,
  seededNoise,
  type DenoisingModel,
  type NormalSource,
  type SampleHooks,
  type SamplePlan,
  type SampleResult,
} from './runner';
export { epsCoefficients, gpuStep, type GpuStepResult } from './gpuStep';
export {
  DEFAULT_SAMPLE_OPTIONS,
  MAX_IMAGES,
  SAMPLING_VARIANCES,
  SampleOptionsError,
  resolveSampleOptions,
  type FrameFormat,
  type ResolvedSampleOptions,
  type SampleLoop,
  type SampleOptions,
  type SamplingVariance,
} from './options';
export * from './frames';
