import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { allowedText, applyOverrides, parseRunConfig, presetRunConfig, validateRunConfig } from '../config';
import { loadBuiltin } from '../data/builtins';
import { parseSchedulerConfig } from '../diffusion';
import { readModelBundle } from '../io/pipeline';
import { readSafetensors } from '../io/safetensors';
import { parseUNetConfig } from '../model/config';
import { prepareTrainingData } from '../training/batch';
import { installFastCpuKernels } from '../training/cpuKernels';
import { Trainer } from '../training/trainer';
import { runCli } from './run';

const run = promisify(execFile);
const BIN = new URL('../../bin/ddpm-lab.mjs', import.meta.url).pathname;

async function inProcess(...args: string[]) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await runCli(args, { stdout: (l) => stdout.push(l), stderr: (l) => stderr.push(l) });
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}

function folder(root: string): Map<string, Uint8Array> {
  const paths = [
    'model_index.json',
    'unet/config.json',
    'unet/diffusion_pytorch_model.safetensors',
    'scheduler/scheduler_config.json',
  ];
  return new Map(paths.filter((p) => existsSync(join(root, p))).map((p) => [p, readFileSync(join(root, p))]));
}

let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ddpm-lab-train-'));
  await tf.setBackend('cpu');
  installFastCpuKernels();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ddpm-lab train (spawned)', () => {
  it('trains the tiny preset and writes the pipeline folder, metrics.jsonl and run.json with the engine’s own losses', async () => {
    const out = join(dir, 'tiny');
    const { stdout } = await run(
      'node',
      [BIN, 'train', '--preset', 'tiny', '--steps', '3', '--seed', '5', '--out', out],
      { timeout: 300_000 },
    );
    const summary = JSON.parse(stdout);
    expect(summary).toMatchObject({
      out,
      steps: 3,
      backend: 'cpu',
      weights: 'ema',
      diffusers_compatible: true,
    });

    const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.step)).toEqual([1, 2, 3]);
    // The tiny preset: no lr warm-up, and the EMA warm-up min(0.99, (1+n)/(10+n)).
    expect(lines.map((l) => [l.lr, l.ema_decay])).toEqual([
      [3e-3, 1 / 10],
      [3e-3, 2 / 11],
      [3e-3, 3 / 12],
    ]);
    for (const l of lines) {
      expect(l.loss).toBeGreaterThan(0);
      expect(l.loss_per_t).toHaveLength(20);
    }
    const config = parseRunConfig(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')));
    expect(config).toEqual(
      parseRunConfig(applyOverrides(presetRunConfig('tiny'), { training: { targetSteps: 3, seed: 5 } })),
    );

    // The same engine in-process gives the same losses and the same (EMA) weights.
    const pair = await loadBuiltin('shapes');
    const trainer = new Trainer(config, prepareTrainingData(pair, config));
    for (const l of lines) {
      const r = await trainer.trainStep();
      if ('nonFinite' in r) throw new Error(`step ${l.step} was not finite`);
      expect([r.loss, r.lr, r.emaDecay]).toEqual([l.loss, l.lr, l.ema_decay]);
    }
    const bundle = readModelBundle(folder(out));
    expect(parseUNetConfig(bundle.unetConfig).block_out_channels).toEqual([16, 32]);
    expect(parseSchedulerConfig(bundle.schedulerConfig!).config.num_train_timesteps).toBe(1000);
    const ema = await trainer.samplingModel().getStateDict();
    expect(bundle.tensors.get('conv_out.weight')?.data).toEqual(ema.get('conv_out.weight')?.data);
    trainer.dispose();
  }, 300_000);
});

describe('ddpm-lab train (in process)', () => {
  it('writes the BatchNorm ablation in the lab’s own format, not as a diffusers pipeline', async () => {
    const out = join(dir, 'bn');
    const configPath = join(dir, 'bn.json');
    const config = applyOverrides(presetRunConfig('tiny'), {
      model: { lab_norm_after_conv_in: 'batch' },
      training: { useEma: false, batchSize: 4 },
    });
    writeFileSync(configPath, JSON.stringify(config));
    const r = await inProcess('train', '--config', configPath, '--steps', '1', '--out', out);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({ weights: 'raw', diffusers_compatible: false });
    expect(existsSync(join(out, 'model_index.json'))).toBe(false);
    expect(JSON.parse(readFileSync(join(out, 'lab_model.json'), 'utf8'))).toMatchObject({
      format: 'diffusion-lab-model',
      diffusers_compatible: false,
    });
    expect(JSON.parse(readFileSync(join(out, 'unet/config.json'), 'utf8')).lab_norm_after_conv_in).toBe(
      'batch',
    );
    const { tensors } = readSafetensors(readFileSync(join(out, 'unet/diffusion_pytorch_model.safetensors')));
    expect(
      tensors.has('conv_in_norm.running_mean') || [...tensors.keys()].some((k) => k.endsWith('running_mean')),
    ).toBe(true);
  }, 300_000);

  it.each([
    [['--steps', '1', '--out', 'x'], 'give exactly one of --config run.json or --preset NAME'],
    [
      ['--preset', 'huge', '--steps', '1', '--out', 'x'],
      '--preset huge is not a preset; presets: paper, learner, learner-code, tiny, mnist, cifar-small',
    ],
    [
      ['--preset', 'learner-code', '--steps', '1', '--out', 'x'],
      'data.dataset is "cifar10": give its files with --data PATH',
    ],
    [['--preset', 'tiny', '--steps', '0', '--out', 'x'], '--steps 0 must be an integer from 1'],
    [['--preset', 'tiny', '--out', 'x'], '--steps is required'],
    [
      ['--preset', 'paper', '--steps', '1', '--out', 'x'],
      'data.dataset is "cifar10": give its files with --data PATH',
    ],
    [
      ['--preset', 'tiny', '--steps', '1', '--out', 'x', '--backend', 'tpu'],
      '--backend tpu is not supported',
    ],
  ])('refuses %j with a one-line message', async (args, message) => {
    const r = await inProcess('train', ...args);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(message);
    expect(r.stderr.split('\n')).toHaveLength(1);
  });

  it.each([
    ['steps', 'training.targetSteps', ['0', '1', '100000000', '100000001', '2.5', '1e2']],
    ['seed', 'training.seed', ['-1', '0', '4294967295', '4294967296', 'x', ' ']],
    ['log-every', 'training.targetSteps', ['0', '1', '100000001']],
  ] as const)(
    '--%s allows exactly what the config schema allows for %s, in its words',
    async (flag, path, values) => {
      const [section, key] = path.split('.');
      for (const value of values) {
        const args = flag === 'steps' ? ['--steps', value] : ['--steps', '1', `--${flag}`, value];
        // Without --out the command stops right after the flags are checked.
        const r = await inProcess('train', '--preset', 'tiny', ...args);
        const result = validateRunConfig({ [section]: { [key]: value.trim() === '' ? NaN : Number(value) } });
        const refused = 'errors' in result && result.errors.some((e) => e.path === path);
        expect([value, r.stderr]).toEqual([
          value,
          refused
            ? `ddpm-lab: train: --${flag} ${value} must be ${allowedText(path)}`
            : expect.stringContaining('--out'),
        ]);
      }
    },
  );

  it('trains with every learner’s-code switch on from --config and records them in run.json', async () => {
    const out = join(dir, 'switches');
    const configPath = join(dir, 'switches.json');
    const switches = {
      training: { doubleOptimizerStep: true, normalization: 'zero-one', batchSize: 4 },
      sampling: { brokenFinalStep: true, displayMinMax: true },
    } as const;
    writeFileSync(configPath, JSON.stringify(applyOverrides(presetRunConfig('tiny'), switches)));
    const r = await inProcess('train', '--config', configPath, '--steps', '1', '--out', out);
    expect(r.stderr).toBe('');
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'))).toMatchObject(switches);
  }, 300_000);

  it('names every invalid field of a config file', async () => {
    const configPath = join(dir, 'bad.json');
    writeFileSync(configPath, JSON.stringify({ training: { batchSize: 0, lr: 'fast' } }));
    const r = await inProcess('train', '--config', configPath, '--steps', '1', '--out', join(dir, 'bad'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('training.batchSize = 0 is not allowed');
    expect(r.stderr).toContain('training.lr = "fast" is not allowed');
  });
});
