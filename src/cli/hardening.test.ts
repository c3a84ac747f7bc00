/**
 * The CLI against hostile inputs (issue 18): configs that ask for absurd sizes, garbage weights
 * and inputs, special files and output folders. Each case exits 1 with one line naming the problem.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadUNetFixture } from '../../scripts/reference/unet_fixture_files';
import { writeSafetensors } from '../io/safetensors';
import type { StateDict } from '../model/stateDict';
import { inProcess } from './testCli';

const fx = loadUNetFixture('attn_rgb_pad0');
let dir: string;

function unetFolder(name: string, config: unknown, weights: StateDict = fx.weights): string {
  const path = join(dir, name);
  mkdirSync(path);
  writeFileSync(join(path, 'config.json'), JSON.stringify(config));
  writeFileSync(join(path, 'diffusion_pytorch_model.safetensors'), writeSafetensors(weights));
  return path;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ddpm-lab-hardening-'));
  writeFileSync(join(dir, 'in.safetensors'), forwardInput(fx.get('sample').data, fx.get('timestep').data));
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
