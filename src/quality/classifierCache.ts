/**
 * Where trained classifiers are kept between scorings, as serialized bytes by key: IndexedDB in
 * the worker (survives reloads), a Map in tests, a folder in the CLI. Training costs minutes on a
 * weak GPU; loading a cached one costs milliseconds.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';

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

interface ClassifierDb extends DBSchema {
  /** Cache key → serialized classifier. */
  classifiers: { key: string; value: Uint8Array };
}

/** A cache in one IndexedDB object store (out-of-line string keys, Uint8Array values), through `idb`. */
export class IndexedDbClassifierCache implements ClassifierCache {
  private db: Promise<IDBPDatabase<ClassifierDb>> | undefined;

  constructor(private readonly dbName = 'diffusion-lab-quality') {}

  async get(key: string): Promise<Uint8Array | undefined> {
    const db = await this.open();
    return this.failing('readonly', () => db.get(STORE, key));
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const db = await this.open();
    // A view is cloned with its whole buffer: store exactly the bytes.
    const exact =
      bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
    await this.failing('readwrite', () => db.put(STORE, exact, key));
  }

  private open(): Promise<IDBPDatabase<ClassifierDb>> {
    this.db ??= new Promise<IDBPDatabase<ClassifierDb>>((resolve, reject) => {
      openDB<ClassifierDb>(this.dbName, 1, {
        upgrade: (db) => db.createObjectStore(STORE),
        blocked: () =>
          reject(new Error(`IndexedDB ${this.dbName}: blocked by another tab holding an older version open`)),
      }).then(resolve, (e: unknown) =>
        reject(new Error(`IndexedDB ${this.dbName}: cannot open (${(e as Error).message})`)),
      );
    }).catch((e: unknown) => {
      // A failed open is not remembered: the next call tries again.
      this.db = undefined;
      throw e;
    });
    return this.db;
  }

  /** Runs one request, naming the database, the store and the mode in its failure. */
  private async failing<T>(mode: IDBTransactionMode, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      throw new Error(`IndexedDB ${this.dbName}/${STORE}: ${mode} failed (${(e as Error).message})`);
    }
  }
}
