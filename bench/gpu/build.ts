/**
 * Builds the self-contained GPU benchmark into the folder given (default bench/out/gpu): the
 * runner (bench/run.ts) and the Node case as esbuild bundles, with no node_modules needed.
 * bench/gpu/prepare.sh calls this, then adds Node, Dawn and a Vulkan loader.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { buildBundles, buildRunner } from '../lib/build';

const out = process.argv[2] ?? join('bench', 'out', 'gpu');
await mkdir(out, { recursive: true });
await buildBundles(out);
await buildRunner(join(out, 'bench.mjs'));
console.log(`built ${out}/bench.mjs, node-case.mjs, browser-case.js`);
