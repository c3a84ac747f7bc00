/**
 * Loss per timestep: the per-example losses of recent steps in 20 buckets over [0, T), each a
 * rolling window. The overall loss is dominated by small t and says little about samples
 * (docs/ddpm.md §4); this curve shows which noise levels the model has learnt.
 */
import type { LossPerT } from './types';

/** Number of t buckets the UI plots. */
export const LOSS_PER_T_BUCKETS = 20;

/** Examples each bucket averages over: enough to be smooth, few enough to follow training. */
export const LOSS_PER_T_WINDOW = 256;

/** A bucket's window as saved in a checkpoint: its values oldest first. */
export type LossPerTState = number[][];

export class LossPerTBuckets {
  private windows: number[][];

  constructor(
    readonly numTrainTimesteps: number,
    readonly buckets = LOSS_PER_T_BUCKETS,
    readonly window = LOSS_PER_T_WINDOW,
  ) {
    this.windows = Array.from({ length: buckets }, () => []);
  }

  /** The bucket of timestep t: ⌊t·buckets/T⌋. */
  bucketOf(t: number): number {
    return Math.min(this.buckets - 1, Math.floor((t * this.buckets) / this.numTrainTimesteps));
  }

  /** Adds one step's examples: timesteps and their losses, index for index. */
  add(t: ArrayLike<number>, losses: ArrayLike<number>): void {
    for (let i = 0; i < t.length; i++) {
      const w = this.windows[this.bucketOf(t[i])];
      w.push(losses[i]);
      if (w.length > this.window) w.shift();
    }
  }

  snapshot(): LossPerT {
    return {
      numTrainTimesteps: this.numTrainTimesteps,
      mean: this.windows.map((w) => (w.length === 0 ? null : w.reduce((a, b) => a + b, 0) / w.length)),
      count: this.windows.map((w) => w.length),
    };
  }

  state(): LossPerTState {
    return this.windows.map((w) => [...w]);
  }

  load(state: LossPerTState): void {
    if (!Array.isArray(state) || state.length !== this.buckets || !state.every(Array.isArray))
      throw new Error(`loss-per-t state must hold ${this.buckets} lists of losses`);
    this.windows = state.map((w) => w.slice(-this.window));
  }
}
