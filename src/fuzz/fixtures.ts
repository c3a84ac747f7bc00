/**
 * Seed files written by the independent Python references under `scripts/reference/fixtures/`
 * (every PNG format, a safetensors file with every dtype, a zip from Python's zipfile, ustar/GNU/
 * pax tar archives): valid inputs that the lab's own writers did not produce.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

const FIXTURES = new URL('../../scripts/reference/fixtures/', import.meta.url);

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as Record<string, unknown>;
}

const b64 = (s: unknown) => new Uint8Array(Buffer.from(s as string, 'base64'));

/** The PNG decoder's reference images: gray, gray + alpha, RGB(A), palette, 1–16 bits, Adam7. */
export function pngFixtures(): Uint8Array[] {
  return (fixture('io_png.json').cases as { png: string }[]).map((c) => b64(c.png));
}

/** Python-written safetensors files: every dtype with metadata, and a layout example. */
export function safetensorsFixtures(): Uint8Array[] {
  const f = fixture('io_safetensors.json');
  return [b64(f.mixed), b64(f.layout)];
}

/** A zip written by Python's zipfile: a pipeline folder, a UTF-8 name, an empty and a streamed entry. */
export function zipFixture(): Uint8Array {
  return b64(fixture('io_zip.json').zip);
}

/** GNU tar archives in ustar, GNU long-name and pax flavours (stored gzipped in the fixture). */
export function tarFixtures(): Uint8Array[] {
  const archives = fixture('data_tar.json').archives as Record<string, string>;
  return Object.values(archives).map((a) => new Uint8Array(gunzipSync(b64(a))));
}
