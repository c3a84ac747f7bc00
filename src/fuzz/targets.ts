/** Every fuzz target, by a short id: what `scripts/fuzz.ts` runs. */
import { checkpointTarget } from './checkpointTarget';
import { hashTarget, runConfigTarget, schedulerConfigTarget, unetConfigTarget } from './configTargets';
import { configModelTarget, nestedArchiveTarget, trainingDataTarget } from './composedTargets';
import { cifarTarget, idxTarget } from './dataTargets';
import type { FuzzTarget } from './harness';
import { runBundleTarget } from './runBundleTarget';
import { bundleTarget, configFilesTarget, pngTarget, safetensorsTarget, zipTarget } from './ioTargets';

/**
 * Forgets a target's input type. Sound because the harness only ever passes a target's own
 * `generate` output to its own `run` and `describe`.
 */
function erase<I>(make: () => FuzzTarget<I>): () => FuzzTarget<unknown> {
  return make as unknown as () => FuzzTarget<unknown>;
}

/** Target factories by id; a factory builds its seeds when called, so importing this is cheap. */
export const FUZZ_TARGETS: Record<string, () => FuzzTarget<unknown>> = {
  safetensors: erase(safetensorsTarget),
  'config-files': erase(configFilesTarget),
  zip: erase(zipTarget),
  png: erase(pngTarget),
  bundle: erase(bundleTarget),
  'unet-config': erase(unetConfigTarget),
  'scheduler-config': erase(schedulerConfigTarget),
  'run-config': erase(runConfigTarget),
  'url-hash': erase(hashTarget),
  checkpoint: erase(checkpointTarget),
  'run-bundle': erase(runBundleTarget),
  idx: erase(idxTarget),
  cifar: erase(cifarTarget),
  'nested-archives': erase(nestedArchiveTarget),
  'training-data': erase(trainingDataTarget),
  'config-model': erase(configModelTarget),
};
