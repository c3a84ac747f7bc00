/**
 * A U-Net described in words, one way everywhere: the Configure form's "builds" line and the
 * Weights tab's model card show the same text for the same model.
 */
import type { UNetConfig } from '../model/config';

/** `32×32`, `any size` or `W×H` for a (possibly rectangular) sample size. */
export function sideText(size: UNetConfig['sample_size']): string {
  if (size === null) return 'any size';
  return Array.isArray(size) ? `${size[0]}×${size[1]}` : `${size}×${size}`;
}

/** `8×8, 3 channels, widths 16/32, 2 per level`. */
export function unetText(
  c: Pick<UNetConfig, 'sample_size' | 'in_channels' | 'block_out_channels' | 'layers_per_block'>,
): string {
  return `${sideText(c.sample_size)}, ${c.in_channels} channel${c.in_channels === 1 ? '' : 's'}, widths ${c.block_out_channels.join('/')}, ${c.layers_per_block} per level`;
}

/** `181,763 parameters (0.18M)`. */
export function parametersText(n: number): string {
  const short = n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : `${(n / 1e6).toFixed(2)}M`;
  return `${n.toLocaleString('en')} parameters (${short})`;
}
