/**
 * The chart-redraw benchmark's page (built by bench/charts/run.ts in production mode): one training
 * chart mounted alone at the width the Train tab gives it, fed a new 300-point series per redraw
 * as a metrics publish does, each redraw in its own animation frame. Per redraw it times
 * - `commitMs`: the React render and commit plus the layout it forces (flushSync, then reading
 *   the chart's box): what the redraw itself costs the main thread;
 * - `frameMs`: from the animation frame that starts the redraw to the first task after that frame
 *   was rendered, so style, layout and paint are counted too.
 * The runner adds the main thread's CPU time over all redraws, which other load on the machine
 * does not inflate the way it inflates these wall times.
 */
import { useState } from 'react';
import { flushSync } from 'react-dom';
import { createRoot, type Root } from 'react-dom/client';
import {
  MAX_CHART_POINTS,
  type LossPerTCurve,
  type LossPoint,
  type LrGradPoint,
} from '../../src/store/metricsStore';
import { LossChart } from '../../src/ui/train/LossChart';
import { LossPerTChart } from '../../src/ui/train/LossPerTChart';
import { LrGradChart } from '../../src/ui/train/LrGradChart';
import '../../src/ui/styles.css';

export type ChartName = 'loss' | 'loss-per-t' | 'lr-grad';

declare global {
  interface Window {
    /** Mounts `chart` alone, with the data of `redraws` redraws made up front (outside the timing). */
    benchMount(chart: ChartName, redraws: number): Promise<void>;
    /** Runs redraws `from`..`from + count − 1`, each in its own task; their timings. */
    benchRedraws(from: number, count: number): Promise<{ commitMs: number[]; frameMs: number[] }>;
    benchUnmount(): void;
  }
}

/**
 * The charts' data at redraw `k`, as in a long run: 300 kept points spread over ~30,000 steps, the
 * newest a few steps further on each publish, the values moving.
 */
function series(k: number) {
  const loss: LossPoint[] = [];
  const lrGrad: LrGradPoint[] = [];
  for (let i = 0; i < MAX_CHART_POINTS; i++) {
    const step = Math.round(((i + 1) * (30_000 + 5 * k)) / MAX_CHART_POINTS);
    const l = 0.05 + 0.9 * Math.exp(-i / 60) + 0.03 * Math.sin(i * 1.7 + k);
    loss.push({ step, loss: l, smoothed: 0.05 + 0.9 * Math.exp(-i / 60) });
    lrGrad.push({ step, lr: 2e-4 * Math.min(1, i / 100), gradNorm: 0.5 + 0.4 * Math.abs(Math.sin(i + k)) });
  }
  const bucket = (b: number) => 0.02 + 0.5 * Math.exp(-b / 3) + 0.01 * Math.cos(b + k);
  const now: LossPerTCurve = { step: k, buckets: Array.from({ length: 20 }, (_, b) => bucket(b)) };
  return { loss, lrGrad, now };
}

const SNAPSHOT: LossPerTCurve = {
  step: 1,
  buckets: Array.from({ length: 20 }, (_, b) => 0.04 + 0.6 * Math.exp(-b / 3)),
};
const noop = () => undefined;

type Series = ReturnType<typeof series>;

function Chart({ name, s }: { name: ChartName; s: Series }) {
  if (name === 'loss') return <LossChart points={s.loss} logScale onLogScale={noop} />;
  if (name === 'lr-grad') return <LrGradChart points={s.lrGrad} clipNorm={1} />;
  return <LossPerTChart current={s.now} snapshot={SNAPSHOT} T={1000} dataset="cifar10" onSnapshot={noop} />;
}

let redraw: (k: number) => void = noop;
let data: Series[] = [];
let root: Root | undefined;

function Bench({ name }: { name: ChartName }) {
  const [k, setK] = useState(0);
  redraw = setK;
  return <Chart name={name} s={data[k]} />;
}

const frame = () => new Promise<number>((r) => requestAnimationFrame(r));
const nextTask = () => new Promise<number>((r) => setTimeout(() => r(performance.now()), 0));
const host = () => document.getElementById('root')!;

window.benchMount = async (name, redraws) => {
  data = Array.from({ length: redraws + 1 }, (_, k) => series(k));
  root = createRoot(host());
  flushSync(() => root!.render(<Bench name={name} />));
  // The chart sizes itself from its container (ResizeObserver): let it settle first.
  for (let i = 0; i < 5; i++) await frame();
};

window.benchRedraws = async (from, count) => {
  const commitMs: number[] = [];
  const frameMs: number[] = [];
  for (let k = from; k < from + count; k++) {
    const start = await frame();
    const t0 = performance.now();
    flushSync(() => redraw(k));
    host().getBoundingClientRect();
    commitMs.push(performance.now() - t0);
    frameMs.push((await nextTask()) - start);
  }
  return { commitMs, frameMs };
};

window.benchUnmount = () => {
  root?.unmount();
  root = undefined;
  data = [];
};
