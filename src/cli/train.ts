/**
 * `ddpm-lab train (--config run.json | --preset NAME) --steps N --out DIR [--seed S]
 * [--backend cpu|webgpu] [--data PATH] [--log-every K]`: the lab's trainer in Node. Writes to DIR
 * the diffusers pipeline folder (model_index.json, unet/, scheduler/; for the BatchNorm ablation,
 * which diffusers cannot load, the same files without model_index.json plus lab_model.json),
 * `metrics.jsonl` (one JSON object per logged step: step, loss, loss_per_t, smoothed_loss,
 * grad_norm, lr, ema_decay, epoch, elapsed_sec), `run.json` (the RunConfig) and
 * `checkpoint.safetensors` (the run's checkpoint, as Export run writes it: what
 * `ddpm-lab export-pytorch --run DIR` continues from). The EMA weights are exported when EMA is on. Built-in datasets load from the repository's public/ folder;
 * cifar10 and files datasets need --data (a file or a folder). DIR must be new or empty (or give
 * --force to replace it); everything is written into a temporary sibling and moved into place when
 * training has finished, so a failed run leaves DIR as it was.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { toSchedulerConfigJson } from '../diffusion';
import {
  FILE_DATASETS,
  allowedText,
  allows,
  isRunPresetName,
  parseRunConfig,
  presetRunConfig,
  RUN_PRESET_NAMES,
  type RunConfig,
} from '../config';
import { loadBuiltin, type BuiltinId } from '../data/builtins';
import type { DatasetPair } from '../data/types';
import { MAX_JSON_BYTES } from '../io/json';
import { pipelineFiles } from '../io/pipeline';
import { unetConfigToJson } from '../model/config';
import { datasetIdOfFiles, prepareTrainingData } from '../training/batch';
import { installFastCpuKernels } from '../training/cpuKernels';
import { encodeCheckpoint } from '../training/checkpoint';
import { RunMetrics } from '../training/runMetrics';
import { RUN_AHEAD, Trainer } from '../training/trainer';
import { parseArgs, requireFlag, UsageError } from './args';
import { GPU_FEATURES_FLAG, parseBackend, parseGpuFeaturesFlag, useBackend } from './backend';
import { loadPaths } from './data';
import { StagedFolder, readRegularFile } from './files';
import type { Output } from './output';

/** Usage line shown by --help and on errors. */
export const TRAIN_USAGE = `ddpm-lab train (--config run.json | --preset NAME) --steps N --out DIR [--force] [--seed S] [--backend cpu|webgpu] ${GPU_FEATURES_FLAG} [--data PATH] [--log-every K]`;

const FLAGS = {
  config: true,
  preset: true,
  steps: true,
  out: true,
  seed: true,
  backend: true,
  'gpu-features': true,
  data: true,
  'log-every': true,
  force: false,
};

/** The repository root, where public/datasets lives. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Trains, writes the model folder, metrics.jsonl and run.json; prints one summary line. */
export async function trainCommand(argv: readonly string[], out: Output): Promise<number> {
  const args = parseArgs(argv, FLAGS, 'train');
  if (args.positionals.length)
    throw new UsageError(
      `train takes no positional arguments, got ${args.positionals.join(' ')}; usage: ${TRAIN_USAGE}`,
    );
  const flag = (name: string) => args.flags.get(name) as string | undefined;
  const config = readConfig(flag('config'), flag('preset'));
  config.training.targetSteps = settingFlag(
    requireFlag(args, 'steps', 'train'),
    'steps',
    'training.targetSteps',
  );
  if (flag('seed') !== undefined) config.training.seed = settingFlag(flag('seed')!, 'seed', 'training.seed');
  const checked = parseRunConfig(config);
  const logEvery =
    flag('log-every') === undefined
      ? 1
      : settingFlag(flag('log-every')!, 'log-every', 'training.targetSteps');
  const outDir = requireFlag(args, 'out', 'train');
  const backend = parseBackend(flag('backend'));
  const gpuFeatures = parseGpuFeaturesFlag(flag('gpu-features'), backend);

  // Checked before any work; everything is written into a sibling and moved into place at the end.
  const folder = new StagedFolder(outDir, args.flags.has('force'));
  let trainer: Trainer | undefined;
  let last: { loss: number; smoothed: number; ms: number };
  try {
    const data = prepareTrainingData(await loadData(checked, flag('data')), checked);
    await useBackend(backend, gpuFeatures);
    if (backend === 'cpu') installFastCpuKernels();
    folder.write('run.json', encode(`${JSON.stringify(checked, null, 2)}\n`));
    trainer = new Trainer(checked, data);
    last = await trainSteps(trainer, checked, backend, logEvery, folder);
    await writeModel(trainer, folder);
    folder.commit();
  } finally {
    folder.abandon();
    trainer?.dispose();
  }
  out.stdout(
    JSON.stringify({
      out: outDir,
      steps: checked.training.targetSteps,
      loss: last.loss,
      smoothed_loss: last.smoothed,
      ms_per_step: Number(last.ms.toFixed(1)),
      backend,
      // "compiled": the whole step as one prebuilt WebGPU dispatch list; "tfjs": op by op.
      step: trainer.usesCompiledStep() ? 'compiled' : 'tfjs',
      weights: trainer.ema ? 'ema' : 'raw',
      diffusers_compatible: checked.model.lab_norm_after_conv_in === null,
    }),
  );
  return 0;
}

const encode = (text: string) => new TextEncoder().encode(text);

/** Runs the steps, writes `metrics.jsonl` and the checkpoint; returns the last loss and the time per step. */
async function trainSteps(
  trainer: Trainer,
  checked: RunConfig,
  backend: string,
  logEvery: number,
  folder: StagedFolder,
): Promise<{ loss: number; smoothed: number; ms: number }> {
  const metrics = new RunMetrics(trainer.scheduler.config.num_train_timesteps);
  const lines: string[] = [];
  const started = performance.now();
  let last = { loss: NaN, smoothed: NaN };
  while (trainer.step < checked.training.targetSteps) {
    // Compiled steps are queued up to two ahead of the one reported, never past the target.
    const ahead = Math.min(RUN_AHEAD, checked.training.targetSteps - trainer.step - 1);
    const report = await trainer.trainStep({ ahead });
    if ('nonFinite' in report)
      throw new Error(
        `step ${report.step + 1}: the loss or gradient is not finite (loss ${report.loss}, gradient norm ${report.gradNorm}); lower the learning rate or turn on gradient clipping`,
      );
    const point = metrics.record(report, performance.now());
    last = { loss: point.loss, smoothed: point.smoothedLoss };
    if (report.step % logEvery === 0 || report.step === checked.training.targetSteps) {
      const p = metrics.progress({
        targetStep: checked.training.targetSteps,
        epoch: trainer.epoch,
        batchSize: checked.training.batchSize,
        memory: tf.memory(),
        backend,
        stepPath: trainer.usesCompiledStep() ? 'compiled' : 'tfjs',
      });
      if (p)
        lines.push(
          JSON.stringify({
            step: p.step,
            loss: p.loss,
            loss_per_t: p.lossPerT.mean,
            smoothed_loss: p.smoothedLoss,
            grad_norm: p.gradNorm,
            lr: p.lr,
            ema_decay: p.emaDecay,
            epoch: p.epoch,
            elapsed_sec: p.elapsedSec,
          }),
        );
    }
  }
  folder.write('metrics.jsonl', encode(lines.length ? `${lines.join('\n')}\n` : ''));
  const checkpointMeta = {
    runId: `cli-seed${checked.training.seed}`,
    step: trainer.step,
    savedAt: Date.now(),
    backend,
    config: checked,
    metrics: metrics.state(),
  };
  folder.write('checkpoint.safetensors', encodeCheckpoint(checkpointMeta, await trainer.captureState()));
  return { ...last, ms: (performance.now() - started) / checked.training.targetSteps };
}

/** The pipeline folder (or, for the BatchNorm ablation, the lab's variant of it). */
async function writeModel(trainer: Trainer, folder: StagedFolder): Promise<void> {
  const model = trainer.samplingModel();
  const files = pipelineFiles({
    unetConfig: unetConfigToJson(model.config),
    schedulerConfig: toSchedulerConfigJson('ddpm', trainer.scheduler.config, {}),
    tensors: await model.getStateDict(),
    metadata: {
      producer: 'diffusion-lab',
      weights: trainer.ema ? 'ema' : 'raw',
      step: String(trainer.step),
    },
  });
  if (!model.diffusersCompatible) {
    files.delete('model_index.json');
    files.set(
      'lab_model.json',
      encode(
        `${JSON.stringify({ format: 'diffusion-lab-model', diffusers_compatible: false, reason: `unet/config.json sets lab_norm_after_conv_in = "${model.config.lab_norm_after_conv_in}" (BatchNorm after conv_in), which diffusers' UNet2DModel has no place for; the lab imports this folder` }, null, 2)}\n`,
      ),
    );
  }
  for (const [path, bytes] of files) folder.write(path, bytes);
}

function readConfig(path: string | undefined, preset: string | undefined): RunConfig {
  if ((path === undefined) === (preset === undefined))
    throw new UsageError(
      `train: give exactly one of --config run.json or --preset NAME; usage: ${TRAIN_USAGE}`,
    );
  if (preset !== undefined) {
    if (!isRunPresetName(preset))
      throw new UsageError(
        `train: --preset ${preset} is not a preset; presets: ${RUN_PRESET_NAMES.join(', ')}`,
      );
    return presetRunConfig(preset);
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(readRegularFile(path!, MAX_JSON_BYTES)));
  } catch (e) {
    throw new UsageError(`train: --config ${path}: ${(e as Error).message}`);
  }
  return parseRunConfig(json);
}

/** The run's dataset: a built-in from public/, or the files at `path` (required for cifar10 and files). */
export async function loadData(
  config: RunConfig,
  path: string | undefined,
  command = 'train',
): Promise<DatasetPair> {
  const id = config.data.dataset;
  if (path === undefined) {
    if (FILE_DATASETS.includes(id))
      throw new UsageError(`${command}: data.dataset is "${id}": give its files with --data PATH`);
    return loadBuiltin(id as BuiltinId, {
      fetchFile: async (file) => readFileSync(join(ROOT, 'public', file)),
    });
  }
  const { pair, warnings } = await loadPaths([path]);
  if (warnings.length) process.stderr.write(`warning: ${warnings.join('; ')}\n`);
  const found = datasetIdOfFiles(pair.train);
  if (FILE_DATASETS.includes(id) && found !== id)
    throw new UsageError(
      `${command}: data.dataset is "${id}" but ${path} holds ${found === 'cifar10' ? 'CIFAR-10' : 'other images'}; set data.dataset to "${found}"`,
    );
  return pair;
}

/**
 * A flag's number, checked by the run setting it sets (--log-every, a step count, by
 * training.targetSteps'), so the CLI allows what the config schema allows.
 */
function settingFlag(value: string, name: string, path: string): number {
  const n = Number(value);
  if (value.trim() === '' || !allows(path, n))
    throw new UsageError(`train: --${name} ${value} must be ${allowedText(path)}`);
  return n;
}
