/**
 * Which timesteps a sampler visits, and which one follows which. Separate from the scheduler so
 * the timeline UI can plan a run without touching a live scheduler's state.
 */
import { SchedulerConfigError, type SchedulerConfig } from './config';

/**
 * The inference timesteps, in sampling order (descending), exactly as diffusers' `set_timesteps`
 * lays them out for `timestep_spacing`:
 * - `leading`: t_i = i·⌊T/n⌋ + steps_offset (the DDIM paper's spacing; it starts below T−1);
 * - `trailing`: t_i = round(T − i·T/n) − 1 (always starts at T−1; Lin et al. 2023);
 * - `linspace`: round(linspace(0, T−1, n)).
 * Rounding is half-to-even, as numpy's. diffusers' `np.arange` for `trailing` yields n + 1 entries
 * ending in −1 for some (T, n), e.g. (1000, 61); this keeps exactly n.
 */
export function inferenceTimesteps(config: SchedulerConfig, numInferenceSteps: number): number[] {
  const T = config.num_train_timesteps;
  const n = numInferenceSteps;
  if (!Number.isSafeInteger(n) || n < 1 || n > T) {
    throw new SchedulerConfigError(
      'numInferenceSteps',
      n,
      `allowed: an integer from 1 to num_train_timesteps (${T}); the model only knows t in 0..${T - 1}`,
    );
  }
  const ascending: number[] = [];
  switch (config.timestep_spacing) {
    case 'leading': {
      const ratio = Math.floor(T / n);
      for (let i = 0; i < n; i++) ascending.push(i * ratio + config.steps_offset);
      const last = ascending[n - 1];
      if (last >= T) {
        throw new SchedulerConfigError(
          'steps_offset',
          config.steps_offset,
          `with ${n} leading steps it lifts the first timestep to ${last}, past t = ${T - 1}; use fewer steps, steps_offset 0, or trailing spacing`,
        );
      }
      break;
    }
    case 'trailing': {
      // numpy's arange fills start + i·delta with delta = (start + step) − start, not step itself.
      const delta = T + -T / n - T;
      for (let i = n - 1; i >= 0; i--) ascending.push(roundHalfEven(T + i * delta) - 1);
      break;
    }
    case 'linspace': {
      const step = n > 1 ? (T - 1) / (n - 1) : 0;
      for (let i = 0; i < n; i++) ascending.push(i === n - 1 && n > 1 ? T - 1 : roundHalfEven(i * step));
      break;
    }
  }
  return ascending.reverse();
}

/**
 * The timestep a step from `timesteps[index]` lands on: the next entry, or −1 after the last
 * ("before t = 0", where ᾱ is 1 or ᾱ_0). diffusers' DDPM does exactly this; its DDIM instead uses
 * t − ⌊T/n⌋, which agrees for `leading` spacing and for `trailing` when n divides T, and otherwise
 * steps to a noise level the next step does not use (diffusers issue #12633).
 */
export function previousTimestep(timesteps: readonly number[], index: number): number {
  return index + 1 < timesteps.length ? timesteps[index + 1] : -1;
}

/** Rounds halves to the even neighbour, as numpy's `round` does, so the timestep lists match diffusers'. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
