#!/usr/bin/env node
// Launcher: runs the command line bundled to JavaScript by `npm run build:cli` (which `npm install`
// runs as its prepare step); no TypeScript loader at run time.
import { existsSync } from 'node:fs';

const main = new URL('../build/cli/main.mjs', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('ddpm-lab: the command line is not built yet; run `npm run build:cli` (npm install runs it)\n');
  process.exit(1);
}
// Stack traces (--debug) name the TypeScript sources.
process.setSourceMapsEnabled(true);
await import(main.href);
