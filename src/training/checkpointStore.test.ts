import { defaultRunConfig } from '../config';
import {
  KEEP_CHECKPOINTS,
  MemoryCheckpointStore,
  isQuotaError,
  isRecordOf,
  planSave,
} from './checkpointStore';

describe('isQuotaError', () => {
  it('recognises the quota errors browsers raise', () => {
    expect(isQuotaError(new DOMException('The quota has been exceeded.', 'QuotaExceededError'))).toBe(true);
    expect(
      isQuotaError({
        name: 'NS_ERROR_DOM_QUOTA_REACHED',
        message: 'Persistent storage maximum size reached',
      }),
    ).toBe(true);
    expect(isQuotaError(new Error('Transaction aborted: quota exceeded'))).toBe(true);
  });

  it('does not mistake other storage failures for a full disk', () => {
    expect(isQuotaError(new DOMException('The transaction was aborted.', 'AbortError'))).toBe(false);
    expect(isQuotaError(new DOMException('Version change blocked.', 'VersionError'))).toBe(false);
    expect(isQuotaError(new Error('no checkpoint with id r@3@1'))).toBe(false);
    expect(isQuotaError(null)).toBe(false);
    expect(isQuotaError('QuotaExceededError')).toBe(false);
  });
});

const desc = (runId: string, step: number) => ({
  runId,
  step,
  savedAt: 1000 + step,
  backend: 'cpu',
  config: defaultRunConfig(),
});

/** A memory store whose stored values a test may spoil, as a disk error or another version would. */
class Spoilable extends MemoryCheckpointStore {
  spoilPointer(runId: string, value: unknown) {
    this.pointers.set(runId, value);
  }
  spoilRecord(id: string, value: unknown) {
    this.records.set(id, value);
  }
  recordIds() {
    return [...this.records.keys()].sort();
  }
}

describe('checkpoint stores keep the last checkpoints of a run', () => {
  it('keeps 3 per run by default, newest first, and drops the oldest', async () => {
    expect(KEEP_CHECKPOINTS).toBe(3);
    const store = new Spoilable();
    const saved = [];
    for (let step = 1; step <= 5; step++)
      saved.push(await store.save(desc('a', step), Uint8Array.from([step])));
    await store.save(desc('b', 9), Uint8Array.from([9]));
    expect((await store.versions('a')).map((c) => c.step)).toEqual([5, 4, 3]);
    expect((await store.list()).map((c) => [c.runId, c.step])).toEqual([
      ['b', 9],
      ['a', 5],
    ]);
    expect(Array.from(await store.load(saved[2].id))).toEqual([3]);
    await expect(store.load(saved[1].id)).rejects.toThrow(/no checkpoint with id a@2@1002/);
    expect(store.recordIds()).toHaveLength(4);
  });

  it('deleting the latest deletes the run; deleting an older one keeps the rest', async () => {
    const store = new Spoilable();
    const one = await store.save(desc('a', 1), Uint8Array.from([1]));
    const two = await store.save(desc('a', 2), Uint8Array.from([2]));
    const three = await store.save(desc('a', 3), Uint8Array.from([3]));
    await store.delete(two.id);
    expect((await store.versions('a')).map((c) => c.id)).toEqual([three.id, one.id]);
    await store.delete(three.id);
    expect(await store.list()).toEqual([]);
    expect(store.recordIds()).toEqual([]);
  });

  it('a corrupt pointer is not trusted: the save goes through whole and removes the records it orphaned', async () => {
    const store = new Spoilable();
    await store.save(desc('a', 1), Uint8Array.from([1]));
    await store.save(desc('a', 2), Uint8Array.from([2]));
    for (const garbage of [42, 'latest', { id: 7 }, null, { ...desc('a', 3), id: 'a@3@1003', bytes: -1 }]) {
      store.spoilPointer('a', garbage);
      expect(await store.list()).toEqual([]);
    }
    const three = await store.save(desc('a', 3), Uint8Array.from([3]));
    expect((await store.versions('a')).map((c) => c.id)).toEqual([three.id]);
    expect(store.recordIds()).toEqual([three.id]);
  });

  it('refuses a stored record of the wrong type without allocating from it', async () => {
    const store = new Spoilable();
    const one = await store.save(desc('a', 1), Uint8Array.from([1]));
    store.spoilRecord(one.id, 3e9);
    const before = process.memoryUsage().arrayBuffers;
    await expect(store.load(one.id)).rejects.toThrow(
      `checkpoint ${one.id} in this storage is not bytes (a number)`,
    );
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1 << 20);
  });

  it('planSave keeps the newest `keep` records that exist and drops every other record of the run', () => {
    const info = (step: number) => ({ ...desc('r', step), id: `r@${step}@${1000 + step}`, bytes: 1 });
    const stored = { ...info(2), older: [info(1), { junk: true }] };
    const plan = planSave(stored, info(3), ['r@1@1001', 'r@2@1002', 'r@0@1000', 'r@3@1003'], 2);
    expect([plan.pointer.id, ...plan.pointer.older.map((o) => o.id)]).toEqual(['r@3@1003', 'r@2@1002']);
    expect(plan.drop.sort()).toEqual(['r@0@1000', 'r@1@1001']);
    expect(() => planSave(stored, info(3), [], 0)).toThrow(/keep per run must be a whole number ≥ 1/);
    expect(isRecordOf('r@3@1003', 'r')).toBe(true);
    expect(isRecordOf('r@x@3@1003', 'r')).toBe(false);
  });
});
