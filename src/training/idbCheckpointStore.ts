/**
 * Checkpoints in IndexedDB (browser and worker), through `idb`'s promise wrapper. A save is ONE
 * readwrite transaction over both object stores: put the new record, point the run's "latest"
 * entry at it (with the older records it keeps, `planSave`), delete the records past those.
 * IndexedDB commits a transaction entirely or not at all, and a save that fails before its writes
 * are queued aborts it, so a tab closed or crashed mid-save, or a corrupt pointer, leaves the
 * previous checkpoints and pointer as they were.
 */
import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction } from 'idb';
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

interface CheckpointDb extends DBSchema {
  /** id → checkpoint bytes (anything else stored there is refused by `checkpointBytes`). */
  records: { key: string; value: unknown };
  /** runId → the run's pointer: its latest record and the older ones kept (`readPointer`). */
  latest: { key: string; value: unknown };
}

type WriteTransaction = IDBPTransaction<CheckpointDb, ['records', 'latest'], 'readwrite'>;

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

/** Aborts a transaction that may already have finished or aborted. */
function abort(tx: WriteTransaction): void {
  try {
    tx.abort();
  } catch {
    // Already committed or aborted: nothing left to undo.
  }
}

/**
 * Runs `work` in `tx` and waits for the commit. Nothing of work that failed half-way commits, and
 * the first failure wins: a failed request's own error (QuotaExceededError), not the AbortError
 * that follows. Both promises are observed, so an abort leaves no unhandled rejection.
 */
async function inTransaction(tx: WriteTransaction, work: () => Promise<unknown>): Promise<void> {
  const aborting = (e: unknown) => {
    abort(tx);
    throw e;
  };
  await Promise.all([work().catch(aborting), tx.done]);
}

export class IdbCheckpointStore implements CheckpointStore {
  private db: Promise<IDBPDatabase<CheckpointDb>> | null = null;

  constructor(
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
    const tx = (await this.open()).transaction(['records', 'latest'], 'readwrite');
    const records = tx.objectStore('records');
    const latest = tx.objectStore('latest');
    const writes = async () => {
      const [stored, keys] = await Promise.all([latest.get(info.runId), records.getAllKeys()]);
      const ids = keys.filter((k) => isRecordOf(k, info.runId));
      const plan = planSave(stored, info, [...ids, info.id], this.keep);
      // A checkpoint can be hundreds of MB: store its buffer without a copy when it is exactly the array.
      const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
      await Promise.all([
        records.put((whole ? bytes : bytes.slice()).buffer, info.id),
        latest.put(plan.pointer, info.runId),
        ...plan.drop.map((id) => records.delete(id)),
        this.holdOpen(tx, info),
      ]);
    };
    try {
      await inTransaction(tx, writes);
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
    return checkpointBytes(await (await this.open()).get('records', id), id);
  }

  async list(): Promise<CheckpointInfo[]> {
    const all = await (await this.open()).getAll('latest');
    return all.flatMap((p) => readPointer(p).slice(0, 1)).sort((a, b) => b.savedAt - a.savedAt);
  }

  async versions(runId: string): Promise<CheckpointInfo[]> {
    return readPointer(await (await this.open()).get('latest', runId));
  }

  async delete(id: string): Promise<void> {
    const tx = (await this.open()).transaction(['records', 'latest'], 'readwrite');
    const records = tx.objectStore('records');
    const latest = tx.objectStore('latest');
    await inTransaction(tx, async () => {
      const [keys, values] = await Promise.all([latest.getAllKeys(), latest.getAll()]);
      const writes: Promise<unknown>[] = [records.delete(id)];
      keys.forEach((runId, i) => {
        const plan = planDelete(values[i], id);
        if (!plan) return;
        for (const drop of plan.drop) writes.push(records.delete(drop));
        writes.push(plan.pointer ? latest.put(plan.pointer, runId) : latest.delete(runId));
      });
      await Promise.all(writes);
    });
  }

  /** Keeps `tx` from committing while the hook holds it (a transaction commits once no request is pending). */
  private async holdOpen(tx: WriteTransaction, info: CheckpointInfo): Promise<void> {
    const until = this.hooks?.holdOpen(info);
    if (!until) return;
    let settled: { failed: boolean; reason?: unknown } | null = null;
    until.then(
      () => (settled = { failed: false }),
      (reason: unknown) => (settled = { failed: true, reason }),
    );
    while (!settled) await tx.objectStore('latest').count();
    const { failed, reason } = settled as { failed: boolean; reason?: unknown };
    if (failed) throw reason;
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
