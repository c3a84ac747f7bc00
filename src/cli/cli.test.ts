import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadUNetFixture } from '../../scripts/reference/unet_fixture_files';
import { relErr } from '../../scripts/reference/unet_fixtures';
import { nchwToNhwc, nhwcToNchw } from '../io/layout';
import { pipelineFiles } from '../io/pipeline';
import { readSafetensors, writeSafetensors } from '../io/safetensors';
import { parseUNetConfig } from '../model/config';
import type { StateDict } from '../model/stateDict';
import { UNet } from '../model/unet';
import { forwardArgs, inProcess, spawnCli, writeUnetFolder as writeFolder } from './testCli';

const fx = loadUNetFixture('attn_rgb_pad0');
let dir: string;

const writeUnetFolder = (name: string, weights: StateDict, config: unknown = fx.config) =>
  writeFolder(dir, name, weights, config);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ddpm-lab-cli-'));
  writeUnetFolder('unet', fx.weights);
  writeFileSync(
    join(dir, 'in.safetensors'),
    writeSafetensors(
      new Map([
        ['sample', fx.get('sample')],
        ['timestep', fx.get('timestep')],
      ]),
    ),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ddpm-lab (spawned)', () => {
  it('forward writes what the in-process model computes, which matches PyTorch', async () => {
    const out = join(dir, 'out.safetensors');
    const r = await spawnCli(forwardArgs(join(dir, 'unet'), join(dir, 'in.safetensors'), out));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/wrote .*out\.safetensors: sample \[2, 3, 16, 16\] \(cpu backend/);
    const written = readSafetensors(readFileSync(out)).tensors.get('sample')!;
    expect(written.shape).toEqual([2, 3, 16, 16]);

    await tf.setBackend('cpu');
    const model = new UNet(parseUNetConfig(fx.config));
    model.loadStateDict(fx.weights);
    const sample = fx.get('sample');
    const nhwc = nchwToNhwc(sample.data, sample.shape);
    const x = tf.tensor4d(nhwc.data, nhwc.shape as [number, number, number, number]);
    const t = tf.tensor1d(fx.get('timestep').data);
    const y = model.apply(x, t, { training: false });
    const expected = nhwcToNchw((await y.data()) as Float32Array, y.shape);
    tf.dispose([x, t, y]);
    model.dispose();
    expect(Array.from(written.data)).toEqual(Array.from(expected.data));
    expect(relErr(written.data, fx.get('output'))).toBeLessThan(1e-4);
  });

  it('info summarises a model and exits 0 when its tensors fit', async () => {
    const r = await spawnCli(['info', join(dir, 'unet')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('down blocks: DownBlock2D, AttnDownBlock2D');
    expect(r.stdout).toContain('attention:   down 1 (8×8), up 0 (8×8), mid (8×8); 1 head');
    expect(r.stdout).toContain('parameters:  45,259 by the config');
    expect(r.stdout).toMatch(/tensors: +OK: all \d+ present and well-shaped, none unexpected, all finite/);
  });

  it('reports a failure as one line on stderr with exit code 1, and a stack only with --debug', async () => {
    const plain = await spawnCli(['forward', '--unet', join(dir, 'unet'), '--inptu', 'x']);
    expect(plain.code).toBe(1);
    expect(plain.stdout).toBe('');
    expect(plain.stderr.trim().split('\n')).toEqual([
      'ddpm-lab: forward: unknown flag --inptu; flags: --unet, --input, --out, --backend, --gpu-features, --force',
    ]);
    const debug = await spawnCli(['info', join(dir, 'nowhere'), '--debug']);
    expect(debug.code).toBe(1);
    // The bundle's source map names the TypeScript sources.
    expect(debug.stderr).toMatch(/does not exist\n\s+at .*src\/cli\/\w+\.ts:\d+/);
  });
});

describe('ddpm-lab (in-process)', () => {
  it('info lists every missing, unexpected, mis-shaped and non-finite tensor and exits 1', async () => {
    const broken: StateDict = new Map(fx.weights);
    broken.delete('conv_out.bias');
    broken.set('extra.weight', { shape: [2], data: new Float32Array(2) });
    broken.set('conv_in.weight', { shape: [8, 3, 1, 1], data: new Float32Array(24) });
    const nan = Float32Array.from(fx.weights.get('conv_norm_out.weight')!.data);
    nan[0] = NaN;
    nan[1] = Infinity;
    broken.set('conv_norm_out.weight', { shape: [8], data: nan });
    const r = await inProcess('info', writeUnetFolder('broken', broken));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('tensors:     4 problem(s)');
    expect(r.stdout).toContain('  - missing 1: conv_out.bias');
    expect(r.stdout).toContain('  - unexpected 1: extra.weight');
    expect(r.stdout).toContain('  - mis-shaped: conv_in.weight is [8, 3, 1, 1], expected [8, 3, 3, 3]');
    expect(r.stdout).toContain('  - non-finite: conv_norm_out.weight has 2 NaN/Infinity values');
  });

  it('info reads a pipeline folder and a lone .safetensors, accepting legacy attention names', async () => {
    const legacy: StateDict = new Map(
      [...fx.weights].map(([k, v]) => [
        k.replace('.to_q.', '.query.').replace('.to_out.0.', '.proj_attn.'),
        v,
      ]),
    );
    const pipeline = join(dir, 'pipeline');
    const files = pipelineFiles({
      unetConfig: fx.config as Record<string, unknown>,
      schedulerConfig: { _class_name: 'DDPMScheduler', num_train_timesteps: 1000 },
      tensors: legacy,
    });
    for (const [path, bytes] of files) {
      mkdirSync(join(pipeline, path, '..'), { recursive: true });
      writeFileSync(join(pipeline, path), bytes);
    }
    const r = await inProcess('info', pipeline);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('unet/config.json, unet/diffusion_pytorch_model.safetensors');
    expect(r.stdout).toMatch(/OK: .*\(\d+ legacy attention names accepted\)/);
    const lone = await inProcess('info', join(dir, 'unet', 'diffusion_pytorch_model.safetensors'));
    expect(lone.code).toBe(0);
  });

  it.each([
    [['frobnicate'], /unknown command "frobnicate"; commands: info, forward/],
    [['info'], /info takes one PATH, got 0/],
    [['info', 'a', 'b'], /info takes one PATH, got 2/],
    [['forward', '--unet', 'u', '--input', 'i'], /--out is required/],
    [
      ['forward', '--unet', 'u', '--input', 'i', '--out', 'o', '--backend', 'webgl'],
      /--backend webgl is not supported; backends: cpu, webgpu/,
    ],
  ])('rejects %j with a message', async (argv, message) => {
    const r = await inProcess(...argv);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.split('\n')).toHaveLength(1);
  });

  it('forward rejects malformed inputs by name', async () => {
    const bad = (name: string, tensors: Map<string, { shape: number[]; data: Float32Array }>) => {
      const path = join(dir, name);
      writeFileSync(path, writeSafetensors(tensors));
      return inProcess(
        'forward',
        '--unet',
        join(dir, 'unet'),
        '--input',
        path,
        '--out',
        join(dir, 'never.safetensors'),
      );
    };
    const sample = fx.get('sample');
    expect((await bad('no-t.safetensors', new Map([['sample', sample]]))).stderr).toMatch(
      /no tensor "timestep"/,
    );
    const wrongT = new Map([
      ['sample', sample],
      ['timestep', { shape: [3], data: new Float32Array(3) }],
    ]);
    expect((await bad('t3.safetensors', wrongT)).stderr).toMatch(/timestep must have shape \[2\]/);
    const extra = new Map([
      ['sample', sample],
      ['timestep', fx.get('timestep')],
      ['noise', sample],
    ]);
    expect((await bad('extra.safetensors', extra)).stderr).toMatch(/unexpected tensor\(s\) noise/);
    const odd = new Map([
      ['sample', { shape: [1, 3, 10, 9], data: new Float32Array(270) }],
      ['timestep', { shape: [1], data: new Float32Array(1) }],
    ]);
    expect((await bad('odd.safetensors', odd)).stderr).toMatch(
      /10×9 must be divisible by 2\^\(levels−1\) = 2/,
    );
  });

  it('prints usage with --help', async () => {
    const r = await inProcess('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ddpm-lab info PATH[\s\S]*ddpm-lab forward --unet PATH/);
  });
});
