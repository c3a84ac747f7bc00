/**
 * An exponential moving average of the weights (paper §4: decay 0.9999; samples use it). The
 * average is kept as one flat vector (a few kernels per step, see flat.ts) and written into a
 * second U-Net only when someone samples or saves, so the sampler runs it like any model. The
 * decay each update uses is {@link emaDecayAt}'s: the paper's, or with `training.emaWarmup` a
 * warm-up so that a short run's EMA is not stuck near the random initialisation.
 */
import * as tf from '@tensorflow/tfjs';
import { useFusedKernels } from '../model/fused';
import { paramSpecs } from '../model/plan';
import { UNet } from '../model/unet';
import { flatten, unflatten } from './flat';
import { blendWebGpu } from './webgpuUpdate';

/**
 * The decay of the paper's first EMA update (`make_ema` in the paper's tpu_utils.py:
 * `decay = 1e-10 if global_step < 1 else ema_decay`): the update copies the weights.
 */
export const FIRST_UPDATE_DECAY = 1e-10;

/**
 * The decay the n-th update (0-based, after n optimiser steps) uses. Without `warmup`, the paper's
 * `make_ema`: {@link FIRST_UPDATE_DECAY} for the first update, then the constant `decay`. With
 * it, TensorFlow's `ExponentialMovingAverage` `num_updates` rule, min(decay, (1+n)/(10+n)).
 */
export function emaDecayAt(decay: number, n: number, warmup: boolean): number {
  if (warmup) return Math.min(decay, (1 + n) / (10 + n));
  return n < 1 ? FIRST_UPDATE_DECAY : decay;
}

/** decay·average + (1−decay)·w: one EMA update of a flat vector (one dispatch on WebGPU). */
export function emaBlend(average: tf.Tensor1D, w: tf.Tensor1D, decay: number): tf.Tensor1D {
  return tf.tidy(() =>
    useFusedKernels(tf.getBackend())
      ? blendWebGpu(average, w, decay)
      : (tf.add(tf.mul(average, decay), tf.mul(w, 1 - decay)) as tf.Tensor1D),
  );
}

export class Ema {
  private readonly averaged: UNet;
  private readonly flat: tf.Variable<tf.Rank.R1>;
  /** Whether `averaged` holds the current average. */
  private fresh = true;

  constructor(private readonly source: UNet) {
    this.averaged = new UNet(source.config, { seed: 0 });
    this.flat = tf.variable(flatten(source.trainableVariables()), false);
    this.copyBuffers();
    this.materialise();
  }

  /** ema ← d·ema + (1−d)·w over all trainable parameters. */
  update(decay: number): void {
    tf.tidy(() => this.flat.assign(emaBlend(this.flat, flatten(this.source.trainableVariables()), decay)));
    this.fresh = false;
  }

  /**
   * The averaged model, up to date: trainable weights from the average, BatchNorm running
   * statistics copied from the live model (they are statistics, not weights, and are not averaged).
   */
  model(): UNet {
    if (!this.fresh) this.materialise();
    this.copyBuffers();
    return this.averaged;
  }

  /** The flat average itself (read, do not dispose), in `trainableVariables()` order. */
  flatAverage(): tf.Tensor1D {
    return this.flat;
  }

  /** Sets the flat average (the compiled step's, after it trained), written into the model on demand. */
  setFlatAverage(flat: tf.Tensor1D): void {
    this.flat.assign(flat);
    this.fresh = false;
  }

  /** Sets the average from an averaged model's weights (a checkpoint's), e.g. after `model().variable(…).assign`. */
  reloadFromModel(): void {
    tf.tidy(() => this.flat.assign(flatten(this.averaged.trainableVariables())));
    this.fresh = true;
  }

  /** Frees the average; `keepModel` leaves the averaged U-Net alive for whoever still samples it. */
  dispose(keepModel = false): void {
    if (!keepModel) this.averaged.dispose();
    this.flat.dispose();
  }

  private materialise(): void {
    const vars = this.averaged.trainableVariables();
    tf.tidy(() => unflatten(this.flat, vars).forEach((piece, i) => vars[i].assign(piece)));
    this.fresh = true;
  }

  private copyBuffers(): void {
    for (const spec of paramSpecs(this.source.plan))
      if (!spec.trainable) this.averaged.variable(spec.name).assign(this.source.variable(spec.name));
  }
}
