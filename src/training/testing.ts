/** Test helper shared by the trainer tests (kept out of *.test.ts so several can import it). */
import type { StepReport, Trainer } from './trainer';

/** Runs n steps and returns their reports; a non-finite step fails the test. */
export async function runSteps(trainer: Trainer, n: number): Promise<StepReport[]> {
  const out: StepReport[] = [];
  for (let i = 0; i < n; i++) {
    const r = await trainer.trainStep();
    if ('nonFinite' in r) throw new Error(`step ${i} was not finite`);
    out.push(r);
  }
  return out;
}
