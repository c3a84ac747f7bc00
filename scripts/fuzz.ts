/**
 * The long fuzz run: every target of `src/fuzz/targets.ts` with many more inputs than the unit
 * tests, each in its own worker thread so that a true hang (an input that never returns) is
 * caught by a watchdog instead of freezing the run. Prints per-parser counts; exits 1 on findings.
 *
 *   npx tsx scripts/fuzz.ts [--n 200000] [--budget-s 120] [--seed 7] [--only png,zip] [--jobs 2] [--hang-s 10]
 *
 * A finding is reproduced with `--only <id> --seed <seed> --start <index> --n 1`.
 */
import { availableParallelism } from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { inputRng, runFuzz } from '../src/fuzz/harness';
import type { FuzzReport } from '../src/fuzz/harness';
import { FUZZ_TARGETS } from '../src/fuzz/targets';

interface Job {
  id: string;
  n: number;
  seed: number;
  start: number;
  budgetMs: number;
  /** Shared with the parent: the index of the last input that finished. */
  progress: SharedArrayBuffer;
}

interface Options {
  n: number;
  budgetS: number;
  seed: number;
  start: number;
  only: string[];
  jobs: number;
  hangS: number;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = {
    n: 200_000,
    budgetS: 120,
    seed: 7,
    start: 0,
    only: Object.keys(FUZZ_TARGETS),
    jobs: Math.min(2, availableParallelism()),
    hangS: 10,
  };
  const numeric = {
    '--n': 'n',
    '--budget-s': 'budgetS',
    '--seed': 'seed',
    '--start': 'start',
    '--jobs': 'jobs',
    '--hang-s': 'hangS',
  } as const;
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--only') {
      opts.only = value.split(',');
      const unknown = opts.only.filter((id) => !(id in FUZZ_TARGETS));
      if (unknown.length > 0)
        throw new Error(
          `--only ${unknown.join(',')}: unknown target; targets: ${Object.keys(FUZZ_TARGETS).join(', ')}`,
        );
    } else if (flag in numeric) {
      const v = Number(value);
      if (!Number.isSafeInteger(v) || v < 0)
        throw new Error(`${flag} ${value} is not allowed; use a non-negative integer`);
      opts[numeric[flag as keyof typeof numeric]] = v;
    } else
      throw new Error(
        `unknown option ${flag}; options: --n, --budget-s, --seed, --start, --only, --jobs, --hang-s`,
      );
  }
  return opts;
}

/**
 * A worker does not inherit tsx's loader hooks (Node 20 applies `--import` hooks only after a
 * worker's entry is resolved), so the worker registers them and then imports this file.
 */
const WORKER_BOOT = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(import.meta.url)}); });`;

/** Runs one target in a worker; resolves with its report, or with a hang finding when the watchdog fires. */
function runInWorker(job: Omit<Job, 'progress'>, hangMs: number): Promise<FuzzReport> {
  const progress = new SharedArrayBuffer(8);
  const done = new Float64Array(progress);
  done[0] = job.start - 1;
  const worker = new Worker(WORKER_BOOT, { eval: true, workerData: { ...job, progress } satisfies Job });
  return new Promise((resolve, reject) => {
    let last = done[0];
    let lastChange = Date.now();
    const watchdog = setInterval(() => {
      if (done[0] !== last) {
        last = done[0];
        lastChange = Date.now();
      } else if (Date.now() - lastChange > hangMs) {
        clearInterval(watchdog);
        void worker.terminate();
        const index = last + 1;
        const target = FUZZ_TARGETS[job.id]();
        resolve({
          target: target.name,
          inputs: index - job.start + 1,
          accepted: 0,
          rejected: 0,
          findings: [
            {
              index,
              kind: 'slow',
              detail: `no answer after ${hangMs / 1000} s: a hang`,
              input: target.describe(target.generate(inputRng(job.seed, index))),
            },
          ],
          maxMs: hangMs,
          maxAllocBytes: 0,
          distinctErrors: 0,
          elapsedMs: 0,
        });
      }
    }, 250);
    worker.once('message', (report: FuzzReport) => {
      clearInterval(watchdog);
      resolve(report);
    });
    worker.once('error', (e) => {
      clearInterval(watchdog);
      reject(e);
    });
  });
}

async function workerMain(job: Job): Promise<void> {
  const done = new Float64Array(job.progress);
  const report = await runFuzz(FUZZ_TARGETS[job.id](), {
    n: job.n,
    seed: job.seed,
    start: job.start,
    budgetMs: job.budgetMs,
    onInput: (i) => {
      done[0] = i;
    },
  });
  parentPort!.postMessage(report);
}

function row(id: string, r: FuzzReport): string {
  const rate = r.elapsedMs > 0 ? Math.round((r.inputs * 1000) / r.elapsedMs) : 0;
  const cells = [
    id,
    r.inputs,
    r.accepted,
    r.rejected,
    r.distinctErrors,
    r.findings.length,
    r.maxMs.toFixed(1),
    (r.maxAllocBytes / 2 ** 20).toFixed(1),
    rate,
  ];
  return `| ${cells.join(' | ')} |`;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  console.log(
    `fuzz: ${opts.only.length} targets, up to ${opts.n} inputs or ${opts.budgetS} s each, seed ${opts.seed}, ${opts.jobs} at a time`,
  );
  const queue = [...opts.only];
  const reports = new Map<string, FuzzReport>();
  const lane = async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      const report = await runInWorker(
        { id, n: opts.n, seed: opts.seed, start: opts.start, budgetMs: opts.budgetS * 1000 },
        opts.hangS * 1000,
      );
      reports.set(id, report);
      console.log(`  ${id}: ${report.inputs} inputs, ${report.findings.length} findings`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.jobs) }, lane));

  console.log(
    '\n| target | inputs | accepted | rejected | distinct errors | findings | max ms | max alloc MiB | inputs/s |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  let findings = 0;
  for (const id of opts.only) console.log(row(id, reports.get(id)!));
  for (const id of opts.only) {
    for (const f of reports.get(id)!.findings) {
      findings++;
      console.log(
        `\n${id} #${f.index} ${f.kind}: ${f.detail}\n  input: ${f.input.slice(0, 500)}\n  reproduce: npx tsx scripts/fuzz.ts --only ${id} --seed ${opts.seed} --start ${f.index} --n 1`,
      );
    }
  }
  process.exitCode = findings > 0 ? 1 : 0;
}

if (isMainThread) await main();
else await workerMain(workerData as Job);
