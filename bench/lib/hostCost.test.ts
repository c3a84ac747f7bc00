import { aggregateCase } from './aggregate';
import { hostCostRow, hostPathResult, smallerBatchAfterOom } from './hostCost';
import { parseOptions } from './options';
import { planCases } from './plan';
import { jsonRows, renderRun } from './table';
import type { BenchEvent, BenchRun, HostStep } from './types';

const planned = planCases(
  parseOptions(['--presets', 'mnist', '--backends', 'node-null', '--batch', '4', '--steps', '3']),
)[0];

const sample = (cpuMs: number, dispatches: number, uploadBytes: number, randomValues = 0): HostStep => ({
  repeats: 2,
  cpuMs,
  dispatches,
  randomValues,
  uploadBytes,
});

const env: BenchEvent = { type: 'env', device: 'webgpu Dawn Null backend', parameters: 1_000 };
const tfjsProcess: BenchEvent[] = [
  env,
  { type: 'host', path: 'tfjs', batch: 4, steps: [sample(160, 1250, 150_000), sample(150, 1250, 150_000), sample(200, 1250, 150_000)] },
  { type: 'done' },
];
const compiledProcess: BenchEvent[] = [
  env,
  {
    type: 'host',
    path: 'compiled',
    batch: 4,
    steps: [sample(8, 883, 552), sample(7, 883, 552), sample(9, 883, 552)],
    buffers: { activationBytes: 64 * 2 ** 20, unsharedActivationBytes: 266 * 2 ** 20 },
  },
  { type: 'host', path: 'replay', batch: 4, steps: [sample(6, 883, 0), sample(5, 883, 0), sample(7, 883, 0)] },
  { type: 'done' },
];

describe('node-null host cost', () => {
  it('plans one case per preset, fused, without sampling', () => {
    expect(planned.backend).toBe('node-null');
    expect(planned.spec).toMatchObject({ device: 'webgpu', batch: 4, fused: true, sampleBatches: [] });
    expect(parseOptions([]).backends).not.toContain('node-null');
  });

  it('takes the median CPU time and the mean counts of a path’s samples', () => {
    expect(hostPathResult([sample(3, 10, 100, 4), sample(1, 20, 0), sample(2, 30, 200, 2)], 4)).toEqual({
      batch: 4,
      steps: 3,
      hostMsPerStep: 2,
      dispatchesPerStep: 20,
      randomValuesPerStep: 2,
      uploadBytesPerStep: 100,
    });
    expect(hostPathResult([], 4)).toBeNull();
  });

  it('joins both processes into one row with issue 14’s fields first', () => {
    const result = aggregateCase(planned, [...tfjsProcess, ...compiledProcess], null, null);
    expect(result.status).toBe('ok');
    const row = hostCostRow(result);
    expect(Object.keys(row).slice(0, 7)).toEqual([
      'preset',
      'batch',
      'dispatchesPerStep',
      'hostMsPerStep',
      'replayHostMsPerStep',
      'hostRandomValuesPerStep',
      'uploadBytesPerStep',
    ]);
    expect(row).toMatchObject({
      preset: 'mnist',
      batch: 4,
      dispatchesPerStep: 883,
      hostMsPerStep: 8,
      replayHostMsPerStep: 6,
      hostRandomValuesPerStep: 0,
      uploadBytesPerStep: 552,
      hostOverReplay: 1.33,
      tfjsDispatchesPerStep: 1250,
      tfjsHostMsPerStep: 160,
      tfjsOverCompiled: 20,
      replayDispatchesPerStep: 883,
      status: 'ok',
    });
  });

  it('keeps the path that ran and says why the other did not', () => {
    const failed: BenchEvent[] = [env, { type: 'error', message: 'compiled: OperationError — out of memory' }];
    const result = aggregateCase(planned, [...tfjsProcess, ...failed], null, null);
    expect(result.status).toBe('partial');
    const row = hostCostRow(result);
    expect(row).toMatchObject({ hostMsPerStep: null, replayHostMsPerStep: null, tfjsHostMsPerStep: 160 });
    expect(row.reason).toMatch(/compiled: OperationError — out of memory/);
    const nothing = aggregateCase(planned, [{ type: 'error', message: 'tfjs: no adapter' }], 'compiled: exited', null);
    expect(nothing.status).toBe('failed');
  });

  it('tries the tfjs path again at half the batch only after it ran out of Null device memory, and flags the row', () => {
    const oom: BenchEvent[] = [env, { type: 'error', message: 'first WebGPU error: Out of memory.' }];
    expect(smallerBatchAfterOom(oom, 4)).toBe(2);
    expect(smallerBatchAfterOom(oom, 1)).toBeNull();
    expect(smallerBatchAfterOom([env, { type: 'error', message: 'no adapter' }], 4)).toBeNull();
    expect(smallerBatchAfterOom(tfjsProcess, 4)).toBeNull();
    const atTwo = tfjsProcess.map((e) => (e.type === 'host' ? { ...e, batch: 2 } : e));
    const result = aggregateCase(planned, [...atTwo, ...compiledProcess], null, null);
    expect(result.status).toBe('ok');
    expect(result.flags).toEqual([
      "batch 4 (preset's: 64)",
      "tfjs path at batch 2: at 4 it ran out of Dawn's Null device memory (512 MiB)",
    ]);
    expect(hostCostRow(result)).toMatchObject({ batch: 4, tfjsBatch: 2, flags: result.flags });
  });

  it('renders its own table in RESULTS.md and its rows in --json', () => {
    const result = aggregateCase(planned, [...tfjsProcess, ...compiledProcess], null, null);
    const run: BenchRun = {
      version: 1,
      date: '2026-12-07T07:00:00.000Z',
      commit: null,
      machine: {
        name: '2cpu',
        description: '2-core test machine',
        cpu: 'test',
        cores: 2,
        memoryGiB: 8,
        os: 'Linux',
        loadAverage: 1,
        node: 'v20',
      },
      command: 'npm run bench -- --backends node-null',
      wallSeconds: 10,
      cases: [result],
    };
    const md = renderRun(run);
    expect(md).toContain('| mnist | 4 | 1,250 | 160 | 0 | 150,000 | 883 | 8.00 | 6.00 | 1.33× | 0 | 552 | 64.0 / 266.0 | batch 4 (preset\'s: 64) |');
    expect(md).not.toContain('| preset | backend |');
    expect(jsonRows(run)).toEqual([hostCostRow(result)]);
  });
});
