/**
 * The live preview grid: a few-step deterministic DDIM run (η = 0) from fixed noise with the
 * sampling weights (EMA when on), so successive grids differ only by what the model learnt.
 * It runs in eval mode with its own seeded noise and touches no training state.
 */
import { sample } from '../sampling/runner';
import type { Trainer } from './trainer';
import type { ImageBatch } from '../io/image';

/** The preview of the trainer's current weights, as uint8 images ([-1, 1] → 0..255). */
export async function previewGrid(trainer: Trainer): Promise<{ grid: ImageBatch; usedEma: boolean }> {
  const { training, sampling } = trainer.config;
  const model = trainer.samplingModel();
  const result = await sample(model, trainer.scheduler.config, {
    sampler: 'ddim',
    numInferenceSteps: training.previewSteps,
    eta: 0,
    numImages: training.previewImages,
    seed: sampling.seed,
    clip: sampling.clip,
    // The learner's last step shows in the live preview too, so a twin run shows its effect.
    // (It reuses ε̂, so only for ε-prediction; the Sample view reports the mismatch.)
    brokenFinalStep:
      sampling.brokenFinalStep &&
      training.previewSteps >= 2 &&
      trainer.scheduler.config.prediction_type === 'epsilon',
    frameBudgetBytes: 0,
  });
  const [count, height, width, channels] = [
    result.shape.numImages,
    result.shape.height,
    result.shape.width,
    result.shape.channels,
  ];
  return {
    grid: { count, height, width, channels: channels as 1 | 3, data: result.images },
    usedEma: trainer.ema !== null,
  };
}
