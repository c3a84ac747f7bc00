/**
 * Zip archives (PKWARE APPNOTE: stored and DEFLATE entries, no ZIP64, no encryption).
 *
 * Reading parses the central directory itself so that everything is checked before a byte is
 * inflated: entry count ≤ `maxEntries` (default {@link ZIP_LIMITS}), the sum of declared sizes ≤
 * `maxTotalBytes`, every record inside the file, names relative with no `..` (path traversal) and
 * no duplicates. Each entry is then inflated into a buffer of exactly its declared size, which a
 * lying entry cannot overrun (see `inflateExact.ts`), and its CRC-32 is verified. Directory
 * entries and macOS metadata (`__MACOSX/`, `.DS_Store`) are dropped. Errors are {@link ZipError}.
 *
 * Writing uses fflate's `zipSync`; weights and images are stored rather than deflated, because
 * float32 weights shrink by only a few percent at a large CPU cost and PNG/GIF are compressed.
 */
import { zipSync } from 'fflate';
import type { Zippable } from 'fflate';
import { crc32 } from './crc32';
import { LoadBudget } from './budget';
import { InflateError, inflateExact } from './inflateExact';

/** Default limits for {@link readZip}: enough for an image-folder dataset or a full pipeline. */
export const ZIP_LIMITS = { maxEntries: 100_000, maxTotalBytes: 2 ** 30 } as const;

/** Limits for {@link readZip}. */
export interface ZipLimits {
  maxEntries?: number;
  maxTotalBytes?: number;
  /**
   * The load this archive is part of (a zip inside another archive): its entries and inflated
   * bytes are charged there too, so the limits hold for all layers together.
   */
  budget?: LoadBudget;
}

/** A malformed, unsupported, oversized or unsafe zip archive. */
export class ZipError extends Error {
  override name = 'ZipError';
}

/** An entry name that would escape the folder it is extracted into, or is otherwise unusable. */
export class UnsafePathError extends Error {
  override name = 'UnsafePathError';
}

const EOCD_SIG = 0x06054b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;

interface CentralEntry {
  name: string;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

/**
 * Normalises a relative path from an archive or a picked folder: backslashes become `/`, empty and
 * `.` segments go. Throws {@link UnsafePathError} for an absolute path, a drive letter, a `..`
 * segment or a NUL character.
 */
export function normalizeRelativePath(path: string): string {
  if (path.includes('\0')) throw new UnsafePathError(`path ${JSON.stringify(path)} contains a NUL character`);
  const unified = path.replace(/\\/g, '/');
  if (unified.startsWith('/') || /^[A-Za-z]:/.test(unified))
    throw new UnsafePathError(`path ${JSON.stringify(path)} is absolute`);
  const segments = unified.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..'))
    throw new UnsafePathError(`path ${JSON.stringify(path)} climbs out of its folder with ".."`);
  return segments.join('/');
}

/** True for files that archivers add but nobody means to ship (macOS resource forks, Finder data). */
export function isArchiveJunk(path: string): boolean {
  return path.startsWith('__MACOSX/') || path === '.DS_Store' || path.endsWith('/.DS_Store');
}

/** Extracts every file of a zip archive into a map from normalised path to contents. */
export function readZip(bytes: Uint8Array, limits: ZipLimits = {}): Map<string, Uint8Array> {
  const maxEntries = limits.maxEntries ?? ZIP_LIMITS.maxEntries;
  const maxTotal = limits.maxTotalBytes ?? ZIP_LIMITS.maxTotalBytes;
  const budget =
    limits.budget ??
    new LoadBudget(
      { maxBytes: maxTotal, maxEntries },
      (where, problem) => new ZipError(`${where}: ${problem}`),
    );
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entries = readCentralDirectory(bytes, view, maxEntries);
  budget.entries(entries.length, 'zip archive');
  const kept = entries.filter((e) => !/[/\\]$/.test(e.name));
  const paths = kept.map((e) => safePath(e.name));
  const total = kept.reduce((sum, e, i) => sum + (isArchiveJunk(paths[i]) ? 0 : e.size), 0);
  if (total > maxTotal)
    throw new ZipError(`archive would inflate to ${total} bytes, over the ${maxTotal}-byte limit`);
  budget.reserve(total, 'zip archive');

  const files = new Map<string, Uint8Array>();
  kept.forEach((e, i) => {
    const path = paths[i];
    if (isArchiveJunk(path)) return;
    if (files.has(path)) throw new ZipError(`entry "${path}" appears twice`);
    files.set(
      path,
      extract(bytes, view, e, (n) => budget.spend(n, `zip entry "${path}"`)),
    );
  });
  return files;
}

function safePath(name: string): string {
  try {
    const path = normalizeRelativePath(name);
    if (path === '') throw new UnsafePathError(`entry name ${JSON.stringify(name)} is empty`);
    return path;
  } catch (e) {
    throw new ZipError(`unsafe entry name: ${(e as Error).message}`);
  }
}

function readCentralDirectory(bytes: Uint8Array, view: DataView, maxEntries: number): CentralEntry[] {
  if (bytes.length < EOCD_SIZE)
    throw new ZipError(`file is ${bytes.length} bytes, too short for a zip archive`);
  let eocd = -1;
  for (let p = bytes.length - EOCD_SIZE; p >= Math.max(0, bytes.length - EOCD_SIZE - MAX_COMMENT); p--) {
    if (view.getUint32(p, true) === EOCD_SIG) {
      eocd = p;
      break;
    }
  }
  if (eocd < 0) throw new ZipError('no end-of-central-directory record: not a zip archive, or truncated');
  const disk = view.getUint16(eocd + 4, true);
  const cdDisk = view.getUint16(eocd + 6, true);
  const count = view.getUint16(eocd + 10, true);
  const cdSize = view.getUint32(eocd + 12, true);
  const cdOffset = view.getUint32(eocd + 16, true);
  if (disk !== 0 || cdDisk !== 0) throw new ZipError('multi-volume (split) archives are not supported');
  if (count === 0xffff || cdOffset === 0xffffffff || cdSize === 0xffffffff)
    throw new ZipError('ZIP64 archives are not supported');
  if (count > maxEntries) throw new ZipError(`archive has ${count} entries, over the limit of ${maxEntries}`);
  if (cdOffset + cdSize > eocd)
    throw new ZipError(
      `central directory [${cdOffset}, ${cdOffset + cdSize}) runs past its end record at ${eocd}`,
    );

  const entries: CentralEntry[] = [];
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cdOffset + cdSize || view.getUint32(p, true) !== CENTRAL_SIG)
      throw new ZipError(`central directory record ${i} is missing or corrupt`);
    const flags = view.getUint16(p + 8, true);
    const nameLength = view.getUint16(p + 28, true);
    const recordEnd = p + 46 + nameLength + view.getUint16(p + 30, true) + view.getUint16(p + 32, true);
    if (recordEnd > cdOffset + cdSize)
      throw new ZipError(`central directory record ${i} runs past the directory`);
    const name = decodeName(bytes.subarray(p + 46, p + 46 + nameLength), (flags & 0x800) !== 0);
    if (flags & 1) throw new ZipError(`entry "${name}" is encrypted`);
    entries.push({
      name,
      method: view.getUint16(p + 10, true),
      crc: view.getUint32(p + 16, true),
      compressedSize: view.getUint32(p + 20, true),
      size: view.getUint32(p + 24, true),
      localOffset: view.getUint32(p + 42, true),
    });
    p = recordEnd;
  }
  return entries;
}

/** Names are UTF-8 when flagged; unflagged names are usually ASCII, so try UTF-8, else Latin-1. */
function decodeName(raw: Uint8Array, utf8: boolean): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    if (utf8) throw new ZipError(`entry name is flagged UTF-8 but is not (${raw.length} bytes)`);
    return Array.from(raw, (b) => String.fromCharCode(b)).join('');
  }
}

function extract(
  bytes: Uint8Array,
  view: DataView,
  e: CentralEntry,
  charge: (bytes: number) => void,
): Uint8Array {
  const where = `entry "${e.name}"`;
  const p = e.localOffset;
  if (p + 30 > bytes.length || view.getUint32(p, true) !== LOCAL_SIG)
    throw new ZipError(`${where}: local header at ${p} is missing or corrupt`);
  checkLocalHeader(view, p, e, where);
  const start = p + 30 + view.getUint16(p + 26, true) + view.getUint16(p + 28, true);
  const end = start + e.compressedSize;
  if (end > bytes.length)
    throw new ZipError(
      `${where}: data [${start}, ${end}) runs past the end of the ${bytes.length}-byte archive`,
    );
  const compressed = bytes.subarray(start, end);
  let data: Uint8Array;
  if (e.method === 0) {
    if (e.compressedSize !== e.size)
      throw new ZipError(`${where}: stored entry declares ${e.size} bytes but holds ${e.compressedSize}`);
    charge(e.size);
    data = compressed.slice();
  } else if (e.method === 8 && e.size === 0 && e.compressedSize === 0) {
    // Some archivers mark empty files as deflated without writing even an empty block.
    data = new Uint8Array(0);
  } else if (e.method === 8) {
    try {
      data = inflateExact(compressed, e.size, 'deflate', charge);
    } catch (err) {
      if (err instanceof InflateError) throw new ZipError(`${where}: ${err.message}`);
      throw err;
    }
  } else {
    throw new ZipError(
      `${where}: compression method ${e.method} is not supported (only 0 stored and 8 deflate)`,
    );
  }
  const crc = crc32(data);
  if (crc !== e.crc)
    throw new ZipError(`${where}: CRC-32 ${hex(crc)} does not match the recorded ${hex(e.crc)}`);
  return data;
}

/**
 * The local header repeats the central directory's flags, method, CRC and sizes; an archive whose
 * two copies disagree has been tampered with or cut and pasted, and either copy could be the lie.
 * When bit 3 is set the local CRC and sizes may be zero (they follow the data instead).
 */
function checkLocalHeader(view: DataView, p: number, e: CentralEntry, where: string): void {
  const flags = view.getUint16(p + 6, true);
  if (flags & 1) throw new ZipError(`${where} is encrypted`);
  const method = view.getUint16(p + 8, true);
  if (method !== e.method)
    throw new ZipError(`${where}: local header says compression method ${method}, the directory ${e.method}`);
  if (flags & 8) return;
  const local = {
    crc: view.getUint32(p + 14, true),
    compressedSize: view.getUint32(p + 18, true),
    size: view.getUint32(p + 22, true),
  };
  for (const key of ['crc', 'compressedSize', 'size'] as const)
    if (local[key] !== e[key])
      throw new ZipError(
        `${where}: local header declares ${key === 'crc' ? 'CRC-32' : key === 'size' ? 'size' : 'compressed size'} ${local[key]}, the central directory ${e[key]}`,
      );
}

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

/** Extensions whose contents are already dense, so deflating them wastes time. */
const STORED = /\.(safetensors|png|gif|zip|gz|npz)$/i;

/** Builds a zip archive from path → contents (paths are normalised and must be safe). */
export function writeZip(files: ReadonlyMap<string, Uint8Array>): Uint8Array {
  // No prototype, so an entry called "__proto__" or "constructor" is just a name.
  const zippable = Object.create(null) as Zippable;
  for (const [name, data] of files) {
    let path: string;
    try {
      path = normalizeRelativePath(name);
    } catch (e) {
      throw new ZipError(`cannot write entry: ${(e as Error).message}`);
    }
    if (path === '') throw new ZipError(`cannot write an entry with the empty name ${JSON.stringify(name)}`);
    if (Object.hasOwn(zippable, path)) throw new ZipError(`entry "${path}" given twice`);
    zippable[path] = [data, { level: STORED.test(path) ? 0 : 6 }];
  }
  return zipSync(zippable);
}
