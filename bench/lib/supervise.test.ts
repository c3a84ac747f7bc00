import { parseOptions } from './options';
import { planCases } from './plan';
import { parseEventLine, runChildCase, watchdogMs } from './supervise';
import type { BenchEvent } from './types';

const spec = planCases(
  parseOptions(['--presets', 'tiny', '--backends', 'node-cpu', '--cap', '2', '--sample-steps', '4']),
)[0].spec;

/** A Node one-liner that prints the given lines, then sleeps for `sleepMs`. */
const script = (lines: string[], sleepMs = 0, exitCode = 0) =>
  `for (const l of ${JSON.stringify(lines)}) console.log(l); setTimeout(() => process.exit(${exitCode}), ${sleepMs});`;

const child = (code: string, overrides: Partial<Parameters<typeof runChildCase>[0]> = {}) =>
  runChildCase({
    command: process.execPath,
    args: ['-e', code],
    spec,
    firstCapMs: 5000,
    runDeadline: Date.now() + 60_000,
    budgetSeconds: 60,
    ...overrides,
  });

describe('watchdogMs', () => {
  it('allows start-up plus the first-step cap, then the larger cap per step, and sampleSteps + 1 caps for a sampling run', () => {
    expect(watchdogMs(undefined, spec, 5000)).toBe(65_000);
    expect(watchdogMs({ type: 'env', device: 'cpu', parameters: 1 }, spec, 5000)).toBe(5000);
    expect(watchdogMs({ type: 'train', phase: 'timed', ms: 1, loss: 1 }, spec, 1000)).toBe(2000);
    expect(watchdogMs({ type: 'sample', batch: 16, phase: 'first', steps: 1, ms: 1 }, spec, 5000)).toBe(
      10_000,
    );
  });
});

describe('parseEventLine', () => {
  it('reads @bench lines and ignores everything else', () => {
    expect(parseEventLine('@bench {"type":"done"}')).toEqual({ type: 'done' });
    expect(parseEventLine('Hi, looks like you are running TensorFlow.js in Node.js')).toBeNull();
  });
});

describe('runChildCase', () => {
  it('collects the events of a process that finishes', async () => {
    const seen: BenchEvent[] = [];
    const out = await child(
      script(['noise', '@bench {"type":"train","phase":"first","ms":5,"loss":1}', '@bench {"type":"done"}']),
      {
        onEvent: (e) => seen.push(e),
      },
    );
    expect(out.ended).toBeNull();
    expect(out.events.map((e) => e.type)).toEqual(['train', 'done']);
    expect(seen).toEqual(out.events);
  });

  it('kills a process whose next step runs past the watchdog, keeping the events so far', async () => {
    const started = Date.now();
    const out = await child(script(['@bench {"type":"train","phase":"first","ms":5,"loss":1}'], 30_000), {
      firstCapMs: 300,
    });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(out.events).toHaveLength(1);
    expect(out.ended).toBe('no result within 2 s for the next step');
  });

  it('kills a process when the run budget ends', async () => {
    const out = await child(script([], 30_000), { runDeadline: Date.now() + 200, budgetSeconds: 7 });
    expect(out.ended).toBe('run budget of 7 s spent while this case ran');
  });

  it('says how a process ended that did not finish, with its last stderr line', async () => {
    const out = await child('console.error("boom: no adapter"); process.exit(3)');
    expect(out.ended).toMatch(/exited \(code 3\) before finishing: boom: no adapter/);
    const missing = await child('', { command: '/nonexistent/python3' });
    expect(missing.ended).toMatch(/could not start \/nonexistent\/python3/);
  });
});
