/**
 * The CLI against hostile inputs (issue 18): configs that ask for absurd sizes, garbage weights
 * and inputs, special files and output folders. Each case exits 1 with one line naming the problem.
 */
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadUNetFixture } from '../../scripts/reference/unet_fixture_files';
import { toSchedulerConfigJson } from '../diffusion';
import { pipelineFiles } from '../io/pipeline';
import { writeSafetensors } from '../io/safetensors';
import { unetConfigToJson } from '../model/config';
import type { StateDict } from '../model/stateDict';
import { SMALL_UNET_CONFIG } from '../model/testConfigs';
import { UNet } from '../model/unet';
import { Trainer } from '../training/trainer';
import { inProcess, writeUnetFolder } from './testCli';

const fx = loadUNetFixture('attn_rgb_pad0');
let dir: string;

const unetFolder = (name: string, config: unknown, weights: StateDict = fx.weights) =>
  writeUnetFolder(dir, name, weights, config);

let fifo: string;

/** A pipeline folder of SMALL_UNET_CONFIG whose tensors `edit` may spoil. */
async function pipelineFolder(name: string, edit: (dict: StateDict) => void = () => {}): Promise<string> {
  const model = new UNet(SMALL_UNET_CONFIG, { seed: 3 });
  const tensors = await model.getStateDict();
  model.dispose();
  edit(tensors);
  const files = pipelineFiles({
    unetConfig: unetConfigToJson(SMALL_UNET_CONFIG),
    schedulerConfig: toSchedulerConfigJson('ddpm', { num_train_timesteps: 20 }),
    tensors,
  });
  for (const [path, bytes] of files) {
    mkdirSync(join(dir, name, path, '..'), { recursive: true });
    writeFileSync(join(dir, name, path), bytes);
  }
  return join(dir, name);
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'ddpm-lab-hardening-'));
  writeFileSync(join(dir, 'in.safetensors'), forwardInput(fx.get('sample').data, fx.get('timestep').data));
  fifo = join(dir, 'pipe.safetensors');
  execFileSync('mkfifo', [fifo]);
});

function forwardInput(sample: Float32Array, timestep: Float32Array): Uint8Array {
  return writeSafetensors(
    new Map([
      ['sample', { shape: fx.get('sample').shape, data: sample }],
      ['timestep', { shape: fx.get('timestep').shape, data: timestep }],
    ]),
  );
}
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sizes from configs are checked before anything is built', () => {
  it('info refuses layers_per_block 1,000,000 at once, naming the limit', async () => {
    const path = unetFolder('deep', { ...(fx.config as object), layers_per_block: 1_000_000 });
    const t0 = performance.now();
    const r = await inProcess('info', path);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /layers_per_block" = 1000000 is not supported: allowed a positive integer up to 32 \(UNET_SHAPE_LIMITS\.maxLayersPerBlock\)/,
    );
  });

  it('forward refuses [4096, 4096] with small weights by the parameter limit, building nothing', async () => {
    const config = {
      ...(fx.config as object),
      block_out_channels: [4096, 4096],
      down_block_types: ['DownBlock2D', 'DownBlock2D'],
      up_block_types: ['UpBlock2D', 'UpBlock2D'],
      norm_num_groups: 32,
    };
    const path = unetFolder('wide', config);
    const r = await inProcess(
      'forward',
      '--unet',
      path,
      '--input',
      join(dir, 'in.safetensors'),
      '--out',
      join(dir, 'o.safetensors'),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/over the limit of 150,000,000 \(MODEL_LIMITS\.maxParameters\)/);
  });
});

describe('special files where a file is expected', () => {
  it.each([
    ['info', () => ['info', fifo], /pipe\.safetensors: is a FIFO \(named pipe\), not a regular file/],
    ['data on a FIFO', () => ['data', fifo], /is a FIFO \(named pipe\), not a regular file/],
    [
      'data on /dev/zero',
      () => ['data', '/dev/zero'],
      /\/dev\/zero: is a character device, not a regular file/,
    ],
    [
      'train --data /dev/zero',
      () => ['train', '--preset', 'tiny', '--steps', '1', '--out', join(dir, 'never'), '--data', '/dev/zero'],
      /\/dev\/zero: is a character device/,
    ],
    [
      'forward --input FIFO',
      () => [
        'forward',
        '--unet',
        join(dir, 'unet-ok'),
        '--input',
        fifo,
        '--out',
        join(dir, 'never.safetensors'),
      ],
      /is a FIFO/,
    ],
  ])('%s: refused at once, exit 1', async (_, args, message) => {
    if (!existsSync(join(dir, 'unet-ok'))) unetFolder('unet-ok', fx.config);
    const r = await inProcess(...args());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(existsSync(join(dir, 'never'))).toBe(false);
  });
});

describe('output folders and files', () => {
  const train = (out: string, ...more: string[]) =>
    inProcess('train', '--preset', 'tiny', '--steps', '1', '--out', out, ...more);

  it('train --out refuses a non-empty folder and leaves it as it was; --force replaces it whole', async () => {
    const out = join(dir, 'full');
    mkdirSync(out);
    writeFileSync(join(out, 'notes.txt'), 'mine');
    const refused = await train(out);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `ddpm-lab: --out ${out}: the folder is not empty; give --force to replace it`,
    );
    expect(readdirSync(out)).toEqual(['notes.txt']);
    const forced = await train(out, '--force');
    expect(forced.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual([
      'checkpoint.safetensors',
      'metrics.jsonl',
      'model_index.json',
      'run.json',
      'scheduler',
      'unet',
    ]);
  }, 120_000);

  it('a run that fails after it started leaves no folder and no partial sibling', async () => {
    const out = join(dir, 'failed');
    const spy = vi.spyOn(Trainer.prototype, 'trainStep').mockRejectedValue(new Error('device lost'));
    try {
      const r = await train(out);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe('ddpm-lab: device lost');
    } finally {
      spy.mockRestore();
    }
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((n) => n.includes('failed'))).toEqual([]);
  }, 120_000);

  it('sample refuses --frames equal to --out, and an existing --out without --force', async () => {
    const pipeline = await pipelineFolder('pipe-ok');
    const base = [
      'sample',
      '--pipeline',
      pipeline,
      ...'--sampler ddim --steps 1 --seed 1 --num 1'.split(' '),
    ];
    const same = await inProcess(...base, '--out', join(dir, 'x.png'), '--frames', join(dir, '.', 'x.png'));
    expect(same.stderr).toBe(
      `ddpm-lab: sample: --frames and --out are both ${join(dir, 'x.png')}; give two different files`,
    );
    writeFileSync(join(dir, 'taken.png'), 'mine');
    const taken = await inProcess(...base, '--out', join(dir, 'taken.png'));
    expect(taken.stderr).toBe(
      `ddpm-lab: --out ${join(dir, 'taken.png')}: already exists; give --force to replace it`,
    );
    expect(readFileSync(join(dir, 'taken.png'), 'utf8')).toBe('mine');
    const forced = await inProcess(...base, '--out', join(dir, 'taken.png'), '--force');
    expect(forced.code).toBe(0);
    expect(readFileSync(join(dir, 'taken.png')).subarray(1, 4).toString()).toBe('PNG');
  }, 120_000);
});

describe('non-finite weights and inputs', () => {
  it('sample refuses all-NaN weights instead of writing a black PNG', async () => {
    const pipeline = await pipelineFolder('pipe-nan', (dict) => {
      for (const t of dict.values()) t.data.fill(NaN);
    });
    const out = join(dir, 'black.png');
    const r = await inProcess(
      'sample',
      '--pipeline',
      pipeline,
      '--sampler',
      'ddpm',
      '--steps',
      '2',
      '--seed',
      '1',
      '--num',
      '1',
      '--out',
      out,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the weights hold NaN or Infinity in \d+ tensor\(s\): /);
    expect(existsSync(out)).toBe(false);
  });

  it.each([
    ['a NaN timestep', 'timestep', NaN],
    ['an infinite input value', 'sample', Infinity],
  ])('forward refuses %s', async (_, tensor, value) => {
    const sample = Float32Array.from(fx.get('sample').data);
    const timestep = Float32Array.from(fx.get('timestep').data);
    (tensor === 'sample' ? sample : timestep)[0] = value;
    writeFileSync(join(dir, 'bad-in.safetensors'), forwardInput(sample, timestep));
    if (!existsSync(join(dir, 'unet-ok'))) unetFolder('unet-ok', fx.config);
    const out = join(dir, 'nan-out.safetensors');
    const r = await inProcess(
      'forward',
      '--unet',
      join(dir, 'unet-ok'),
      '--input',
      join(dir, 'bad-in.safetensors'),
      '--out',
      out,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`${tensor} holds 1 NaN or Infinity value`));
    expect(existsSync(out)).toBe(false);
  });

  it('forward refuses weights with an Infinity', async () => {
    const weights: StateDict = new Map(fx.weights);
    const bad = Float32Array.from(weights.get('conv_out.bias')!.data);
    bad[0] = -Infinity;
    weights.set('conv_out.bias', { shape: weights.get('conv_out.bias')!.shape, data: bad });
    const unet = unetFolder('unet-inf', fx.config, weights);
    const r = await inProcess(
      'forward',
      '--unet',
      unet,
      '--input',
      join(dir, 'in.safetensors'),
      '--out',
      join(dir, 'o2.safetensors'),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/NaN or Infinity in 1 tensor\(s\): conv_out\.bias \(1\)/);
  });
});
