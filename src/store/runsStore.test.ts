import { presetRunConfig } from '../config';
import { MAX_METRICS_CSV_BYTES } from '../io/metricsCsv';
import { metricsCsv } from '../training/metricsCsv';
import { MAX_CHART_POINTS, useMetrics } from './metricsStore';
import { useRuns } from './runsStore';
import { useScore, type ScoreStatus } from './scoreStore';
import { useTrain } from './trainStore';

const file = (name: string, text: string, size = text.length) => ({ name, size, text: async () => text });

/** A localStorage stand-in. */
function memoryStorage(items: Record<string, string> = {}): Storage {
  return {
    getItem: (k) => items[k] ?? null,
    setItem: (k, v) => void (items[k] = v),
    removeItem: (k) => void delete items[k],
    clear: () => Object.keys(items).forEach((k) => delete items[k]),
    key: (i) => Object.keys(items)[i] ?? null,
    get length() {
      return Object.keys(items).length;
    },
  };
}

const config = presetRunConfig('tiny');
const score = { fcd: 12.5, classifierScore: 3.1, realClassifierScore: 8.9, n: 64 };
const done = (run: { runId: string; step: number } | null): ScoreStatus => ({
  kind: 'done',
  score,
  label: 'FCD',
  classifierCached: true,
  warnings: [],
  totalMs: 1,
  run,
});

/** A training run `runId` at `steps` logged steps, as the metrics and train stores publish it. */
function trainRun(runId: string, steps: number): void {
  useTrain.setState({ runId, config, status: 'running', preview: undefined });
  useMetrics.setState({
    loss: Array.from({ length: steps }, (_, i) => ({ step: i + 1, loss: 1 / (i + 1), smoothed: 1 })),
    lossPerT: undefined,
  });
}

beforeEach(() => {
  useRuns.setState({ runs: [], compared: [], importError: undefined });
  useScore.setState({ status: { kind: 'idle' } });
});

describe('useRuns', () => {
  it('imports a step,loss log, downsampled to the points a browser run keeps, with its loss per t', async () => {
    const points = Array.from({ length: 5000 }, (_, i) => ({
      step: i + 1,
      loss: 1 / (i + 1),
      smoothedLoss: 1,
      lr: 1e-4,
      gradNorm: 1,
      emaDecay: null,
    }));
    const csv = metricsCsv(points, {
      numTrainTimesteps: 40,
      mean: [0.5, 0.4, 0.3, 0.2],
      count: [1, 1, 1, 1],
    });
    await useRuns.getState().importLog(file('metrics.csv', csv), config);
    const [run] = useRuns.getState().runs;
    expect(run).toMatchObject({ name: 'metrics.csv', source: 'log', config, score: null, grid: null });
    expect(run.points.length).toBeLessThanOrEqual(MAX_CHART_POINTS);
    expect(run.points[0]).toEqual({ step: 1, loss: 1 });
    expect(run.points.at(-1)).toEqual({ step: 5000, loss: 1 / 5000 });
    expect(run.lossPerT).toEqual({ step: 5000, mean: [0.5, 0.4, 0.3, 0.2] });
    expect(useRuns.getState().compared).toEqual([run.id]);
  });

  it('names the problem of a bad log and keeps the runs it has', async () => {
    await useRuns.getState().importLog(file('good.csv', 'step,loss\n1,0.5\n'), null);
    await useRuns.getState().importLog(file('bad.csv', 'step,loss\n1,0.5\n2,oops\n'), null);
    expect(useRuns.getState().importError).toBe('bad.csv line 3: loss "oops" is not a finite number');
    await useRuns.getState().importLog(file('huge.csv', '', MAX_METRICS_CSV_BYTES * 2), null);
    expect(useRuns.getState().importError).toMatch(/^huge.csv is 512 MiB; a metrics.csv is at most 256 MiB/);
    expect(useRuns.getState().runs.map((r) => r.name)).toEqual(['good.csv']);
  });

  it("keeps the score of a run's model on its record, through later updates and a reload", () => {
    const storage = memoryStorage();
    const stop = useRuns.getState().follow(storage);
    trainRun('run-a', 10);
    expect(useRuns.getState().runs[0]).toMatchObject({ id: 'run-a', score: null });
    // An imported model's score, and another run's, belong to no record here.
    useScore.setState({ status: done(null) });
    useScore.setState({ status: done({ runId: 'run-b', step: 3 }) });
    expect(useRuns.getState().runs[0].score).toBeNull();
    useScore.setState({ status: done({ runId: 'run-a', step: 10 }) });
    expect(useRuns.getState().runs[0].score).toEqual({ fcd: 12.5, classifierScore: 3.1, n: 64, step: 10 });
    // Training on rewrites the record from the metrics store; the score stays.
    trainRun('run-a', 20);
    expect(useRuns.getState().runs[0]).toMatchObject({ score: { step: 10 } });
    expect(useRuns.getState().runs[0].points).toHaveLength(20);
    useTrain.setState({ status: 'stopped' });
    stop();

    useRuns.setState({ runs: [] });
    useRuns.getState().follow(storage)();
    expect(useRuns.getState().runs[0]).toMatchObject({ id: 'run-a', score: { fcd: 12.5, step: 10 } });
  });

  it('lists a record saved before scores were kept with no score', () => {
    const old = {
      id: 'r',
      name: 'old',
      source: 'browser',
      config,
      points: [],
      lossPerT: null,
      grid: null,
      createdAt: 1,
    };
    useRuns.getState().follow(memoryStorage({ 'diffusion-lab.runs.v1': JSON.stringify([old]) }))();
    expect(useRuns.getState().runs).toEqual([{ ...old, score: null }]);
  });
});
