/**
 * `ddpm-lab train --backend webgpu` against `--backend cpu`: the same config and seed give the
 * same per-step losses (within 1e-3 relative) for the first 10 steps of the tiny preset, the
 * WebGPU run through the compiled step. Without a GPU the CLI runs Dawn on Chromium's SwiftShader
 * by itself (src/cli/vulkan.ts), as it does here.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnCli } from './testCli';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ddpm-lab-train-webgpu-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Trains 10 steps of `tiny` (seed 5) on `backend`; returns the summary and the per-step losses. */
async function train(backend: 'cpu' | 'webgpu') {
  const out = join(dir, backend);
  // The Vulkan environment is the CLI's to find: not inherited from Vitest's set-up.
  const { VK_ICD_FILENAMES: _icd, LD_LIBRARY_PATH: _path, ...env } = process.env;
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
    env,
    600_000,
  );
  expect(r.code, r.stderr).toBe(0);
  const losses = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { step: number; loss: number }).loss);
  return { summary: JSON.parse(r.stdout) as Record<string, unknown>, losses };
}

describe('ddpm-lab train on WebGPU (Dawn) against the CPU', () => {
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
