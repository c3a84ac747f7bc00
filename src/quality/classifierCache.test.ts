import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { openDB } from 'idb';
import { IndexedDbClassifierCache, MemoryClassifierCache } from './classifierCache';

// Each test starts from an empty IndexedDB (fake-indexeddb, the spec's behaviour in Node).
beforeEach(() => vi.stubGlobal('indexedDB', new IDBFactory()));
afterEach(() => vi.unstubAllGlobals());

describe.each([
  ['in memory', () => new MemoryClassifierCache()],
  ['in IndexedDB', () => new IndexedDbClassifierCache()],
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
  it('keeps entries across cache objects (a reloaded worker finds them)', async () => {
    await new IndexedDbClassifierCache().put('k', Uint8Array.from([7]));
    expect(await new IndexedDbClassifierCache().get('k')).toEqual(Uint8Array.from([7]));
  });

  it('stores exactly the bytes of a view, not its whole buffer', async () => {
    const cache = new IndexedDbClassifierCache();
    await cache.put('k', new Uint8Array([1, 2, 3, 4, 5]).subarray(1, 3));
    expect(await cache.get('k')).toEqual(Uint8Array.from([2, 3]));
  });

  it('names the database and the cause when it cannot open, and tries again on the next call', async () => {
    // A newer build's database (version 2) cannot be opened as version 1.
    (await openDB('lab', 2)).close();
    const cache = new IndexedDbClassifierCache('lab');
    await expect(cache.get('k')).rejects.toThrow(/^IndexedDB lab: cannot open \(.*version/i);
    vi.stubGlobal('indexedDB', new IDBFactory());
    await cache.put('k', Uint8Array.from([1]));
    expect(await cache.get('k')).toEqual(Uint8Array.from([1]));
  });

  it('reports a failed write with the database, the store and the cause', async () => {
    const cache = new IndexedDbClassifierCache('lab');
    const put = vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementationOnce(() => {
      throw new DOMException('QuotaExceededError', 'QuotaExceededError');
    });
    await expect(cache.put('k', Uint8Array.from([1]))).rejects.toThrow(
      'IndexedDB lab/classifiers: readwrite failed (QuotaExceededError)',
    );
    put.mockRestore();
    expect(await cache.get('k')).toBeUndefined();
  });
});
