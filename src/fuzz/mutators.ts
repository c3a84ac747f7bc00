/**
 * Byte-level mutators in the style of AFL's havoc stage: each takes a valid file and breaks it in
 * one small way (bit flips, byte edits, inserted, deleted or duplicated ranges, truncation,
 * splicing with another seed, "interesting" integers written over length fields). Stacking a few
 * of them reaches far more parser branches than random bytes, which fail at the first magic number.
 */
import type { Rng } from '../diffusion/rng';

/**
 * A length or count field of a seed file: where it sits, how it is encoded, and values that are
 * interesting for this field in particular (e.g. multiples of a record size near a limit).
 */
export type Field = (
  | { at: number; width: 1 | 2 | 4 | 8; endian: 'le' | 'be' }
  /** A zero-padded octal text field (tar headers), `width` characters. */
  | { at: number; width: number; endian: 'octal' }
) & { values?: readonly number[] };

/** A valid file that mutations start from, with the fields worth aiming interesting integers at. */
export interface ByteSeed {
  bytes: Uint8Array;
  fields?: readonly Field[];
}

/**
 * Integers that sit on the edges parsers get wrong: 0, ±1, sign bits, powers of two and their
 * neighbours, the largest unsigned values of each width, and sizes just past typical limits.
 */
export const INTERESTING_INTS: readonly number[] = [
  0,
  1,
  2,
  3,
  4,
  7,
  8,
  16,
  32,
  64,
  100,
  127,
  128,
  255,
  256,
  512,
  1000,
  1024,
  3073,
  4096,
  32767,
  32768,
  65535,
  65536,
  1 << 20,
  1 << 24,
  100_000_000,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 32 - 1,
  2 ** 32,
  2 ** 53 - 1,
  2 ** 53,
  2 ** 63,
  2 ** 64 - 1,
];

/** One mutation: a new array (the input is never modified). */
export type ByteMutator = (
  rng: Rng,
  input: Uint8Array,
  seeds: readonly ByteSeed[],
  fields: readonly Field[],
) => Uint8Array;

/** `bytes` as an interesting value near `size`: off by one, doubled, or a fixed edge value. */
function interestingInt(rng: Rng, size: number): number {
  const near = [size - 1, size, size + 1, size * 2, size + 512, Math.floor(size / 2)];
  return rng.int(4) === 0 ? near[rng.int(near.length)] : INTERESTING_INTS[rng.int(INTERESTING_INTS.length)];
}

/** Writes `value` (wrapped to the field's width) into `out` at the field. */
export function writeField(out: Uint8Array, field: Field, value: number): void {
  if (field.endian === 'octal') {
    const digits = Math.max(0, field.width - 1);
    const text = Math.floor(value).toString(8).slice(-digits).padStart(digits, '0');
    for (let i = 0; i < digits && field.at + i < out.length; i++) out[field.at + i] = text.charCodeAt(i);
    return;
  }
  // 2^64 − 1 is not a double; anything from 2^64 up means "all bits set" rather than wrapping to 0.
  let v = BigInt.asUintN(field.width * 8, value >= 2 ** 64 ? (1n << 64n) - 1n : BigInt(Math.floor(value)));
  for (let i = 0; i < field.width; i++) {
    const at = field.endian === 'le' ? field.at + i : field.at + field.width - 1 - i;
    if (at < out.length) out[at] = Number(v & 0xffn);
    v >>= 8n;
  }
}

function range(rng: Rng, length: number): [number, number] {
  const start = rng.int(length + 1);
  const size = 1 + rng.int(Math.min(64, length - start + 1));
  return [start, Math.min(length, start + size)];
}

function splice(input: Uint8Array, at: number, remove: number, insert: Uint8Array): Uint8Array {
  const out = new Uint8Array(input.length - remove + insert.length);
  out.set(input.subarray(0, at), 0);
  out.set(insert, at);
  out.set(input.subarray(at + remove), at + insert.length);
  return out;
}

function randomBytes(rng: Rng, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.int(256);
  return out;
}

const bitFlip: ByteMutator = (rng, input) => {
  const out = input.slice();
  if (out.length === 0) return out;
  for (let k = 1 + rng.int(4); k > 0; k--) {
    const bit = rng.int(out.length * 8);
    out[bit >> 3] ^= 1 << (bit & 7);
  }
  return out;
};

const byteSet: ByteMutator = (rng, input) => {
  const out = input.slice();
  if (out.length === 0) return out;
  const edge = [0, 1, 0x7f, 0x80, 0xff, 0x20, 0x30, 0x2e, 0x2f, 0x5c];
  for (let k = 1 + rng.int(4); k > 0; k--)
    out[rng.int(out.length)] = rng.int(2) === 0 ? edge[rng.int(edge.length)] : rng.int(256);
  return out;
};

/** An interesting integer at a random offset, in a random width and byte order. */
const intAnywhere: ByteMutator = (rng, input) => {
  const out = input.slice();
  if (out.length === 0) return out;
  const width = ([1, 2, 4, 8] as const)[rng.int(4)];
  writeField(
    out,
    { at: rng.int(out.length), width, endian: rng.int(2) ? 'le' : 'be' },
    interestingInt(rng, input.length),
  );
  return out;
};

/** An interesting integer in one of the seed's own length fields. */
const intInField: ByteMutator = (rng, input, _seeds, fields) => {
  if (fields.length === 0) return intAnywhere(rng, input, _seeds, fields);
  const out = input.slice();
  const field = fields[rng.int(fields.length)];
  const own = field.values ?? [];
  writeField(
    out,
    field,
    own.length > 0 && rng.int(2) === 0 ? own[rng.int(own.length)] : interestingInt(rng, input.length),
  );
  return out;
};

const insertBytes: ByteMutator = (rng, input) => {
  const n = 1 + rng.int(32);
  const fill = rng.int(2) === 0 ? randomBytes(rng, n) : new Uint8Array(n).fill(rng.int(256));
  return splice(input, rng.int(input.length + 1), 0, fill);
};

const deleteRange: ByteMutator = (rng, input) => {
  if (input.length === 0) return input.slice();
  const [a, b] = range(rng, input.length);
  return splice(input, a, b - a, new Uint8Array(0));
};

const duplicateRange: ByteMutator = (rng, input) => {
  if (input.length === 0) return input.slice();
  const [a, b] = range(rng, input.length);
  return splice(input, rng.int(input.length + 1), 0, input.slice(a, b));
};

const truncate: ByteMutator = (rng, input) => input.slice(0, rng.int(input.length + 1));

/** The head of this input and the tail of another seed (AFL's splice stage). */
const spliceSeeds: ByteMutator = (rng, input, seeds) => {
  const other = seeds[rng.int(seeds.length)].bytes;
  const cut = rng.int(input.length + 1);
  const from = rng.int(other.length + 1);
  const out = new Uint8Array(cut + other.length - from);
  out.set(input.subarray(0, cut), 0);
  out.set(other.subarray(from), cut);
  return out;
};

/** A range of this input overwritten with a range of another seed (same offsets when they fit). */
const overwriteFromSeed: ByteMutator = (rng, input, seeds) => {
  const other = seeds[rng.int(seeds.length)].bytes;
  const out = input.slice();
  if (out.length === 0 || other.length === 0) return out;
  const [a, b] = range(rng, other.length);
  const at = b <= out.length && rng.int(2) === 0 ? a : rng.int(out.length);
  out.set(other.subarray(a, Math.min(b, a + out.length - at)), at);
  return out;
};

/** Every byte mutator, equally likely in {@link havoc}. */
export const BYTE_MUTATORS: readonly ByteMutator[] = [
  bitFlip,
  byteSet,
  intAnywhere,
  intInField,
  intInField,
  insertBytes,
  deleteRange,
  duplicateRange,
  truncate,
  spliceSeeds,
  overwriteFromSeed,
];

/** One to four stacked mutations of `seed` (AFL's havoc). */
export function havoc(rng: Rng, seed: ByteSeed, seeds: readonly ByteSeed[]): Uint8Array {
  let out = seed.bytes;
  for (let k = 1 + rng.int(4); k > 0; k--)
    out = BYTE_MUTATORS[rng.int(BYTE_MUTATORS.length)](rng, out, seeds, seed.fields ?? []);
  return out;
}

/** Random bytes of a random length up to `maxLength`, short lengths as likely as long ones. */
export function randomInput(rng: Rng, maxLength: number): Uint8Array {
  const n = rng.int(2) === 0 ? rng.int(Math.min(64, maxLength) + 1) : rng.int(maxLength + 1);
  return randomBytes(rng, n);
}
