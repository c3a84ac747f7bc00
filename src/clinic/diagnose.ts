/**
 * Diagnose: reads a run (this browser's, an imported run or an imported log with its config) and
 * lists what looks wrong, each finding with its evidence and the switch that reproduces it, so a
 * learner can see the effect in a twin run. Pure logic on the config, the loss curve, the loss per
 * t and the reference curve; every threshold is named here.
 */
import type { RunConfig } from '../config';
import { effectiveSchedulerConfig } from '../config/validate';
import { MAX_SQRT_ALPHA_BAR_T, computeBetas, cumulativeAlphas, resolveSchedulerConfig } from '../diffusion';
import { referenceLossPerT, type ReferenceCurve } from './reference';

/** What Diagnose reads of a run. */
export interface DiagnosisInput {
  /** The run's config; null for a log imported without one. */
  config: RunConfig | null;
  points: readonly { step: number; loss: number }[];
  lossPerT: { step: number; mean: readonly (number | null)[] } | null;
  /** The reference curve of the run's config, when there is one. */
  reference: ReferenceCurve | null;
}

export interface Finding {
  id:
    | 'sqrt-alpha-bar-T'
    | 'high-t-loss'
    | 'shared-t'
    | 'double-lr'
    | 'input-range'
    | 'min-max-display'
    | 'sqrt-mse'
    | 'broken-final-step';
  title: string;
  evidence: string;
  /** The setting (dotted path = value) that reproduces it in a twin run. */
  switch: string;
}

/** Loss per t this many times the reference's, over the top 30 % of t, is "far". */
export const HIGH_T_FACTOR = 1.5;
/** The share of t counted as high. */
export const HIGH_T_SHARE = 0.3;
/** A loss whose step-to-step changes are this many times the reference's is jumpy. */
export const JUMPY_FACTOR = 2.5;

/** Every finding for a run, most fundamental first. */
export function diagnose(run: DiagnosisInput): Finding[] {
  const out: Finding[] = [];
  const c = run.config;
  if (c) {
    const sqrtAbT = sqrtAlphaBarT(c);
    if (sqrtAbT > MAX_SQRT_ALPHA_BAR_T)
      out.push({
        id: 'sqrt-alpha-bar-T',
        title: '√ᾱ_T too large for sampling from N(0, I)',
        evidence: `√ᾱ_T = ${sqrtAbT.toPrecision(2)} (T = ${c.diffusion.num_train_timesteps}, β ${c.diffusion.beta_start}..${c.diffusion.beta_end}${c.diffusion.scale_betas_to_T ? ', scaled' : ''}): x_T keeps ${(sqrtAbT * 100).toPrecision(2)} % of the image, but sampling starts from pure noise (the paper: 0.0064; the lab warns above ${MAX_SQRT_ALPHA_BAR_T}).`,
        switch: `diffusion.num_train_timesteps = ${c.diffusion.num_train_timesteps} with diffusion.scale_betas_to_T = ${c.diffusion.scale_betas_to_T}`,
      });
  }
  const highT = highTLoss(run);
  if (highT) out.push(highT);
  const jumpy = jumpiness(run.points);
  const refJumpy = run.reference
    ? jumpiness(run.reference.runs[0].loss.map((loss, i) => ({ step: i + 1, loss })))
    : null;
  if (c?.training.sharedT || (jumpy !== null && refJumpy !== null && jumpy > JUMPY_FACTOR * refJumpy))
    out.push({
      id: 'shared-t',
      title: 'One t shared by the batch (a jumpy loss)',
      evidence: c?.training.sharedT
        ? `training.sharedT is on: each step sees one noise level, so the loss jumps with t${jumpy !== null ? ` (step-to-step change ${pct(jumpy)} of the loss${refJumpy !== null ? `, the reference ${pct(refJumpy)}` : ''})` : ''}.`
        : `the loss changes by ${pct(jumpy!)} from step to step, the reference by ${pct(refJumpy!)}: the signature of one t per batch.`,
      switch: 'training.sharedT = true',
    });
  if (c?.training.doubleOptimizerStep)
    out.push({
      id: 'double-lr',
      title: 'Effective learning rate doubled',
      evidence: `training.doubleOptimizerStep: Adam steps twice on each batch's gradient (optimizer.step() called twice), so each batch moves the weights about 2 × lr = ${2 * c.training.lr} and Adam's bias correction runs at twice the steps.`,
      switch: 'training.doubleOptimizerStep = true',
    });
  if (c && c.training.normalization !== 'unit' && c.sampling.clip)
    out.push({
      id: 'input-range',
      title:
        c.training.normalization === 'meanstd'
          ? 'Inputs outside [−1, 1] while x̂₀ is clipped to [−1, 1]'
          : 'Inputs in [0, 1] while x̂₀ is clipped to [−1, 1] and shown as [−1, 1]',
      evidence:
        c.training.normalization === 'meanstd'
          ? 'mean 0 / std 1 per channel puts pixels at about ±2–3 (a dark MNIST background is −0.42, a stroke +2.8); sampling clips x̂₀ to [−1, 1], cutting off what the model learnt.'
          : 'inputs are byte / 255 (Normalize(0, 1) is a no-op), so the data fills only the upper half of the range the sampler clips to and the display maps to 0..255: true-range samples come out grey and washed out.',
      switch: `training.normalization = "${c.training.normalization}"`,
    });
  if (c?.sampling.displayMinMax && c.training.normalization !== 'unit')
    out.push({
      id: 'min-max-display',
      title: 'Min–max display hiding a range error',
      evidence: `samples are shown stretched to their own min–max, which maps any range and offset to 0..255: the ${c.training.normalization} range error above is invisible there and plain beside it in the true range.`,
      switch: 'sampling.displayMinMax = true',
    });
  if (c?.sampling.brokenFinalStep)
    out.push({
      id: 'broken-final-step',
      title: 'The last reverse step is not the posterior mean',
      evidence:
        'at t = 0 the model is not called: the ε̂ and α of the step before are reused with (1−α)/√(1−α) instead of β/√(1−ᾱ), leaving a noisy last frame.',
      switch: 'sampling.brokenFinalStep = true',
    });
  const sqrt = sqrtMse(run);
  if (sqrt) out.push(sqrt);
  return out;
}

/** √ᾱ at the last training timestep of a config's schedule (the diffusion core's tables). */
export function sqrtAlphaBarT(c: RunConfig): number {
  const alphaBar = cumulativeAlphas(
    computeBetas(resolveSchedulerConfig(effectiveSchedulerConfig(c.diffusion))),
  );
  return Math.sqrt(alphaBar[alphaBar.length - 1]);
}

function highTLoss(run: DiagnosisInput): Finding | null {
  if (!run.lossPerT || !run.reference) return null;
  const ref = referenceLossPerT(run.reference, run.lossPerT.step);
  if (!ref || ref.buckets.length !== run.lossPerT.mean.length) return null;
  const n = ref.buckets.length;
  const from = Math.floor(n * (1 - HIGH_T_SHARE));
  let runSum = 0;
  let refSum = 0;
  for (let i = from; i < n; i++) {
    const v = run.lossPerT.mean[i];
    if (v === null || !Number.isFinite(ref.buckets[i].mid)) return null;
    runSum += v;
    refSum += ref.buckets[i].mid;
  }
  const ratio = runSum / refSum;
  if (ratio < HIGH_T_FACTOR && ratio > 1 / HIGH_T_FACTOR) return null;
  return {
    id: 'high-t-loss',
    title: 'Loss per t far from the reference at high t',
    evidence: `over the top ${HIGH_T_SHARE * 100} % of t the loss is ${ratio.toPrecision(2)} × the reference's (step ${run.lossPerT.step.toLocaleString('en-US')} against the reference at step ${ref.step.toLocaleString('en-US')}): the model predicts noise where little signal is left differently from a healthy run of this config.`,
    switch: 'training.normalization or diffusion.num_train_timesteps (compare each in a twin run)',
  };
}

/** Median |Δloss| / median loss over the last 200 steps: how jumpy a curve is, or null if too short. */
export function jumpiness(points: readonly { step: number; loss: number }[]): number | null {
  const tail = points.slice(-200);
  if (tail.length < 20) return null;
  const deltas = tail.slice(1).map((p, i) => Math.abs(p.loss - tail[i].loss));
  return median(deltas) / median(tail.map((p) => p.loss));
}

function sqrtMse(run: DiagnosisInput): Finding | null {
  if (!run.reference || run.points.length === 0) return null;
  const last = Math.min(run.points[run.points.length - 1].step, run.reference.steps);
  const from = Math.max(1, Math.floor(last / 2));
  const window = run.points.filter((p) => p.step >= from && p.step <= last).map((p) => p.loss);
  if (window.length === 0 || last < 50) return null;
  const runMean = mean(window);
  const refMean = mean(run.reference.runs.map((r) => mean(r.loss.slice(from - 1, last))));
  const refSqrt = mean(run.reference.runs.map((r) => mean(r.loss.slice(from - 1, last).map(Math.sqrt))));
  // √MSE of a healthy run sits near √(reference); MSE near the reference. Closer to the first by 2× → √MSE.
  if (Math.abs(Math.log(runMean / refSqrt)) < Math.log(1.5) && runMean > 2 * refMean)
    return {
      id: 'sqrt-mse',
      title: 'The logged "loss" looks like √MSE',
      evidence: `steps ${from.toLocaleString('en-US')}–${last.toLocaleString('en-US')}: your loss averages ${runMean.toPrecision(3)}, the reference's MSE ${refMean.toPrecision(3)} and its √MSE ${refSqrt.toPrecision(3)}. Square your values before comparing with the paper's "loss".`,
      switch: 'none in the lab (it logs the MSE, L_simple): square the logged values',
    };
  return null;
}

function pct(x: number): string {
  return `${(x * 100).toPrecision(2)} %`;
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
