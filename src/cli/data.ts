/**
 * `ddpm-lab data PATH...` — loads a dataset with the same loaders as the app and prints ONE JSON
 * object: {"train": {"images", "height", "width", "channels", "per_class"}, "test": {...}}
 * (test only when the data has one). A bad file exits 1 with a one-line message on stderr.
 *
 *   npx tsx src/cli/data.ts ../shared/data/cifar10/cifar-10-binary-subset.tar.gz
 *   ddpm-lab data train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz --class 3
 *
 * PATH may be a file or a folder (read recursively; sub-folder names are class names).
 */
import { createReadStream, realpathSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ByteSource } from '../data/types';
import { DatasetError, checkSize } from '../data/errors';
import { loadDataset } from '../data/load';
import { filterClass } from '../data/filter';
import { summarize } from '../data/summary';

const USAGE = 'usage: ddpm-lab data PATH... [--class NAME]';

export interface DataCommandIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

const processIo: DataCommandIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** Runs `data` with the arguments after the sub-command; resolves to the exit code (0, 1 bad data, 2 bad usage). */
export async function runDataCommand(args: string[], io: DataCommandIo = processIo): Promise<number> {
  const paths: string[] = [];
  let cls: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--class') {
      cls = args[++i];
      if (cls === undefined) return usage(io, '--class needs a class name or index');
    } else if (a === '-h' || a === '--help') {
      io.out(USAGE);
      return 0;
    } else if (a.startsWith('-')) return usage(io, `unknown option ${a}`);
    else paths.push(a);
  }
  if (paths.length === 0) return usage(io, 'no PATH given');
  try {
    const sources = (await Promise.all(paths.map(sourcesAt))).flat();
    const { pair, warnings } = await loadDataset(sources, {
      name: paths.length === 1 ? basename(paths[0]) : undefined,
    });
    for (const w of warnings) io.err(`warning: ${w}`);
    io.out(JSON.stringify(summarize(cls === undefined ? pair : filterClass(pair, cls))));
    return 0;
  } catch (err) {
    io.err(`ddpm-lab data: ${oneLine(err)}`);
    return 1;
  }
}

function usage(io: DataCommandIo, problem: string): number {
  io.err(`ddpm-lab data: ${problem}`);
  io.err(USAGE);
  return 2;
}

function oneLine(err: unknown): string {
  if (err instanceof DatasetError) return err.message;
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ENOENT') return `${e.path}: no such file or folder`;
  if (e?.code === 'EACCES') return `${e.path}: permission denied`;
  return (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ');
}

/** A file as a streamed source; a folder as its files (hidden ones skipped), named by their path inside it. */
async function sourcesAt(path: string): Promise<ByteSource[]> {
  const info = await stat(path);
  if (!info.isDirectory()) return [fileSource(basename(path), path, info.size)];
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

function fileSource(name: string, path: string, size: number): ByteSource {
  checkSize(name, size);
  return { name, size, chunks: () => createReadStream(path, { highWaterMark: 4 << 20 }) };
}

const invokedDirectly =
  process.argv[1] !== undefined &&
  /[\\/]cli[\\/]data\.[cm]?[jt]s$/.test(process.argv[1]) &&
  realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly)
  void runDataCommand(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
