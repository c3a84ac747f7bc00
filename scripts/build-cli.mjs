#!/usr/bin/env node
/**
 * Bundles the command line (src/cli/main.ts) to JavaScript in build/cli/main.mjs with esbuild, so
 * `ddpm-lab` runs on plain Node without a TypeScript loader. npm packages stay imports (resolved
 * from node_modules at run time). `npm install` runs this as `prepare`; Vitest runs it as its
 * global setup, so the CLI tests always spawn the current sources.
 *
 *   node scripts/build-cli.mjs      (npm run build:cli)
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Builds the CLI; throws (with esbuild's messages printed) when the sources do not compile. */
export default async function buildCli() {
  await build({
    absWorkingDir: root,
    entryPoints: ['src/cli/main.ts'],
    outfile: 'build/cli/main.mjs',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    // --debug prints stack traces: the launcher enables source maps so they name the .ts lines.
    sourcemap: 'linked',
    logLevel: 'warning',
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildCli();
