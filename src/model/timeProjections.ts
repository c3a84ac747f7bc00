/**
 * Every resnet's time-embedding projection (`<resnet>.time_emb_proj`, a dense layer of silu(temb))
 * taken as one group, so that a compiled training step computes them all with one GEMM forward and
 * two backward (webgpu/timeProjections.ts) instead of three GEMMs per resnet and a gradient sum per
 * resnet. The parameters stay one tensor per resnet under their diffusers names; the group is a
 * layout: where each resnet's weight and bias sit in one grouped parameter vector (the compiled
 * step places them so in its flat parameter buffer), and where each resnet's projection and its
 * gradient sit in one packed activation buffer that the resnets' convs read and write by offset.
 */
import type { UNetPlan } from './plan';

/** The group: every resnet in forward order, with its output channels and first column. */
export interface TimeProjectionLayout {
  /** Input channels of every projection: the time embedding's width. */
  inChannels: number;
  /** Each resnet's module prefix (`down_blocks.0.resnets.0`, …), in forward order. */
  prefixes: string[];
  /**
   * Column of each resnet's first output channel in the concatenation of all projections, and
   * the total last (length resnets + 1): resnet r has columns[r + 1] − columns[r] channels.
   */
  columns: number[];
}

/** The resnets of a plan in forward order (down, mid, up), as a time-projection group. */
export function timeProjectionLayout(plan: UNetPlan): TimeProjectionLayout {
  const resnets = [
    ...plan.down.flatMap((b) => b.resnets),
    ...plan.mid.resnets,
    ...plan.up.flatMap((b) => b.resnets),
  ];
  const columns = [0];
  for (const r of resnets) columns.push(columns[columns.length - 1] + r.outChannels);
  return { inChannels: plan.timeEmbedChannels, prefixes: resnets.map((r) => r.prefix), columns };
}

/** Σ of the projections' output channels. */
export function totalColumns(layout: TimeProjectionLayout): number {
  return layout.columns[layout.columns.length - 1];
}

/**
 * The grouped parameter vector: every resnet's weight (tfjs layout [in, out], row-major) back to
 * back, resnet r's at in·columns[r], then every bias, resnet r's at in·total + columns[r].
 * Returns each parameter's offset by diffusers name, and the vector's length (in + 1)·total.
 */
export function groupedParameterOffsets(layout: TimeProjectionLayout): {
  offsets: Map<string, number>;
  length: number;
} {
  const total = totalColumns(layout);
  const inCh = layout.inChannels;
  const offsets = new Map<string, number>();
  layout.prefixes.forEach((p, r) => {
    offsets.set(`${p}.time_emb_proj.weight`, inCh * layout.columns[r]);
    offsets.set(`${p}.time_emb_proj.bias`, inCh * total + layout.columns[r]);
  });
  return { offsets, length: (inCh + 1) * total };
}

/**
 * Where resnet r's projection [batch, out_r] starts in the packed activation buffer (batch·total
 * projections, then as many for their gradients), and where its gradient starts.
 */
export function projectionOffsets(
  layout: TimeProjectionLayout,
  batch: number,
  r: number,
): { value: number; gradient: number } {
  const value = batch * layout.columns[r];
  return { value, gradient: batch * totalColumns(layout) + value };
}
