/**
 * Reads the parity fixtures that unet_reference.py writes (see its docstring for the contents).
 * Shared by the model and CLI tests.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readSafetensors } from '../../src/io/safetensors';
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
  const { tensors, metadata } = readSafetensors(readFileSync(path));
  const weights: StateDict = new Map([...tensors].filter(([k]) => !k.startsWith('fixture.')));
  const get = (key: string) => {
    const t = tensors.get(`fixture.${key}`);
    if (!t) throw new Error(`${path} has no tensor fixture.${key}`);
    return t;
  };
  return { path, config: JSON.parse(metadata.config), weights, gradNames: JSON.parse(metadata.grads) as string[], get };
}
