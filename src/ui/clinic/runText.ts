/** How the Clinic's runs list words a run: what differs from the paper, and its score. */
import { configDifferences } from '../../clinic/reference';
import { presetRunConfig, type RunConfig } from '../../config';
import type { RunScore } from '../../store/runsStore';

const PAPER = presetRunConfig('paper');
/** Settings that say nothing about what a run is (logging, length, seeds). */
const BOOKKEEPING = /^training\.(targetSteps|seed|logEveryMs|preview\w*|checkpointEverySec)$/;

/** What differs from the paper's recipe, in short. */
export function differsFromPaper(config: RunConfig | null): string {
  if (!config) return 'unknown (a log without its config)';
  const d = configDifferences(PAPER, config).filter((p) => !BOOKKEEPING.test(p));
  if (d.length === 0) return 'nothing';
  return d.length <= 4 ? d.join(', ') : `${d.slice(0, 4).join(', ')} and ${d.length - 4} more`;
}

/** The score cell: the FCD (the number runs are compared by) with how and when it was measured, or "—". */
export function scoreText(score: RunScore | null): string {
  if (!score) return '—';
  return `${score.fcd.toPrecision(3)} (classifier score ${score.classifierScore.toPrecision(3)}; ${score.n} samples at step ${score.step.toLocaleString('en-US')})`;
}
