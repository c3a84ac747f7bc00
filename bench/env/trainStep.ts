/**
 * The training step a benchmark times: the lab's own Trainer (src/training/trainer.ts) with the
 * paper's recipe (per-example t, clipping at norm 1, Adam, EMA 0.9999), on a synthetic dataset of
 * random images the size of the preset's, so no data has to be loaded. Data order, flips, t, ε
 * and dropout all come from the trainer as in a real run.
 */
import { defaultRunConfig, type RunConfig } from '../../src/config/runConfig';
import { Rng } from '../../src/diffusion';
import { normalization } from '../../src/data/batch';
import type { Dataset } from '../../src/data/types';
import type { UNetPresetName } from '../../src/model/presets';
import type { UNet } from '../../src/model/unet';
import { Trainer, type TrainerOptions } from '../../src/training/trainer';
import { twinConfig } from '../lib/plan';

/** A ready-to-run training step on the current backend. */
export interface BenchTrainStep {
  /** The weights the lab samples with (the EMA copy). */
  samplingModel(): UNet;
  parameters: number;
  /** One optimiser step; resolves with the loss once the trainer has read it back. */
  step(): Promise<number>;
  dispose(): void;
}

/** Batches per synthetic epoch: enough that the epoch order reshuffles rarely, small to fill. */
const EPOCH_BATCHES = 4;

/**
 * The paper's run config with the preset's U-Net (its block widths divided by `widthDivisor`, the
 * node-null twin of a preset too big for the Null device), at `batch`, seeded.
 */
export function benchRunConfig(
  preset: UNetPresetName,
  batch: number,
  seed: number,
  widthDivisor = 1,
): RunConfig {
  const config = defaultRunConfig();
  config.model = { ...twinConfig(preset, widthDivisor), preset, init: 'ddpm' };
  config.training = { ...config.training, batchSize: batch, seed, previewEverySteps: 0 };
  return config;
}

/** Random bytes shaped like the preset's images; RGB allows flips, so the flip path is timed too. */
export function syntheticDataset(config: RunConfig, seed: number): Dataset {
  const side = config.model.sample_size as number;
  const channels = config.model.in_channels as 1 | 3;
  const count = config.training.batchSize * EPOCH_BATCHES;
  const rng = new Rng(seed);
  const images = Uint8Array.from({ length: count * side * side * channels }, () =>
    Math.floor(rng.uniform() * 256),
  );
  return {
    name: 'synthetic',
    images,
    labels: new Uint8Array(count),
    count,
    height: side,
    width: side,
    channels,
    classNames: ['noise'],
    allowsFlip: channels === 3,
  };
}

/** The lab's Trainer for a preset at a batch, on the synthetic dataset. */
export function createTrainer(
  preset: UNetPresetName,
  batch: number,
  seed: number,
  options?: TrainerOptions,
  widthDivisor = 1,
): Trainer {
  const config = benchRunConfig(preset, batch, seed, widthDivisor);
  const dataset = syntheticDataset(config, seed);
  const data = {
    dataset,
    normalization: normalization(dataset, 'unit'),
    flip: config.training.flip && dataset.allowsFlip,
  };
  return new Trainer(config, data, options);
}

/** Builds the trainer for a preset at a batch. */
export function createTrainStep(preset: UNetPresetName, batch: number, seed: number): BenchTrainStep {
  const trainer = createTrainer(preset, batch, seed);
  return {
    samplingModel: () => trainer.samplingModel(),
    parameters: trainer.model.parameterCount(),
    async step() {
      const report = await trainer.trainStep();
      return report.loss;
    },
    dispose: () => trainer.dispose(),
  };
}
