/**
 * A checkpoint is one byte array: a safetensors file holding every tensor of the run (weights,
 * EMA weights, Adam moments, in tfjs layout so they restore bit for bit) with the rest (config,
 * counters, RNG state, data order, metric history) as JSON in its metadata. One array makes a
 * save a single atomic store write, and the file opens in any safetensors reader.
 */
import { describeValue, isPlainObject, previewJson } from '../io/json';
import { readSafetensors, writeSafetensors, type TensorToWrite } from '../io/safetensors';
import type { RunConfig } from '../config/runConfig';
import { validateRunConfig } from '../config/validate';
import type { OrderState } from './batch';
import type { MetricsState } from './runMetrics';
import type { SavedTensor, TrainerState } from './trainer';

/** Identifies the lab's checkpoints among safetensors files. */
export const CHECKPOINT_FORMAT = 'diffusion-lab-checkpoint';
/** Bumped when the layout changes; older versions are refused with a message. */
export const CHECKPOINT_VERSION = 1;
const META_KEY = 'diffusion_lab';

/** Everything but the tensors. */
export interface CheckpointMeta {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  runId: string;
  step: number;
  /** Date.now() when saved. */
  savedAt: number;
  /** The tfjs backend it was trained on (exact resume needs the same one). */
  backend: string;
  config: RunConfig;
  trainer: { step: number; rng: number[]; order: OrderState; adamStep: number };
  metrics: MetricsState;
}

/** A byte array that is not a readable checkpoint of this lab. */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
}

/** The bytes of a checkpoint. */
export function encodeCheckpoint(
  meta: Omit<CheckpointMeta, 'format' | 'version' | 'trainer'>,
  state: TrainerState,
): Uint8Array {
  const full: CheckpointMeta = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    ...meta,
    trainer: { step: state.step, rng: state.rng, order: state.order, adamStep: state.adamStep },
  };
  const tensors = new Map<string, TensorToWrite>(state.tensors);
  return writeSafetensors(tensors, { [META_KEY]: JSON.stringify(full) });
}

/** Reads a checkpoint back; throws {@link CheckpointError} naming what is wrong. */
export function decodeCheckpoint(bytes: Uint8Array): { meta: CheckpointMeta; state: TrainerState } {
  let file;
  try {
    file = readSafetensors(bytes);
  } catch (e) {
    throw new CheckpointError(`checkpoint is not a readable safetensors file: ${(e as Error).message}`);
  }
  const json = file.metadata[META_KEY];
  if (json === undefined)
    throw new CheckpointError(
      `checkpoint has no "${META_KEY}" metadata: it is a safetensors file but not a lab checkpoint`,
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (e) {
    throw new CheckpointError(`checkpoint metadata is not valid JSON: ${(e as Error).message}`);
  }
  const meta = checkMeta(parsed);
  if (file.nonFinite.length > 0)
    throw new CheckpointError(
      `checkpoint tensors hold NaN or Infinity: ${file.nonFinite.slice(0, 5).join(', ')}`,
    );
  const tensors = new Map<string, SavedTensor>();
  for (const [name, t] of file.tensors) tensors.set(name, { shape: t.shape, data: t.data });
  const { step, rng, order, adamStep } = meta.trainer;
  return { meta, state: { step, rng, order, adamStep, tensors } };
}

const isCount = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;

/**
 * The metadata's shape, checked before anything reads it: a checkpoint may come from a run bundle
 * a user imports or from storage after a disk error, so it is data to validate like any file.
 */
function checkMeta(meta: unknown): CheckpointMeta {
  if (!isPlainObject(meta))
    throw new CheckpointError(`checkpoint metadata must be a JSON object, got ${describeValue(meta)}`);
  if (meta.format !== CHECKPOINT_FORMAT)
    throw new CheckpointError(
      `checkpoint format is ${previewJson(meta.format)}, expected "${CHECKPOINT_FORMAT}"`,
    );
  if (meta.version !== CHECKPOINT_VERSION)
    throw new CheckpointError(
      `checkpoint version ${previewJson(meta.version)} is not supported; this lab reads version ${CHECKPOINT_VERSION}`,
    );
  const fields: [string, boolean, string][] = [
    ['runId', typeof meta.runId === 'string', 'a string'],
    ['step', isCount(meta.step), 'a non-negative integer'],
    ['savedAt', Number.isFinite(meta.savedAt), 'a number'],
    ['backend', typeof meta.backend === 'string', 'a string'],
    ['metrics', isPlainObject(meta.metrics), 'an object'],
  ];
  const trainer = meta.trainer;
  const order = isPlainObject(trainer) ? trainer.order : undefined;
  const trainerOk =
    isPlainObject(trainer) &&
    isCount(trainer.step) &&
    isCount(trainer.adamStep) &&
    Array.isArray(trainer.rng) &&
    isPlainObject(order) &&
    isCount(order.epoch) &&
    isCount(order.cursor);
  fields.push(['trainer', trainerOk, '{step, adamStep, rng: [...], order: {epoch, cursor}} with counts ≥ 0']);
  for (const [key, ok, allowed] of fields)
    if (!ok)
      throw new CheckpointError(`checkpoint ${key} is ${previewJson(meta[key], 60)}; expected ${allowed}`);
  const config = validateRunConfig(meta.config);
  if ('errors' in config)
    throw new CheckpointError(
      `checkpoint config is invalid: ${config.errors.map((e) => e.message).join('; ')}`,
    );
  return { ...(meta as unknown as CheckpointMeta), config: config.config };
}
