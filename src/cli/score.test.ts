import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { FetchFile } from '../data/builtins';
import type { Dataset } from '../data/types';
import { idxFile } from '../data/testHelpers';
import { toSchedulerConfigJson } from '../diffusion';
import { pipelineFiles } from '../io/pipeline';
import { unetConfigToJson } from '../model/config';
import { UNet } from '../model/unet';
import { DIGIT_UNET_CONFIG, mnistDigits } from '../quality/testData';
import { inProcess, spawnCli } from './testCli';

const fromDisk: FetchFile = async (path) => new Uint8Array(readFileSync(join(process.cwd(), 'public', path)));

let dir: string;
let pipeline: string;
let data: string;

function writeIdx(folder: string, prefix: string, ds: Dataset): void {
  writeFileSync(
    join(folder, `${prefix}-images-idx3-ubyte`),
    idxFile([ds.count, ds.height, ds.width], ds.images),
  );
  writeFileSync(join(folder, `${prefix}-labels-idx1-ubyte`), idxFile([ds.count], ds.labels));
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'ddpm-lab-score-'));
  mkdirSync(join(dir, 'tmp'));
  pipeline = join(dir, 'pipeline');
  const model = new UNet(DIGIT_UNET_CONFIG, { seed: 3 });
  const files = pipelineFiles({
    unetConfig: unetConfigToJson(DIGIT_UNET_CONFIG),
    schedulerConfig: toSchedulerConfigJson('ddpm', { num_train_timesteps: 20 }),
    tensors: await model.getStateDict(),
  });
  model.dispose();
  for (const [path, bytes] of files) {
    mkdirSync(join(pipeline, path, '..'), { recursive: true });
    writeFileSync(join(pipeline, path), bytes);
  }
  data = join(dir, 'digits');
  mkdirSync(data);
  const { train, test } = await mnistDigits(fromDisk, 200, 60);
  writeIdx(data, 'train', train);
  writeIdx(data, 't10k', test);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ddpm-lab score (spawned)', () => {
  const args = () => [
    '--pipeline',
    pipeline,
    '--data',
    data,
    '--num',
    '16',
    '--sampler',
    'ddim',
    '--steps',
    '1',
  ];

  it('prints one JSON object, trains the classifier once and reuses it from the per-user cache', async () => {
    const first = await spawnCli(['score', ...args(), '--classifier-steps', '20', '--seed', '2'], {
      ...process.env,
      XDG_CACHE_HOME: join(dir, 'cache'),
    });
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^\{[^\n]*\}\n$/);
    const score = JSON.parse(first.stdout) as Record<string, unknown>;
    expect(Object.keys(score)).toEqual(['fcd', 'classifier_score', 'real_classifier_score', 'num', 'label']);
    expect(score).toMatchObject({ num: 16, label: 'FCD — not comparable to Inception FID' });
    for (const key of ['fcd', 'classifier_score', 'real_classifier_score'])
      expect(score[key]).toBeGreaterThan(0);
    expect(first.stderr).toContain('score: training the classifier: step 20/20, loss ');
    expect(first.stderr).toContain('score: sampling 16 images (ddim, 1 step, seed 2, cpu backend)');
    expect(readdirSync(join(dir, 'cache', 'ddpm-lab', 'classifiers'))).toEqual([
      expect.stringMatching(/^digits_[0-9a-f]{64}_[0-9a-f]{16}\.safetensors$/),
    ]);

    const again = await spawnCli(['score', ...args(), '--classifier-steps', '20', '--seed', '2'], {
      ...process.env,
      XDG_CACHE_HOME: join(dir, 'cache'),
    });
    expect(again.code).toBe(0);
    expect(again.stderr).not.toContain('training the classifier');
    expect(again.stderr).toContain('score: used the cached classifier in');
    expect(again.stdout).toBe(first.stdout);
  });
});

describe('ddpm-lab score (in-process) input errors', () => {
  it.each([
    [['--data', 'x', '--num', '4'], 'score: --pipeline is required'],
    [['--pipeline', 'x', '--num', '4'], 'score: --data is required'],
    [
      ['--pipeline', 'x', '--data', 'y', '--num', '1'],
      'score: --num 1 is not allowed; expected an integer from 2 to 10000',
    ],
    [
      ['--pipeline', 'x', '--data', 'y', '--num', '4', '--sampler', 'euler'],
      'score: --sampler euler is not supported; samplers: ddpm, ddim',
    ],
    [
      ['--pipeline', 'x', '--data', 'y', '--num', '4', '--classifier-steps', '0'],
      'score: --classifier-steps 0 is not allowed',
    ],
    [['--pipeline', 'x', '--data', 'y', '--num', '4', '--eta', '1'], 'score: unknown flag --eta'],
  ])('%j', async (argv, message) => {
    const r = await inProcess('score', ...argv);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(message);
    expect(r.stderr.split('\n')).toHaveLength(1);
  });

  it('names steps beyond T, and a --num larger than the held-out split before sampling', async () => {
    const steps = await inProcess(
      'score',
      '--pipeline',
      pipeline,
      '--data',
      data,
      '--num',
      '4',
      '--steps',
      '21',
    );
    expect(steps.stderr).toBe('ddpm-lab: score: --steps 21 is not allowed; expected an integer from 1 to 20');
    const num = await inProcess('score', '--pipeline', pipeline, '--data', data, '--num', '61');
    expect(num.code).toBe(1);
    expect(num.stderr).toBe('ddpm-lab: digits: cannot draw 61 held-out real images from 60; choose 1 to 60');
  });
});
