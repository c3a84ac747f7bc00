/**
 * The way back from an "Export run" zip (runExport.ts): the bundle is read and checked as a whole
 * (zip, entries, run.json, checkpoint, tensor shapes against the config's U-Net) before anything is
 * stored, then its checkpoint becomes the run's latest in the checkpoint store, exactly where an
 * autosave would have put it, so the page offers "Resume from step N" as after a reload.
 */
import type { RunConfig } from '../config/runConfig';
import { validateRunConfig } from '../config/validate';
import { JsonFileError, parseJson } from '../io/json';
import { UnsafePathError, ZipError, readZip, type ZipLimits } from '../io/zip';
import { UNetConfigError } from '../model/config';
import {
  CheckpointError,
  checkResumable,
  decodeCheckpoint,
  type CheckpointMeta,
} from '../training/checkpoint';
import { StorageFullError, type CheckpointStore } from '../training/checkpointStore';
import type { CheckpointInfo } from './protocol';
import { TrainingCommandError, firstDifference, type Run } from './trainingRun';

/** The entries an exported run bundle must hold (metrics.csv and the scheduler config are for people). */
export const RUN_JSON = 'run.json';
export const RUN_CHECKPOINT = 'checkpoint.safetensors';

/** A run bundle is a handful of files: more entries than this is not one. */
const MAX_BUNDLE_ENTRIES = 64;

/** A byte array that is not an importable run bundle; the message names the entry and the problem. */
export class RunBundleError extends Error {
  override readonly name = 'RunBundleError';
}

/** A run bundle, read and checked. */
export interface RunBundle {
  config: RunConfig;
  /** The checkpoint's bytes as they were in the zip (what the store keeps). */
  checkpoint: Uint8Array;
  meta: CheckpointMeta;
}

/**
 * Reads an exported run zip; throws {@link RunBundleError} naming what is wrong. `zipLimits`
 * tightens `readZip`'s (the fuzz run sets them small).
 */
export function readRunBundle(bytes: Uint8Array, zipLimits: ZipLimits = {}): RunBundle {
  let files: Map<string, Uint8Array>;
  try {
    files = readZip(bytes, { maxEntries: MAX_BUNDLE_ENTRIES, ...zipLimits });
  } catch (e) {
    if (!(e instanceof ZipError) && !(e instanceof UnsafePathError)) throw e;
    throw new RunBundleError(`the run bundle is not a readable zip: ${e.message}`);
  }
  const missing = [RUN_JSON, RUN_CHECKPOINT].filter((name) => !files.has(name));
  if (missing.length > 0)
    throw new RunBundleError(
      `the zip has no ${missing.join(' and no ')} (it holds ${[...files.keys()].slice(0, 8).join(', ') || 'nothing'}); an Export run zip holds ${RUN_JSON}, metrics.csv and ${RUN_CHECKPOINT}`,
    );
  const config = runJsonConfig(files.get(RUN_JSON) as Uint8Array);
  const checkpoint = files.get(RUN_CHECKPOINT) as Uint8Array;
  let decoded;
  try {
    decoded = decodeCheckpoint(checkpoint);
  } catch (e) {
    if (!(e instanceof CheckpointError)) throw e;
    throw new RunBundleError(`${RUN_CHECKPOINT}: ${e.message}`);
  }
  const differs = firstDifference(decoded.meta.config, config);
  if (differs !== null)
    throw new RunBundleError(`${RUN_JSON} and ${RUN_CHECKPOINT} name different configs (${differs})`);
  try {
    checkResumable(decoded, config);
  } catch (e) {
    if (e instanceof CheckpointError) throw new RunBundleError(`${RUN_CHECKPOINT}: ${e.message}`);
    if (e instanceof UNetConfigError)
      throw new RunBundleError(`${RUN_JSON}: the model config cannot be built: ${e.message}`);
    throw e;
  }
  return { config, checkpoint, meta: decoded.meta };
}

function runJsonConfig(bytes: Uint8Array): RunConfig {
  let value: unknown;
  try {
    value = parseJson(bytes, RUN_JSON);
  } catch (e) {
    if (!(e instanceof JsonFileError)) throw e;
    throw new RunBundleError(e.message);
  }
  const checked = validateRunConfig(value);
  if ('errors' in checked)
    throw new RunBundleError(
      `${RUN_JSON} is not a run config of this lab: ${checked.errors.map((e) => e.message).join('; ')}`,
    );
  return checked.config;
}

/** What an import needs from the controller. */
export interface ImportDeps {
  store: CheckpointStore;
  /** Wall-clock ms: the import is dated now, so it is the newest checkpoint the page offers. */
  date(): number;
}

/**
 * Stores a bundle's checkpoint as its run's latest. Refused while a run is training or paused
 * (the import must not disturb it); a full storage becomes a `storage-full` error.
 */
export async function importRunBundle(
  current: Run | null,
  bytes: Uint8Array,
  deps: ImportDeps,
): Promise<CheckpointInfo> {
  if (current && current.status !== 'stopped')
    throw new TrainingCommandError(
      'busy',
      `importRun: run ${current.runId} is ${current.status}; stop or reset it before importing a run`,
    );
  let bundle;
  try {
    bundle = readRunBundle(bytes);
  } catch (e) {
    if (!(e instanceof RunBundleError)) throw e;
    throw new TrainingCommandError('checkpoint', `importRun: ${e.message}`);
  }
  try {
    return await deps.store.save(
      {
        runId: bundle.meta.runId,
        step: bundle.meta.step,
        savedAt: deps.date(),
        backend: bundle.meta.backend,
        config: bundle.config,
      },
      bundle.checkpoint,
    );
  } catch (e) {
    if (!(e instanceof StorageFullError)) throw e;
    throw new TrainingCommandError(
      'storage-full',
      `importRun: the checkpoint (${bundle.checkpoint.length} bytes) was not stored: ${e.message}; delete old checkpoints or free site storage, then import again`,
    );
  }
}
