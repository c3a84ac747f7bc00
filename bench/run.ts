/**
 * `npm run bench`: times the lab's training step and sampler per preset and backend (Node CPU,
 * Node WebGPU through Dawn, headless Chromium WebGPU and WebGL) beside the same model in PyTorch,
 * then writes bench/results/<date>-<machine>.json and puts the run first in bench/RESULTS.md.
 * Options: bench/lib/options.ts (`npm run bench -- --help`).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { unetConfigToJson } from '../src/model/config';
import { presetConfig } from '../src/model/presets';
import { aggregateCase, linkPytorch, predictedOverCap } from './lib/aggregate';
import { smallerBatchAfterOom } from './lib/hostCost';
import { runBrowserCase } from './lib/browserCase';
import { defaultDawnPath, defaultPython, vulkanEnvironment } from './lib/environment';
import { describeMachine } from './lib/machine';
import { BenchOptionsError, USAGE, parseOptions, type BenchOptions } from './lib/options';
import { planCases, type PlannedCase } from './lib/plan';
import { runChildCase, type CaseOutcome } from './lib/supervise';
import { caseLine, insertRun, jsonRows, renderRun, runId } from './lib/table';
import type { BenchEvent, BenchRun, CaseResult, EnvSpec, MachineInfo } from './lib/types';

/** Seconds kept back from the budget so a case is not started only to be killed at once. */
const START_MARGIN_S = 10;

async function main(): Promise<void> {
  let o: BenchOptions;
  try {
    o = parseOptions(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof BenchOptionsError)) throw e;
    console.error(`bench: ${e.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (o.help) {
    console.log(USAGE);
    return;
  }
  if (o.gemmCensus) {
    await (await import('./lib/gemmCensus')).runGemmCensus(o);
    return;
  }
  const started = Date.now();
  const runDeadline = started + o.budgetSeconds * 1000;
  const machine = describeMachine(o.machine);
  const bundles = o.bundles
    ? { node: join(o.bundles, 'node-case.mjs'), browser: join(o.bundles, 'browser-case.js') }
    : await (await import('./lib/build')).buildBundles('bench/out');
  const vulkan = vulkanEnvironment(process.env, machine.gpu !== undefined);
  // require() in the bundle resolves relative paths against the bundle: make it absolute.
  const dawn = resolve(o.dawn ?? defaultDawnPath());
  const python = o.python ?? defaultPython();
  const planned = planCases(o);
  console.log(
    `bench: ${planned.length} cases on ${machine.description}; Node WebGPU via ${vulkan.note}; budget ${o.budgetSeconds} s`,
  );

  const results: CaseResult[] = [];
  for (const [i, c] of planned.entries()) {
    const tag = `[${i + 1}/${planned.length}] ${c.preset} · ${c.backend} · batch ${c.spec.batch}`;
    let outcome: CaseOutcome;
    const predicted = predictedOverCap(c.preset, c.backend, c.spec.batch, results, c.spec.capMs);
    if (Date.now() > runDeadline - START_MARGIN_S * 1000) {
      outcome = { events: [], ended: `not started: run budget of ${o.budgetSeconds} s spent` };
    } else if (predicted) {
      outcome = { events: [], ended: predicted };
    } else {
      console.log(`${tag} …`);
      outcome = await runCase(c, o, { bundles, dawn, python, vulkanEnv: vulkan.env, runDeadline, machine });
    }
    const result = aggregateCase(c, outcome.events, outcome.ended, machine.gpu?.fp32PeakTflops ?? null);
    results.push(result);
    console.log(`${tag}: ${caseLine(result)}`);
  }

  const run: BenchRun = {
    version: 1,
    date: new Date(started).toISOString(),
    commit: gitCommit(),
    machine,
    command: commandLine(),
    wallSeconds: (Date.now() - started) / 1000,
    cases: linkPytorch(results),
  };
  console.log(`\n${renderRun(run)}`);
  if (o.json) {
    await writeFile(o.json, `${JSON.stringify(jsonRows(run), null, 2)}\n`);
    console.log(`bench: wrote ${o.json}`);
  }
  if (o.write) {
    await mkdir(o.resultsDir, { recursive: true });
    const file = join(o.resultsDir, `${runId(run)}.json`);
    await writeFile(file, `${JSON.stringify(run, null, 1)}\n`);
    const resultsMd = join(o.resultsDir, '..', 'RESULTS.md');
    const existing = existsSync(resultsMd) ? await readFile(resultsMd, 'utf8') : null;
    await writeFile(resultsMd, insertRun(existing, run));
    console.log(`bench: wrote ${file} and ${resultsMd}`);
  }
}

interface Context {
  bundles: { node: string; browser: string };
  dawn: string;
  python: string;
  vulkanEnv: NodeJS.ProcessEnv;
  runDeadline: number;
  machine: MachineInfo;
}

async function runCase(c: PlannedCase, o: BenchOptions, ctx: Context): Promise<CaseOutcome> {
  const common = {
    spec: c.spec,
    firstCapMs: o.firstCapSeconds * 1000,
    runDeadline: ctx.runDeadline,
    budgetSeconds: o.budgetSeconds,
    onEvent: progress,
  };
  switch (c.backend) {
    case 'pytorch':
      return runChildCase({
        ...common,
        command: ctx.python,
        args: [
          'bench/reference/torch_bench.py',
          '--spec',
          JSON.stringify(c.spec),
          '--config',
          JSON.stringify(unetConfigToJson(presetConfig(c.preset))),
        ],
      });
    case 'node-cpu':
    case 'node-webgpu': {
      const webgpu = c.backend === 'node-webgpu';
      if (webgpu && !existsSync(ctx.dawn))
        return { events: [], ended: `no Dawn binding at ${ctx.dawn} (--dawn)` };
      return runChildCase({
        ...common,
        command: process.execPath,
        args: [ctx.bundles.node, '--spec', JSON.stringify(c.spec), ...(webgpu ? ['--dawn', ctx.dawn] : [])],
        env: webgpu ? ctx.vulkanEnv : process.env,
      });
    }
    case 'node-null':
      return runHostPaths(c, common, ctx);
    case 'browser-webgpu':
    case 'browser-webgl': {
      const outcome = await runBrowserCase({ ...common, bundle: ctx.bundles.browser });
      if (outcome.chromium) ctx.machine.chromium = outcome.chromium;
      return outcome;
    }
  }
}

/**
 * A `node-null` case: the tfjs path, then the compiled step (and its replay), each in a process of
 * its own, since Dawn's Null device holds at most 512 MiB and both paths' buffers together do not
 * fit from cifar-small up. The events of both make the case; a path that fails leaves its reason.
 */
async function runHostPaths(
  c: PlannedCase,
  common: Omit<Parameters<typeof runChildCase>[0], 'command' | 'args'>,
  ctx: Context,
): Promise<CaseOutcome> {
  if (!existsSync(ctx.dawn)) return { events: [], ended: `no Dawn binding at ${ctx.dawn} (--dawn)` };
  const events: CaseOutcome['events'] = [];
  const ended: string[] = [];
  const run = (spec: EnvSpec) =>
    runChildCase({
      ...common,
      spec,
      command: process.execPath,
      args: [ctx.bundles.node, '--spec', JSON.stringify(spec), '--dawn', ctx.dawn],
    });
  for (const hostPath of ['tfjs', 'compiled'] as const) {
    let spec: EnvSpec = { ...c.spec, hostPath };
    let outcome = await run(spec);
    // The tfjs path's buffers outgrow the Null device sooner than the compiled step's.
    for (let b = smallerBatchAfterOom(outcome.events, spec.batch); hostPath === 'tfjs' && b !== null; ) {
      console.log(`    tfjs: out of Null device memory at batch ${spec.batch}; again at batch ${b}`);
      spec = { ...spec, batch: b };
      outcome = await run(spec);
      b = smallerBatchAfterOom(outcome.events, spec.batch);
    }
    events.push(...outcome.events.map((e) => (e.type === 'error' ? { ...e, message: `${hostPath}: ${e.message}` } : e)));
    if (outcome.ended) ended.push(`${hostPath}: ${outcome.ended}`);
  }
  return { events, ended: ended.length > 0 ? ended.join('; ') : null };
}

/** One short line per training step and sampling run, so a slow case shows it is alive. */
function progress(e: BenchEvent): void {
  if (e.type === 'train')
    console.log(
      `    train ${e.phase} ${Math.round(e.ms)} ms${e.dispatches ? `, ${e.dispatches} dispatches` : ''}`,
    );
  if (e.type === 'sample')
    console.log(`    sample @${e.batch} ${e.phase} ${Math.round(e.ms / e.steps)} ms/step`);
  if (e.type === 'profile')
    console.log(
      `    profiled step ${Math.round(e.wallMs)} ms wall, ${Math.round(e.gpuMs)} ms GPU: ${e.kernels
        .slice(0, 6)
        .map(([name, ms, n]) => `${name} ${Math.round(ms)} ms/${n}`)
        .join(', ')}`,
    );
  if (e.type === 'host') {
    const ms = e.steps.map((s) => s.cpuMs.toFixed(2)).join(', ');
    console.log(`    ${e.path}: host ms ${ms}; ${e.steps[0]?.dispatches ?? 0} dispatches per step`);
  }
  if (e.type === 'stop' || e.type === 'error')
    console.log(`    ${e.type}: ${e.type === 'stop' ? e.reason : e.message}`);
}

/** How this run was started, for the table: the packed runner (bench/gpu) or npm run bench. */
function commandLine(): string {
  const args = process.argv.slice(2).join(' ');
  if (basename(process.argv[1] ?? '') === 'bench.mjs') return `node bench/out/gpu/bench.mjs ${args}`.trim();
  return `npm run bench${args ? ` -- ${args}` : ''}`;
}

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null;
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
