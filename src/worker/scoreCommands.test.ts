import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { FetchFile } from '../data/builtins';
import { parseSchedulerConfig, toSchedulerConfigJson } from '../diffusion';
import { UNet } from '../model/unet';
import { MemoryClassifierCache } from '../quality/classifierCache';
import { FCD_LABEL, type ScoreOptions } from '../quality/scoreTypes';
import { DIGIT_UNET_CONFIG, TEST_RECIPE, mnistDigits } from '../quality/testData';
import { Engine } from './engine';
import { ModelSlot } from './modelSlot';
import { PROTOCOL_VERSION, type WorkerEvent } from './protocol';
import type { LoadedDataset } from './datasetCommands';
import { ScoreCommands } from './scoreCommands';

const fromDisk: FetchFile = async (path) => new Uint8Array(readFileSync(join(process.cwd(), 'public', path)));

const OPTIONS: ScoreOptions = { num: 16, seed: 1, sampling: { sampler: 'ddim', numInferenceSteps: 1 } };

let model: UNet;
let dataset: LoadedDataset;

beforeAll(async () => {
  await tf.setBackend('cpu');
  model = new UNet(DIGIT_UNET_CONFIG, { seed: 2 });
  const { train, test } = await mnistDigits(fromDisk, 200, 60);
  dataset = { id: 'mnist', pair: { train, test } };
});
afterAll(() => model.dispose());

function setup(withModel = true, withData = true) {
  const events: WorkerEvent[] = [];
  const slot = new ModelSlot();
  if (withModel)
    slot.set({
      model,
      scheduler: parseSchedulerConfig(toSchedulerConfigJson('ddpm', { num_train_timesteps: 20 })),
      origin: { kind: 'trained', runId: 'train-1' },
    });
  const cache = new MemoryClassifierCache();
  const commands = new ScoreCommands(
    (e) => events.push(e),
    slot,
    () => (withData ? dataset : null),
    cache,
    { ...TEST_RECIPE, steps: 20 },
  );
  return { commands, events };
}

describe('worker score command', () => {
  it('trains the classifier, samples, scores; a second score reuses the classifier and repeats the numbers', async () => {
    const { commands, events } = setup();
    await commands.run('s1', OPTIONS);
    const done = events.find((e) => e.type === 'scoreDone');
    expect(done).toMatchObject({ requestId: 's1', label: FCD_LABEL, classifierCached: false, warnings: [] });
    const progress = events.filter((e) => e.type === 'scoreProgress');
    expect(progress.filter((e) => e.phase === 'classifier').at(-1)).toMatchObject({ done: 20, total: 20 });
    expect(progress.filter((e) => e.phase === 'sampling').at(-1)).toMatchObject({ done: 1, total: 1 });
    const score = (done as Extract<WorkerEvent, { type: 'scoreDone' }>).score;
    expect(score.n).toBe(16);
    expect(score.fcd).toBeGreaterThan(0);
    expect(score.realClassifierScore).toBeGreaterThan(score.classifierScore);

    events.length = 0;
    await commands.run('s2', OPTIONS);
    expect(events.filter((e) => e.type === 'scoreProgress' && e.phase === 'classifier')).toEqual([]);
    expect(events.at(-1)).toMatchObject({ type: 'scoreDone', requestId: 's2', classifierCached: true, score });
  });

  it('stops a cancelled score and refuses a second one while the first runs', async () => {
    const { commands, events } = setup();
    const first = commands.run('a', OPTIONS);
    await commands.run('b', OPTIONS);
    expect(commands.cancel('a')).toBe(true);
    await first;
    expect(commands.cancel('a')).toBe(false);
    expect(events.filter((e) => e.type === 'error')).toEqual([
      {
        type: 'error',
        requestId: 'b',
        code: 'busy',
        message: 'score: request a is still scoring; cancel it or wait for scoreDone',
      },
      expect.objectContaining({ requestId: 'a', code: 'cancelled' }),
    ]);
    expect(events.some((e) => e.type === 'scoreDone')).toBe(false);
  });

  it('names what is missing or wrong, with the error code the UI needs', async () => {
    const cases: [ReturnType<typeof setup>, ScoreOptions, string, string][] = [
      [
        setup(false),
        OPTIONS,
        'no-model',
        'score: no model yet; train one or import a diffusers pipeline first',
      ],
      [setup(true, false), OPTIONS, 'no-dataset', 'score: no dataset loaded'],
      [
        setup(),
        { ...OPTIONS, num: 61 },
        'bad-command',
        'score: mnist: cannot draw 61 held-out real images from 60; choose 1 to 60',
      ],
      [
        setup(),
        { ...OPTIONS, sampling: null as never },
        'bad-command',
        'score: options must be {num, seed, sampling',
      ],
    ];
    for (const [{ commands, events }, options, code, message] of cases) {
      await commands.run('r', options);
      expect(events).toEqual([expect.objectContaining({ type: 'error', requestId: 'r', code })]);
      expect((events[0] as { message: string }).message).toContain(message);
    }
  });
});

describe('engine wiring of score', () => {
  it('needs init, then a model and a loaded dataset', async () => {
    const events: WorkerEvent[] = [];
    const engine = new Engine((e) => events.push(e), {
      initBackend: async () => ({ name: 'cpu', requested: 'cpu', fallbackReasons: [] }),
      runGpuCheck: async () => ({ ms: 1, gflops: 1 }),
    });
    await engine.handle({ type: 'score', requestId: 'x', options: OPTIONS });
    await engine.handle({ type: 'init', protocolVersion: PROTOCOL_VERSION, backend: 'cpu' });
    await engine.handle({ type: 'score', requestId: 'y', options: OPTIONS });
    engine.modelSlot.set({ model, scheduler: null, origin: { kind: 'trained', runId: 't' } });
    await engine.handle({ type: 'score', requestId: 'z', options: OPTIONS });
    expect(events.filter((e) => e.type === 'error').map((e) => [e.requestId, e.code])).toEqual([
      ['x', 'not-initialised'],
      ['y', 'no-model'],
      ['z', 'no-dataset'],
    ]);
  });
});
