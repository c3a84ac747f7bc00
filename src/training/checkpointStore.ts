/**
 * Where checkpoints live: one record per save, and per run a pointer to its latest record.
 * Implementations must save atomically: a crash mid-save leaves the previous checkpoint intact.
 */
import type { CheckpointInfo } from './types';

export type { CheckpointInfo };

/** What a save records beside the bytes. */
export type CheckpointDescription = Omit<CheckpointInfo, 'id' | 'bytes'>;

export interface CheckpointStore {
  /** Stores the bytes as the run's latest checkpoint (replacing the previous one) and describes it. */
  save(description: CheckpointDescription, bytes: Uint8Array): Promise<CheckpointInfo>;
  /** The bytes of a checkpoint; throws naming the id when there is none. */
  load(id: string): Promise<Uint8Array>;
  /** The latest checkpoint of every run, newest first. */
  list(): Promise<CheckpointInfo[]>;
  /** Removes a checkpoint (and its run's pointer when it is the latest); unknown ids are ignored. */
  delete(id: string): Promise<void>;
}

/**
 * A save the browser refused because the origin's storage quota is used up. The previous
 * checkpoint stays; callers tell this apart from other failures to keep training.
 */
export class StorageFullError extends Error {
  override readonly name = 'StorageFullError';
}

/**
 * Whether an IndexedDB or DOM error means the storage quota is exhausted: `QuotaExceededError`
 * (the standard name), Firefox's legacy `NS_ERROR_DOM_QUOTA_REACHED`, or a message naming the quota.
 */
export function isQuotaError(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const { name, message } = e as { name?: unknown; message?: unknown };
  return (
    name === 'QuotaExceededError' ||
    name === 'NS_ERROR_DOM_QUOTA_REACHED' ||
    (typeof message === 'string' && /quota/i.test(message))
  );
}

/** A checkpoint id: the run and the step, unique per save. */
export function checkpointId(runId: string, step: number, savedAt: number): string {
  return `${runId}@${step}@${savedAt}`;
}

/** Keeps checkpoints in memory (tests, and the CLI, which writes files instead). */
export class MemoryCheckpointStore implements CheckpointStore {
  private readonly latest = new Map<string, CheckpointInfo>();
  private readonly blobs = new Map<string, Uint8Array>();

  async save(description: CheckpointDescription, bytes: Uint8Array): Promise<CheckpointInfo> {
    const info: CheckpointInfo = {
      ...description,
      id: checkpointId(description.runId, description.step, description.savedAt),
      bytes: bytes.length,
    };
    const previous = this.latest.get(info.runId);
    this.blobs.set(info.id, bytes.slice());
    this.latest.set(info.runId, info);
    if (previous && previous.id !== info.id) this.blobs.delete(previous.id);
    return info;
  }

  async load(id: string): Promise<Uint8Array> {
    const bytes = this.blobs.get(id);
    if (!bytes) throw new Error(`no checkpoint with id ${id}`);
    return bytes.slice();
  }

  async list(): Promise<CheckpointInfo[]> {
    return [...this.latest.values()].sort((a, b) => b.savedAt - a.savedAt);
  }

  async delete(id: string): Promise<void> {
    this.blobs.delete(id);
    for (const [runId, info] of this.latest) if (info.id === id) this.latest.delete(runId);
  }
}
