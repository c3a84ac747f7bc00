/** `ddpm-lab info PATH`: what a model is, and whether its tensors fit its config. */
import { isDiffusersCompatible, parseUNetConfig, sideMultiple, type UNetConfig } from '../model/config';
import { countParameters, paramSpecs, planUNet } from '../model/plan';
import { checkModelLimits } from '../model/limits';
import { checkStateDict, nonFiniteCounts } from '../model/stateDict';
import { parseArgs, UsageError } from './args';
import type { Output } from './output';
import { readModelPath } from './modelFiles';

/** Usage line shown by --help and on errors. */
export const INFO_USAGE =
  'ddpm-lab info PATH   (a unet or pipeline folder, a .zip, or a .safetensors with config.json beside it)';

/** Prints the summary and the tensor check; returns 0 when every tensor is present, expected, well-shaped and finite. */
export async function infoCommand(argv: readonly string[], out: Output): Promise<number> {
  const args = parseArgs(argv, {}, 'info');
  if (args.positionals.length !== 1)
    throw new UsageError(`info takes one PATH, got ${args.positionals.length}; usage: ${INFO_USAGE}`);
  const [path] = args.positionals;
  const bundle = readModelPath(path);
  const config = parseUNetConfig(bundle.unetConfig);
  checkModelLimits(config);
  const plan = planUNet(config);
  const specs = paramSpecs(plan);
  const report = checkStateDict(specs, bundle.tensors);
  const nonFinite = nonFiniteCounts(bundle.tensors);

  const row = (label: string, value: string) => out.stdout(`${`${label}:`.padEnd(13)}${value}`);
  row('model', `${path} (${bundle.paths.unetConfig}, ${bundle.paths.weights})`);
  row(
    'class',
    `UNet2DModel${config._diffusers_version ? ` (diffusers ${config._diffusers_version})` : ''}, ${isDiffusersCompatible(config) ? 'diffusers-compatible' : 'lab-only (lab_norm_after_conv_in: batch)'}`,
  );
  for (const [label, value] of summary(config, plan.mid.attention.heads)) row(label, value);
  const fileScalars = [...bundle.tensors.values()].reduce((n, t) => n + t.data.length, 0);
  row(
    'parameters',
    `${fmt(countParameters(config))} by the config; the file holds ${fmt(fileScalars)} values in ${bundle.tensors.size} tensors`,
  );

  const problems: string[] = [];
  if (report.missing.length) problems.push(`missing ${report.missing.length}: ${report.missing.join(', ')}`);
  if (report.unexpected.length)
    problems.push(`unexpected ${report.unexpected.length}: ${report.unexpected.join(', ')}`);
  for (const m of report.misShaped)
    problems.push(`mis-shaped: ${m.name} is [${m.got.join(', ')}], expected [${m.expected.join(', ')}]`);
  for (const [name, count] of nonFinite)
    problems.push(`non-finite: ${name} has ${fmt(count)} NaN/Infinity values`);
  const legacy = report.legacyRenamed ? ` (${report.legacyRenamed} legacy attention names accepted)` : '';
  if (problems.length === 0)
    row('tensors', `OK: all ${specs.length} present and well-shaped, none unexpected, all finite${legacy}`);
  else {
    row('tensors', `${problems.length} problem(s)${legacy}`);
    for (const p of problems) out.stdout(`  - ${p}`);
  }
  for (const w of bundle.warnings) row('warning', w);
  return problems.length === 0 ? 0 : 1;
}

function summary(c: UNetConfig, midHeads: number): [string, string][] {
  const levels = c.block_out_channels.length;
  const side =
    c.sample_size === null
      ? null
      : typeof c.sample_size === 'number'
        ? [c.sample_size, c.sample_size]
        : c.sample_size;
  const at = (level: number) => (side ? `${side[0] >> level}×${side[1] >> level}` : `level ${level}`);
  const attn = [
    ...c.down_block_types.flatMap((t, i) => (t === 'AttnDownBlock2D' ? [`down ${i} (${at(i)})`] : [])),
    ...c.up_block_types.flatMap((t, i) => (t === 'AttnUpBlock2D' ? [`up ${i} (${at(levels - 1 - i)})`] : [])),
    `mid (${at(levels - 1)})`,
  ];
  const heads =
    c.attention_head_dim === null
      ? '1 head'
      : `${c.attention_head_dim} channels per head (${midHeads} in the mid block)`;
  return [
    [
      'sample size',
      `${side ? `${side[0]}×${side[1]}` : 'not set'} (sides must be multiples of ${sideMultiple(c)}), ${c.in_channels} → ${c.out_channels} channels`,
    ],
    [
      'channels',
      `${c.block_out_channels.join(', ')}; ${c.layers_per_block} resnets per down level, ${c.layers_per_block + 1} per up level`,
    ],
    ['down blocks', c.down_block_types.join(', ')],
    ['up blocks', c.up_block_types.join(', ')],
    ['attention', `${attn.join(', ')}; ${heads}`],
    [
      'norm',
      `GroupNorm(${c.norm_num_groups}), eps ${c.norm_eps < 1e-3 ? c.norm_eps.toExponential() : c.norm_eps}${c.lab_norm_after_conv_in ? '; BatchNorm after conv_in' : ''}`,
    ],
    [
      'time',
      `sinusoidal ${c.flip_sin_to_cos ? '[cos, sin]' : '[sin, cos]'}, freq_shift ${c.freq_shift}, MLP to ${c.block_out_channels[0] * 4}`,
    ],
    ['other', `dropout ${c.dropout}, downsample_padding ${c.downsample_padding}, act ${c.act_fn}`],
  ];
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}
