/**
 * Reads a model PATH from disk into the path → bytes map that `readModelBundle` takes: a unet or
 * pipeline folder, a .zip of either, or a .safetensors with its config.json beside it.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { readModelBundle, type ModelBundle } from '../io/pipeline';
import { UsageError } from './args';
import { readRegularFile } from './files';

/** Files a model folder may hold that matter for loading; anything else (images, READMEs) is not read. */
const RELEVANT = /(\.json|\.safetensors)$/i;
/** Checkpoint formats the bundle reader refuses by name; passed on empty so it can say why. */
const NAMED_ONLY = /\.(bin|ckpt|pt|pth)$/i;
const MAX_DEPTH = 3;

/** Loads and validates the model at PATH (config and tensors, not yet checked against each other). */
export function readModelPath(path: string): ModelBundle {
  if (!existsSync(path)) throw new UsageError(`${path} does not exist`);
  const stat = statSync(path);
  if (stat.isDirectory()) return readModelBundle(readFolder(path));
  if (/\.zip$/i.test(path)) return readModelBundle(new Map([[basename(path), readRegularFile(path)]]));
  if (/\.safetensors$/i.test(path)) {
    const files = new Map<string, Uint8Array>([[basename(path), readRegularFile(path)]]);
    for (const name of ['config.json', 'scheduler_config.json']) {
      const beside = join(dirname(path), name);
      if (existsSync(beside)) files.set(name, readRegularFile(beside));
    }
    return readModelBundle(files);
  }
  throw new UsageError(
    `${path}: expected a unet or pipeline folder, a .zip, or a .safetensors with a config.json beside it`,
  );
}

function readFolder(root: string): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const walk = (dir: string, depth: number) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory() && depth < MAX_DEPTH) walk(full, depth + 1);
      else if (entry.isFile() && RELEVANT.test(entry.name))
        files.set(relative(root, full), readRegularFile(full));
      else if (entry.isFile() && NAMED_ONLY.test(entry.name))
        files.set(relative(root, full), new Uint8Array(0));
    }
  };
  walk(root, 0);
  return files;
}
