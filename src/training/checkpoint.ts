/**
 * A checkpoint is one byte array: a safetensors file holding every tensor of the run (weights,
 * EMA weights, Adam moments, in tfjs layout so they restore bit for bit) with the rest (config,
 * counters, RNG state, data order, metric history) as JSON in its metadata. One array makes a
 * save a single atomic store write, and the file opens in any safetensors reader.
 */
import { describeValue, isPlainObject, previewJson } from '../io/json';
import { readSafetensors, writeSafetensors, type TensorToWrite } from '../io/safetensors';
import type { RunConfig } from '../config/runConfig';
import { unetConfigOf, validateRunConfig } from '../config/validate';
import { Rng } from '../diffusion/rng';
import { paramSpecs, planUNet } from '../model/plan';
import type { OrderState } from './batch';
import { LOSS_PER_T_BUCKETS } from './lossPerT';
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

/**
 * Everything a resume needs from a decoded checkpoint, checked before a trainer is built: every
 * tensor the config's trainer restores, present with its shape's number of values (against the
 * config's U-Net plan), and, given the dataset's size, its place in the data order inside it. A
 * checkpoint that would fail half-way through a resume, after the run's GPU memory was
 * allocated, is refused whole instead.
 */
export function checkResumable(
  checkpoint: { meta: CheckpointMeta; state: TrainerState },
  config: RunConfig = checkpoint.meta.config,
  images?: number,
): void {
  checkTensors(config, checkpoint.state);
  const { cursor } = checkpoint.meta.trainer.order;
  if (images !== undefined && cursor > images)
    throw new CheckpointError(
      `checkpoint order cursor ${cursor} lies past the ${images} images of the dataset; it was saved on other data`,
    );
}

function checkTensors(config: RunConfig, state: TrainerState): void {
  const specs = paramSpecs(planUNet(unetConfigOf(config)));
  const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
  const expect = (key: string, values: number) => {
    const saved = state.tensors.get(key);
    if (!saved) throw new CheckpointError(`checkpoint has no tensor ${key}, which its config needs`);
    if (size(saved.shape) !== values)
      throw new CheckpointError(
        `checkpoint tensor ${key} has shape [${saved.shape.join(', ')}] (${size(saved.shape)} values); its config needs ${values}`,
      );
  };
  for (const spec of specs) {
    expect(`model/${spec.name}`, size(spec.shape));
    if (config.training.useEma) expect(`ema/${spec.name}`, size(spec.shape));
  }
  const trainable = specs.filter((s) => s.trainable).reduce((sum, s) => sum + size(s.shape), 0);
  for (const key of ['adam.m', 'adam.v']) expect(key, trainable);
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
  checkTrainerState(meta.step as number, meta.trainer as CheckpointMeta['trainer']);
  checkMetrics(meta.metrics as Record<string, unknown>);
  const config = validateRunConfig(meta.config);
  if ('errors' in config)
    throw new CheckpointError(
      `checkpoint config is invalid: ${config.errors.map((e) => e.message).join('; ')}`,
    );
  return { ...(meta as unknown as CheckpointMeta), config: config.config };
}

/** The trainer's counters agree with the checkpoint's step, and its RNG state (if any) is one `Rng` can take. */
function checkTrainerState(step: number, trainer: CheckpointMeta['trainer']): void {
  if (trainer.step !== step)
    throw new CheckpointError(`checkpoint trainer.step ${trainer.step} differs from its step ${step}`);
  if (trainer.adamStep > step)
    throw new CheckpointError(`checkpoint trainer.adamStep ${trainer.adamStep} is past its step ${step}`);
  // Runs draw from the counter-based generator (src/random/), keyed by seed and step, and store no
  // RNG state; an older checkpoint's host Rng state must still be one `Rng` can take.
  if (trainer.rng.length === 0) return;
  try {
    Rng.fromState(trainer.rng);
  } catch (e) {
    throw new CheckpointError(`checkpoint trainer.rng: ${(e as Error).message}`);
  }
}

const isNumber = (v: unknown) => typeof v === 'number';
const POINT_KEYS = ['loss', 'smoothedLoss', 'gradNorm', 'lr'] as const;

/** The metric history `RunMetrics.load` takes: checked whole, so a resume never fails inside it. */
function checkMetrics(m: Record<string, unknown>): void {
  const bad = (key: string, allowed: string) =>
    new CheckpointError(`checkpoint metrics.${key} is ${previewJson(m[key], 60)}; expected ${allowed}`);
  const smoother = m.smoother;
  if (!isPlainObject(smoother) || !isNumber(smoother.value) || !isCount(smoother.n))
    throw bad('smoother', '{value: number, n: count}');
  const lossPerT = m.lossPerT;
  if (
    !Array.isArray(lossPerT) ||
    lossPerT.length !== LOSS_PER_T_BUCKETS ||
    !lossPerT.every((w) => Array.isArray(w) && w.every(isNumber))
  )
    throw bad('lossPerT', `${LOSS_PER_T_BUCKETS} lists of numbers`);
  if (!Number.isFinite(m.elapsedSec) || (m.elapsedSec as number) < 0)
    throw bad('elapsedSec', 'a number of seconds ≥ 0');
  const history = m.history;
  if (!Array.isArray(history)) throw bad('history', 'a list of points');
  history.forEach((p: unknown, i) => {
    if (!isPlainObject(p) || !isCount(p.step) || !POINT_KEYS.every((k) => isNumber(p[k])))
      throw new CheckpointError(
        `checkpoint metrics.history[${i}] is ${previewJson(p, 60)}; expected {step, ${POINT_KEYS.join(', ')}} numbers`,
      );
  });
}
