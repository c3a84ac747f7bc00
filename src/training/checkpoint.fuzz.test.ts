import { presetRunConfig } from '../config/hash';
import { checkpointTarget } from '../fuzz/checkpointTarget';
import { fuzzIt } from '../fuzz/fuzzTest';
import { writeSafetensors } from '../io/safetensors';
import { CHECKPOINT_FORMAT, CHECKPOINT_VERSION, CheckpointError, decodeCheckpoint } from './checkpoint';

/** A safetensors file whose lab metadata is `meta` as JSON. */
const withMeta = (meta: unknown) =>
  writeSafetensors(new Map([['w', { shape: [1], data: [0] }]]), { diffusion_lab: JSON.stringify(meta) });

const valid = {
  format: CHECKPOINT_FORMAT,
  version: CHECKPOINT_VERSION,
  runId: 'r',
  step: 3,
  savedAt: 0,
  backend: 'cpu',
  config: presetRunConfig('tiny'),
  trainer: { step: 3, rng: [1, 2, 3, 4, 0, 0], order: { epoch: 0, cursor: 3 }, adamStep: 3 },
  metrics: {
    smoother: { value: 0.5, n: 3 },
    lossPerT: Array.from({ length: 20 }, () => []),
    history: [],
    elapsedSec: 1,
  },
};

describe('decodeCheckpoint, fuzzed', () => {
  fuzzIt(checkpointTarget);

  it('found by fuzzing: metadata that is null, or lacks the trainer state, is a CheckpointError', () => {
    expect(() => decodeCheckpoint(withMeta(null))).toThrow(CheckpointError);
    expect(() => decodeCheckpoint(withMeta(null))).toThrow(
      'checkpoint metadata must be a JSON object, got null',
    );
    const { trainer: _trainer, ...noTrainer } = valid;
    expect(() => decodeCheckpoint(withMeta(noTrainer))).toThrow(
      /checkpoint trainer is undefined; expected \{step/,
    );
    const badOrder = { ...valid, trainer: { ...valid.trainer, order: { epoch: -1, cursor: 0 } } };
    expect(() => decodeCheckpoint(withMeta(badOrder))).toThrow(/checkpoint trainer is .*"epoch":-1/);
  });
  it('checks the run config a checkpoint carries, as wherever a config enters', () => {
    const bad = {
      ...valid,
      config: { ...valid.config, training: { ...valid.config.training, batchSize: 0 } },
    };
    expect(() => decodeCheckpoint(withMeta(bad))).toThrow(
      /checkpoint config is invalid: training.batchSize = 0/,
    );
    expect(decodeCheckpoint(withMeta(valid)).meta.config).toEqual(valid.config);
  });

  it.each([
    [
      'metrics {} (passed before, then failed inside a resume)',
      { metrics: {} },
      /checkpoint metrics\.smoother is undefined/,
    ],
    [
      'a metric point that is not one',
      { metrics: { ...valid.metrics, history: [{ step: 1, loss: 'x' }] } },
      /checkpoint metrics\.history\[0\] is \{"step":1,"loss":"x"\}/,
    ],
    [
      'loss-per-t of the wrong size',
      { metrics: { ...valid.metrics, lossPerT: [[1]] } },
      /metrics\.lossPerT .*20 lists/,
    ],
    ['a trainer step other than the step', { step: 4 }, /trainer\.step 3 differs from its step 4/],
    [
      'an RNG state Rng cannot take',
      { trainer: { ...valid.trainer, rng: [0, 0, 0, 0, 0, 0] } },
      /checkpoint trainer\.rng: Rng state words are all 0/,
    ],
    [
      'more Adam steps than steps',
      { trainer: { ...valid.trainer, adamStep: 9 } },
      /adamStep 9 is past its step 3/,
    ],
  ])('refuses %s before a trainer is touched', (_, edit, message) => {
    expect(() => decodeCheckpoint(withMeta({ ...valid, ...edit }))).toThrow(CheckpointError);
    expect(() => decodeCheckpoint(withMeta({ ...valid, ...edit }))).toThrow(message);
  });
});
