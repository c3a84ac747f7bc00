/**
 * esbuild bundles of the environment entries. `@tensorflow/tfjs` (what the model imports) is
 * mapped to `@tensorflow/tfjs-core`, so a bundle carries the core and only the backends its entry
 * imports, once each, and no tfjs-layers/converter/data.
 */
import type { BuildOptions } from 'esbuild';
import { join } from 'node:path';

const COMMON: BuildOptions = {
  bundle: true,
  format: 'esm',
  target: 'es2022',
  // ESM everywhere ('module' first): mixing a package's CJS and ESM builds would load tfjs-core twice.
  mainFields: ['module', 'main'],
  alias: { '@tensorflow/tfjs': '@tensorflow/tfjs-core' },
  logLevel: 'warning',
  legalComments: 'none',
  // The dispatch tallies name WebGPU programs by class: keep the names esbuild would dedupe.
  keepNames: true,
};

/** Paths of the built bundles. */
export interface Bundles {
  node: string;
  browser: string;
}

/** Builds the Node case (bench/env/node.ts) and the browser case (bench/env/browser.ts) into `outDir`. */
export async function buildBundles(outDir: string): Promise<Bundles> {
  const node = join(outDir, 'node-case.mjs');
  const browser = join(outDir, 'browser-case.js');
  // Imported when used: the bundled runner (bench/gpu) has no esbuild and never builds.
  const { build } = await import('esbuild');
  await Promise.all([
    build({
      ...COMMON,
      entryPoints: ['bench/env/node.ts'],
      outfile: node,
      platform: 'node',
      // tfjs-core's Node platform probes these with require(); they are absent and unused here.
      external: ['node-fetch', 'util', 'worker_threads'],
      banner: {
        js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
      },
    }),
    build({ ...COMMON, entryPoints: ['bench/env/browser.ts'], outfile: browser, platform: 'browser' }),
  ]);
  return { node, browser };
}

/** Bundles the runner itself (bench/run.ts) for machines without node_modules; see bench/gpu/. */
export async function buildRunner(outfile: string): Promise<void> {
  const { build } = await import('esbuild');
  await build({
    ...COMMON,
    entryPoints: ['bench/run.ts'],
    outfile,
    platform: 'node',
    external: ['playwright-core', 'esbuild', 'node-fetch'],
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
  });
}
