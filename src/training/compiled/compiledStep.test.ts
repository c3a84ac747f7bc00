import * as tf from '@tensorflow/tfjs';
import { applyOverrides, parseRunConfig, presetRunConfig, type RunConfigOverrides } from '../../config';
import { generateShapes } from '../../data/shapes';
import { paramSpecs, planUNet } from '../../model/plan';
import { relDiff, startWebGpu } from '../../model/webgpu/testing';
import { prepareTrainingData } from '../batch';
import { runSteps } from '../testing';
import { Trainer } from '../trainer';

const unavailable = await startWebGpu();
if (unavailable) console.warn(`compiled step tests skipped: ${unavailable}`);

function runConfig(overrides: RunConfigOverrides) {
  return parseRunConfig(applyOverrides(presetRunConfig('tiny'), overrides));
}

function makeTrainer(overrides: RunConfigOverrides, compiled: boolean): Trainer {
  const config = runConfig(overrides);
  const pair = { train: generateShapes({ count: 12, seed: 3, size: config.model.sample_size as number }) };
  return new Trainer(config, prepareTrainingData(pair, config), { compiled });
}

const run = runSteps;

/** Every trainable weight, the EMA's and Adam's moments of a trainer, read through captureState. */
async function state(trainer: Trainer): Promise<Map<string, Float32Array>> {
  const s = await trainer.captureState();
  return new Map([...s.tensors].map(([k, v]) => [k, v.data]));
}

describe.skipIf(unavailable !== null)('the compiled WebGPU step', () => {
  // SwiftShader runs a tiny step in ~15 s on 2 shared cores: few steps, batch 2.
  const overrides: RunConfigOverrides = { model: { dropout: 0.1 }, training: { batchSize: 2, flip: true } };

  it('trains as the tfjs path does (losses within 1e-3, the same weights, EMA and moments), runs ahead, resumes exactly, and a NaN step changes nothing', async () => {
    const reference = makeTrainer(overrides, false);
    expect(reference.usesCompiledStep()).toBe(false);
    const expected = await run(reference, 3);
    const compiled = makeTrainer(overrides, true);
    expect(compiled.usesCompiledStep()).toBe(true);
    const got = await run(compiled, 1);
    const saved = await compiled.captureState();
    // Steps 2 and 3 queued together: the same draws, order and updates as one at a time.
    got.push(...(await run(compiled, 2, 1)));
    expect(compiled.inFlight).toBe(0);
    const step = compiled.compiledStep();
    expect(step.slotBytes).toBeLessThan(step.unsharedBytes);
    expect(step.kernelCounts.get('LabUpdate')).toBe(1);
    // Every resnet's time projection in 3 dispatches (splitKSums.test.ts covers merged sums:
    // at 8×8 and batch 2 no filter gradient is split).
    expect(step.kernelCounts.get('LabTimeProjections')).toBe(3);
    got.forEach((r, i) => {
      expect(r.step).toBe(i + 1);
      expect(Array.from(r.t)).toEqual(Array.from(expected[i].t));
      expect(Math.abs(r.loss - expected[i].loss) / expected[i].loss).toBeLessThan(1e-3);
      expect(Math.abs(r.gradNorm - expected[i].gradNorm) / expected[i].gradNorm).toBeLessThan(1e-3);
      expect(r.lr).toBe(expected[i].lr);
      expect(r.emaDecay).toBe(expected[i].emaDecay);
    });
    const [a, b] = [await state(compiled), await state(reference)];
    expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
    // DDPM initialises these weights at ~1e-10 (init.ts), so after three steps their largest
    // value is a few lr, and the error relative to it is Adam's amplified rounding (below) in
    // units of lr: 3.5e-4 with tfjs' conv kernels, 1.4e-3 with the GEMM kernels, while every
    // loss matches to 7 digits and the moments within 2e-6.
    const zeroInit = new Set(
      paramSpecs(planUNet(runConfig(overrides).model))
        .filter((p) => p.role.kind === 'weight' && p.role.zeroInit)
        .map((p) => p.name),
    );
    expect(zeroInit.size).toBeGreaterThan(0);
    for (const [key, values] of a) {
      // Softmax ignores a shift shared by all keys: to_k.bias's gradient is rounding noise around 0.
      if (key.endsWith('to_k.bias')) continue;
      const [x, y] = [tf.tensor1d(values), tf.tensor1d(b.get(key) as Float32Array)];
      // Adam's m/√v amplifies rounding where a gradient is near 0; weights move by at most lr per step.
      const param = key.slice(key.indexOf('/') + 1);
      const tolerance = key.startsWith('adam') ? 5e-2 : zeroInit.has(param) ? 5e-3 : 1e-3;
      expect(await relDiff(x, y), key).toBeLessThan(tolerance);
      tf.dispose([x, y]);
    }
    reference.dispose();
    compiled.dispose();

    // Restored from its state after step 1, a compiled run continues exactly.
    const resumed = makeTrainer(overrides, true);
    resumed.restoreState(saved);
    const rest = await run(resumed, 2, 1);
    expect(rest.map((r) => r.loss)).toEqual(got.slice(1).map((r) => r.loss));

    // A NaN assigned to a weight from outside reaches the step, which then changes nothing.
    const before = await state(resumed);
    const [poisoned, second] = [3, 5].map((i) => resumed.model.trainableVariables()[i]);
    const poisonedKey = `model/${poisoned.name.slice(poisoned.name.indexOf('/') + 1)}`;
    tf.tidy(() => poisoned.assign(tf.fill(poisoned.shape, NaN)));
    // Run ahead by one: the step queued behind the NaN one sees the NaN too and changes nothing.
    const bad = await resumed.trainStep({ ahead: 1 });
    expect('nonFinite' in bad).toBe(true);
    expect(resumed.inFlight).toBe(1);
    await expect(resumed.captureState()).rejects.toThrow(/still in flight/);
    await resumed.settle();
    expect(resumed.step).toBe(3);
    // An assignment while the buffers are ahead of the variables survives a read of the model
    // (a preview) instead of being overwritten by the buffers.
    const secondKey = `model/${second.name.slice(second.name.indexOf('/') + 1)}`;
    tf.tidy(() => second.assign(tf.fill(second.shape, NaN)));
    resumed.samplingModel();
    expect(Number.isNaN(((await second.data()) as Float32Array)[0])).toBe(true);
    const after = await state(resumed);
    for (const [key, values] of after)
      if (key !== poisonedKey && key !== secondKey)
        expect(Array.from(values), key).toEqual(Array.from(before.get(key) as Float32Array));
    resumed.dispose();
  }, 900_000);
});
