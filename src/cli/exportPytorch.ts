/**
 * `ddpm-lab export-pytorch --run RUN.zip|DIR --out DIR [--data PATH]`: a run as a diffusers +
 * accelerate project (see src/pytorch/project.ts). RUN.zip is an Export run zip, DIR a folder
 * holding its files or a `ddpm-lab train --out` folder: either way `checkpoint.safetensors` is
 * what is continued. The run's images come from public/ for the built-in datasets and from
 * --data for user files; CIFAR-10 stays in its official archive, which train.py reads.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readZip } from '../io/zip';
import { pytorchProjectFiles, type PytorchTemplates } from '../pytorch/project';
import { prepareTrainingData } from '../training/batch';
import { decodeCheckpoint } from '../training/checkpoint';
import { parseArgs, requireFlag, UsageError } from './args';
import type { Output } from './output';
import { loadData, ROOT } from './train';

/** Usage line shown by --help and on errors. */
export const EXPORT_PYTORCH_USAGE = 'ddpm-lab export-pytorch --run RUN.zip|DIR --out DIR [--data PATH]';

const FLAGS = { run: true, out: true, data: true };

/** The templates, read from the repository (the worker bundles the same files with `?raw`). */
function templates(): PytorchTemplates {
  const read = (name: string) => readFileSync(join(ROOT, 'src/pytorch/templates', name), 'utf8');
  return { trainPy: read('train.py'), readme: read('README.md') };
}

/** checkpoint.safetensors of an Export run zip or a run folder. */
function readCheckpoint(path: string): Uint8Array {
  if (!existsSync(path)) throw new UsageError(`export-pytorch: --run ${path} does not exist`);
  const name = 'checkpoint.safetensors';
  if (statSync(path).isDirectory()) {
    const file = join(path, name);
    if (!existsSync(file))
      throw new UsageError(
        `export-pytorch: ${path} has no ${name}; give an Export run zip or a folder written by ddpm-lab train --out`,
      );
    return readFileSync(file);
  }
  let files;
  try {
    files = readZip(readFileSync(path));
  } catch (e) {
    throw new UsageError(
      `export-pytorch: --run ${path} is neither a folder nor a readable zip: ${(e as Error).message}`,
    );
  }
  const entry = [...files.keys()].find((p) => p === name || p.endsWith(`/${name}`));
  if (!entry) throw new UsageError(`export-pytorch: ${path} has no ${name}; is it an Export run zip?`);
  return files.get(entry)!;
}

/** Writes the project folder; prints one JSON line. */
export async function exportPytorchCommand(argv: readonly string[], out: Output): Promise<number> {
  const args = parseArgs(argv, FLAGS, 'export-pytorch');
  if (args.positionals.length)
    throw new UsageError(`export-pytorch takes no positional arguments; usage: ${EXPORT_PYTORCH_USAGE}`);
  const runPath = requireFlag(args, 'run', 'export-pytorch');
  const outDir = requireFlag(args, 'out', 'export-pytorch');
  if (existsSync(outDir) && (!statSync(outDir).isDirectory() || readdirSync(outDir).length > 0))
    throw new UsageError(`export-pytorch: --out ${outDir} exists and is not an empty folder; pick a new one`);

  const checkpoint = decodeCheckpoint(readCheckpoint(runPath));
  const config = checkpoint.meta.config;
  const data = args.flags.get('data') as string | undefined;
  const dataset =
    config.data.dataset === 'cifar10'
      ? null
      : prepareTrainingData(await loadData(config, data, 'export-pytorch'), config).dataset;
  const files = pytorchProjectFiles({ checkpoint, dataset, templates: templates() });
  for (const [path, bytes] of files) {
    mkdirSync(dirname(join(outDir, path)), { recursive: true });
    writeFileSync(join(outDir, path), bytes);
  }
  out.stdout(
    JSON.stringify({
      out: outDir,
      step: checkpoint.state.step,
      dataset: config.data.dataset,
      files: [...files.keys()],
      next: `cd ${outDir} && accelerate launch train.py`,
    }),
  );
  return 0;
}
