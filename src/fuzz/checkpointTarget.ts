/**
 * Fuzz target for `decodeCheckpoint`, the parser of a training checkpoint: one safetensors file
 * whose metadata holds the run as JSON. It is what an exported run bundle carries and what a run
 * bundle import will read, and what comes back from IndexedDB after a crash or a disk error.
 */
import { presetRunConfig } from '../config/hash';
import type { Rng } from '../diffusion/rng';
import { writeSafetensors } from '../io/safetensors';
import { CheckpointError, decodeCheckpoint, encodeCheckpoint } from '../training/checkpoint';
import { LOSS_PER_T_BUCKETS } from '../training/lossPerT';
import type { TrainerState } from '../training/trainer';
import { SAFETENSORS_FIELDS, mutateSafetensorsHeader } from './formats';
import { byteGenerator, describeBytes } from './harness';
import type { FuzzTarget } from './harness';
import { mutateJsonValue } from './jsonMutators';
import type { ByteSeed } from './mutators';

const W = { shape: [2, 3], data: new Float32Array([0.1, -0.2, 0.3, 0.4, -0.5, 0.6]) };
const MOMENTS = { shape: [6], data: new Float32Array(6).fill(1e-3) };

/**
 * A checkpoint as the trainer writes one at step 12; by default two weights, EMA, Adam moments and
 * the tiny run's config (the run-bundle target passes a config and tensors that fit each other).
 */
export function seedCheckpoint(
  config = presetRunConfig('tiny'),
  tensors: TrainerState['tensors'] = new Map([
    ['model/w', W],
    ['ema/w', W],
    ['adam.m', MOMENTS],
    ['adam.v', MOMENTS],
  ]),
): Uint8Array {
  return encodeCheckpoint(
    {
      runId: 'fuzz',
      step: 12,
      savedAt: 0,
      backend: 'cpu',
      config,
      metrics: {
        smoother: { value: 0.2, n: 12 },
        lossPerT: Array.from({ length: LOSS_PER_T_BUCKETS }, (_, i) => (i % 3 === 0 ? [0.1 * i] : [])),
        history: [{ step: 12, loss: 0.2, smoothedLoss: 0.25, gradNorm: 1.5, lr: 2e-4 }],
        elapsedSec: 3,
      },
    },
    { step: 12, rng: [1, 2, 3, 4, 0, 0], order: { epoch: 1, cursor: 8 }, adamStep: 12, tensors },
  );
}

const META_KEY = 'diffusion_lab';

/** The checkpoint with its run metadata edited as JSON (the tensors kept), re-encoded. */
function mutateMeta(rng: Rng, seed: ByteSeed): Uint8Array {
  const meta = JSON.parse(
    new TextDecoder().decode(
      seed.bytes.subarray(
        8,
        8 + Number(new DataView(seed.bytes.buffer, seed.bytes.byteOffset).getBigUint64(0, true)),
      ),
    ),
  ).__metadata__[META_KEY] as string;
  const edited = JSON.stringify(mutateJsonValue(rng, JSON.parse(meta))) ?? 'null';
  return writeSafetensors(new Map([['w', { shape: [1], data: [0] }]]), { [META_KEY]: edited });
}

/** `decodeCheckpoint`: byte havoc, header edits, and edits of the run metadata. */
export function checkpointTarget(): FuzzTarget<Uint8Array> {
  const seeds: ByteSeed[] = [{ bytes: seedCheckpoint(), fields: SAFETENSORS_FIELDS }];
  const bytes = byteGenerator(seeds, { structured: mutateSafetensorsHeader });
  return {
    name: 'checkpoints / run bundles (decodeCheckpoint)',
    generate: (rng) => (rng.int(3) === 0 ? mutateMeta(rng, seeds[0]) : bytes(rng)),
    run: (input) => decodeCheckpoint(input),
    allowed: [CheckpointError],
    maxAllocBytes: (input) => 16 * input.length,
    describe: describeBytes,
  };
}
