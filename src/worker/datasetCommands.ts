/**
 * The worker's dataset: load a built-in or dropped files, report progress, and show random
 * images. The training controller takes the loaded dataset from here.
 */
import { Rng } from '../diffusion';
import { sampleBatch } from '../data/batch';
import { loadBuiltin, httpFetcher, builtinInfo, type FetchFile } from '../data/builtins';
import type { DecodeImage } from '../data/decode';
import { loadDataset } from '../data/load';
import { bytesSource } from '../data/source';
import { summarize } from '../data/summary';
import type { Dataset, DatasetPair } from '../data/types';
import { datasetIdOfFiles } from '../training/batch';
import type { DatasetId } from '../config/runConfig';
import type { DatasetInfo, DatasetSource, ImageBatch, Post } from './protocol';


/** Images the dataset grid shows. */
export const DATASET_PREVIEW_COUNT = 64;
/** Largest grid a previewDataset command may ask for. */
const MAX_PREVIEW = 256;
const PROGRESS_INTERVAL_MS = 50;

/** The dataset the worker holds. */
export interface LoadedDataset {
  id: DatasetId;
  pair: DatasetPair;
}

/** What loading needs from the environment: fetch for built-ins (default: HTTP), an image decoder for image sets. */
export interface DatasetDeps {
  fetcher?(baseUrl: string): FetchFile;
  decodeImage?: DecodeImage;
}

export class DatasetCommands {
  private loaded: LoadedDataset | null = null;

  constructor(
    private readonly post: Post,
    private readonly deps: DatasetDeps = {},
  ) {}

  /** The loaded dataset, or null. */
  current(): LoadedDataset | null {
    return this.loaded;
  }

  /** Loads a dataset (replacing the current one only when the load succeeds) and posts it with a preview. */
  async load(requestId: string, source: DatasetSource): Promise<void> {
    let lastProgress = -Infinity;
    const onProgress = ({ bytesDone, bytesTotal }: { bytesDone: number; bytesTotal: number }) => {
      const now = performance.now();
      if (bytesDone < bytesTotal && now - lastProgress < PROGRESS_INTERVAL_MS) return;
      lastProgress = now;
      this.post({ type: 'datasetProgress', requestId, bytesDone, bytesTotal });
    };
    let loaded: LoadedDataset;
    const warnings: string[] = [];
    if (source.kind === 'builtin') {
      builtinInfo(source.id);
      const fetchFile = (this.deps.fetcher ?? httpFetcher)(source.baseUrl);
      loaded = { id: source.id, pair: await loadBuiltin(source.id, { fetchFile }) };
    } else {
      const sources = source.files.map((f) => bytesSource(f.name, new Uint8Array(f.bytes)));
      const result = await loadDataset(sources, { decodeImage: this.deps.decodeImage, onProgress });
      warnings.push(...result.warnings);
      loaded = { id: datasetIdOfFiles(result.pair.train), pair: result.pair };
    }
    this.loaded = loaded;
    const preview = randomImages(loaded.pair.train, 0, DATASET_PREVIEW_COUNT);
    this.post({ type: 'datasetLoaded', requestId, dataset: describe(loaded), preview, warnings }, [
      preview.data.buffer,
    ]);
  }

  /** Another random sample of the loaded training images. */
  preview(requestId: string, seed: number, count: number): void {
    if (!this.loaded) throw new Error('previewDataset: no dataset is loaded; send loadDataset first');
    if (!Number.isSafeInteger(seed) || seed < 0)
      throw new Error(`previewDataset: seed ${seed} must be a non-negative integer`);
    if (!Number.isInteger(count) || count < 1 || count > MAX_PREVIEW)
      throw new Error(`previewDataset: count ${count} must be an integer from 1 to ${MAX_PREVIEW}`);
    const preview = randomImages(this.loaded.pair.train, seed, count);
    this.post({ type: 'datasetPreview', requestId, seed, preview }, [preview.data.buffer]);
  }
}

function describe(loaded: LoadedDataset): DatasetInfo {
  const { train } = loaded.pair;
  return {
    id: loaded.id,
    name: train.name,
    summary: summarize(loaded.pair),
    classNames: [...train.classNames],
    allowsFlip: train.allowsFlip,
    height: train.height,
    width: train.width,
    channels: train.channels,
  };
}

/** `count` distinct random images (all of them when there are fewer), the same for the same seed. */
export function randomImages(ds: Dataset, seed: number, count: number): ImageBatch {
  const rng = new Rng(seed);
  const n = Math.min(count, ds.count);
  const pool = Array.from({ length: ds.count }, (_, i) => i);
  for (let i = 0; i < n; i++) {
    const j = i + rng.int(ds.count - i);
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  const data = sampleBatch(ds, pool.slice(0, n));
  return { count: n, height: ds.height, width: ds.width, channels: ds.channels, data };
}
