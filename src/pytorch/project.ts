/**
 * "Export for PyTorch": a lab run as a ready-to-run diffusers + accelerate project folder.
 *
 * From a checkpoint (its config, weights, EMA, Adam moments, counters and metric state) and the
 * run's training images it builds, path → bytes:
 * - `train.py`, `README.md` (the templates in `templates/`, kept as real files so they can be
 *   read and linted; the worker imports them with Vite's `?raw`, the CLI reads them from disk),
 *   `requirements.txt` (pinned);
 * - `run.json` (the lab's config), `config/unet_config.json` (diffusers' UNet2DModel config),
 *   `config/scheduler_config.json` (the effective DDPMScheduler config), `project.json` (the dataset);
 * - `lab_state.safetensors`: the checkpoint in PyTorch terms (torchState.ts), what train.py resumes from;
 * - `lab_metrics.csv`: the browser run's metrics up to the hand-over;
 * - `data/train.npz`: the exact uint8 pixels the lab trained on (class filter applied, fitted to
 *   sample_size), except for CIFAR-10, which train.py reads from the official archive.
 */
import { toSchedulerConfigJson } from '../diffusion';
import type { RunConfig } from '../config/runConfig';
import { effectiveSchedulerConfig, unetConfigOf } from '../config/validate';
import type { Dataset } from '../data/types';
import { writeNpz } from '../io/npy';
import { unetConfigToJson } from '../model/config';
import { countParameters, planUNet } from '../model/plan';
import type { CheckpointMeta } from '../training/checkpoint';
import { LossPerTBuckets } from '../training/lossPerT';
import { metricsCsv } from '../training/metricsCsv';
import type { TrainerState } from '../training/trainer';
import { encodeTorchState, labToTorch, torchParameterOrder, TorchStateError } from './torchState';

/** The text templates (see `templates/`). */
export interface PytorchTemplates {
  trainPy: string;
  readme: string;
}

/** The packages train.py needs, pinned to the versions it was written against. */
export const PIP_PACKAGES = [
  'torch==2.15.0',
  'diffusers==0.40.0',
  'accelerate==1.15.0',
  'safetensors==0.8.0',
  'huggingface-hub==1.23.0',
  'numpy==2.5.5',
] as const;

/** Where CIFAR-10's binary version comes from (train.py also reads the Python version). */
export const CIFAR10_URL = 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz';

/** Everything a project is built from. */
export interface PytorchProjectInput {
  /** A decoded lab checkpoint: its metadata carries the config and the metric state. */
  checkpoint: {
    meta: Pick<CheckpointMeta, 'config' | 'metrics' | 'runId' | 'backend' | 'savedAt'>;
    state: TrainerState;
  };
  /**
   * The run's training images as the trainer saw them (`prepareTrainingData(...).dataset`);
   * null for CIFAR-10, which train.py reads from the official archive.
   */
  dataset: Dataset | null;
  templates: PytorchTemplates;
}

/** The project's files, path → bytes (see the module comment). */
export function pytorchProjectFiles(input: PytorchProjectInput): Map<string, Uint8Array> {
  const { meta, state } = input.checkpoint;
  const config = meta.config;
  const unet = unetConfigOf(config);
  if (unet.lab_norm_after_conv_in !== null)
    throw new TorchStateError(
      'this run uses the lab-only BatchNorm after conv_in, which diffusers’ UNet2DModel cannot hold: it cannot be exported for PyTorch',
    );
  const T = config.diffusion.num_train_timesteps;
  const lossPerT = new LossPerTBuckets(T);
  lossPerT.load(meta.metrics.lossPerT);
  const tensors = labToTorch(unet, state);
  const lab = encodeTorchState(tensors, {
    step: state.step,
    adamStep: state.adamStep,
    parameterOrder: torchParameterOrder(planUNet(unet)),
    extra: {
      config,
      order: state.order,
      metrics: { smoother: meta.metrics.smoother, lossPerT: meta.metrics.lossPerT },
      lab: { runId: meta.runId, backend: meta.backend, savedAt: meta.savedAt },
    },
  });
  const { datasetFiles, dataset } = datasetPart(config, input.dataset);
  const text = (s: string) => new TextEncoder().encode(s);
  const json = (value: unknown) => text(`${JSON.stringify(value, null, 2)}\n`);
  return new Map([
    ['README.md', text(readme(input.templates.readme, config, state.step, unet.sample_size as number))],
    ['train.py', text(input.templates.trainPy)],
    ['requirements.txt', text(`${PIP_PACKAGES.join('\n')}\n`)],
    ['run.json', json(config)],
    [
      'project.json',
      json({ format: 'diffusion-lab-pytorch-project', version: 1, exportedAtStep: state.step, dataset }),
    ],
    ['config/unet_config.json', json({ _class_name: 'UNet2DModel', ...unetConfigToJson(unet) })],
    [
      'config/scheduler_config.json',
      json(toSchedulerConfigJson('ddpm', effectiveSchedulerConfig(config.diffusion), {})),
    ],
    ['lab_state.safetensors', lab],
    ['lab_metrics.csv', text(metricsCsv(meta.metrics.history, lossPerT.snapshot()))],
    ...datasetFiles,
  ]);
}

function datasetPart(
  config: RunConfig,
  images: Dataset | null,
): { datasetFiles: [string, Uint8Array][]; dataset: Record<string, unknown> } {
  if (config.data.dataset === 'cifar10')
    return {
      datasetFiles: [],
      dataset: { kind: 'cifar10', archive: 'cifar-10-binary.tar.gz', url: CIFAR10_URL, allows_flip: true },
    };
  if (!images)
    throw new TorchStateError(
      `the run trains on "${config.data.dataset}": its images must be loaded to be written into the project`,
    );
  const side = config.model.sample_size as number;
  if (images.height !== side || images.width !== side)
    throw new TorchStateError(
      `the dataset's images are ${images.height}×${images.width}, the model's sample_size is ${side}: pass the prepared training images`,
    );
  const npz = writeNpz(
    new Map([
      [
        'images',
        { shape: [images.count, images.height, images.width, images.channels], data: images.images },
      ],
      ['labels', { shape: [images.count], data: images.labels }],
    ]),
  );
  return {
    datasetFiles: [['data/train.npz', npz]],
    dataset: {
      kind: 'npz',
      path: 'data/train.npz',
      name: images.name,
      count: images.count,
      class_names: images.classNames,
      class_filter_applied: config.data.classFilter,
      allows_flip: images.allowsFlip,
    },
  };
}

/** The README's words for the EMA decay of update n, as train.py (and the lab's emaDecayAt) computes it. */
function emaRule(t: RunConfig['training']): string {
  if (!t.useEma) return 'this run has EMA off';
  return t.emaWarmup
    ? `this run warms the EMA up, min(${t.emaDecay}, (1 + n)/(10 + n)) for update n counted from 0`
    : `this run uses the paper's EMA, whose first update copies the weights (decay 1e-10) and every later one uses ${t.emaDecay}`;
}

function readme(template: string, config: RunConfig, step: number, side: number): string {
  const t = config.training;
  const d = config.diffusion;
  const m = config.model;
  const datasetName =
    config.data.dataset === 'cifar10'
      ? 'CIFAR-10 (train split, from the official archive)'
      : config.data.dataset;
  const values: Record<string, string> = {
    title: `Diffusion Lab run: ${datasetName}, step ${step}`,
    step: String(step),
    targetSteps: String(t.targetSteps),
    dataset: `${datasetName}${config.data.classFilter === null ? '' : `, class ${config.data.classFilter}`}, ${side}×${side}, ${t.normalization === 'unit' ? 'pixels scaled to [-1, 1]' : 'per-channel mean 0 / std 1'}${t.flip ? ', random horizontal flips where the data allows' : ''}`,
    model: `UNet2DModel, channels ${m.block_out_channels.join('/')}, ${m.layers_per_block} resnets per level, dropout ${m.dropout}, ${countParameters(unetConfigOf(config)).toLocaleString('en')} parameters`,
    schedule: `T = ${d.num_train_timesteps}, ${d.beta_schedule} betas, ${d.prediction_type} prediction`,
    training: `batch ${t.batchSize}, Adam lr ${t.lr} (warm-up ${t.warmupSteps} steps), clip ${t.gradClipNorm ?? 'off'}, EMA ${t.useEma ? `${t.emaDecay}${t.emaWarmup ? ' with warm-up' : ''}` : 'off'}, ${t.sharedT ? 'one t per batch' : 't per example'}, seed ${t.seed}`,
    batchSize: String(t.batchSize),
    gpus: '8',
    init: m.init,
    emaRule: emaRule(t),
    pipPackages: PIP_PACKAGES.map((p) => `"${p}"`).join(' '),
    diffusersVersion: PIP_PACKAGES.find((p) => p.startsWith('diffusers'))!.split('==')[1],
    datasetSection:
      config.data.dataset === 'cifar10'
        ? `\nCIFAR-10 is not copied into this folder: download the official archive next to train.py,\n\n\`\`\`sh\ncurl -LO ${CIFAR10_URL}\n\`\`\`\n\nor give its path with \`--cifar10 PATH\` (the Python version, \`cifar-10-python.tar.gz\`, works too).\n`
        : `\nThe training images are in \`data/train.npz\` (uint8, N×H×W×C): exactly the pixels the lab trained on.\n`,
  };
  return template.replace(/\{\{(\w+)\}\}/g, (all, key: string) => {
    if (!(key in values)) throw new Error(`README template: unknown placeholder ${all}`);
    return values[key];
  });
}
