import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { toSchedulerConfigJson } from '../diffusion';
import { tileImages } from '../io/imageGrid';
import { nhwcToNchw } from '../io/layout';
import { pipelineFiles } from '../io/pipeline';
import { decodePng } from '../io/png';
import { readSafetensors } from '../io/safetensors';
import { unetConfigToJson } from '../model/config';
import { UNet } from '../model/unet';
import type { SampleFrame } from '../sampling/frames';
import { sample } from '../sampling/runner';
import { inProcess, spawnCli } from './testCli';
import { SMALL_UNET_CONFIG } from '../model/testConfigs';

const SCHEDULE = { num_train_timesteps: 50, beta_end: 0.2, variance_type: 'fixed_large' as const };

let dir: string;
let model: UNet;

beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'ddpm-lab-sample-'));
  model = new UNet(SMALL_UNET_CONFIG, { seed: 9 });
  const files = pipelineFiles({
    unetConfig: unetConfigToJson(SMALL_UNET_CONFIG),
    schedulerConfig: toSchedulerConfigJson('ddpm', SCHEDULE),
    tensors: await model.getStateDict(),
  });
  for (const [path, bytes] of files) {
    mkdirSync(join(dir, 'pipeline', path, '..'), { recursive: true });
    writeFileSync(join(dir, 'pipeline', path), bytes);
  }
});
afterAll(() => {
  model.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('ddpm-lab sample (spawned)', () => {
  it('writes the grid and the frames the runner computes in-process for the same seed', async () => {
    const grid = join(dir, 'grid.png');
    const framesPath = join(dir, 'frames.safetensors');
    const r = await spawnCli([
      'sample',
      '--pipeline',
      join(dir, 'pipeline'),
      '--sampler',
      'ddim',
      '--steps',
      '3',
      '--eta',
      '0.5',
      '--seed',
      '4',
      '--num',
      '3',
      '--out',
      grid,
      '--frames',
      framesPath,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^wrote .*grid\.png: 3 images 8×8×3 \(ddim η 0\.5, 3 steps, seed 4; cpu backend, [\d.]+ ms\/step\)\n/,
    );
    expect(r.stdout).toMatch(
      /wrote .*frames\.safetensors: 3 frames \(every step\) of x_t, x0, eps \[3, 3, 3, 8, 8\] and t\n$/,
    );

    const frames: SampleFrame[] = [];
    const expected = await sample(
      model,
      SCHEDULE,
      { sampler: 'ddim', numInferenceSteps: 3, eta: 0.5, seed: 4, numImages: 3, frameFormat: 'float32' },
      { onFrame: (f) => frames.push(f) },
    );
    const per = 8 * 8 * 3;
    const tiles = [0, 1, 2].map((i) => ({
      width: 8,
      height: 8,
      channels: 3 as const,
      data: expected.images.subarray(i * per, (i + 1) * per),
    }));
    const png = decodePng(readFileSync(grid));
    expect([png.width, png.height, png.channels]).toEqual([17, 17, 3]); // 2 × 2 tiles with a 1 px gutter
    expect(Array.from(png.data)).toEqual(Array.from(tileImages(tiles).data));

    const file = readSafetensors(readFileSync(framesPath));
    expect(file.metadata).toMatchObject({
      sampler: 'ddim',
      steps: '3',
      eta: '0.5',
      seed: '4',
      frame_stride: '1',
    });
    expect(Array.from(file.tensors.get('t')!.data)).toEqual(expected.timesteps);
    expect(file.tensors.get('t')!.dtype).toBe('I64');
    expect(Array.from(file.tensors.get('step')!.data)).toEqual([0, 1, 2]);
    for (const [name, key] of [
      ['x_t', 'xt'],
      ['x0', 'x0'],
      ['eps', 'eps'],
    ] as const) {
      const t = file.tensors.get(name)!;
      expect([t.dtype, t.shape]).toEqual(['F32', [3, 3, 3, 8, 8]]);
      const nchw = frames.flatMap((f) => Array.from(nhwcToNchw(f[key] as Float32Array, [3, 8, 8, 3]).data));
      expect(Array.from(t.data)).toEqual(nchw);
    }
    expect(Array.from(file.tensors.get('sigma')!.data)).toEqual(frames.map((f) => Math.fround(f.sigma)));
  });

  it('reports a bad flag as one line on stderr with exit code 1', async () => {
    const r = await spawnCli(['sample', '--pipeline', join(dir, 'pipeline'), '--sampler', 'euler']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([
      'ddpm-lab: sample: --sampler euler is not supported; samplers: ddpm, ddim',
    ]);
  });
});

describe('ddpm-lab sample (in-process) input errors', () => {
  const base = () => [
    'sample',
    '--pipeline',
    join(dir, 'pipeline'),
    '--seed',
    '1',
    '--num',
    '2',
    '--out',
    join(dir, 'x.png'),
  ];

  it.each([
    [['--sampler', 'ddpm', '--steps', '2', '--eta', '0.5'], /--eta applies to --sampler ddim only/],
    [['--sampler', 'ddim', '--steps', '0'], /--steps 0 is not allowed; expected an integer ≥ 1/],
    [['--sampler', 'ddim', '--steps', '2.5'], /--steps 2\.5 is not allowed/],
    [
      ['--sampler', 'ddim', '--steps', '51'],
      /--steps 51 is more than the 50 timesteps the model was trained on/,
    ],
    [
      ['--sampler', 'ddim', '--steps', '2', '--eta', '1.5'],
      /--eta 1\.5 is not allowed; expected a number from 0 to 1/,
    ],
    [
      ['--sampler', 'ddim', '--steps', '2', '--batch', '0'],
      /--batch 0 is not allowed; expected an integer from 1 to 64/,
    ],
    [['--sampler', 'ddim'], /--steps is required/],
  ])('%j', async (extra, message) => {
    const r = await inProcess(...base(), ...extra);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.split('\n')).toHaveLength(1);
  });

  it('names a --num outside 1..64 and a model folder without a scheduler', async () => {
    const ddim = (pipeline: string, num: string) =>
      inProcess(
        'sample',
        '--pipeline',
        pipeline,
        '--sampler',
        'ddim',
        '--steps',
        '2',
        '--seed',
        '1',
        '--num',
        num,
        '--out',
        'x.png',
      );
    const num = await ddim(join(dir, 'pipeline'), '65');
    expect(num.stderr).toMatch(/--num 65 is not allowed; expected an integer from 1 to 64/);
    const unet = await ddim(join(dir, 'pipeline', 'unet'), '1');
    expect(unet.code).toBe(1);
    expect(unet.stderr).toMatch(/unet has no scheduler\/scheduler_config\.json; sampling needs the schedule/);
  });
});
