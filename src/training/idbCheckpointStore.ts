/**
 * Checkpoints in IndexedDB (browser and worker). A save is ONE readwrite transaction over both
 * object stores: put the new record, point the run's "latest" entry at it, delete the record it
 * replaces. IndexedDB commits a transaction entirely or not at all, so a tab closed or crashed
 * mid-save leaves the previous checkpoint and pointer as they were.
 */
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
/** id → checkpoint bytes. */
const RECORDS = 'records';
/** runId → CheckpointInfo of the run's latest record. */
const LATEST = 'latest';

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    // The failed request's own error: tx.error is only set once the abort is under way.
    tx.onerror = (ev) =>
      reject(
        (ev.target as IDBRequest | null)?.error ?? tx.error ?? new Error('IndexedDB transaction failed'),
      );
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted (quota exceeded?)'));
  });
}

/**
 * Hooks for the browser fault tests (`?faults`): they make the write window of a save observable
 * and long enough to reload the page inside it.
 */
export interface SaveHooks {
  /** Called once a save's writes are queued; the transaction stays uncommitted until the promise settles. */
  holdOpen(info: CheckpointInfo): Promise<void> | null;
  /** Called after a save has committed. */
  saved(info: CheckpointInfo): void;
}

/** Keeps `tx` from committing until `until` settles: a transaction commits once no request is pending. */
async function keepOpen(tx: IDBTransaction, until: Promise<void>): Promise<void> {
  let released = false;
  void until.finally(() => (released = true));
  while (!released) await request(tx.objectStore(LATEST).count());
}

export class IdbCheckpointStore implements CheckpointStore {
  private db: Promise<IDBDatabase> | null = null;

  constructor(
    private readonly factory: IDBFactory = indexedDB,
    private readonly hooks?: SaveHooks,
  ) {}

  async save(description: CheckpointDescription, bytes: Uint8Array): Promise<CheckpointInfo> {
    const info: CheckpointInfo = {
      ...description,
      id: checkpointId(description.runId, description.step, description.savedAt),
      bytes: bytes.length,
    };
    const tx = (await this.open()).transaction([RECORDS, LATEST], 'readwrite');
    const finished = done(tx);
    const latest = tx.objectStore(LATEST);
    const previous = (await request(latest.get(info.runId))) as CheckpointInfo | undefined;
    // A checkpoint can be hundreds of MB: store its buffer without a copy when it is exactly the array.
    const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
    tx.objectStore(RECORDS).put(whole ? bytes.buffer : bytes.slice().buffer, info.id);
    latest.put(info, info.runId);
    if (previous && previous.id !== info.id) tx.objectStore(RECORDS).delete(previous.id);
    const hold = this.hooks?.holdOpen(info);
    try {
      // An aborted transaction fails the next request; `finished` says why it aborted.
      if (hold)
        await keepOpen(tx, hold).catch(async (e: unknown) => {
          await finished;
          throw e;
        });
      await finished;
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
    const tx = (await this.open()).transaction(RECORDS, 'readonly');
    const buffer = (await request(tx.objectStore(RECORDS).get(id))) as ArrayBuffer | undefined;
    if (!buffer) throw new Error(`no checkpoint with id ${id} in this browser's storage`);
    return new Uint8Array(buffer);
  }

  async list(): Promise<CheckpointInfo[]> {
    const tx = (await this.open()).transaction(LATEST, 'readonly');
    const all = (await request(tx.objectStore(LATEST).getAll())) as CheckpointInfo[];
    return all.sort((a, b) => b.savedAt - a.savedAt);
  }

  async delete(id: string): Promise<void> {
    const tx = (await this.open()).transaction([RECORDS, LATEST], 'readwrite');
    const finished = done(tx);
    tx.objectStore(RECORDS).delete(id);
    const latest = tx.objectStore(LATEST);
    const all = (await request(latest.getAll())) as CheckpointInfo[];
    for (const info of all) if (info.id === id) latest.delete(info.runId);
    await finished;
  }

  private open(): Promise<IDBDatabase> {
    this.db ??= new Promise((resolve, reject) => {
      const r = this.factory.open(DB_NAME, DB_VERSION);
      r.onupgradeneeded = () => {
        r.result.createObjectStore(RECORDS);
        r.result.createObjectStore(LATEST);
      };
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error ?? new Error('IndexedDB could not be opened'));
      r.onblocked = () =>
        reject(new Error('IndexedDB is blocked by another tab holding an older version open'));
    });
    return this.db;
  }
}
