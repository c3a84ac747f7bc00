import { IndexedDbClassifierCache, MemoryClassifierCache } from './classifierCache';

/**
 * Just enough of IndexedDB for the cache: databases of object stores with out-of-line keys,
 * an upgrade on first open, and events fired asynchronously as browsers do. Values are stored as
 * structured clones. `failWrites` makes every readwrite transaction fail, as a full quota does.
 */
function fakeIndexedDb(options: { failWrites?: boolean } = {}) {
  const databases = new Map<string, Map<string, Map<string, unknown>>>();
  let opens = 0;
  const later = (f: () => void) => setTimeout(f, 0);
  const factory = {
    open(name: string) {
      opens++;
      const req: Record<string, unknown> & { result?: unknown } = {};
      later(() => {
        const isNew = !databases.has(name);
        const stores = databases.get(name) ?? new Map<string, Map<string, unknown>>();
        databases.set(name, stores);
        req.result = {
          createObjectStore: (store: string) => stores.set(store, new Map()),
          transaction: (store: string, mode: string) => {
            const tx: Record<string, unknown> & { error?: Error } = {};
            const data = stores.get(store) as Map<string, unknown>;
            const request = (run: () => unknown) => {
              const r: { result?: unknown } = {};
              later(() => {
                if (mode === 'readwrite' && options.failWrites) {
                  tx.error = new Error('QuotaExceededError');
                  (tx.onerror as () => void)();
                  return;
                }
                r.result = run();
                (tx.oncomplete as () => void)();
              });
              return r;
            };
            tx.objectStore = () => ({
              get: (key: string) => request(() => structuredClone(data.get(key))),
              put: (value: unknown, key: string) => request(() => void data.set(key, structuredClone(value))),
            });
            return tx;
          },
        };
        if (isNew) (req.onupgradeneeded as () => void)();
        (req.onsuccess as () => void)();
      });
      return req;
    },
  };
  return { factory: factory as unknown as IDBFactory, opens: () => opens };
}

describe.each([
  ['in memory', () => new MemoryClassifierCache()],
  ['in IndexedDB', () => new IndexedDbClassifierCache(fakeIndexedDb().factory)],
])('classifier cache %s', (_, make) => {
  it('returns what was put under a key, a copy, and nothing for other keys', async () => {
    const cache = make();
    const bytes = Uint8Array.from([1, 2, 3]);
    await cache.put('mnist/abc/r1', bytes);
    bytes[0] = 9;
    expect(await cache.get('mnist/abc/r1')).toEqual(Uint8Array.from([1, 2, 3]));
    expect(await cache.get('mnist/abc/r2')).toBeUndefined();
    await cache.put('mnist/abc/r1', Uint8Array.from([4]));
    expect(await cache.get('mnist/abc/r1')).toEqual(Uint8Array.from([4]));
  });
});

describe('IndexedDB classifier cache', () => {
  it('opens the database once and keeps entries across cache objects', async () => {
    const idb = fakeIndexedDb();
    const first = new IndexedDbClassifierCache(idb.factory);
    await first.put('k', Uint8Array.from([7]));
    await first.get('k');
    expect(idb.opens()).toBe(1);
    expect(await new IndexedDbClassifierCache(idb.factory).get('k')).toEqual(Uint8Array.from([7]));
  });

  it('reports a failed write with the database, the store and the cause', async () => {
    const cache = new IndexedDbClassifierCache(fakeIndexedDb({ failWrites: true }).factory, 'lab');
    await expect(cache.put('k', Uint8Array.from([1]))).rejects.toThrow(
      'IndexedDB lab/classifiers: readwrite failed (QuotaExceededError)',
    );
  });
});
