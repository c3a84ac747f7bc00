/**
 * The diffusion math core: schedules, the forward process, DDPM/DDIM reverse steps, the per-step
 * coefficient tables the GPU code runs, schedule diagnostics, and a resumable seeded RNG.
 * Pure TypeScript on typed arrays; see README.md for the symbols and equations.
 */
export {
  DEFAULT_SCHEDULER_CONFIG,
  MAX_TRAIN_TIMESTEPS,
  SCHEDULER_CONFIG_KEYS,
  SchedulerConfigError,
  resolveSchedulerConfig,
  type BetaSchedule,
  type PredictionType,
  type SchedulerConfig,
  type SchedulerKind,
  type TimestepSpacing,
  type VarianceType,
} from './config';
export { parseSchedulerConfig, toSchedulerConfigJson, type SchedulerConfigFile } from './configJson';
export { computeBetas, cumulativeAlphas } from './schedule';
export { inferenceTimesteps, previousTimestep } from './timesteps';
export {
  applyStep,
  brokenFinalStepCoefficients,
  stepCoefficients,
  stepPlan,
  stepVariance,
  trainingCoefficients,
  type PlannedStep,
  type StepCoefficients,
  type TrainingCoefficients,
} from './coefficients';
export { createScheduler, type Scheduler, type StepOptions, type StepResult } from './scheduler';
export {
  describeSchedule,
  scaleLinearBetasToT,
  MAX_SQRT_ALPHA_BAR_T,
  MIN_TRAIN_TIMESTEPS,
  type ScheduleDescription,
  type ScheduleWarning,
} from './diagnostics';
export { Rng } from './rng';
