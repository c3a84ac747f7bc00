/**
 * The Node soak: many training steps of the `tiny` run preset on the tfjs CPU backend, sampling
 * `tf.memory().numTensors`, tfjs' bytes and the process heap after a forced GC, to show that a
 * long run holds no more memory at its end than after its warm-up. Shared by `scripts/soak.ts`
 * (2,000 steps) and `scripts/soak.test.ts` (a short version).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as tf from '@tensorflow/tfjs';
import { applyOverrides, parseRunConfig, presetRunConfig } from '../../src/config';
import { generateShapes } from '../../src/data/shapes';
import { prepareTrainingData } from '../../src/training/batch';
import { installFastCpuKernels } from '../../src/training/cpuKernels';
import { Trainer } from '../../src/training/trainer';

/** One measurement, taken after a full GC. */
export interface SoakSample {
  step: number;
  numTensors: number;
  /** Bytes tfjs holds in tensors. */
  tensorBytes: number;
  /** JS heap in use plus ArrayBuffer memory (where the CPU backend keeps tensor data). */
  heapBytes: number;
  loss: number;
}

/** What a soak run measured. */
export interface SoakReport {
  samples: SoakSample[];
  msPerStep: number;
}

/** Options of {@link runNodeSoak}. */
export interface SoakOptions {
  steps: number;
  /** Images per step (the preset's 8 by default). */
  batchSize?: number;
  /** Steps between samples. */
  every: number;
  /** Called with each sample, for progress. */
  onSample?: (s: SoakSample) => void;
}

/** A full GC on demand: `--expose-gc` turned on at run time, so no special Node flags are needed. */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** Trains the `tiny` preset for `steps` steps and samples memory every `every` steps (and at step 0). */
export async function runNodeSoak(opts: SoakOptions): Promise<SoakReport> {
  await tf.setBackend('cpu');
  installFastCpuKernels();
  const gc = collector();
  const overrides = opts.batchSize === undefined ? {} : { training: { batchSize: opts.batchSize } };
  const config = parseRunConfig(applyOverrides(presetRunConfig('tiny'), overrides));
  const data = prepareTrainingData(
    { train: generateShapes({ count: 64, seed: 1, size: config.model.sample_size as number }) },
    config,
  );
  const trainer = new Trainer(config, data);
  const samples: SoakSample[] = [];
  const sample = async (step: number, loss: number) => {
    gc();
    // ArrayBuffer backing stores are freed by a background task after the GC: let it run.
    await new Promise((resolve) => setTimeout(resolve, 10));
    gc();
    const { numTensors, numBytes } = tf.memory();
    const heap = process.memoryUsage();
    const s = { step, numTensors, tensorBytes: numBytes, heapBytes: heap.heapUsed + heap.arrayBuffers, loss };
    samples.push(s);
    opts.onSample?.(s);
  };
  await sample(0, NaN);
  const began = performance.now();
  try {
    for (let step = 1; step <= opts.steps; step++) {
      const r = await trainer.trainStep();
      if ('nonFinite' in r) throw new Error(`step ${step} had a non-finite loss or gradient`);
      if (step % opts.every === 0 || step === opts.steps) await sample(step, r.loss);
    }
  } finally {
    trainer.dispose();
  }
  return { samples, msPerStep: (performance.now() - began) / opts.steps };
}

/** Relative change of a measure from the first sample at or after `fromStep` to the last one. */
export function drift(
  samples: readonly SoakSample[],
  key: 'numTensors' | 'tensorBytes' | 'heapBytes',
  fromStep: number,
): number {
  const base = samples.find((s) => s.step >= fromStep);
  const last = samples[samples.length - 1];
  if (!base || base === last) throw new RangeError(`no samples between step ${fromStep} and the end`);
  return (last[key] - base[key]) / base[key];
}

/** Largest relative distance of any sample from step `fromStep` on from that first sample. */
export function maxDeviation(
  samples: readonly SoakSample[],
  key: 'numTensors' | 'tensorBytes' | 'heapBytes',
  fromStep: number,
): number {
  const after = samples.filter((s) => s.step >= fromStep);
  if (after.length < 2) throw new RangeError(`no samples between step ${fromStep} and the end`);
  return Math.max(...after.map((s) => Math.abs(s[key] - after[0][key]) / after[0][key]));
}
