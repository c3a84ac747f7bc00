/**
 * The switches a Twin run can flip, each with the one-paragraph explanation the Clinic shows:
 * the learner's real bugs (off by default) and the post's deviations. A twin keeps the seed, so
 * the data order, t and ε are the same draws and only the switch differs.
 */
import { applyOverrides, type RunConfig, type RunConfigOverrides } from '../config';

export interface TwinSwitch {
  path: string;
  label: string;
  /** What it does, why it matters, and what to look at in a twin run. */
  explanation: string;
  /** The override that turns the switch to the other side for `config`. */
  flip(config: RunConfig): RunConfigOverrides;
}

export const TWIN_SWITCHES: readonly TwinSwitch[] = [
  {
    path: 'training.doubleOptimizerStep',
    label: 'Two optimizer steps per batch',
    explanation:
      'The learner’s script calls optimizer.step() twice after one backward pass. Adam then applies the same (clipped) gradient twice: the moments are updated twice and its step counter runs at twice the batches, so every batch moves the weights about twice as far, an effective learning rate doubled with extra noise. In a twin run the loss falls faster at first and is noisier; with a learning rate already near the edge it can diverge.',
    flip: (c) => ({ training: { doubleOptimizerStep: !c.training.doubleOptimizerStep } }),
  },
  {
    path: 'training.normalization',
    label: 'Inputs in [0, 1] (zero-one)',
    explanation:
      'torchvision’s ToTensor gives pixels in [0, 1] and Normalize(mean=0, std=1) leaves them there, so the learner’s model never sees the paper’s [−1, 1]. The forward process still ends in N(0, I), the sampler still clips x̂₀ to [−1, 1] and the lab shows [−1, 1] as 0..255: true-range samples come out grey and low-contrast. The twin’s loss looks healthy; its samples beside the paper’s show the difference.',
    flip: (c) => ({
      training: { normalization: c.training.normalization === 'zero-one' ? 'unit' : 'zero-one' },
    }),
  },
  {
    path: 'sampling.brokenFinalStep',
    label: 'The learner’s last reverse step',
    explanation:
      'The learner’s loop runs t = T−1 … 1 and then applies one more update outside it, reusing the loop’s last t and ε̂ without calling the model at t = 0, with (1−α)/√(1−α) where the posterior mean has β/√(1−ᾱ). The last frame keeps noise the model was never asked to remove. Training is identical; the twin’s samples (and the last frame of the Sample timeline) are speckled.',
    flip: (c) => ({ sampling: { brokenFinalStep: !c.sampling.brokenFinalStep } }),
  },
  {
    path: 'sampling.displayMinMax',
    label: 'Show samples min–max stretched too',
    explanation:
      'The learner displayed each sample stretched to its own min and max. That maps any range and any offset onto black..white, so inputs in the wrong range, a missing rescale or a grey cast all look fine. The lab shows the stretched image beside the true-range one ([−1, 1] → 0..255): when they differ, the range is wrong.',
    flip: (c) => ({ sampling: { displayMinMax: !c.sampling.displayMinMax } }),
  },
  {
    path: 'training.sharedT',
    label: 'One t for the whole batch',
    explanation:
      'Algorithm 1 draws t for every example. With one t per batch each step sees a single noise level: the gradient’s variance rises and the loss jumps from step to step with t (small t, small loss). The twin’s loss curve is jagged where the original is smooth, with the same data and noise.',
    flip: (c) => ({ training: { sharedT: !c.training.sharedT } }),
  },
];

/** The twin of `config` with one switch flipped (same seed: same data order, t and ε). */
export function twinConfig(config: RunConfig, path: string): RunConfig {
  const s = TWIN_SWITCHES.find((x) => x.path === path);
  if (!s)
    throw new Error(
      `${path} is not a twin-run switch; switches: ${TWIN_SWITCHES.map((x) => x.path).join(', ')}`,
    );
  return applyOverrides(config, s.flip(config));
}
