/**
 * Where checkpoints live: one record per save, and per run a pointer to its latest records (the
 * last {@link KEEP_CHECKPOINTS} by default, so one bad write never loses the run). Implementations
 * must save atomically, pointer included: a crash or an error mid-save leaves the previous
 * checkpoints and pointer as they were. The pointer logic (reading a stored pointer that may be
 * corrupt, which records a save keeps and drops) lives here, so every store shares it.
 */
import { isPlainObject } from '../io/json';
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
  /** Every checkpoint a run still keeps, newest first (the latest, then older ones to fall back on). */
  versions(runId: string): Promise<CheckpointInfo[]>;
  /**
   * Removes a checkpoint; removing a run's latest removes the run (its older kept checkpoints and
   * its pointer). Unknown ids are ignored.
   */
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

/** Checkpoints a run keeps by default: the latest and the two before it. */
export const KEEP_CHECKPOINTS = 3;

/**
 * What a store keeps per run under the run's id: the latest checkpoint's description (so a
 * pointer written before runs kept several reads the same) and the older ones still kept.
 */
export interface RunPointer extends CheckpointInfo {
  older: CheckpointInfo[];
}

const isCount = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;

/** Whether a stored value is a checkpoint description (storage can hand back anything after a disk error). */
export function isCheckpointInfo(v: unknown): v is CheckpointInfo {
  return (
    isPlainObject(v) &&
    typeof v.id === 'string' &&
    typeof v.runId === 'string' &&
    isCount(v.step) &&
    Number.isFinite(v.savedAt) &&
    isCount(v.bytes) &&
    typeof v.backend === 'string' &&
    isPlainObject(v.config)
  );
}

/**
 * The checkpoints a stored pointer names, newest first. A corrupt pointer (wrong type, missing
 * fields) names none: it is never trusted and never thrown on, so a save over it still works.
 */
export function readPointer(stored: unknown): CheckpointInfo[] {
  if (!isCheckpointInfo(stored)) return [];
  const { older, ...latest } = stored as CheckpointInfo & { older?: unknown };
  const rest = Array.isArray(older) ? older.filter(isCheckpointInfo) : [];
  return [latest, ...rest.filter((o) => o.runId === latest.runId && o.id !== latest.id)];
}

/** The pointer value for `kept` (newest first, at least one). */
export function pointerOf(kept: readonly CheckpointInfo[]): RunPointer {
  return { ...kept[0], older: kept.slice(1) };
}

/** What a save writes: the new pointer, and the run's records to delete in the same transaction. */
export interface SavePlan {
  pointer: RunPointer;
  drop: string[];
}

/**
 * Plans a save of `info` over a run whose pointer is `stored` and whose records are `recordIds`:
 * the newest `keep` stay, every other record of the run goes (including ones a corrupt pointer
 * had orphaned).
 */
export function planSave(
  stored: unknown,
  info: CheckpointInfo,
  recordIds: readonly string[],
  keep = KEEP_CHECKPOINTS,
): SavePlan {
  if (!Number.isSafeInteger(keep) || keep < 1)
    throw new RangeError(`checkpoints to keep per run must be a whole number ≥ 1, got ${keep}`);
  const previous = readPointer(stored).filter((c) => c.id !== info.id && recordIds.includes(c.id));
  const kept = [info, ...previous].slice(0, keep);
  const keepIds = new Set(kept.map((c) => c.id));
  return { pointer: pointerOf(kept), drop: recordIds.filter((id) => !keepIds.has(id)) };
}

/**
 * What deleting checkpoint `id` does to a run pointed at by `stored`. Deleting the latest deletes
 * the run (what the page lists is one entry per run): every record it keeps goes and the pointer
 * with them (`pointer: null`). Deleting an older one drops just it from the pointer. `undefined`:
 * the run does not hold `id`.
 */
export function planDelete(
  stored: unknown,
  id: string,
): { pointer: RunPointer | null; drop: string[] } | undefined {
  const kept = readPointer(stored);
  if (kept.length === 0) return { pointer: null, drop: [] };
  if (kept[0].id === id) return { pointer: null, drop: kept.map((c) => c.id) };
  if (!kept.some((c) => c.id === id)) return undefined;
  return { pointer: pointerOf(kept.filter((c) => c.id !== id)), drop: [id] };
}

/** Whether a stored record key belongs to run `runId` (keys are `runId@step@savedAt`). */
export function isRecordOf(key: unknown, runId: string): key is string {
  return (
    typeof key === 'string' &&
    key.startsWith(`${runId}@`) &&
    /^\d+@-?\d+(\.\d+)?$/.test(key.slice(runId.length + 1))
  );
}

/**
 * A stored record as checkpoint bytes. Anything but an ArrayBuffer is refused without being
 * looked into: `new Uint8Array(value)` on a stored number would allocate that many bytes.
 */
export function checkpointBytes(value: unknown, id: string): Uint8Array {
  if (value === undefined) throw new Error(`no checkpoint with id ${id} in this storage`);
  if (!(value instanceof ArrayBuffer))
    throw new Error(
      `checkpoint ${id} in this storage is not bytes (a ${value === null ? 'null' : typeof value}); the record is corrupt`,
    );
  return new Uint8Array(value);
}

/** Keeps checkpoints in memory (tests, and the CLI, which writes files instead). */
export class MemoryCheckpointStore implements CheckpointStore {
  /** What IndexedDB's two object stores hold: pointers by run id, records by checkpoint id. */
  protected readonly pointers = new Map<string, unknown>();
  protected readonly records = new Map<string, unknown>();

  constructor(private readonly keep = KEEP_CHECKPOINTS) {}

  async save(description: CheckpointDescription, bytes: Uint8Array): Promise<CheckpointInfo> {
    const info: CheckpointInfo = {
      ...description,
      id: checkpointId(description.runId, description.step, description.savedAt),
      bytes: bytes.length,
    };
    const ids = [...this.records.keys()].filter((k) => isRecordOf(k, info.runId));
    // Planned before anything is written, so a failure leaves the store as it was.
    const plan = planSave(this.pointers.get(info.runId), info, [...ids, info.id], this.keep);
    this.records.set(info.id, bytes.slice().buffer);
    this.pointers.set(info.runId, plan.pointer);
    for (const id of plan.drop) this.records.delete(id);
    return info;
  }

  async load(id: string): Promise<Uint8Array> {
    return checkpointBytes(this.records.get(id), id).slice();
  }

  async list(): Promise<CheckpointInfo[]> {
    return [...this.pointers.values()]
      .flatMap((p) => readPointer(p).slice(0, 1))
      .sort((a, b) => b.savedAt - a.savedAt);
  }

  async versions(runId: string): Promise<CheckpointInfo[]> {
    return readPointer(this.pointers.get(runId));
  }

  async delete(id: string): Promise<void> {
    this.records.delete(id);
    for (const [runId, stored] of this.pointers) {
      const plan = planDelete(stored, id);
      if (!plan) continue;
      for (const drop of plan.drop) this.records.delete(drop);
      if (plan.pointer) this.pointers.set(runId, plan.pointer);
      else this.pointers.delete(runId);
    }
  }
}
