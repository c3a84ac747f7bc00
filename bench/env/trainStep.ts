/**
 * The training step a benchmark times. Until the lab's trainer (src/training/trainer.ts) is on
 * this branch, this is a stand-in with the same shape of work: per-example t and ε drawn on the
 * CPU and uploaded, x_t = √ᾱ_t·x₀ + √(1−ᾱ_t)·ε on the device, ε-MSE, forward + backward + Adam
 * through `optimizer.minimize`, and one read of the loss per step. It has no gradient clipping
 * and no EMA; results name which step was timed.
 */
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_SCHEDULER_CONFIG, Rng, createScheduler, trainingCoefficients } from '../../src/diffusion';
import { presetConfig, type UNetPresetName } from '../../src/model/presets';
import { UNet } from '../../src/model/unet';
import type { TrainStepKind } from '../lib/types';

/** A ready-to-run training step on the current backend, on a fixed synthetic batch. */
export interface BenchTrainStep {
  kind: TrainStepKind;
  /** The model, for sampling with the trained weights. */
  model: UNet;
  parameters: number;
  /** One optimiser step; resolves with the loss once the device has finished it. */
  step(): Promise<number>;
  dispose(): void;
}

/** Builds the step for a preset at a batch; `seed` fixes the weights and the data. */
export function createTrainStep(preset: UNetPresetName, batch: number, seed: number): BenchTrainStep {
  const config = presetConfig(preset);
  const side = config.sample_size as number;
  const shape: [number, number, number, number] = [batch, side, side, config.in_channels];
  const model = new UNet(config, { seed });
  const scheduler = createScheduler('ddpm', DEFAULT_SCHEDULER_CONFIG);
  const coeffs = trainingCoefficients(scheduler);
  const sqrtAlphaBar = tf.tensor1d(coeffs.sqrtAlphaBar);
  const sqrtOneMinus = tf.tensor1d(coeffs.sqrtOneMinusAlphaBar);
  const rng = new Rng(seed);
  const x0 = tf.tensor4d(
    Float32Array.from({ length: shape.reduce((a, b) => a * b) }, () => rng.uniform() * 2 - 1),
    shape,
  );
  const optimizer = tf.train.adam(2e-4);
  const vars = model.trainableVariables();
  const T = scheduler.config.num_train_timesteps;

  return {
    kind: 'stand-in',
    model,
    parameters: model.parameterCount(),
    async step() {
      const t = tf.tensor1d(
        Int32Array.from({ length: batch }, () => rng.int(T)),
        'int32',
      );
      const eps = tf.tensor4d(rng.fillNormal(new Float32Array(x0.size)), shape);
      const cost = optimizer.minimize(
        () => {
          const column = (table: tf.Tensor1D) => tf.reshape(tf.gather(table, t), [batch, 1, 1, 1]);
          const xt = tf.add(
            tf.mul(column(sqrtAlphaBar), x0),
            tf.mul(column(sqrtOneMinus), eps),
          ) as tf.Tensor4D;
          const prediction = model.apply(xt, tf.cast(t, 'float32') as tf.Tensor1D, { training: true });
          return tf.mean(tf.square(tf.sub(prediction, eps))) as tf.Scalar;
        },
        true,
        vars,
      ) as tf.Scalar;
      try {
        return (await cost.data())[0];
      } finally {
        tf.dispose([cost, t, eps]);
      }
    },
    dispose() {
      tf.dispose([x0, sqrtAlphaBar, sqrtOneMinus]);
      optimizer.dispose();
      model.dispose();
    },
  };
}
