/**
 * What a U-Net costs, from its config alone, and the limits the lab refuses to go past: the
 * parameter count, the activation memory of a forward pass and its FLOPs are computed before a
 * single tensor is allocated, so a config that asks for billions of parameters or a 64 GB
 * attention matrix is a clear error naming the limit, not a hung tab or an aborted process.
 *
 * Called where a model is built (`UNet`'s constructor), where a run config is validated (the URL
 * hash, the form, `run.json`, an imported run) and where a model file is read before building
 * (`ddpm-lab info`, the weights check of `sample`, `forward` and the browser import).
 */
import { UNetConfigError, type UNetConfig } from './config';
import { forwardMacs } from './flops';
import { countParameters, paramSpecs, planUNet } from './plan';
import {
  NonFiniteWeightsError,
  StateDictError,
  checkStateDict,
  isClean,
  nonFiniteCounts,
  type StateDict,
  type StateDictReport,
} from './stateDict';

/**
 * The limits. The paper's CIFAR-10 recipe (35.7M parameters, batch 128 at 32×32: about 8.4 GiB of
 * activations by this estimate, 18 GiB with 8-channel attention heads) and DDPM's 256² models
 * (114M parameters, 5·10¹¹ FLOPs an image) fit; the activation limit is what one training step
 * may keep for its backward pass, for the whole batch. They are ceilings against absurd configs,
 * not a promise that a given GPU has the memory.
 */
export const MODEL_LIMITS = {
  /** Trainable scalars (each costs 16 bytes in training: weight, two Adam moments, EMA). */
  maxParameters: 150_000_000,
  /** Float32 layer outputs of one forward pass of the batch, in bytes. */
  maxActivationBytes: 32 * 2 ** 30,
  /** FLOPs of one forward pass of one image. */
  maxForwardFlops: 2e12,
} as const;

/** What a model costs for a batch of `batch` images of `height`×`width`. */
export interface ModelCost {
  parameters: number;
  /** `null` when the config states no sample size and none was given. */
  activationBytes: number | null;
  forwardFlopsPerImage: number | null;
}

/** A config the lab refuses to build because it costs more than {@link MODEL_LIMITS} allow. */
export class ModelLimitError extends UNetConfigError {
  constructor(message: string) {
    super(message);
    this.name = 'ModelLimitError';
  }
}

/** Where the cost is evaluated: the batch (default 1) and the image side (default the config's). */
export interface CostAt {
  batch?: number;
  height?: number;
  width?: number;
}

/** Parameters, activation bytes and forward FLOPs; cheap for any config `parseUNetConfig` accepts. */
export function modelCost(config: UNetConfig, at: CostAt = {}): ModelCost {
  const parameters = countParameters(config);
  const side = sideOf(config);
  const height = at.height ?? side?.[0];
  const width = at.width ?? side?.[1];
  if (height === undefined || width === undefined)
    return { parameters, activationBytes: null, forwardFlopsPerImage: null };
  const batch = at.batch ?? 1;
  const perImage = forwardMacs(config, 1, height, width);
  return {
    parameters,
    activationBytes: 4 * batch * perImage.activations,
    forwardFlopsPerImage: 2 * (perImage.conv + perImage.linear + perImage.attention),
  };
}

/**
 * Throws {@link ModelLimitError} naming the first limit `config` passes at `at`; returns the cost
 * otherwise. Also throws the plan's `UNetConfigError`s (groups, heads, sides that do not divide).
 */
export function checkModelLimits(config: UNetConfig, at: CostAt = {}): ModelCost {
  const cost = modelCost(config, at);
  const fmt = (n: number) => n.toLocaleString('en-US');
  if (cost.parameters > MODEL_LIMITS.maxParameters)
    throw new ModelLimitError(
      `the model has ${fmt(cost.parameters)} parameters, over the limit of ${fmt(MODEL_LIMITS.maxParameters)} (MODEL_LIMITS.maxParameters); use fewer or narrower levels (block_out_channels, layers_per_block)`,
    );
  const where = `${at.batch ?? 1} image(s) of ${at.height ?? sideOf(config)?.[0]}×${at.width ?? sideOf(config)?.[1]}`;
  if (cost.forwardFlopsPerImage !== null && cost.forwardFlopsPerImage > MODEL_LIMITS.maxForwardFlops)
    throw new ModelLimitError(
      `one forward pass of one image takes ${cost.forwardFlopsPerImage.toExponential(2)} FLOPs, over the limit of ${MODEL_LIMITS.maxForwardFlops.toExponential(0)} (MODEL_LIMITS.maxForwardFlops); use a smaller sample_size or narrower levels`,
    );
  if (cost.activationBytes !== null && cost.activationBytes > MODEL_LIMITS.maxActivationBytes)
    throw new ModelLimitError(
      `a forward pass of ${where} needs about ${gib(cost.activationBytes)} of activations, over the limit of ${gib(MODEL_LIMITS.maxActivationBytes)} (MODEL_LIMITS.maxActivationBytes); use a smaller batch, sample_size or less attention at high resolution`,
    );
  return cost;
}

/**
 * Vets a weights file against its config before any model is built: the config within
 * {@link MODEL_LIMITS}, every tensor present, expected and well-shaped (`StateDictError`), every
 * value finite (`NonFiniteWeightsError`). Returns the report (legacy names renamed).
 */
export function checkWeightsForConfig(config: UNetConfig, dict: StateDict): StateDictReport {
  checkModelLimits(config);
  const report = checkStateDict(paramSpecs(planUNet(config)), dict);
  if (!isClean(report)) throw new StateDictError(report);
  const bad = nonFiniteCounts(dict);
  if (bad.length > 0) throw new NonFiniteWeightsError(bad);
  return report;
}

function sideOf(config: UNetConfig): [number, number] | undefined {
  const s = config.sample_size;
  if (s === null) return undefined;
  return typeof s === 'number' ? [s, s] : [s[0], s[1]];
}

function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(bytes < 2 ** 30 ? 2 : 1)} GiB`;
}
