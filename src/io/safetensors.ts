/**
 * safetensors (https://github.com/huggingface/safetensors), the weight format diffusers writes:
 * 8 bytes little-endian u64 header length N, N bytes of UTF-8 JSON
 * `{"__metadata__": {str: str}, name: {"dtype", "shape", "data_offsets": [begin, end]}, ...}`,
 * then the data section, which the tensors' byte ranges (relative to its start) tile exactly.
 *
 * Reading is strict and allocation-free until the whole header has been checked: header length
 * at most {@link MAX_HEADER_BYTES} (the reference implementation's 100 MB limit) and inside the
 * file, a JSON object, string metadata, known dtypes, non-negative integer shapes whose element
 * count times the dtype size equals the tensor's byte range, and ranges that cover the data
 * section with no gap and no overlap. Any violation throws {@link SafetensorsError} naming the
 * tensor. Every dtype is returned as float32 (`I64`/`I32` too, for small integer tensors like a
 * `timestep`; integers beyond ±2^24 round). Non-finite values are not an error but are listed in
 * `nonFinite` so callers can warn.
 *
 * Writing produces F32 (and I64 on request) laid out as the reference writer does: tensors
 * ordered by dtype (larger first, which keeps every tensor aligned) then name, compact JSON,
 * header padded with spaces to a multiple of 8 bytes.
 */

import { describeValue, isPlainObject } from './json';

/** Largest header the reader accepts, as in the reference implementation. */
export const MAX_HEADER_BYTES = 100_000_000;

/** Element types the reader decodes, with their size in bytes. */
const DTYPE_BYTES = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
} as const;

/** A dtype name as it appears in the header. */
export type SafetensorsDtype = keyof typeof DTYPE_BYTES;

/** One tensor as read: `data` holds its values converted to float32, row-major in `shape`. */
export interface SafetensorsTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  data: Float32Array;
}

/** Everything a file holds, plus the names of tensors containing NaN or ±Infinity. */
export interface SafetensorsFile {
  tensors: Map<string, SafetensorsTensor>;
  metadata: Record<string, string>;
  nonFinite: string[];
}

/** A tensor to write; `data` is row-major in `shape`, `dtype` defaults to F32 (I64 needs integers). */
export interface TensorToWrite {
  dtype?: SafetensorsDtype;
  shape: readonly number[];
  data: ArrayLike<number>;
}

/** Any malformed, hostile or unwritable safetensors input. */
export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
}

/** Reader limits; the default is the reference implementation's. */
export interface ReadSafetensorsOptions {
  maxHeaderBytes?: number;
}

interface Entry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  begin: number;
  end: number;
}

const METADATA_KEY = '__metadata__';

/** Parses and validates a whole safetensors file; see the module comment for the checks. */
export function readSafetensors(bytes: Uint8Array, opts: ReadSafetensorsOptions = {}): SafetensorsFile {
  const maxHeader = opts.maxHeaderBytes ?? MAX_HEADER_BYTES;
  if (bytes.length < 8)
    throw new SafetensorsError(`file is ${bytes.length} bytes, too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = view.getUint32(0, true);
  const hi = view.getUint32(4, true);
  const headerLength = hi * 2 ** 32 + lo;
  if (headerLength > maxHeader)
    throw new SafetensorsError(`header length ${headerLength} exceeds the limit of ${maxHeader} bytes`);
  if (headerLength > bytes.length - 8) {
    throw new SafetensorsError(
      `header length ${headerLength} runs past the end of the file (${bytes.length - 8} bytes after the length field)`,
    );
  }
  const dataBytes = bytes.length - 8 - headerLength;
  const { entries, metadata } = parseHeader(bytes.subarray(8, 8 + headerLength), dataBytes);

  const data = bytes.subarray(8 + headerLength);
  const dataView = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const tensors = new Map<string, SafetensorsTensor>();
  const nonFinite: string[] = [];
  for (const e of entries) {
    const values = decode(dataView, e);
    if (!allFinite(values)) nonFinite.push(e.name);
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data: values });
  }
  return { tensors, metadata, nonFinite };
}

function parseHeader(
  headerBytes: Uint8Array,
  dataBytes: number,
): { entries: Entry[]; metadata: Record<string, string> } {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch {
    throw new SafetensorsError('header is not valid UTF-8');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new SafetensorsError(`header is not valid JSON (${(e as Error).message})`);
  }
  if (!isPlainObject(json))
    throw new SafetensorsError(`header must be a JSON object, got ${describeValue(json)}`);
  let metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, value] of Object.entries(json)) {
    if (name === METADATA_KEY) metadata = parseMetadata(value);
    else entries.push(parseEntry(name, value, dataBytes));
  }
  checkTiling(entries, dataBytes);
  return { entries, metadata };
}

function parseMetadata(value: unknown): Record<string, string> {
  if (!isPlainObject(value)) throw new SafetensorsError(`${METADATA_KEY} must be an object of strings`);
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string')
      throw new SafetensorsError(`${METADATA_KEY}["${k}"] must be a string, got ${JSON.stringify(v)}`);
  }
  return value as Record<string, string>;
}

function parseEntry(name: string, value: unknown, dataBytes: number): Entry {
  const where = `tensor "${name}"`;
  if (!isPlainObject(value))
    throw new SafetensorsError(`${where}: entry must be an object with dtype, shape and data_offsets`);
  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== 'string' || !Object.hasOwn(DTYPE_BYTES, dtype)) {
    throw new SafetensorsError(
      `${where}: dtype ${JSON.stringify(dtype)} is not one of ${Object.keys(DTYPE_BYTES).join(', ')}`,
    );
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new SafetensorsError(
      `${where}: shape ${JSON.stringify(shape)} must be an array of non-negative integers`,
    );
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)
  ) {
    throw new SafetensorsError(
      `${where}: data_offsets ${JSON.stringify(offsets)} must be two non-negative integers`,
    );
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end)
    throw new SafetensorsError(`${where}: data_offsets [${begin}, ${end}] begin after they end`);
  if (end > dataBytes)
    throw new SafetensorsError(
      `${where}: data_offsets [${begin}, ${end}] run past the ${dataBytes}-byte data section`,
    );
  const size = DTYPE_BYTES[dtype as SafetensorsDtype];
  const needed = byteCount(shape as number[], size, end - begin);
  if (needed !== end - begin) {
    throw new SafetensorsError(
      `${where}: shape [${shape.join(', ')}] × ${dtype} needs ${needed} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`,
    );
  }
  return { name, dtype: dtype as SafetensorsDtype, shape: shape as number[], begin, end };
}

/** Bytes a shape needs; stops multiplying once past `limit` so hostile shapes cannot lose precision. */
function byteCount(shape: readonly number[], size: number, limit: number): number {
  if (shape.includes(0)) return 0;
  let bytes = size;
  for (const d of shape) {
    bytes *= d;
    if (bytes > limit) return bytes;
  }
  return bytes;
}

/** The byte ranges must tile [0, dataBytes) exactly, as the reference reader insists. */
function checkTiling(entries: Entry[], dataBytes: number): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  let prev = '';
  for (const e of sorted) {
    if (e.begin < at)
      throw new SafetensorsError(
        `tensor "${e.name}": data_offsets [${e.begin}, ${e.end}] overlap tensor "${prev}", which ends at ${at}`,
      );
    if (e.begin > at)
      throw new SafetensorsError(
        `tensor "${e.name}": data_offsets [${e.begin}, ${e.end}] leave a gap of ${e.begin - at} bytes after ${prev ? `tensor "${prev}"` : 'the header'}`,
      );
    at = e.end;
    prev = e.name;
  }
  if (at !== dataBytes)
    throw new SafetensorsError(
      `data section is ${dataBytes} bytes but the tensors cover only ${at}${prev ? ` (last: "${prev}")` : ''}`,
    );
}

function decode(view: DataView, e: Entry): Float32Array {
  const n = (e.end - e.begin) / DTYPE_BYTES[e.dtype];
  const out = new Float32Array(n);
  const b = e.begin;
  switch (e.dtype) {
    case 'F32':
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(b + 4 * i, true);
      break;
    case 'F64':
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(b + 8 * i, true);
      break;
    case 'F16':
      for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(b + 2 * i, true));
      break;
    case 'BF16': {
      // bfloat16 is the top half of a float32: widen by shifting into a float32's bit pattern.
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) bits[i] = view.getUint16(b + 2 * i, true) << 16;
      break;
    }
    case 'I64':
      for (let i = 0; i < n; i++) out[i] = Number(view.getBigInt64(b + 8 * i, true));
      break;
    case 'I32':
      for (let i = 0; i < n; i++) out[i] = view.getInt32(b + 4 * i, true);
      break;
    case 'I16':
      for (let i = 0; i < n; i++) out[i] = view.getInt16(b + 2 * i, true);
      break;
    case 'I8':
      for (let i = 0; i < n; i++) out[i] = view.getInt8(b + i);
      break;
    case 'U8':
    case 'BOOL':
      for (let i = 0; i < n; i++) out[i] = view.getUint8(b + i);
      break;
  }
  return out;
}

/** A plain loop: `TypedArray.every` with a callback is several times slower on large tensors. */
function allFinite(values: Float32Array): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return false;
  return true;
}

/** IEEE 754 binary16 bit pattern → number (subnormals, infinities and NaN included). */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/**
 * Serialises tensors to a safetensors file (F32 unless a tensor asks for I64). Throws
 * {@link SafetensorsError} for a bad name, a shape that does not match the data, an unsupported
 * dtype, a non-integer I64 value or a non-string metadata value.
 */
export function writeSafetensors(
  tensors: ReadonlyMap<string, TensorToWrite>,
  metadata?: Record<string, string>,
): Uint8Array {
  const items = [...tensors].map(([name, t]) => checkWritable(name, t));
  items.sort(
    (a, b) => DTYPE_BYTES[b.dtype] - DTYPE_BYTES[a.dtype] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
  // Built by hand rather than from an object so the key order is exactly the data order.
  const parts: string[] = [];
  if (metadata && Object.keys(metadata).length > 0)
    parts.push(`${JSON.stringify(METADATA_KEY)}:${JSON.stringify(parseMetadata(metadata))}`);
  let offset = 0;
  for (const it of items) {
    const bytes = it.t.data.length * DTYPE_BYTES[it.dtype];
    const entry = { dtype: it.dtype, shape: [...it.t.shape], data_offsets: [offset, offset + bytes] };
    parts.push(`${JSON.stringify(it.name)}:${JSON.stringify(entry)}`);
    offset += bytes;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLength, true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let p = 8 + headerLength;
  for (const { t, dtype } of items) {
    if (dtype === 'I64')
      for (let i = 0; i < t.data.length; i++, p += 8) view.setBigInt64(p, BigInt(t.data[i]), true);
    else for (let i = 0; i < t.data.length; i++, p += 4) view.setFloat32(p, t.data[i], true);
  }
  return out;
}

function checkWritable(
  name: string,
  t: TensorToWrite,
): { name: string; t: TensorToWrite; dtype: 'F32' | 'I64' } {
  const where = `tensor "${name}"`;
  if (name === '' || name === METADATA_KEY)
    throw new SafetensorsError(`tensor name ${JSON.stringify(name)} is reserved or empty`);
  const dtype = t.dtype ?? 'F32';
  if (dtype !== 'F32' && dtype !== 'I64')
    throw new SafetensorsError(`${where}: can only write F32 or I64, not ${dtype}`);
  if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0))
    throw new SafetensorsError(`${where}: shape [${t.shape.join(', ')}] must hold non-negative integers`);
  const count = t.shape.reduce((a, b) => a * b, 1);
  if (count !== t.data.length)
    throw new SafetensorsError(
      `${where}: shape [${t.shape.join(', ')}] has ${count} elements but data has ${t.data.length}`,
    );
  if (dtype === 'I64') {
    for (let i = 0; i < t.data.length; i++) {
      if (!Number.isSafeInteger(t.data[i]))
        throw new SafetensorsError(`${where}: I64 value ${t.data[i]} at index ${i} is not a safe integer`);
    }
  }
  return { name, t, dtype };
}
