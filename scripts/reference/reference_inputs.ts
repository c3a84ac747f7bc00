/**
 * Inputs of the PyTorch reference trainer (reference_trainer.py) for one run preset: the preset's
 * resolved run config (what the lab would train) and, for generated datasets (Shapes), the
 * training images as the lab prepares them (fitted to sample_size), so both sides train on the
 * same pixels. Built-in files (MNIST, Fashion-MNIST) the reference reads from public/datasets itself.
 *
 *   npx tsx scripts/reference/reference_inputs.ts --preset tiny --out /tmp/ref-tiny
 * writes OUT/config.json and, for Shapes, OUT/images.u8 (N·H·W·C bytes) with OUT/images.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { isRunPresetName, presetRunConfig, RUN_PRESET_NAMES } from '../../src/config';
import { effectiveSchedulerConfig } from '../../src/config/validate';
import { loadBuiltin } from '../../src/data/builtins';
import { padOrResize } from '../../src/data/resize';

const { values } = parseArgs({ options: { preset: { type: 'string' }, out: { type: 'string' } } });
if (!values.preset || !values.out) throw new Error('usage: reference_inputs.ts --preset NAME --out DIR');
if (!isRunPresetName(values.preset))
  throw new Error(`--preset ${values.preset} is not a run preset; presets: ${RUN_PRESET_NAMES.join(', ')}`);
const config = presetRunConfig(values.preset);
mkdirSync(values.out, { recursive: true });
writeFileSync(
  join(values.out, 'config.json'),
  JSON.stringify(
    { preset: values.preset, config, scheduler: effectiveSchedulerConfig(config.diffusion) },
    null,
    1,
  ),
);
if (config.data.dataset === 'shapes') {
  const { train } = await loadBuiltin('shapes', {
    fetchFile: () => Promise.reject(new Error('shapes reads no file')),
  });
  const ds = padOrResize(train, config.model.sample_size as number);
  writeFileSync(join(values.out, 'images.u8'), ds.images);
  writeFileSync(
    join(values.out, 'images.json'),
    JSON.stringify({
      count: ds.count,
      height: ds.height,
      width: ds.width,
      channels: ds.channels,
      allowsFlip: ds.allowsFlip,
    }),
  );
}
console.log(`wrote ${values.out}`);
