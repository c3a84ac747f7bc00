/**
 * Which preset the config in the form is, read from its URL hash (the hash names the closest
 * base and every difference from it): exactly a preset, the defaults, or custom (a base plus N
 * changed fields).
 */
import { encodeRunConfigHash, type RunConfig, type RunPresetName } from '../../config';

export type ActivePreset =
  | { kind: 'preset'; name: RunPresetName | 'defaults' }
  | { kind: 'custom'; base: RunPresetName | 'defaults'; changes: number };

export function activePreset(config: RunConfig): ActivePreset {
  const parts = encodeRunConfigHash(config).replace(/^#/, '').split('&').filter(Boolean);
  const named = parts[0]?.startsWith('preset=') ? (parts.shift()!.slice(7) as RunPresetName) : 'defaults';
  return parts.length === 0
    ? { kind: 'preset', name: named }
    : { kind: 'custom', base: named, changes: parts.length };
}
