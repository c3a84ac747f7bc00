import { expectRefusedBeforeAllocating, fuzzIt } from '../fuzz/fuzzTest';
import { safetensorsTarget } from '../fuzz/ioTargets';
import { SafetensorsError, readSafetensors } from './safetensors';

/** A file with `header` as its JSON, `dataBytes` zero bytes of data, and a header length field of `declared`. */
function file(header: string, dataBytes = 0, declared?: bigint): Uint8Array {
  const json = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + json.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, declared ?? BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

describe('readSafetensors, fuzzed', () => {
  fuzzIt(safetensorsTarget);

  it('refuses a header length of 2^64 − 1 before allocating', async () => {
    await expectRefusedBeforeAllocating(
      () => readSafetensors(file('{}', 0, 2n ** 64n - 1n)),
      SafetensorsError,
      /exceeds the limit/,
    );
  });
  it('refuses a header length inside the limit but past the end of the file', async () => {
    await expectRefusedBeforeAllocating(
      () => readSafetensors(file('{}', 0, 99_000_000n)),
      SafetensorsError,
      /past the end/,
    );
  });
  it('refuses a shape of 2^62 elements over 16 bytes of data before allocating', async () => {
    const header = JSON.stringify({ w: { dtype: 'F32', shape: [2 ** 31, 2 ** 31], data_offsets: [0, 16] } });
    await expectRefusedBeforeAllocating(
      () => readSafetensors(file(header, 16)),
      SafetensorsError,
      /needs \d+ bytes/,
    );
  });

  it('found by fuzzing: a shape nested 10,000 arrays deep is a SafetensorsError, not a stack overflow', () => {
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const header = `{"w":{"dtype":"F32","shape":${deep},"data_offsets":[0,0]}}`;
    expect(() => readSafetensors(file(header))).toThrow(SafetensorsError);
    expect(() => readSafetensors(file(header))).toThrow(
      /shape \(an array nested too deep to show\) must be an array of non-negative integers/,
    );
    expect(() => readSafetensors(file(`{"__metadata__":{"k":${deep}}}`))).toThrow(
      /must be a string, got \(an array nested too deep to show\)/,
    );
  });
});
