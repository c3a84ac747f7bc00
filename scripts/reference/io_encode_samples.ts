/**
 * Writes sample files with the src/io encoders so `io_check_encoded.py` can read them back with
 * independent decoders (PIL, Python zipfile, numpy). Usage:
 *   npx tsx scripts/reference/io_encode_samples.ts /tmp/io-samples
 *   /usr/bin/python3 scripts/reference/io_check_encoded.py /tmp/io-samples
 * Next to each image it writes the raw pixels (`.raw`, HWC uint8) it encoded.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeApng } from '../../src/io/apng';
import { encodeGif } from '../../src/io/gif';
import type { RasterImage } from '../../src/io/image';
import { tileImages } from '../../src/io/imageGrid';
import { encodePng } from '../../src/io/png';
import { writePipelineZip } from '../../src/io/pipeline';

const dir = process.argv[2] ?? '/tmp/io-samples';
mkdirSync(dir, { recursive: true });

const image = (w: number, h: number, channels: 1 | 2 | 3 | 4, seed: number): RasterImage => ({
  width: w,
  height: h,
  channels,
  data: Uint8Array.from({ length: w * h * channels }, (_, i) => {
    const x = Math.floor(i / channels) % w;
    const y = Math.floor(i / channels / w);
    // Half smooth, half noisy, so the encoder picks different filters on different rows.
    return y < h / 2
      ? (x * 5 + y * 3 + (i % channels) * 60 + seed * 17) & 0xff
      : ((i + seed) * 2654435761) >>> 24;
  }),
});
const save = (name: string, bytes: Uint8Array, raw?: RasterImage[]) => {
  writeFileSync(join(dir, name), bytes);
  raw?.forEach((img, i) => writeFileSync(join(dir, `${name}.${i}.raw`), img.data));
};

for (const c of [1, 2, 3, 4] as const)
  save(`png_${c}ch.png`, encodePng(image(37, 23, c, c)), [image(37, 23, c, c)]);
const apngFrames = [0, 1, 2].map((s) => image(20, 12, 4, s));
save('anim.apng', encodeApng(apngFrames, { delaysMs: [100, 200, 300] }), apngFrames);
const gray = [0, 1].map((s) => image(90, 70, 1, s));
save('gray.gif', encodeGif(gray, { delaysMs: 80 }), gray);
const grid = tileImages(
  [0, 1, 2, 3, 4].map((s) => image(8, 8, 3, s)),
  { gutter: 2 },
);
save('grid.png', encodePng(grid), [grid]);
const few = [0, 1].map((s) => ({
  ...image(16, 16, 3, 0),
  data: image(16, 16, 3, 0).data.map((v) => (v & 0xe0) | s),
}));
save('rgb_exact.gif', encodeGif(few, { delaysMs: 50, loop: false }), few);
save('rgb_quantised.gif', encodeGif([image(64, 64, 3, 5)], { delaysMs: 50 }), [image(64, 64, 3, 5)]);
const conv = Float32Array.from({ length: 4 * 3 * 3 * 3 }, (_, i) => Math.sin(i) * 1e-3);
save(
  'pipeline.zip',
  writePipelineZip({
    unetConfig: { sample_size: 32, in_channels: 3, block_out_channels: [4], norm_eps: 1e-6 },
    schedulerConfig: { num_train_timesteps: 1000, beta_start: 0.0001, beta_end: 0.02 },
    tensors: new Map([
      ['conv_in.weight', { shape: [4, 3, 3, 3], data: conv }],
      ['step', { dtype: 'I64', shape: [1], data: [999] }],
    ]),
  }),
);
writeFileSync(join(dir, 'conv_in.weight.f32'), new Uint8Array(conv.buffer));
console.log(`wrote samples to ${dir}`);
