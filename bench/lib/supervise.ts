/**
 * Runs one case in a child process (Node bundle or PyTorch script) and collects its `@bench`
 * events, with a watchdog: a step that runs past its allowance, or a run out of budget, gets the
 * process killed (SIGKILL: Dawn's threads ignore SIGTERM) and the reason recorded.
 */
import { spawn } from 'node:child_process';
import type { BenchEvent, EnvSpec } from './types';

/** The events of a case and, when it did not finish by itself, why it was stopped. */
export interface CaseOutcome {
  events: BenchEvent[];
  ended: string | null;
}

/** Seconds a process may take to start (imports, model build) before its first step. */
const STARTUP_MS = 60_000;

/**
 * How long to wait for the event after `last`: a first step or a first sampling run compiles
 * shaders (firstCap); a timed sampling run is `sampleSteps` steps of at most cap each.
 */
export function watchdogMs(last: BenchEvent | undefined, spec: EnvSpec, firstCapMs: number): number {
  if (!last) return STARTUP_MS + firstCapMs;
  if (last.type === 'sample' && last.phase === 'first') return spec.capMs * (spec.sampleSteps + 1);
  if (last.type === 'memory' || last.type === 'done') return STARTUP_MS;
  return Math.max(firstCapMs, spec.capMs);
}

/** Parses a `@bench {json}` line; other output (library notices) gives null. */
export function parseEventLine(line: string): BenchEvent | null {
  if (!line.startsWith('@bench ')) return null;
  return JSON.parse(line.slice(7)) as BenchEvent;
}

/** Stops a case: the first reason given wins. */
export class Stopper {
  reason: string | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private budgetTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly kill: () => void,
    runDeadline: number,
    budgetSeconds: number,
  ) {
    this.budgetTimer = setTimeout(
      () => this.stop(`run budget of ${budgetSeconds} s spent while this case ran`),
      Math.max(0, runDeadline - Date.now()),
    );
  }

  /** (Re)arms the watchdog after an event. */
  arm(ms: number, what: string): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.stop(`no result within ${Math.round(ms / 1000)} s ${what}`), ms);
  }

  stop(reason: string): void {
    if (this.reason === null) this.reason = reason;
    this.kill();
  }

  clear(): void {
    clearTimeout(this.timer);
    clearTimeout(this.budgetTimer);
  }
}

/** What the watchdog is waiting for, in words, after `last`. */
export function waitingFor(last: BenchEvent | undefined): string {
  if (!last) return 'for the first step (start-up and shader compile)';
  if (last.type === 'env') return 'for the first step (shader compile)';
  if (last.type === 'train') return 'for the next step';
  if (last.type === 'sample')
    return last.phase === 'first' ? `for sampling at batch ${last.batch}` : 'for the next sampling run';
  return 'for the process to finish';
}

export interface ChildCase {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  spec: EnvSpec;
  firstCapMs: number;
  /** Date.now() at which the whole run's budget ends. */
  runDeadline: number;
  budgetSeconds: number;
  onEvent?(e: BenchEvent): void;
}

/** Spawns the case and resolves once the process has exited (or was killed). */
export function runChildCase(c: ChildCase): Promise<CaseOutcome> {
  return new Promise((resolve) => {
    const events: BenchEvent[] = [];
    const child = spawn(c.command, c.args, { env: c.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const stopper = new Stopper(() => child.kill('SIGKILL'), c.runDeadline, c.budgetSeconds);
    const arm = () => stopper.arm(watchdogMs(events.at(-1), c.spec, c.firstCapMs), waitingFor(events.at(-1)));
    arm();
    let stderr = '';
    let pending = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const e = parseEventLine(line);
        if (!e) continue;
        events.push(e);
        c.onEvent?.(e);
        arm();
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-2000)));
    child.on('error', (err) => stopper.stop(`could not start ${c.command}: ${err.message}`));
    child.on('close', (code, signal) => {
      stopper.clear();
      const finished = events.some((e) => e.type === 'done');
      let ended = stopper.reason;
      // An environment that reports its own error has said why; stderr would only repeat it.
      if (!ended && !finished && !events.some((e) => e.type === 'error'))
        ended = `${c.command} exited (${signal ?? `code ${code}`}) before finishing${lastLine(stderr) ? `: ${lastLine(stderr)}` : ''}`;
      resolve({ events, ended });
    });
  });
}

function lastLine(text: string): string {
  return (
    text
      .trim()
      .split('\n')
      .filter((l) => l.trim())
      .at(-1)
      ?.slice(0, 300) ?? ''
  );
}
