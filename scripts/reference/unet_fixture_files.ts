/** Reads a U-Net parity fixture from disk (Node only; see unet_fixtures.ts). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseUNetFixture, unetFixtureFile, type UNET_FIXTURES, type UNetFixture } from './unet_fixtures';

/** Loads `fixtures/unet_<name>.safetensors`. */
export function loadUNetFixture(name: (typeof UNET_FIXTURES)[number]): UNetFixture {
  const path = fileURLToPath(new URL(`./${unetFixtureFile(name)}`, import.meta.url));
  return parseUNetFixture(path, readFileSync(path));
}
