/**
 * The weight update of one training step, after the gradient: global-norm clipping, then Adam at
 * the step's lr, once, or twice on the same clipped gradient with `doubleOptimizerStep` (the
 * learner's script calls optimizer.step() twice after one backward; PyTorch's Adam then counts
 * two steps and moves the moments twice).
 */
import type * as tf from '@tensorflow/tfjs';
import type { Adam } from './adam';
import { clipByGlobalNorm } from './clip';

/** What the update needs of the run config. */
export interface UpdateSettings {
  gradClipNorm: number | null;
  doubleOptimizerStep: boolean;
}

/** Clips `flatGrad` (whose global norm is `norm`) and applies Adam; disposes what it made, not its inputs. */
export function applyUpdate(
  adam: Adam,
  flatGrad: tf.Tensor1D,
  norm: tf.Scalar,
  lr: number,
  settings: UpdateSettings,
): void {
  const clip = settings.gradClipNorm;
  const clipped = clip === null ? flatGrad : clipByGlobalNorm(flatGrad, clip, norm);
  adam.apply(clipped, lr);
  if (settings.doubleOptimizerStep) adam.apply(clipped, lr);
  if (clipped !== flatGrad) clipped.dispose();
}
