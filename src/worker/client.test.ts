import { parseWorkerName } from './faults';
import { ExitWatch, LabClient, RequestError, WORKER_STOPPED, failedJob, type Locks } from './client';
import type { Command, WorkerEvent } from './protocol';

/** Exclusive locks granted in request order, like the Web Locks API; a request's signal withdraws it. */
function fakeLocks() {
  const queues = new Map<string, Promise<void>>();
  const request = (name: string, options: LockOptions, callback: () => unknown): Promise<unknown> => {
    const before = queues.get(name) ?? Promise.resolve();
    let done!: () => void;
    queues.set(name, new Promise<void>((r) => (done = r)));
    return new Promise((resolve, reject) => {
      options.signal?.addEventListener('abort', () => {
        done();
        reject(new DOMException('The request was aborted.', 'AbortError'));
      });
      void before.then(async () => {
        if (options.signal?.aborted) return;
        const result = await callback();
        done();
        resolve(result);
      });
    });
  };
  /** Takes the lock the way the worker does, until the returned function is called. */
  const hold = (name: string): (() => void) => {
    let end!: () => void;
    const granted = new Promise<void>((taken) =>
      request(name, {}, () => {
        taken();
        return new Promise<void>((r) => (end = r));
      }),
    );
    return () => void granted.then(() => end());
  };
  return { locks: { request } as unknown as Locks, hold };
}

const tick = () => new Promise((r) => setTimeout(r, 20));

/** A worker holding lock "w" and a started watch on it. */
function watchedWorker() {
  const { locks, hold } = fakeLocks();
  const end = hold('w');
  const onExit = vi.fn();
  const watch = new ExitWatch(locks, 'w', onExit);
  watch.start();
  return { end, onExit, watch };
}

describe('ExitWatch', () => {
  it('reports the end of a worker once its lock is released, and not while it is held by a long step', async () => {
    const { end, onExit, watch } = watchedWorker();
    watch.start();
    await tick();
    await tick();
    expect(onExit).not.toHaveBeenCalled();
    end();
    await tick();
    expect(onExit).toHaveBeenCalledTimes(1);
  });

  it('says nothing when the page ends the worker itself', async () => {
    const { end, onExit, watch } = watchedWorker();
    watch.cancel();
    end();
    await tick();
    expect(onExit).not.toHaveBeenCalled();
  });

  it('watches only its own worker: another worker ending is not this one', async () => {
    const { locks, hold } = fakeLocks();
    const mine = hold('a');
    const other = hold('b');
    const onExit = vi.fn();
    new ExitWatch(locks, 'a', onExit).start();
    other();
    await tick();
    expect(onExit).not.toHaveBeenCalled();
    mine();
    await tick();
    expect(onExit).toHaveBeenCalledTimes(1);
  });
});

/** The Worker the client starts, in Node: records what it is sent; `emit` plays the worker's side. */
class FakeWorker {
  static last: FakeWorker;
  readonly posted: Command[] = [];
  onmessage: ((e: MessageEvent<WorkerEvent>) => void) | null = null;
  onerror: ((e: ErrorEvent) => void) | null = null;
  constructor(
    readonly url: URL,
    readonly options: WorkerOptions,
  ) {
    FakeWorker.last = this;
  }
  postMessage(cmd: Command) {
    this.posted.push(cmd);
  }
  terminate() {}
  emit(event: WorkerEvent) {
    this.onmessage?.({ data: event } as MessageEvent<WorkerEvent>);
  }
}

/** A client on a fake worker whose lifetime lock the test can release. */
function client() {
  const { locks, hold } = fakeLocks();
  vi.stubGlobal('Worker', FakeWorker);
  vi.stubGlobal('navigator', { locks });
  const onExit = vi.fn();
  const lab = new LabClient('auto', { onExit });
  const worker = FakeWorker.last;
  const lock = parseWorkerName(worker.options.name ?? '')!.lock;
  const heard: WorkerEvent[] = [];
  lab.subscribe((e) => heard.push(e));
  /** The id of the last request sent. */
  const lastId = () => (worker.posted.at(-1) as { requestId: string }).requestId;
  return { lab, worker, onExit, heard, lastId, end: hold(lock) };
}

describe('LabClient.request', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('resolves with its result, hands its progress to onProgress, and keeps both from the listeners', async () => {
    const { lab, worker, heard, lastId } = client();
    const progress: WorkerEvent[] = [];
    const sampled = lab.request(
      { type: 'sample', options: { sampler: 'ddim', numInferenceSteps: 2 } },
      { onProgress: (e) => progress.push(e) },
    );
    const requestId = lastId();
    expect(worker.posted.at(-1)).toEqual({ type: 'sample', requestId, options: { sampler: 'ddim', numInferenceSteps: 2 } });
    worker.emit({ type: 'sampleProgress', requestId, done: 1, total: 2 });
    worker.emit({ type: 'trainProgress', runId: 'r', metrics: {} as never });
    const done: WorkerEvent = {
      type: 'sampleDone',
      requestId,
      images: new ArrayBuffer(0),
      shape: { numImages: 0, height: 1, width: 1, channels: 1 },
      timesteps: [],
      frameStride: 1,
      frameCount: 0,
      timing: { totalMs: 1, msPerStep: 1 },
    };
    worker.emit(done);
    expect(await sampled).toEqual(done);
    expect(progress).toEqual([{ type: 'sampleProgress', requestId, done: 1, total: 2 }]);
    expect(heard.map((e) => e.type)).toEqual(['trainProgress']);
  });

  it('gives each request its own id and answer, and rejects with the worker’s error code and message', async () => {
    const { lab, worker, lastId } = client();
    const first = lab.request({ type: 'exportPipeline' });
    const a = lastId();
    const second = lab.request({ type: 'gpuCheck', size: 64, iterations: 1 });
    const b = lastId();
    expect(a).not.toBe(b);
    worker.emit({ type: 'gpuCheckResult', requestId: b, size: 64, iterations: 1, ms: 2, gflops: 3 });
    worker.emit({ type: 'error', requestId: a, code: 'no-model', message: 'train or import a model first' });
    expect(await second).toMatchObject({ gflops: 3 });
    const error = await first.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestError);
    expect(error).toMatchObject({ code: 'no-model', message: 'train or import a model first' });
    expect(failedJob(error)).toEqual({ kind: 'failed', message: 'train or import a model first' });
  });

  it('cancels through its AbortSignal: sends cancel and rejects once the worker has stopped', async () => {
    const { lab, worker, heard, lastId } = client();
    const abort = new AbortController();
    const progress: WorkerEvent[] = [];
    const scored = lab.request(
      { type: 'score', options: { num: 4, seed: 0, sampling: { sampler: 'ddim', numInferenceSteps: 2 } } },
      { signal: abort.signal, onProgress: (e) => progress.push(e) },
    );
    const requestId = lastId();
    abort.abort();
    expect(worker.posted.at(-1)).toEqual({ type: 'cancel', requestId });
    let settled = false;
    void scored.catch(() => (settled = true));
    // The step in progress still reports; the caller no longer hears it.
    worker.emit({ type: 'scoreProgress', requestId, phase: 'sampling', done: 1, total: 2 });
    await tick();
    expect(settled).toBe(false);
    worker.emit({ type: 'error', requestId, code: 'cancelled', message: 'score: cancelled after 1 of 2 steps' });
    const error = await scored.catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'cancelled', message: 'score: cancelled after 1 of 2 steps' });
    expect(failedJob(error)).toEqual({ kind: 'cancelled' });
    expect(progress).toEqual([]);
    expect(heard).toEqual([]);
  });

  it('an aborted request the worker finished anyway still ends as cancelled', async () => {
    const { lab, worker, lastId } = client();
    const abort = new AbortController();
    const exported = lab.request({ type: 'exportPipeline' }, { signal: abort.signal });
    const requestId = lastId();
    abort.abort();
    worker.emit({ type: 'exportReady', requestId, fileName: 'x.zip', bytes: new ArrayBuffer(1) });
    await expect(exported).rejects.toMatchObject({ code: 'cancelled' });
  });

  it('fails every request in flight when the worker ends unasked, then tells the page', async () => {
    const { lab, worker, onExit, end } = client();
    // The watch starts with the worker's first answer (it holds its lock by then).
    worker.emit({ type: 'ready', protocolVersion: 4, backend: { name: 'cpu', requested: 'auto', fallbackReasons: [] } });
    const loading = lab.request({ type: 'previewDataset', seed: 1, count: 4 });
    end();
    await expect(loading).rejects.toMatchObject({ code: 'worker-stopped', message: WORKER_STOPPED });
    expect(onExit).toHaveBeenCalledTimes(1);
  });
});
