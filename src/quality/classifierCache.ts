/**
 * Where trained classifiers are kept between scorings, as serialized bytes by key: IndexedDB in
 * the worker (survives reloads), a Map in tests, a folder in the CLI. Training costs minutes on a
 * weak GPU; loading a cached one costs milliseconds.
 */

/** A key → bytes store; implementations may drop entries at will (a miss only means retraining). */
export interface ClassifierCache {
  get(key: string): Promise<Uint8Array | undefined>;
  put(key: string, bytes: Uint8Array): Promise<void>;
}

/** A cache that lives as long as the object: for tests and one-off runs. */
export class MemoryClassifierCache implements ClassifierCache {
  private readonly entries = new Map<string, Uint8Array>();

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.entries.get(key);
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    this.entries.set(key, bytes.slice());
  }
}

const STORE = 'classifiers';

/** A cache in one IndexedDB object store (out-of-line string keys, Uint8Array values). */
export class IndexedDbClassifierCache implements ClassifierCache {
  private db: Promise<IDBDatabase> | undefined;

  /** `factory` is the global `indexedDB` in a page or worker; tests pass a fake. */
  constructor(
    private readonly factory: IDBFactory,
    private readonly dbName = 'diffusion-lab-quality',
  ) {}

  async get(key: string): Promise<Uint8Array | undefined> {
    const value = await this.request('readonly', (store) => store.get(key));
    if (value === undefined) return undefined;
    return value instanceof Uint8Array ? value : new Uint8Array(value as ArrayBuffer);
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    // A view is cloned with its whole buffer: store exactly the bytes.
    const exact =
      bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
    await this.request('readwrite', (store) => store.put(exact, key));
  }

  private open(): Promise<IDBDatabase> {
    this.db ??= new Promise<IDBDatabase>((resolve, reject) => {
      const req = this.factory.open(this.dbName, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () =>
        reject(new Error(`IndexedDB ${this.dbName}: cannot open (${req.error?.message ?? 'unknown error'})`));
      req.onblocked = () =>
        reject(new Error(`IndexedDB ${this.dbName}: blocked by another tab holding an older version open`));
    }).catch((e: unknown) => {
      // A failed open is not remembered: the next call tries again.
      this.db = undefined;
      throw e;
    });
    return this.db;
  }

  private async request(
    mode: IDBTransactionMode,
    make: (store: IDBObjectStore) => IDBRequest,
  ): Promise<unknown> {
    const db = await this.open();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = make(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = () =>
        reject(
          new Error(
            `IndexedDB ${this.dbName}/${STORE}: ${mode} failed (${tx.error?.message ?? 'unknown error'})`,
          ),
        );
      tx.onabort = () =>
        reject(
          new Error(
            `IndexedDB ${this.dbName}/${STORE}: ${mode} aborted (${tx.error?.message ?? 'quota or shutdown'})`,
          ),
        );
    });
  }
}
