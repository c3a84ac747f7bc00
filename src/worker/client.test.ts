import { ExitWatch, type Locks } from './client';

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
