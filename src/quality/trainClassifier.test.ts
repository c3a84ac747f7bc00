import * as tf from '@tensorflow/tfjs';
import { TOY_RECIPE as RECIPE, darkAndBright, weightsOf } from './testData';
import { trainClassifier } from './trainClassifier';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('classifier training', () => {
  it('is deterministic for a seed on the CPU backend and differs between seeds', async () => {
    const data = darkAndBright(40, 1);
    const runs: Record<string, number[]>[] = [];
    for (const seed of [4, 4, 5]) {
      const classifier = await trainClassifier(data, { ...RECIPE, seed });
      runs.push(await weightsOf(classifier));
      classifier.dispose();
    }
    const [a, b, c] = runs;
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('lowers the loss, reports progress and leaks no tensors', async () => {
    const data = darkAndBright(64, 2);
    const reports: [number, number, number][] = [];
    const before = tf.memory().numTensors;
    const classifier = await trainClassifier(
      data,
      { ...RECIPE, steps: 40 },
      { progressEvery: 10, onProgress: (step, steps, loss) => reports.push([step, steps, loss]) },
    );
    expect(reports.map(([step, steps]) => [step, steps])).toEqual([
      [10, 40],
      [20, 40],
      [30, 40],
      [40, 40],
    ]);
    expect(reports[3][2]).toBeLessThan(0.5 * reports[0][2]);
    classifier.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('stops on a cancelled signal, freeing what it built', async () => {
    const before = tf.memory().numTensors;
    const signal = { aborted: false };
    const run = trainClassifier(
      darkAndBright(32, 3),
      { ...RECIPE, steps: 50 },
      {
        progressEvery: 1,
        onProgress: (step) => {
          if (step === 2) signal.aborted = true;
        },
        signal,
      },
    );
    await expect(run).rejects.toThrow('classifier training was cancelled');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses one-class data and bad recipes, naming the value and the range', async () => {
    const one = { ...darkAndBright(8, 1), labels: new Uint8Array(8) };
    await expect(trainClassifier(one, RECIPE)).rejects.toThrow(
      "toy: the score's classifier needs images of at least 2 classes to learn features, this split has 1",
    );
    await expect(trainClassifier(darkAndBright(8, 1), { ...RECIPE, steps: 0 })).rejects.toThrow(
      'classifier recipe steps = 0 is not allowed; expected an integer from 1 to 1,000,000',
    );
    await expect(trainClassifier(darkAndBright(8, 1), { ...RECIPE, learningRate: -1 })).rejects.toThrow(
      'classifier recipe learningRate = -1 is not allowed; expected a number in (0, 1]',
    );
  });
});
