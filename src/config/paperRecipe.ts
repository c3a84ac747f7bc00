/**
 * The paper's CIFAR-10 recipe (Ho et al. 2020, docs/ddpm.md §1), stated once: the `paper` preset is
 * exactly this, and the defaults are this recipe on MNIST. The defaults build on it rather than
 * the reverse, so a change to a default cannot silently change "the paper". It imports nothing:
 * runConfig.ts checks it against the section types where it spreads it into the defaults.
 */

/** The forward process: T = 1000, linear betas 1e-4..0.02, ε-prediction, x₀ clipped to [-1, 1]. */
export const PAPER_DIFFUSION = Object.freeze({
  num_train_timesteps: 1000,
  beta_start: 0.0001,
  beta_end: 0.02,
  beta_schedule: 'linear',
  trained_betas: null,
  prediction_type: 'epsilon',
  // σ²_t = β_t, the released google/ddpm-cifar10-32 checkpoint's choice (docs/ddpm.md §1).
  variance_type: 'fixed_large',
  clip_sample: true,
  clip_sample_range: 1,
  // At T = 1000 this changes nothing; at any other T it keeps ᾱ_T ≈ 4e-5 (docs/ddpm.md §4).
  scale_betas_to_T: true,
});

/** The optimiser, EMA and data handling of the paper's CIFAR-10 run. */
export const PAPER_TRAINING = Object.freeze({
  // The paper's batch size (docs/ddpm.md §1, run_cifar.py).
  batchSize: 128,
  // Adam learning rate 2e-4 (paper §4, CIFAR-10).
  lr: 2e-4,
  // Linear warm-up over 5,000 steps (run_cifar.py `warmup=5000`).
  warmupSteps: 5000,
  // Global-norm clipping at 1.0 (run_cifar.py `grad_clip=1.`).
  gradClipNorm: 1,
  // EMA decay 0.9999 (paper §4).
  emaDecay: 0.9999,
  // No EMA warm-up: make_ema (tpu_utils.py) copies the weights at the first update, then uses
  // the constant decay.
  emaWarmup: false,
  // Samples and FID use the EMA weights (paper §4).
  useEma: true,
  // t ~ U{0..T−1} drawn per example (Algorithm 1); one shared t is the learner's mistake.
  sharedT: false,
  // One optimizer step per batch (Algorithm 1); two is the learner's script.
  doubleOptimizerStep: false,
  // Pixels scaled to [-1, 1] (paper §3.3), the range x₀ clipping assumes.
  normalization: 'unit',
  // Random horizontal flips (paper Appendix B); skipped for data that does not allow them.
  flip: true,
  // 800k steps on CIFAR-10 (paper §4).
  targetSteps: 800_000,
});
