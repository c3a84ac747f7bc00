/**
 * The long Node soak: 2,000 training steps of the `tiny` preset on the tfjs CPU backend, with
 * `tf.memory().numTensors`, tfjs' tensor bytes and the heap (after a forced GC) sampled every 50
 * steps. Passes when, from step 100 on (after warm-up: first-step allocations, JIT, caches), no
 * sample strays more than 5 % from the step-100 value and the tensor count never changes.
 * Batch 2 by default: at the preset's batch 8 the CPU backend needs seconds per step on a 2-core
 * machine, and what a step allocates and frees does not depend on the batch beyond tensor sizes.
 *
 *   npx tsx scripts/soak.ts [--steps 2000] [--batch 2] [--every 50]
 */
import { drift, maxDeviation, runNodeSoak } from './soak/nodeSoak';

const TOLERANCE = 0.05;
const WARM_UP = 100;

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isSafeInteger(v) || v < 1)
    throw new Error(`--${name} ${process.argv[i + 1]} is not allowed; use a positive integer`);
  return v;
}

const steps = option('steps', 2000);
const every = option('every', 50);
const batchSize = option('batch', 2);
if (steps <= WARM_UP + every)
  throw new Error(`--steps ${steps} is too short; it must exceed ${WARM_UP + every}`);

console.log(
  `soak: ${steps} steps of tiny, batch ${batchSize}, tfjs CPU backend, sampled every ${every} steps after a GC`,
);
console.log('| step | numTensors | tensor MiB | heap MiB | loss |');
console.log('| --- | --- | --- | --- | --- |');
const mib = (b: number) => (b / 2 ** 20).toFixed(2);
const report = await runNodeSoak({
  steps,
  batchSize,
  every,
  onSample: (s) =>
    console.log(
      `| ${s.step} | ${s.numTensors} | ${mib(s.tensorBytes)} | ${mib(s.heapBytes)} | ${s.loss.toFixed(4)} |`,
    ),
});
console.log(`\n${report.msPerStep.toFixed(0)} ms per step`);
let ok = true;
for (const key of ['numTensors', 'tensorBytes', 'heapBytes'] as const) {
  const dev = maxDeviation(report.samples, key, WARM_UP);
  const end = drift(report.samples, key, WARM_UP);
  const pass = key === 'numTensors' ? dev === 0 : dev <= TOLERANCE;
  ok &&= pass;
  console.log(
    `${key}: step ${WARM_UP} → ${steps}: ${(end * 100).toFixed(2)} %, largest deviation ${(dev * 100).toFixed(2)} % ${pass ? 'ok' : 'FAIL'}`,
  );
}
process.exitCode = ok ? 0 : 1;
