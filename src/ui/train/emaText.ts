/**
 * The EMA part of the Train tab's status line: the decay the last step used, which
 * `training.emaWarmup` decides (the paper's constant decay, or the warm-up's growing one).
 */
export function emaDecayText(decay: number | null): string {
  if (decay === null) return 'EMA off';
  // The paper's make_ema gives the first update decay 1e-10: it copies the weights.
  if (decay < 1e-6) return `EMA decay ${decay.toExponential(0)} (first update copies the weights)`;
  return `EMA decay ${Number(decay.toPrecision(6))}`;
}
