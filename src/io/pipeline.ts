/**
 * diffusers pipeline folders, the lab's export and import format for trained models.
 *
 * Export ({@link writePipelineZip}) is what `DDPMPipeline.save_pretrained` writes, zipped:
 * `model_index.json`, `unet/config.json`, `unet/diffusion_pytorch_model.safetensors` (float32,
 * metadata `format: pt`) and `scheduler/scheduler_config.json`, all at the archive's root.
 *
 * Import ({@link readModelBundle}) takes the files a user dropped or picked (path → bytes) and
 * accepts a pipeline folder, a bare `unet` folder, a `.safetensors` with a `config.json` beside it,
 * or a single `.zip` of any of these; one or more enclosing directories that hold everything are
 * looked through. Every failure is a {@link BundleError} naming the file or the missing piece
 * (zip, JSON and safetensors problems are wrapped with the file's path; `cause` keeps the original).
 * Sharded weights and pickled `.bin` checkpoints are refused with a hint.
 */
import { readDiffusersConfig, readModelIndex, writeDiffusersConfig, writeModelIndex } from './configFiles';
import { readSafetensors, writeSafetensors } from './safetensors';
import type { SafetensorsTensor, TensorToWrite } from './safetensors';
import { isArchiveJunk, normalizeRelativePath, readZip, writeZip } from './zip';
import type { ZipLimits } from './zip';

/** File names inside a pipeline folder, as diffusers lays it out. */
export const PIPELINE_PATHS = {
  modelIndex: 'model_index.json',
  unetConfig: 'unet/config.json',
  unetWeights: 'unet/diffusion_pytorch_model.safetensors',
  schedulerConfig: 'scheduler/scheduler_config.json',
} as const;

const WEIGHTS_NAME = 'diffusion_pytorch_model.safetensors';
const PIPELINE_CLASSES = ['DDPMPipeline', 'DDIMPipeline'];

/** What a pipeline export needs: the two configs and the U-Net's tensors in PyTorch layout. */
export interface PipelineExport {
  unetConfig: Record<string, unknown>;
  schedulerConfig: Record<string, unknown>;
  tensors: ReadonlyMap<string, TensorToWrite>;
  /** Extra safetensors metadata (`format: pt` is always written). */
  metadata?: Record<string, string>;
}

/** A model read from user files. `paths` says which files were used, for display. */
export interface ModelBundle {
  unetConfig: Record<string, unknown>;
  schedulerConfig?: Record<string, unknown>;
  tensors: Map<string, SafetensorsTensor>;
  metadata: Record<string, string>;
  warnings: string[];
  paths: { unetConfig: string; weights: string; schedulerConfig?: string };
}

/** A set of files that is not a loadable model; the message names what is missing or broken. */
export class BundleError extends Error {
  override name = 'BundleError';
}

/** The files of a diffusers `DDPMPipeline` folder, path → bytes. */
export function pipelineFiles(p: PipelineExport): Map<string, Uint8Array> {
  const schedulerClass =
    typeof p.schedulerConfig._class_name === 'string' ? p.schedulerConfig._class_name : 'DDPMScheduler';
  return new Map([
    [PIPELINE_PATHS.modelIndex, writeModelIndex(schedulerClass)],
    [PIPELINE_PATHS.unetConfig, writeDiffusersConfig(p.unetConfig, 'UNet2DModel', PIPELINE_PATHS.unetConfig)],
    [PIPELINE_PATHS.unetWeights, writeSafetensors(p.tensors, { ...p.metadata, format: 'pt' })],
    [
      PIPELINE_PATHS.schedulerConfig,
      writeDiffusersConfig(p.schedulerConfig, schedulerClass, PIPELINE_PATHS.schedulerConfig),
    ],
  ]);
}

/** {@link pipelineFiles}, zipped. */
export function writePipelineZip(p: PipelineExport): Uint8Array {
  return writeZip(pipelineFiles(p));
}

/** Reads a model from user files; see the module comment for the accepted layouts. */
export function readModelBundle(input: ReadonlyMap<string, Uint8Array>, limits?: ZipLimits): ModelBundle {
  const files = stripEnclosingFolders(unpack(normalise(input), limits));
  const warnings: string[] = [];
  const isPipeline =
    files.has(PIPELINE_PATHS.modelIndex) || [...files.keys()].some((p) => p.startsWith('unet/'));
  if (isPipeline && files.has(PIPELINE_PATHS.modelIndex)) checkModelIndex(files, warnings);
  const dir = isPipeline ? 'unet/' : '';
  const weights = findWeights(files, dir);
  const configPath = `${dir}config.json`;
  const config = files.get(configPath);
  if (!config)
    throw new BundleError(
      `${configPath} is missing: the weights ${weights} need the UNet2DModel config beside them`,
    );
  const unetConfig = wrap(configPath, () => readDiffusersConfig(config, configPath, 'UNet2DModel'));
  const { tensors, metadata, nonFinite } = wrap(weights, () => readSafetensors(files.get(weights)!));
  if (nonFinite.length > 0)
    warnings.push(`${weights}: ${nonFinite.length} tensor(s) hold NaN or Infinity: ${list(nonFinite)}`);

  const schedulerPath = isPipeline ? PIPELINE_PATHS.schedulerConfig : 'scheduler_config.json';
  const scheduler = files.get(schedulerPath);
  const schedulerConfig = scheduler
    ? wrap(schedulerPath, () => readDiffusersConfig(scheduler, schedulerPath))
    : undefined;
  if (!scheduler) warnings.push(`no ${schedulerPath}: the scheduler settings are not part of this model`);
  return {
    unetConfig,
    schedulerConfig,
    tensors,
    metadata,
    warnings,
    paths: { unetConfig: configPath, weights, ...(scheduler ? { schedulerConfig: schedulerPath } : {}) },
  };
}

function normalise(input: ReadonlyMap<string, Uint8Array>): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const [name, data] of input) {
    const path = wrap(name, () => normalizeRelativePath(name));
    if (path === '' || isArchiveJunk(path)) continue;
    if (files.has(path)) throw new BundleError(`${path} is given twice`);
    files.set(path, data);
  }
  if (files.size === 0)
    throw new BundleError(
      'no files given: expected a pipeline folder, a unet folder, a .safetensors with its config.json, or a .zip',
    );
  return files;
}

function unpack(files: Map<string, Uint8Array>, limits?: ZipLimits): Map<string, Uint8Array> {
  const zips = [...files.keys()].filter((p) => /\.zip$/i.test(p));
  if (zips.length === 0) return files;
  if (files.size > 1)
    throw new BundleError(
      `give one .zip on its own or loose files, not both: found ${list(zips)} among ${files.size} files`,
    );
  const [path] = zips;
  const inner = wrap(path, () => readZip(files.get(path)!, limits));
  if ([...inner.keys()].some((p) => /\.zip$/i.test(p)))
    throw new BundleError(`${path} holds another .zip; unpack the inner archive first`);
  if (inner.size === 0) throw new BundleError(`${path} holds no files`);
  return inner;
}

/** Looks through directories that hold every file (`my-model/unet/...` → `unet/...`). */
function stripEnclosingFolders(files: Map<string, Uint8Array>): Map<string, Uint8Array> {
  let current = files;
  for (;;) {
    const paths = [...current.keys()];
    const top = paths[0].split('/')[0];
    if (!paths.every((p) => p.startsWith(`${top}/`))) return current;
    current = new Map(paths.map((p) => [p.slice(top.length + 1), current.get(p)!]));
  }
}

function checkModelIndex(files: Map<string, Uint8Array>, warnings: string[]): void {
  const index = wrap(PIPELINE_PATHS.modelIndex, () =>
    readModelIndex(files.get(PIPELINE_PATHS.modelIndex)!, PIPELINE_PATHS.modelIndex),
  );
  if (!PIPELINE_CLASSES.includes(index.className))
    warnings.push(
      `model_index.json: pipeline class ${index.className} is not ${PIPELINE_CLASSES.join(' or ')}; only its unet is used`,
    );
  const unet = index.components.unet;
  if (!unet)
    throw new BundleError(
      'model_index.json lists no "unet" component: this pipeline has no UNet2DModel to load',
    );
  if (unet[1] !== 'UNet2DModel')
    throw new BundleError(`model_index.json: the unet is a ${String(unet[1])}, expected UNet2DModel`);
}

/** The safetensors file in `dir`: diffusers' name first, else the only one there. */
function findWeights(files: Map<string, Uint8Array>, dir: string): string {
  const here = [...files.keys()].filter((p) => p.startsWith(dir) && !p.slice(dir.length).includes('/'));
  const where = dir || 'the top folder';
  if (here.includes(dir + WEIGHTS_NAME)) return dir + WEIGHTS_NAME;
  const candidates = here.filter((p) => p.endsWith('.safetensors'));
  if (candidates.length === 1) return candidates[0];
  if (candidates.length > 1)
    throw new BundleError(
      `${where} holds several .safetensors files (${list(candidates)}); keep only the one to load`,
    );
  const index = here.find((p) => p.endsWith('.safetensors.index.json'));
  if (index)
    throw new BundleError(
      `${index}: sharded weights are not supported; save the model as a single ${WEIGHTS_NAME}`,
    );
  const pickle = here.find((p) => /\.(bin|ckpt|pt|pth)$/i.test(p));
  if (pickle) {
    throw new BundleError(
      `${pickle} is a PyTorch pickle, which is not loaded because it can run code; convert it with diffusers' save_pretrained(..., safe_serialization=True)`,
    );
  }
  const found = [...files.keys()];
  throw new BundleError(`no .safetensors weights in ${where}; found ${found.length} file(s): ${list(found)}`);
}

/** Runs a step on one file, re-throwing its error as a BundleError that starts with the path. */
function wrap<T>(path: string, step: () => T): T {
  try {
    return step();
  } catch (e) {
    if (e instanceof BundleError) throw e;
    const message = (e as Error).message;
    throw new BundleError(message.startsWith(path) ? message : `${path}: ${message}`, { cause: e });
  }
}

function list(names: string[]): string {
  return names.length <= 8
    ? names.join(', ')
    : `${names.slice(0, 8).join(', ')} and ${names.length - 8} more`;
}
