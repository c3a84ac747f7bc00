#!/usr/bin/env node
// Makes sure a Chromium for the browser tests exists; installs Debian's when it can, never skips.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (existsSync(path)) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = existsSync('/usr/bin/apt-get');
if (isRoot && hasApt && !process.env.CHROMIUM_PATH) {
  console.log(`No Chromium at ${path}: installing Debian's chromium with apt-get…`);
  execSync('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium', { stdio: 'inherit' });
  if (existsSync(path)) process.exit(0);
}
console.error(
  `The browser tests need Chromium at ${path} and none is there.\n` +
    (hasApt ? '  Install it with:  sudo apt-get install -y chromium\n' : '') +
    '  Or point CHROMIUM_PATH at a Chromium/Chrome 113+ binary:  CHROMIUM_PATH=/path/to/chrome npm test',
);
process.exit(1);
