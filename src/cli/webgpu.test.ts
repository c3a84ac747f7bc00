/**
 * The CLI on WebGPU (Dawn) against the CPU backend, spawned as a user runs it:
 * - `train`: the same config and seed give the same per-step losses (within 1e-3 relative) for
 *   the first 10 steps of the tiny preset, the WebGPU run through the compiled step (issue 14);
 * - `forward`: the lab's WebGPU kernels (GEMM convs, GroupNorm, attention) give the CPU's output
 *   within 1e-4 on a PyTorch U-Net fixture (issue 15), also with `--gpu-features`.
 * Without a GPU the CLI runs Dawn on Chromium's SwiftShader by itself (src/cli/vulkan.ts), as here.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadUNetFixture } from '../../scripts/reference/unet_fixture_files';
import { relErr } from '../../scripts/reference/unet_fixtures';
import { readSafetensors, writeSafetensors } from '../io/safetensors';
import { forwardArgs, spawnCli, writeUnetFolder } from './testCli';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ddpm-lab-webgpu-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The environment without Vitest's Vulkan set-up: the CLI must find the driver itself. */
function cliEnv(): NodeJS.ProcessEnv {
  const { VK_ICD_FILENAMES: _icd, LD_LIBRARY_PATH: _path, ...env } = process.env;
  return env;
}

/** Trains 10 steps of `tiny` (seed 5) on `backend`; returns the summary and the per-step losses. */
async function train(backend: 'cpu' | 'webgpu') {
  const out = join(dir, backend);
  const r = await spawnCli(
    [
      'train',
      '--preset',
      'tiny',
      '--steps',
      '10',
      '--seed',
      '5',
      '--log-every',
      '1',
      '--backend',
      backend,
      '--out',
      out,
    ],
    cliEnv(),
    600_000,
  );
  expect(r.code, r.stderr).toBe(0);
  const losses = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { step: number; loss: number }).loss);
  return { summary: JSON.parse(r.stdout) as Record<string, unknown>, losses };
}

/**
 * `forward` of the attn_rgb_pad0 fixture (attention, GroupNorm, stride-2 and upsampling convs) on
 * `backend`, with `extra` flags; its output and stderr.
 */
async function forward(
  backend: 'cpu' | 'webgpu',
  extra: string[] = [],
): Promise<{ sample: Float32Array; stderr: string }> {
  const out = join(dir, `forward-${backend}${extra.join('')}.safetensors`);
  const r = await spawnCli(
    forwardArgs(join(dir, 'unet'), join(dir, 'in.safetensors'), out, '--backend', backend, ...extra),
    cliEnv(),
    300_000,
  );
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toContain(`(${backend} backend`);
  return { sample: readSafetensors(readFileSync(out)).tensors.get('sample')!.data, stderr: r.stderr };
}

describe('ddpm-lab on WebGPU (Dawn) against the CPU', () => {
  it("forward gives the CPU backend's output within 1e-4, and PyTorch's", async () => {
    const fx = loadUNetFixture('attn_rgb_pad0');
    writeUnetFolder(dir, 'unet', fx.weights, fx.config);
    const input = new Map([
      ['sample', fx.get('sample')],
      ['timestep', fx.get('timestep')],
    ]);
    writeFileSync(join(dir, 'in.safetensors'), writeSafetensors(input));
    const cpu = (await forward('cpu')).sample;
    const gpu = (await forward('webgpu')).sample;
    const vsCpu = relErr(gpu, { shape: [cpu.length], data: cpu });
    const vsTorch = relErr(gpu, fx.get('output'));
    console.log(
      `forward webgpu vs cpu: max rel ${vsCpu.toExponential(2)}; vs PyTorch ${vsTorch.toExponential(2)}`,
    );
    expect(vsCpu).toBeLessThan(1e-4);
    expect(vsTorch).toBeLessThan(1e-4);
    // With the optional shader features asked for: SwiftShader has subgroups (GroupNorm's sums
    // use them), not shader-f16, which is said on stderr, and the output stays within 1e-4.
    const switched = await forward('webgpu', ['--gpu-features', 'subgroups,shader-f16']);
    expect(switched.stderr).toMatch(
      /ddpm-lab: WebGPU feature "shader-f16" was switched on, but the adapter .+ does not have it: the lab runs without it\./,
    );
    expect(switched.stderr).not.toMatch(/"subgroups"/);
    expect(relErr(switched.sample, { shape: [cpu.length], data: cpu })).toBeLessThan(1e-4);
  }, 600_000);

  it('gives the same losses step by step for the first 10 steps of tiny, through the compiled step', async () => {
    const cpu = await train('cpu');
    const gpu = await train('webgpu');
    expect(cpu.summary).toMatchObject({ backend: 'cpu', step: 'tfjs' });
    expect(gpu.summary).toMatchObject({ backend: 'webgpu', step: 'compiled' });
    expect(gpu.losses).toHaveLength(10);
    gpu.losses.forEach((loss, i) =>
      expect(Math.abs(loss - cpu.losses[i]) / cpu.losses[i], `step ${i + 1}`).toBeLessThan(1e-3),
    );
  }, 900_000);
});
