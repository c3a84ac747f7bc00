/**
 * The drop-in loader: whatever the learner gives (the official `cifar-10-binary.tar.gz`, single
 * `.bin` batches, idx files raw or gzipped, images, a folder or a zip of them) becomes a
 * `DatasetPair`. Formats are recognised by content (gzip, tar, zip, idx, image magic numbers),
 * names only where a format has no magic (CIFAR `.bin`). Archives stream: the 170 MB CIFAR-10
 * archive is never held in memory compressed or as a tar.
 */
import type { LoadBudget, LoadLimits } from '../io/budget';
import { UnsafePathError, ZipError, readZip } from '../io/zip';
import type { ByteSource, DatasetPair, ProgressFn } from './types';
import type { DecodeImage } from './decode';
import type { CifarBatch } from './cifar';
import type { IdxArray } from './idx';
import type { ImageFile } from './imageSet';
import type { TarEntry, TarEntrySink } from './tar';
import { DatasetError, checkSize, datasetBudget } from './errors';
import { GunzipStream, isGzip } from './gunzip';
import { TarReader } from './tar';
import { CifarBatchReader, assembleCifar, cifarSplit, isCifarMeta, parseCifarMeta } from './cifar';
import { assembleIdx, isIdx, parseIdx } from './idx';
import { assembleImageSet, listWarning } from './imageSet';
import { sniffImage } from './decode';
import { ProgressCounter, concat, readChunks } from './source';

export interface LoadOptions {
  /** Name for the dataset (defaults to the single source's name, or "N files"). */
  name?: string;
  /** Needed for image sets: the worker passes `browserDecodeImage`, the CLI `decodePngImage`. */
  decodeImage?: DecodeImage;
  /** Image sets: centre-crop and area-resize to this square size. */
  size?: number;
  /** Image sets: force grayscale or RGB. */
  channels?: 1 | 3;
  onProgress?: ProgressFn;
  /** The load's budget over all archive layers (defaults: 1 GiB inflated, 100,000 entries, 4 deep). */
  limits?: Partial<LoadLimits>;
}

export interface LoadResult {
  pair: DatasetPair;
  /** Files that were skipped, for the UI to show (they do not stop the load). */
  warnings: string[];
}

/** What the files turned out to hold, gathered before a dataset is assembled. */
interface Found {
  cifar: CifarBatch[];
  cifarNames?: string[];
  idx: IdxArray[];
  images: ImageFile[];
  skipped: string[];
  /** What the load may still inflate: one budget for every file and archive layer of it. */
  budget: LoadBudget;
}

/**
 * Archive layers (gzip, tar, zip) the loader opens inside one another: enough for a zip of the
 * CIFAR-10 tar.gz plus one, while a file of thousands of nested gzip layers is refused instead of
 * being inflated thousands of times.
 */
export const MAX_ARCHIVE_DEPTH = datasetBudget().limits.maxDepth;

/** Loads one dataset from one or more files. */
export async function loadDataset(
  sources: readonly ByteSource[],
  options: LoadOptions = {},
): Promise<LoadResult> {
  if (sources.length === 0) throw new DatasetError(options.name ?? 'input', 'no files given');
  const name = options.name ?? (sources.length === 1 ? sources[0].name : `${sources.length} files`);
  for (const s of sources) checkSize(s.name, s.size);
  const progress = new ProgressCounter(
    sources.reduce((n, s) => n + s.size, 0),
    options.onProgress,
  );
  const found: Found = {
    cifar: [],
    idx: [],
    images: [],
    skipped: [],
    budget: datasetBudget(options.limits),
  };
  for (const source of sources) await readSource(source, progress, found);

  const warnings: string[] = [];
  if (found.skipped.length > 0)
    warnings.push(
      listWarning(`skipped ${found.skipped.length} file(s) that are not dataset files`, found.skipped),
    );
  const kinds = [
    found.cifar.length > 0 && 'CIFAR-10 batches',
    found.idx.length > 0 && 'idx files',
    found.images.length > 0 && 'images',
  ].filter(Boolean);
  if (kinds.length > 1)
    throw new DatasetError(name, `mixes ${kinds.join(' and ')}; load one dataset at a time`);
  if (found.cifar.length > 0) return { pair: assembleCifar(name, found.cifar, found.cifarNames), warnings };
  if (found.idx.length > 0) return { pair: assembleIdx(name, found.idx), warnings };
  if (found.images.length > 0) {
    if (!options.decodeImage)
      throw new DatasetError(
        name,
        `holds ${found.images.length} encoded image(s) but the loader was given no image decoder`,
      );
    const pair = await assembleImageSet(
      name,
      found.images,
      { decodeImage: options.decodeImage, size: options.size, channels: options.channels },
      warnings,
    );
    return { pair, warnings };
  }
  const skipped = found.skipped.length > 0 ? ` (skipped: ${found.skipped.slice(0, 5).join(', ')})` : '';
  throw new DatasetError(name, `holds no usable images${skipped}`);
}

/** Streams one source: gunzip if gzipped, then a tar streams entry by entry; anything else is read whole. */
async function readSource(source: ByteSource, progress: ProgressCounter, found: Found): Promise<void> {
  const sink = new Sniffer(source.name, found);
  let head: Uint8Array = new Uint8Array(0);
  let gunzip: GunzipStream | undefined;
  let decided = false;
  for await (const chunk of readChunks(source, progress)) {
    if (!decided) {
      // The gzip magic is two bytes; a stream may deliver fewer in its first chunk.
      head = concat([head, chunk]);
      if (head.length < 2) continue;
      decided = true;
      if (isGzip(head)) {
        found.budget.enter(1, source.name);
        gunzip = new GunzipStream(source.name, (c) => sink.push(c), found.budget);
        sink.depth = 1;
      }
      (gunzip ?? sink).push(head);
      continue;
    }
    (gunzip ?? sink).push(chunk);
  }
  if (!decided && head.length > 0) sink.push(head);
  gunzip?.finish();
  sink.finish();
}

const TAR_HEAD = 512;

/** Looks at the first 512 (decompressed) bytes: a tar streams on, everything else is buffered and classified whole. */
class Sniffer {
  private parts: Uint8Array[] = [];
  private buffered = 0;
  private tar: TarReader | undefined;
  private sniffed = false;
  /** Archive layers already opened around these bytes (1 when the file is gzipped). */
  depth = 0;

  constructor(
    private readonly file: string,
    private readonly found: Found,
  ) {}

  push(chunk: Uint8Array): void {
    if (this.tar) return this.tar.push(chunk);
    this.parts.push(chunk);
    this.buffered += chunk.length;
    checkSize(`${this.file} (decompressed)`, this.buffered);
    if (!this.sniffed && this.buffered >= TAR_HEAD) this.sniff();
  }

  finish(): void {
    if (!this.sniffed) this.sniff();
    if (this.tar) return this.tar.finish();
    classifyBytes(this.file, this.file, concat(this.parts), this.found, this.depth);
  }

  private sniff(): void {
    this.sniffed = true;
    const head = concat(this.parts);
    this.parts = [head];
    if (!isTar(head)) return;
    this.found.budget.enter(this.depth + 1, this.file);
    this.tar = new TarReader(
      this.file,
      (entry) => tarEntrySink(this.file, entry, this.found, this.depth + 1),
      this.found.budget,
    );
    this.parts = [];
    this.tar.push(head);
  }
}

function isTar(head: Uint8Array): boolean {
  return head.length >= 263 && String.fromCharCode(...head.subarray(257, 262)) === 'ustar';
}

/** CIFAR batches stream straight into HWC arrays; other members are collected and classified. */
function tarEntrySink(
  archive: string,
  entry: TarEntry,
  found: Found,
  depth: number,
): TarEntrySink | undefined {
  if (isMetadataPath(entry.name)) return undefined;
  // Before any buffer is sized from the header: a batch reader allocates the declared size at once.
  checkSize(`${archive}/${entry.name}`, entry.size);
  found.budget.reserve(entry.size, `${archive}/${entry.name}`);
  const split = cifarSplit(entry.name);
  if (split) {
    const reader = new CifarBatchReader(archive, entry.name, entry.size);
    return { write: (c) => reader.write(c), end: () => found.cifar.push(reader.end(split)) };
  }
  const parts: Uint8Array[] = [];
  return {
    write: (c) => parts.push(c.slice()),
    end: () => classifyBytes(`${archive}/${entry.name}`, entry.name, concat(parts), found, depth),
  };
}

/** Operating-system litter (`__MACOSX/`, `.DS_Store`, `._x.png`) is not the learner's data: ignored silently. */
function isMetadataPath(path: string): boolean {
  return path.split('/').some((seg) => seg === '__MACOSX' || seg.startsWith('.'));
}

/**
 * Classifies a whole file (or archive member) by content: gzip, tar, zip, idx, CIFAR batch, class
 * list, image. `depth` counts the archive layers already opened around it.
 */
function classifyBytes(file: string, path: string, bytes: Uint8Array, found: Found, depth: number): void {
  if (isMetadataPath(path)) return;
  if (isGzip(bytes)) {
    found.budget.enter(depth + 1, file);
    const out: Uint8Array[] = [];
    const gz = new GunzipStream(file, (c) => out.push(c), found.budget);
    gz.push(bytes);
    gz.finish();
    const inner = concat(out);
    if (isTar(inner)) {
      found.budget.enter(depth + 2, file);
      const tar = new TarReader(file, (entry) => tarEntrySink(file, entry, found, depth + 2), found.budget);
      tar.push(inner);
      tar.finish();
    } else classifyBytes(file, path.replace(/\.gz$/i, ''), inner, found, depth + 1);
    return;
  }
  if (isTar(bytes)) {
    found.budget.enter(depth + 1, file);
    const tar = new TarReader(file, (entry) => tarEntrySink(file, entry, found, depth + 1), found.budget);
    tar.push(bytes);
    tar.finish();
    return;
  }
  if (bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04)
    return classifyZip(file, bytes, found, depth + 1);
  if (isIdx(bytes)) {
    found.idx.push(parseIdx(file, bytes));
    return;
  }
  const split = /\.bin$/i.test(path) ? (cifarSplit(path) ?? 'train') : undefined;
  if (split) {
    const reader = new CifarBatchReader(file, undefined, bytes.length);
    reader.write(bytes);
    found.cifar.push(reader.end(split));
    return;
  }
  if (isCifarMeta(path)) {
    found.cifarNames = parseCifarMeta(new TextDecoder().decode(bytes));
    return;
  }
  if (sniffImage(bytes)) {
    found.images.push({ file, path, bytes });
    return;
  }
  if (/-ubyte$|\.idx\d?$/i.test(path)) {
    // Named like an idx file but without a valid magic: say what is wrong instead of skipping it.
    parseIdx(file, bytes);
  }
  found.skipped.push(file);
}

/** A zip goes through the lab's own reader: CRCs, sizes and names checked, entries charged to the load. */
function classifyZip(file: string, bytes: Uint8Array, found: Found, depth: number): void {
  found.budget.enter(depth, file);
  const { maxEntries, maxBytes } = found.budget.limits;
  let members: Map<string, Uint8Array>;
  try {
    members = readZip(bytes, { maxEntries, maxTotalBytes: maxBytes, budget: found.budget });
  } catch (err) {
    if (err instanceof ZipError || err instanceof UnsafePathError)
      throw new DatasetError(file, `zip archive: ${err.message}`);
    throw err;
  }
  for (const [path, data] of members) classifyBytes(`${file}/${path}`, path, data, found, depth);
}
