/**
 * What the training tests share when they check the lab against the PyTorch references: the
 * fixtures those scripts write (scripts/reference/fixtures/*.json), read by name, and the one
 * tolerance they compare with. Test-only: nothing in the app imports this module.
 */
import { readFileSync } from 'node:fs';

/** Parses `scripts/reference/fixtures/<name>.json` (the script that writes it is named where it is read). */
export function readGolden<T>(name: string): T {
  return JSON.parse(readFileSync(`scripts/reference/fixtures/${name}.json`, 'utf8')) as T;
}

/** Each value within `rel` of the largest |expected| (float32 against PyTorch's float32). */
export function expectClose(actual: ArrayLike<number>, expected: readonly number[], rel = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  const scale = Math.max(...expected.map(Math.abs));
  for (let i = 0; i < expected.length; i++)
    expect(Math.abs(actual[i] - expected[i])).toBeLessThanOrEqual(rel * scale);
}

/** scripts/reference/training_schedule_reference.py: the paper's get_warmed_up_lr and make_ema, transcribed. */
export interface ScheduleGolden {
  cases: {
    name: string;
    lr: number;
    warmupSteps: number;
    emaDecay: number;
    emaWarmup: boolean;
    steps: { global_step: number; lr: number; ema_decay: number }[];
  }[];
}
