/**
 * Checkpoints in IndexedDB (browser and worker). A save is ONE readwrite transaction over both
 * object stores: put the new record, point the run's "latest" entry at it (with the older records
 * it keeps, `planSave`), delete the records past those. IndexedDB commits a transaction entirely
 * or not at all, and a save that fails before its writes are queued aborts it, so a tab closed or
 * crashed mid-save, or a corrupt pointer, leaves the previous checkpoints and pointer as they were.
 */
import {
  KEEP_CHECKPOINTS,
  StorageFullError,
  checkpointBytes,
  checkpointId,
  isQuotaError,
  isRecordOf,
  planDelete,
  planSave,
  readPointer,
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

/**
 * The transaction's outcome, observed at once: it is awaited later, and a transaction that
 * aborts before then must not leave an unhandled rejection behind.
 */
function outcome(tx: IDBTransaction): Promise<void> {
  const finished = done(tx);
  finished.catch(() => {});
  return finished;
}

/** Aborts a transaction that may already have finished or aborted. */
function abort(tx: IDBTransaction): void {
  try {
    tx.abort();
  } catch {
    // Already committed or aborted: nothing left to undo.
  }
}

/** Keeps `tx` from committing until `until` settles: a transaction commits once no request is pending. */
async function keepOpen(tx: IDBTransaction, until: Promise<void>): Promise<void> {
  let released = false;
  const release = () => (released = true);
  until.then(release, release);
  while (!released) await request(tx.objectStore(LATEST).count());
}

export class IdbCheckpointStore implements CheckpointStore {
  private db: Promise<IDBDatabase> | null = null;

  constructor(
    private readonly factory: IDBFactory = indexedDB,
    private readonly hooks?: SaveHooks,
    /** Checkpoints kept per run (the latest and the ones before it). */
    private readonly keep = KEEP_CHECKPOINTS,
  ) {}

  async save(description: CheckpointDescription, bytes: Uint8Array): Promise<CheckpointInfo> {
    const info: CheckpointInfo = {
      ...description,
      id: checkpointId(description.runId, description.step, description.savedAt),
      bytes: bytes.length,
    };
    const tx = (await this.open()).transaction([RECORDS, LATEST], 'readwrite');
    const finished = outcome(tx);
    try {
      const latest = tx.objectStore(LATEST);
      const records = tx.objectStore(RECORDS);
      const [stored, keys] = await Promise.all([
        request(latest.get(info.runId)),
        request(records.getAllKeys()),
      ]);
      const ids = keys.filter((k) => isRecordOf(k, info.runId));
      const plan = planSave(stored, info, [...ids, info.id], this.keep);
      // A checkpoint can be hundreds of MB: store its buffer without a copy when it is exactly the array.
      const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
      records.put(whole ? bytes.buffer : bytes.slice().buffer, info.id);
      latest.put(plan.pointer, info.runId);
      for (const id of plan.drop) records.delete(id);
    } catch (e) {
      // Nothing of a save that failed half-way may commit.
      abort(tx);
      await finished.catch(() => {});
      throw e;
    }
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
    return checkpointBytes(await request(tx.objectStore(RECORDS).get(id)), id);
  }

  async list(): Promise<CheckpointInfo[]> {
    const tx = (await this.open()).transaction(LATEST, 'readonly');
    const all = (await request(tx.objectStore(LATEST).getAll())) as unknown[];
    return all.flatMap((p) => readPointer(p).slice(0, 1)).sort((a, b) => b.savedAt - a.savedAt);
  }

  async versions(runId: string): Promise<CheckpointInfo[]> {
    const tx = (await this.open()).transaction(LATEST, 'readonly');
    return readPointer(await request(tx.objectStore(LATEST).get(runId)));
  }

  async delete(id: string): Promise<void> {
    const tx = (await this.open()).transaction([RECORDS, LATEST], 'readwrite');
    const finished = outcome(tx);
    try {
      const records = tx.objectStore(RECORDS);
      records.delete(id);
      const latest = tx.objectStore(LATEST);
      const [keys, values] = await Promise.all([request(latest.getAllKeys()), request(latest.getAll())]);
      keys.forEach((runId, i) => {
        const plan = planDelete(values[i], id);
        if (!plan) return;
        for (const drop of plan.drop) records.delete(drop);
        if (plan.pointer) latest.put(plan.pointer, runId);
        else latest.delete(runId);
      });
    } catch (e) {
      abort(tx);
      await finished.catch(() => {});
      throw e;
    }
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
