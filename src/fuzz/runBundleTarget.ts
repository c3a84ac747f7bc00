/**
 * Fuzz target for `readRunBundle`, the Import run parser: a zip of run.json, metrics.csv and a
 * checkpoint whose tensors must fit run.json's U-Net. Mutations reach past the zip layer by
 * rebuilding a valid archive around an edited run.json, a mutated checkpoint or a missing entry.
 */
import { applyOverrides, presetRunConfig } from '../config';
import { unetConfigOf } from '../config/validate';
import type { Rng } from '../diffusion/rng';
import { writeZip } from '../io/zip';
import { paramSpecs, planUNet } from '../model/plan';
import { RunBundleError, readRunBundle } from '../worker/runImport';
import { checkpointTarget, seedCheckpoint } from './checkpointTarget';
import { zipFields } from './formats';
import { byteGenerator, describeBytes, type FuzzTarget } from './harness';
import { FUZZ_ZIP_LIMITS } from './ioTargets';
import { mutateJsonValue } from './jsonMutators';

/** The tiny preset shrunk to 5,023 parameters, so a whole bundle is small enough to mutate often. */
const CONFIG = applyOverrides(presetRunConfig('tiny'), {
  model: { block_out_channels: [4, 4], norm_num_groups: 1, layers_per_block: 1 },
});

/** A run bundle as Export run writes one, with every tensor the config's trainer restores. */
function seedParts(): Map<string, Uint8Array> {
  const specs = paramSpecs(planUNet(unetConfigOf(CONFIG)));
  const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const spec of specs)
    for (const prefix of ['model', 'ema'])
      tensors.set(`${prefix}/${spec.name}`, {
        shape: [...spec.shape],
        data: new Float32Array(size(spec.shape)).fill(0.01),
      });
  const trainable = specs.filter((s) => s.trainable).reduce((sum, s) => sum + size(s.shape), 0);
  for (const key of ['adam.m', 'adam.v'])
    tensors.set(key, { shape: [trainable], data: new Float32Array(trainable) });
  const checkpoint = seedCheckpoint(CONFIG, tensors);
  const text = (s: string) => new TextEncoder().encode(s);
  return new Map([
    ['run.json', text(JSON.stringify(CONFIG))],
    ['metrics.csv', text('step,loss\n1,0.5\n2,0.4\n')],
    ['checkpoint.safetensors', checkpoint],
  ]);
}

/** `readRunBundle`: byte havoc on the zip, and valid zips around edited entries. */
export function runBundleTarget(): FuzzTarget<Uint8Array> {
  const parts = seedParts();
  const zip = writeZip(parts);
  const checkpoints = checkpointTarget();
  const rebuilt = (rng: Rng): Uint8Array => {
    const files = new Map(parts);
    const roll = rng.int(4);
    if (roll === 0) {
      const config = JSON.parse(new TextDecoder().decode(parts.get('run.json')));
      files.set('run.json', new TextEncoder().encode(JSON.stringify(mutateJsonValue(rng, config)) ?? 'null'));
    } else if (roll === 1) files.set('checkpoint.safetensors', checkpoints.generate(rng));
    else if (roll === 2) files.delete([...files.keys()][rng.int(files.size)]);
    else files.set(`extra/${rng.int(100)}.bin`, new Uint8Array(rng.int(64)));
    return writeZip(files);
  };
  return {
    name: 'run bundles (readRunBundle)',
    generate: byteGenerator([{ bytes: zip, fields: zipFields(zip) }], { structured: (rng) => rebuilt(rng) }),
    run: (input) => readRunBundle(input, FUZZ_ZIP_LIMITS),
    allowed: [RunBundleError],
    maxAllocBytes: (input) => FUZZ_ZIP_LIMITS.maxTotalBytes + 16 * input.length,
    describe: describeBytes,
  };
}
