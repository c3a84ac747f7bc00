/**
 * Reads the parity fixtures that unet_reference.py writes (see its docstring for the contents).
 * Shared by the model and CLI tests.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { StateDict, StateTensor } from '../../src/model/stateDict';

/** Fixture names, one per reference config. */
export const UNET_FIXTURES = ['attn_rgb_pad0', 'plain_gray_pad1_flip', 'multihead_nonsquare', 'batchnorm_lab'] as const;

/** One fixture: the config.json, the weights as a state dict, and the fixture.* tensors. */
export interface UNetFixture {
  path: string;
  config: unknown;
  weights: StateDict;
  gradNames: string[];
  get(name: string): StateTensor;
}

/** Loads `fixtures/unet_<name>.safetensors`. */
export function loadUNetFixture(name: (typeof UNET_FIXTURES)[number]): UNetFixture {
  const path = fileURLToPath(new URL(`./fixtures/unet_${name}.safetensors`, import.meta.url));
  const { tensors, metadata } = readF32Safetensors(readFileSync(path));
  const weights: StateDict = new Map([...tensors].filter(([k]) => !k.startsWith('fixture.')));
  const get = (key: string) => {
    const t = tensors.get(`fixture.${key}`);
    if (!t) throw new Error(`${path} has no tensor fixture.${key}`);
    return t;
  };
  return { path, config: JSON.parse(metadata.config), weights, gradNames: JSON.parse(metadata.grads) as string[], get };
}

function readF32Safetensors(bytes: Uint8Array): { tensors: StateDict; metadata: Record<string, string> } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as Record<string, unknown>;
  const tensors: StateDict = new Map();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const { dtype, shape, data_offsets: [begin, end] } = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    if (dtype !== 'F32') throw new Error(`fixture tensor ${name} is ${dtype}, expected F32`);
    const raw = bytes.slice(8 + headerLength + begin, 8 + headerLength + end);
    tensors.set(name, { shape, data: new Float32Array(raw.buffer, raw.byteOffset, (end - begin) / 4) });
  }
  return { tensors, metadata: header.__metadata__ as Record<string, string> };
}
