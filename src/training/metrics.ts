/**
 * Running metrics of a training run: the smoothed loss, throughput and the ETA to the target.
 * Pure arithmetic on numbers the trainer reads back once per step.
 */

/**
 * An exponential moving average with Adam-style bias correction, so the first values are not
 * pulled toward 0: s_n = β·s_{n−1} + (1−β)·x_n, reported as s_n/(1−βⁿ).
 */
export class Smoother {
  private value = 0;
  private n = 0;

  /** β = 0.98 averages over roughly the last 50 steps: smooth, yet quick to show a trend. */
  constructor(readonly beta = 0.98) {}

  add(x: number): number {
    this.n++;
    this.value = this.beta * this.value + (1 - this.beta) * x;
    return this.current();
  }

  current(): number {
    return this.n === 0 ? NaN : this.value / (1 - this.beta ** this.n);
  }

  state(): { value: number; n: number } {
    return { value: this.value, n: this.n };
  }

  load(state: { value: number; n: number }): void {
    this.value = state.value;
    this.n = state.n;
  }
}

/** Steps per second over a sliding window of recent steps (the first step's shader compile drops out). */
export class Throughput {
  private readonly times: number[] = [];

  constructor(private readonly windowSteps = 50) {}

  /** Records that one step ended at `nowMs` (a monotonic clock). */
  tick(nowMs: number): void {
    this.times.push(nowMs);
    if (this.times.length > this.windowSteps + 1) this.times.shift();
  }

  /** Forget the clock across a pause, so idle time does not count as a slow step. */
  reset(): void {
    this.times.length = 0;
  }

  stepsPerSec(): number {
    const n = this.times.length;
    if (n < 2) return 0;
    const ms = this.times[n - 1] - this.times[0];
    return ms > 0 ? ((n - 1) * 1000) / ms : 0;
  }
}

/** Seconds to reach `target` from `step` at `stepsPerSec`; null before any rate is known. */
export function etaSeconds(step: number, target: number, stepsPerSec: number): number | null {
  if (step >= target) return 0;
  return stepsPerSec > 0 ? (target - step) / stepsPerSec : null;
}

/**
 * The learning rate of step n (0-based: the optimiser steps done before it): the paper's
 * `get_warmed_up_lr`, lr·min(n/warmupSteps, 1), a linear warm-up whose first step has lr 0;
 * `warmupSteps` 0 is no warm-up.
 */
export function learningRate(lr: number, warmupSteps: number, n: number): number {
  return warmupSteps > 0 ? lr * Math.min(n / warmupSteps, 1) : lr;
}
