/**
 * Checkpoints in IndexedDB (browser and worker). A save is ONE readwrite transaction over both
 * object stores: put the new record, point the run's "latest" entry at it, delete the record it
 * replaces. IndexedDB commits a transaction entirely or not at all, so a tab closed or crashed
 * mid-save leaves the previous checkpoint and pointer as they were.
 */
import { checkpointId, type CheckpointDescription, type CheckpointInfo, type CheckpointStore } from './checkpointStore';

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
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted (quota exceeded?)'));
  });
}

export class IdbCheckpointStore implements CheckpointStore {
  private db: Promise<IDBDatabase> | null = null;

  constructor(private readonly factory: IDBFactory = indexedDB) {}

  async save(description: CheckpointDescription, bytes: Uint8Array): Promise<CheckpointInfo> {
    const info: CheckpointInfo = { ...description, id: checkpointId(description.runId, description.step, description.savedAt), bytes: bytes.length };
    const tx = (await this.open()).transaction([RECORDS, LATEST], 'readwrite');
    const finished = done(tx);
    const latest = tx.objectStore(LATEST);
    const previous = (await request(latest.get(info.runId))) as CheckpointInfo | undefined;
    tx.objectStore(RECORDS).put(bytes.slice().buffer, info.id);
    latest.put(info, info.runId);
    if (previous && previous.id !== info.id) tx.objectStore(RECORDS).delete(previous.id);
    await finished;
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
      r.onblocked = () => reject(new Error('IndexedDB is blocked by another tab holding an older version open'));
    });
    return this.db;
  }
}
