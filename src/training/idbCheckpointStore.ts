/**
 * Checkpoints in IndexedDB (browser and worker), through `idb`'s promise wrapper. A save is ONE
 * readwrite transaction over both object stores: put the new record, point the run's "latest"
 * entry at it, delete the record it replaces. IndexedDB commits a transaction entirely or not at
 * all, so a tab closed or crashed mid-save leaves the previous checkpoint and pointer as they were.
 */
import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction } from 'idb';
import {
  StorageFullError,
  checkpointId,
  isQuotaError,
  type CheckpointDescription,
  type CheckpointInfo,
  type CheckpointStore,
} from './checkpointStore';

const DB_NAME = 'diffusion-lab-checkpoints';
const DB_VERSION = 1;

interface CheckpointDb extends DBSchema {
  /** id → checkpoint bytes. */
  records: { key: string; value: ArrayBuffer };
  /** runId → CheckpointInfo of the run's latest record. */
  latest: { key: string; value: CheckpointInfo };
}

type SaveTransaction = IDBPTransaction<CheckpointDb, ['records', 'latest'], 'readwrite'>;

/**
 * Hooks for the fault tests (`?faults` in the browser, fake-indexeddb in Node): they make the write
 * window of a save observable and long enough to reload the page (or fail the save) inside it.
 */
export interface SaveHooks {
  /**
   * Called once a save's writes are queued; the transaction stays uncommitted until the promise
   * settles. A rejection aborts the transaction, as a crash or a full disk would: the save
   * fails with that reason and nothing of it is stored.
   */
  holdOpen(info: CheckpointInfo): Promise<void> | null;
  /** Called after a save has committed. */
  saved(info: CheckpointInfo): void;
}

export class IdbCheckpointStore implements CheckpointStore {
  private db: Promise<IDBPDatabase<CheckpointDb>> | null = null;

  constructor(private readonly hooks?: SaveHooks) {}

  async save(description: CheckpointDescription, bytes: Uint8Array): Promise<CheckpointInfo> {
    const info: CheckpointInfo = {
      ...description,
      id: checkpointId(description.runId, description.step, description.savedAt),
      bytes: bytes.length,
    };
    const tx = (await this.open()).transaction(['records', 'latest'], 'readwrite');
    const records = tx.objectStore('records');
    const latest = tx.objectStore('latest');
    const writes = async () => {
      const previous = await latest.get(info.runId);
      // A checkpoint can be hundreds of MB: store its buffer without a copy when it is exactly the array.
      const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
      await Promise.all([
        records.put((whole ? bytes : bytes.slice()).buffer as ArrayBuffer, info.id),
        latest.put(info, info.runId),
        previous && previous.id !== info.id ? records.delete(previous.id) : undefined,
        this.holdOpen(tx, info),
      ]);
    };
    try {
      // The first failure wins: a failed request's own error (QuotaExceededError), not the AbortError that follows.
      await Promise.all([writes(), tx.done]);
    } catch (e) {
      if (!isQuotaError(e)) throw e;
      const mb = (bytes.byteLength / 2 ** 20).toFixed(1);
      throw new StorageFullError(
        `storage is full (${(e as Error).name}: the ${mb} MB checkpoint of step ${info.step} did not fit)`,
      );
    }
    this.hooks?.saved(info);
    return info;
  }

  async load(id: string): Promise<Uint8Array> {
    const buffer = await (await this.open()).get('records', id);
    if (!buffer) throw new Error(`no checkpoint with id ${id} in this browser's storage`);
    return new Uint8Array(buffer);
  }

  async list(): Promise<CheckpointInfo[]> {
    const all = await (await this.open()).getAll('latest');
    return all.sort((a, b) => b.savedAt - a.savedAt);
  }

  async delete(id: string): Promise<void> {
    const tx = (await this.open()).transaction(['records', 'latest'], 'readwrite');
    const latest = tx.objectStore('latest');
    const unlink = async () => {
      for (const info of await latest.getAll()) if (info.id === id) await latest.delete(info.runId);
    };
    await Promise.all([tx.objectStore('records').delete(id), unlink(), tx.done]);
  }

  /** Keeps `tx` from committing while the hook holds it (a transaction commits once no request is pending). */
  private async holdOpen(tx: SaveTransaction, info: CheckpointInfo): Promise<void> {
    const until = this.hooks?.holdOpen(info);
    if (!until) return;
    let settled: { failed: boolean; reason?: unknown } | null = null;
    until.then(
      () => (settled = { failed: false }),
      (reason: unknown) => (settled = { failed: true, reason }),
    );
    while (!settled) await tx.objectStore('latest').count();
    const { failed, reason } = settled as { failed: boolean; reason?: unknown };
    if (failed) {
      tx.abort();
      throw reason;
    }
  }

  private open(): Promise<IDBPDatabase<CheckpointDb>> {
    this.db ??= new Promise((resolve, reject) => {
      openDB<CheckpointDb>(DB_NAME, DB_VERSION, {
        upgrade(db) {
          db.createObjectStore('records');
          db.createObjectStore('latest');
        },
        blocked: () => reject(new Error('IndexedDB is blocked by another tab holding an older version open')),
      }).then(resolve, reject);
    });
    return this.db;
  }
}
