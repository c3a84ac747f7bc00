import { readFileSync } from 'node:fs';
import { MAX_HEADER_BYTES, SafetensorsError, readSafetensors, writeSafetensors } from './safetensors';
import type { TensorToWrite } from './safetensors';

interface Expected {
  dtype: string;
  shape: number[];
  values: (number | string)[];
}
const fixture = JSON.parse(
  readFileSync(new URL('../../scripts/reference/fixtures/io_safetensors.json', import.meta.url), 'utf8'),
) as {
  mixed: string;
  expected: Record<string, Expected>;
  metadata: Record<string, string>;
  layout: string;
  layout_metadata: Record<string, string>;
  layout_tensors: Record<string, Expected>;
};
const fromBase64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));
const value = (v: number | string) => (typeof v === 'number' ? v : Number(v));

/** A file with the given header text (or object) and `dataBytes` zero bytes of data. */
function file(header: unknown, dataBytes = 0, declaredLength?: number): Uint8Array {
  const text = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + text.length + dataBytes);
  const view = new DataView(out.buffer);
  const n = declaredLength ?? text.length;
  view.setUint32(0, n % 2 ** 32, true);
  view.setUint32(4, Math.floor(n / 2 ** 32), true);
  out.set(text, 8);
  return out;
}
const entry = (dtype: string, shape: unknown, offsets: unknown) => ({ dtype, shape, data_offsets: offsets });
const rejects = (bytes: Uint8Array, message: RegExp) => {
  expect(() => readSafetensors(bytes)).toThrow(SafetensorsError);
  expect(() => readSafetensors(bytes)).toThrow(message);
};

describe('readSafetensors on a file written by the independent Python writer', () => {
  const result = readSafetensors(fromBase64(fixture.mixed));

  it('reads every dtype, shape and value (F16/BF16 rounded by torch)', () => {
    expect([...result.tensors.keys()].sort()).toEqual(Object.keys(fixture.expected).sort());
    for (const [name, want] of Object.entries(fixture.expected)) {
      const got = result.tensors.get(name)!;
      expect({ name, dtype: got.dtype, shape: got.shape }).toEqual({
        name,
        dtype: want.dtype,
        shape: want.shape,
      });
      expect(Array.from(got.data)).toEqual(want.values.map(value));
    }
  });
  it('returns the metadata and lists tensors with non-finite values', () => {
    expect(result.metadata).toEqual(fixture.metadata);
    expect(result.nonFinite).toEqual(['bad.values']);
  });
  it('reads from a subarray at an odd offset of a larger buffer', () => {
    const raw = fromBase64(fixture.mixed);
    const padded = new Uint8Array(raw.length + 3);
    padded.set(raw, 1);
    const again = readSafetensors(padded.subarray(1, 1 + raw.length));
    expect(Array.from(again.tensors.get('f32.weight')!.data)).toEqual(fixture.expected['f32.weight'].values);
  });
});

describe('writeSafetensors', () => {
  const layoutInputs = () =>
    new Map<string, TensorToWrite>(
      Object.entries(fixture.layout_tensors).map(([name, t]) => [
        name,
        { dtype: t.dtype as 'F32' | 'I64', shape: t.shape, data: t.values.map(value) },
      ]),
    );

  it('lays the file out byte for byte as the reference writer does', () => {
    const bytes = writeSafetensors(layoutInputs(), fixture.layout_metadata);
    expect(Buffer.from(bytes).equals(Buffer.from(fromBase64(fixture.layout)))).toBe(true);
  });
  it('round-trips float32 bit-exactly, including NaN, infinities, subnormals and -0', () => {
    const data = new Float32Array([
      0.1,
      -0,
      Math.PI,
      1e-45,
      3.4028234663852886e38,
      NaN,
      Infinity,
      -Infinity,
      1 / 3,
    ]);
    const tensors = new Map<string, TensorToWrite>([
      ['w', { shape: [3, 3], data }],
      ['t', { dtype: 'I64', shape: [2], data: [0, 2 ** 53 - 1] }],
    ]);
    const back = readSafetensors(writeSafetensors(tensors, { format: 'pt' }));
    expect(new Uint32Array(back.tensors.get('w')!.data.buffer)).toEqual(new Uint32Array(data.buffer));
    expect(back.tensors.get('w')!.shape).toEqual([3, 3]);
    expect(back.tensors.get('t')!.dtype).toBe('I64');
    expect(back.metadata).toEqual({ format: 'pt' });
    expect(back.nonFinite).toEqual(['w']);
  });
  it('pads the header to a multiple of 8 bytes with spaces', () => {
    for (const name of ['a', 'ab', 'abc', 'abcd', 'abcde', 'abcdef', 'abcdefg', 'abcdefgh']) {
      const bytes = writeSafetensors(new Map([[name, { shape: [1], data: [1] }]]));
      const n = new DataView(bytes.buffer).getUint32(0, true);
      expect(n % 8).toBe(0);
      const header = new TextDecoder().decode(bytes.subarray(8, 8 + n));
      expect(header.trimEnd()).toBe(
        JSON.stringify({ [name]: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }),
      );
      expect(header.length - header.trimEnd().length).toBeLessThan(8);
    }
  });
  it('rejects what it cannot write, naming the tensor', () => {
    const write =
      (t: TensorToWrite, name = 'x') =>
      () =>
        writeSafetensors(new Map([[name, t]]));
    expect(write({ shape: [2, 2], data: [1, 2, 3] })).toThrow(
      /tensor "x": shape \[2, 2\] has 4 elements but data has 3/,
    );
    expect(write({ dtype: 'F16', shape: [1], data: [1] })).toThrow(
      /tensor "x": can only write F32 or I64, not F16/,
    );
    expect(write({ dtype: 'I64', shape: [1], data: [1.5] })).toThrow(/tensor "x": I64 value 1.5 at index 0/);
    expect(write({ shape: [-1], data: [] })).toThrow(/non-negative integers/);
    expect(write({ shape: [1], data: [1] }, '__metadata__')).toThrow(SafetensorsError);
    expect(() => writeSafetensors(new Map(), { n: 1 as unknown as string })).toThrow(
      /__metadata__\["n"\] must be a string/,
    );
  });
});

describe('readSafetensors rejects hostile files with a SafetensorsError that names the problem', () => {
  const ok = { a: entry('F32', [2], [0, 8]), b: entry('F32', [1], [8, 12]) };

  it('accepts the well-formed baseline these cases break', () => {
    expect(readSafetensors(file(ok, 12)).tensors.size).toBe(2);
    expect(readSafetensors(file({}, 0)).tensors.size).toBe(0);
  });
  it('truncated files and header lengths past the end or absurdly large', () => {
    rejects(new Uint8Array(5), /5 bytes, too short/);
    const full = file(ok, 12);
    rejects(
      full.subarray(0, full.length - 1),
      /tensor "b": data_offsets \[8, 12\] run past the 11-byte data section/,
    );
    rejects(file(ok, 12, 10_000), /header length 10000 runs past the end/);
    rejects(
      file(ok, 12, 2 ** 50),
      new RegExp(`header length ${2 ** 50} exceeds the limit of ${MAX_HEADER_BYTES}`),
    );
    expect(() => readSafetensors(file(ok, 12), { maxHeaderBytes: 16 })).toThrow(
      /exceeds the limit of 16 bytes/,
    );
  });
  it('invalid UTF-8, invalid JSON and non-object JSON', () => {
    const bad = file('{"a":1}');
    bad[9] = 0xff;
    rejects(bad, /not valid UTF-8/);
    rejects(file('{"a": '), /not valid JSON/);
    rejects(file('[1, 2]'), /must be a JSON object, got an array/);
    rejects(file('null'), /must be a JSON object, got null/);
    rejects(file('42'), /must be a JSON object, got number/);
  });
  it('bad metadata and bad entries', () => {
    rejects(file({ __metadata__: { v: 1 } }), /__metadata__\["v"\] must be a string/);
    rejects(file({ __metadata__: 'x' }), /__metadata__ must be an object of strings/);
    rejects(file({ w: [1] }), /tensor "w": entry must be an object/);
  });
  it('unknown dtype', () => {
    rejects(
      file({ w: entry('F8_E4M3', [1], [0, 1]) }, 1),
      /tensor "w": dtype "F8_E4M3" is not one of F64, F32/,
    );
    rejects(file({ w: entry('float32', [1], [0, 4]) }, 4), /tensor "w": dtype "float32"/);
  });
  it('negative, non-integer or non-array shapes', () => {
    rejects(
      file({ w: entry('F32', [-1], [0, 4]) }, 4),
      /tensor "w": shape \[-1\] must be an array of non-negative integers/,
    );
    rejects(file({ w: entry('F32', [1.5], [0, 4]) }, 4), /tensor "w": shape \[1.5\]/);
    rejects(file({ w: entry('F32', '4', [0, 4]) }, 4), /tensor "w": shape "4"/);
  });
  it('malformed, reversed or out-of-range offsets', () => {
    rejects(
      file({ w: entry('F32', [1], [0]) }, 4),
      /tensor "w": data_offsets \[0\] must be two non-negative integers/,
    );
    rejects(file({ w: entry('F32', [1], [0, 4.5]) }, 4), /tensor "w": data_offsets/);
    rejects(
      file({ w: entry('F32', [0], [4, 0]) }, 4),
      /tensor "w": data_offsets \[4, 0\] begin after they end/,
    );
    rejects(
      file({ w: entry('F32', [2], [0, 8]) }, 4),
      /tensor "w": data_offsets \[0, 8\] run past the 4-byte data section/,
    );
  });
  it('shape × dtype size that does not match the byte range', () => {
    rejects(
      file({ w: entry('F32', [3], [0, 8]) }, 8),
      /tensor "w": shape \[3\] × F32 needs 12 bytes but data_offsets \[0, 8\] hold 8/,
    );
    rejects(file({ w: entry('F16', [2 ** 40, 2 ** 40], [0, 8]) }, 8), /tensor "w": shape .* × F16 needs/);
  });
  it('overlapping tensors, gaps and uncovered data', () => {
    rejects(
      file({ a: entry('F32', [2], [0, 8]), b: entry('F32', [1], [4, 8]) }, 8),
      /tensor "b": data_offsets \[4, 8\] overlap tensor "a"/,
    );
    rejects(
      file({ a: entry('F32', [1], [0, 4]), b: entry('F32', [1], [8, 12]) }, 12),
      /tensor "b": .* leave a gap of 4 bytes after tensor "a"/,
    );
    rejects(file({ a: entry('F32', [1], [4, 8]) }, 8), /tensor "a": .* gap of 4 bytes after the header/);
    rejects(
      file({ a: entry('F32', [1], [0, 4]) }, 8),
      /data section is 8 bytes but the tensors cover only 4/,
    );
  });
});
