/**
 * `ddpm-lab data PATH...` — loads a dataset with the same loaders as the app and prints ONE JSON
 * object: {"train": {"images", "height", "width", "channels", "per_class"}, "test": {...}}
 * (test only when the data has one). A bad file exits 1 with a one-line message on stderr.
 *
 *   ddpm-lab data cifar-10-binary.tar.gz
 *   ddpm-lab data train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz --class 3
 *
 * PATH may be a file or a folder (read recursively; sub-folder names are class names). Images in
 * a folder or zip are PNGs here (the browser also reads JPEG and WebP).
 */
import { closeSync, createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import type { ByteSource } from '../data/types';
import { DatasetError, checkSize } from '../data/errors';
import { loadDataset, type LoadResult } from '../data/load';
import { decodePngImage } from '../data/pngDecode';
import { filterClass } from '../data/filter';
import { summarize } from '../data/summary';
import { parseArgs, UsageError } from './args';
import { FileError, MAX_INPUT_BYTES, checkRegular, openRegular } from './files';
import type { Output } from './output';

/** Usage line shown by --help and on errors. */
export const DATA_USAGE =
  'ddpm-lab data PATH... [--class NAME]   (CIFAR-10 .tar.gz/.bin, idx files, image folders)';

/** Prints the dataset summary as one JSON line; warnings go to stderr. */
export async function dataCommand(argv: readonly string[], out: Output): Promise<number> {
  const args = parseArgs(argv, { class: true }, 'data');
  const paths = args.positionals;
  if (paths.length === 0) throw new UsageError(`data: no PATH given; usage: ${DATA_USAGE}`);
  const cls = args.flags.get('class');
  const { pair, warnings } = await loadPaths(paths);
  for (const w of warnings) out.stderr(`warning: ${w}`);
  out.stdout(JSON.stringify(summarize(typeof cls === 'string' ? filterClass(pair, cls) : pair)));
  return 0;
}

/** Loads one dataset from files and folders as every CLI command does: streamed, PNG images decoded. */
export async function loadPaths(paths: readonly string[]): Promise<LoadResult> {
  const sources = (await Promise.all(paths.map(sourcesAt))).flat();
  return loadDataset(sources, {
    name: paths.length === 1 ? basename(paths[0]) : undefined,
    decodeImage: decodePngImage,
  });
}

/** Node's errors for a missing or unreadable path, said the way the rest of the CLI says things. */
async function statPath(path: string) {
  try {
    return await stat(path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new DatasetError(path, 'no such file or folder');
    if (e.code === 'EACCES') throw new DatasetError(path, 'permission denied');
    throw err;
  }
}

/** A file as a streamed source; a folder as its files (hidden ones skipped), named by their path inside it. */
async function sourcesAt(path: string): Promise<ByteSource[]> {
  const info = await statPath(path);
  if (!info.isDirectory()) {
    checkRegular(path, info, MAX_INPUT_BYTES);
    return [fileSource(basename(path), path, info.size)];
  }
  const files: ByteSource[] = [];
  for (const entry of await readdir(path, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = join(entry.parentPath, entry.name);
    const rel = relative(path, full).split('\\').join('/');
    if (rel.split('/').some((seg) => seg.startsWith('.'))) continue;
    files.push(fileSource(rel, full, (await stat(full)).size));
  }
  files.sort((a, b) => a.name.localeCompare(b.name));
  if (files.length === 0) throw new DatasetError(path, 'folder holds no files');
  return files;
}

/**
 * A file streamed from disk. The open descriptor is checked again (a regular file of the size seen
 * when listing), and the stream stops at that size, so a file that grows or is swapped for a FIFO
 * or `/dev/zero` after the listing cannot feed the loader more than it announced.
 */
function fileSource(name: string, path: string, size: number): ByteSource {
  checkSize(name, size);
  return {
    name,
    size,
    chunks: () => {
      const { fd, size: now } = openRegular(path, MAX_INPUT_BYTES);
      if (now !== size)
        throw new FileError(`${path}: changed size while being read (${size} → ${now} bytes)`);
      if (size === 0) {
        closeSync(fd);
        return (async function* () {})();
      }
      return createReadStream(path, { fd, start: 0, end: size - 1, highWaterMark: 4 << 20 });
    },
  };
}
