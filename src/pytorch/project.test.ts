import * as tf from '@tensorflow/tfjs';
import {
  applyOverrides,
  parseRunConfig,
  presetRunConfig,
  type RunConfig,
  type RunConfigOverrides,
} from '../config';
import { unetConfigOf } from '../config/validate';
import { parseSchedulerConfig } from '../diffusion';
import { generateShapes } from '../data/shapes';
import { readZip } from '../io/zip';
import { parseUNetConfig } from '../model/config';
import { prepareTrainingData } from '../training/batch';
import { installFastCpuKernels } from '../training/cpuKernels';
import { RunMetrics } from '../training/runMetrics';
import { Trainer } from '../training/trainer';
import { pytorchProjectFiles, type PytorchProjectInput } from './project';
import { PYTORCH_TEMPLATES } from './templates';
import { decodeTorchState, torchToLab } from './torchState';

beforeAll(async () => {
  await tf.setBackend('cpu');
  installFastCpuKernels();
});

/** Two steps of the tiny preset on 4 Shapes images, as the worker would hand them over. */
async function tinyRun(overrides: RunConfigOverrides = {}): Promise<PytorchProjectInput> {
  const config = parseRunConfig(
    applyOverrides(presetRunConfig('tiny'), { training: { batchSize: 2 }, ...overrides }),
  );
  const data = prepareTrainingData({ train: generateShapes({ count: 4, seed: 3, size: 8 }) }, config);
  const trainer = new Trainer(config, data);
  const metrics = new RunMetrics(config.diffusion.num_train_timesteps);
  try {
    for (let i = 0; i < 2; i++) {
      const r = await trainer.trainStep();
      if ('nonFinite' in r) throw new Error('not finite');
      metrics.record(r, i);
    }
    const input: PytorchProjectInput = {
      checkpoint: {
        meta: { config, metrics: metrics.state(), runId: 'run-1', backend: 'cpu', savedAt: 0 },
        state: await trainer.captureState(),
      },
      dataset: data.dataset,
      templates: PYTORCH_TEMPLATES,
    };
    return input;
  } finally {
    trainer.dispose();
  }
}

const text = (b: Uint8Array | undefined) => new TextDecoder().decode(b);

describe('Export for PyTorch: the project folder', () => {
  it('holds train.py, the README, the configs, the resume state, the lab metrics and the images', async () => {
    const input = await tinyRun();
    const files = pytorchProjectFiles(input);
    expect([...files.keys()].sort()).toEqual([
      'README.md',
      'config/scheduler_config.json',
      'config/unet_config.json',
      'data/train.npz',
      'lab_metrics.csv',
      'lab_state.safetensors',
      'project.json',
      'requirements.txt',
      'run.json',
      'train.py',
    ]);
    expect(text(files.get('train.py'))).toBe(PYTORCH_TEMPLATES.trainPy);
    const readme = text(files.get('README.md'));
    expect(readme).not.toMatch(/\{\{/);
    expect(readme).toContain('pip install "torch==');
    expect(readme).toContain('accelerate launch --multi_gpu --num_processes 8 train.py');
    expect(readme).toContain('2 done in the lab');
    const config = input.checkpoint.meta.config;
    expect(JSON.parse(text(files.get('run.json')))).toEqual(config);
    expect(parseUNetConfig(JSON.parse(text(files.get('config/unet_config.json'))))).toEqual(
      unetConfigOf(config),
    );
    expect(
      parseSchedulerConfig(text(files.get('config/scheduler_config.json'))).config.num_train_timesteps,
    ).toBe(config.diffusion.num_train_timesteps);
    expect(text(files.get('lab_metrics.csv')).split('\n')).toHaveLength(4);
  });

  it('writes the exact training pixels as a numpy .npz and the state train.py resumes from', async () => {
    const input = await tinyRun();
    const files = pytorchProjectFiles(input);
    const npz = readZip(files.get('data/train.npz')!);
    const images = npz.get('images.npy')!;
    const headerLength = new DataView(images.buffer, images.byteOffset).getUint16(8, true);
    expect(text(images.subarray(10, 10 + headerLength))).toMatch(
      /'descr': '\|u1', 'fortran_order': False, 'shape': \(4, 8, 8, 3\)/,
    );
    expect((10 + headerLength) % 64).toBe(0);
    expect(images.subarray(10 + headerLength)).toEqual(input.dataset!.images);
    expect(text(npz.get('labels.npy')!.subarray(10))).toMatch(/'shape': \(4,\)/);
    const project = JSON.parse(text(files.get('project.json')));
    expect(project.dataset).toMatchObject({
      kind: 'npz',
      path: 'data/train.npz',
      count: 4,
      allows_flip: true,
    });

    const { tensors, meta } = decodeTorchState(files.get('lab_state.safetensors')!, 'lab_state.safetensors');
    const { state } = input.checkpoint;
    expect(meta).toMatchObject({ step: 2, adamStep: 2 });
    expect(meta.extra).toMatchObject({
      order: state.order,
      metrics: { smoother: input.checkpoint.meta.metrics.smoother },
    });
    const back = torchToLab(unetConfigOf(input.checkpoint.meta.config), tensors);
    for (const [key, t] of state.tensors) expect(back.get(key)!.data, key).toEqual(t.data);
  });

  it('leaves CIFAR-10 to the official archive, and refuses what diffusers cannot train', async () => {
    const input = await tinyRun();
    const cifar = {
      ...input.checkpoint.meta.config,
      data: { dataset: 'cifar10' as const, classFilter: 'horse' },
    };
    const files = pytorchProjectFiles({
      ...input,
      checkpoint: { ...input.checkpoint, meta: { ...input.checkpoint.meta, config: cifar } },
      dataset: null,
    });
    expect(files.has('data/train.npz')).toBe(false);
    expect(JSON.parse(text(files.get('project.json'))).dataset).toMatchObject({
      kind: 'cifar10',
      archive: 'cifar-10-binary.tar.gz',
    });
    expect(text(files.get('README.md'))).toContain(
      'curl -LO https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
    );
    expect(() => pytorchProjectFiles({ ...input, dataset: null })).toThrow(/its images must be loaded/);
    const batchNorm = await tinyRun({ model: { lab_norm_after_conv_in: 'batch' } });
    expect(() => pytorchProjectFiles(batchNorm)).toThrow(/BatchNorm after conv_in/);
  });

  it("names the run's EMA rule in the README (the decays train.py's EMAModel subclass uses)", async () => {
    const input = await tinyRun();
    const readmeWith = (training: Partial<RunConfig['training']>) => {
      const config = input.checkpoint.meta.config;
      const meta = {
        ...input.checkpoint.meta,
        config: { ...config, training: { ...config.training, ...training } },
      };
      return text(
        pytorchProjectFiles({ ...input, checkpoint: { ...input.checkpoint, meta } }).get('README.md'),
      );
    };
    expect(readmeWith({})).toContain('EMA 0.99 with warm-up');
    expect(readmeWith({})).toContain('this run warms the EMA up, min(0.99, (1 + n)/(10 + n)) for update n');
    expect(readmeWith({ emaWarmup: false })).toContain(
      "this run uses the paper's EMA, whose first update copies the weights (decay 1e-10) and every later one uses 0.99",
    );
    expect(readmeWith({ useEma: false })).toContain('this run has EMA off');
  });
});
