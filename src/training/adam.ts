/**
 * Adam (Kingma & Ba 2015) with its moments held as plain variables, so a checkpoint can save and
 * restore them bit for bit and a resumed run continues exactly. The update is PyTorch's:
 * m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², w ← w − lr·m̂/(√v̂ + ε) with m̂ = m/(1−β₁ⁿ), v̂ = v/(1−β₂ⁿ).
 * Moments and gradient are flat vectors over all parameters (see flat.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { useFusedKernels } from '../model/fused';
import { totalSize, unflatten } from './flat';
import { adamStepWebGpu, momentWebGpu } from './webgpuUpdate';

/** The paper's settings (TF's AdamOptimizer defaults, as run_cifar.py uses them). */
export const ADAM_SETTINGS = Object.freeze({ beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });

/** What a checkpoint keeps of Adam: the update count and both flat moments. */
export interface AdamState {
  step: number;
  m: tf.Tensor1D;
  v: tf.Tensor1D;
}

export class Adam {
  private readonly m: tf.Variable<tf.Rank.R1>;
  private readonly v: tf.Variable<tf.Rank.R1>;
  /** Updates applied so far (n in the bias corrections). */
  step = 0;

  constructor(private readonly vars: readonly tf.Variable[]) {
    const size = totalSize(vars);
    // In a tidy, so the zeros the variables were made from do not outlive them.
    [this.m, this.v] = tf.tidy(() => [
      tf.variable(tf.zeros([size]), false),
      tf.variable(tf.zeros([size]), false),
    ]);
  }

  /** Number of parameters it updates. */
  get size(): number {
    return this.m.size;
  }

  /** One update of every variable from the flat gradient (variables in constructor order). */
  apply(flatGrad: tf.Tensor1D, lr: number): void {
    if (flatGrad.size !== this.m.size)
      throw new Error(`Adam: gradient has ${flatGrad.size} values for ${this.m.size} parameters`);
    this.step++;
    const { beta1, beta2, epsilon } = ADAM_SETTINGS;
    // Bias corrections folded into two scalars in float64: w −= stepSize·m/(√v/√(1−β₂ⁿ) + ε).
    const stepSize = lr / (1 - beta1 ** this.step);
    const vScale = 1 / Math.sqrt(1 - beta2 ** this.step);
    if (useFusedKernels(tf.getBackend())) {
      this.applyFused(flatGrad, stepSize, vScale);
      return;
    }
    tf.tidy(() => {
      const m = tf.add(tf.mul(this.m, beta1), tf.mul(flatGrad, 1 - beta1));
      const v = tf.add(tf.mul(this.v, beta2), tf.mul(tf.square(flatGrad), 1 - beta2));
      this.m.assign(m as tf.Tensor1D);
      this.v.assign(v as tf.Tensor1D);
      const update = tf.div(tf.mul(m, stepSize), tf.add(tf.mul(tf.sqrt(v), vScale), epsilon)) as tf.Tensor1D;
      unflatten(update, this.vars).forEach((u, i) => this.vars[i].assign(tf.sub(this.vars[i], u)));
    });
  }

  /** The same update in WebGPU kernels: one dispatch per moment and one per variable. */
  private applyFused(flatGrad: tf.Tensor1D, stepSize: number, vScale: number): void {
    const { beta1, beta2, epsilon } = ADAM_SETTINGS;
    tf.tidy(() => {
      this.m.assign(momentWebGpu(this.m, flatGrad, beta1, false));
      this.v.assign(momentWebGpu(this.v, flatGrad, beta2, true));
      let offset = 0;
      for (const w of this.vars) {
        w.assign(adamStepWebGpu(w, this.m, this.v, { offset, stepSize, vScale, epsilon }));
        offset += w.size;
      }
    });
  }

  /** The moments (the variables themselves: read, do not dispose) and the step count. */
  state(): AdamState {
    return { step: this.step, m: this.m, v: this.v };
  }

  /** Restores a saved state; the moments must have one value per parameter. */
  load(state: AdamState): void {
    if (state.m.size !== this.m.size || state.v.size !== this.v.size)
      throw new Error(
        `Adam: saved moments have ${state.m.size} values, the model has ${this.m.size} parameters`,
      );
    this.m.assign(state.m);
    this.v.assign(state.v);
    this.step = state.step;
  }

  dispose(): void {
    tf.dispose([this.m, this.v]);
  }
}
