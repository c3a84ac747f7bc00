import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { defaultRunConfig } from '../config';
import { StorageFullError, type CheckpointDescription } from './checkpointStore';
import { IdbCheckpointStore, type SaveHooks } from './idbCheckpointStore';

// Each test starts from an empty IndexedDB (fake-indexeddb: the spec's transactions in Node).
beforeEach(() => vi.stubGlobal('indexedDB', new IDBFactory()));
afterEach(() => vi.unstubAllGlobals());

const at = (step: number, runId = 'run-a'): CheckpointDescription => ({
  runId,
  step,
  savedAt: 1000 + step,
  backend: 'cpu',
  config: defaultRunConfig(),
});
const bytes = (...values: number[]) => Uint8Array.from(values);

/** Hooks that hold the next save open until the test settles it. */
function holdingHooks() {
  let settle: { resolve(): void; reject(reason: unknown): void } | undefined;
  const saved: number[] = [];
  const held: number[] = [];
  const hooks: SaveHooks = {
    holdOpen: (info) => {
      held.push(info.step);
      return new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    },
    saved: (info) => saved.push(info.step),
  };
  const whenHeld = async () => {
    while (!settle) await new Promise((r) => setTimeout(r, 1));
    const s = settle;
    settle = undefined;
    return s;
  };
  return { hooks, saved, held, whenHeld };
}

describe('IdbCheckpointStore', () => {
  it('keeps the last checkpoints of each run (here 2): older ones go, list shows each run’s newest first', async () => {
    const store = new IdbCheckpointStore(undefined, 2);
    const first = await store.save(at(1), bytes(1, 2));
    const second = await store.save(at(2), bytes(3, 4, 5));
    const third = await store.save(at(3), bytes(6));
    const other = await store.save(at(5, 'run-b'), bytes(9));
    expect(second).toMatchObject({ runId: 'run-a', step: 2, bytes: 3 });
    expect(await store.load(second.id)).toEqual(bytes(3, 4, 5));
    expect(await store.load(third.id)).toEqual(bytes(6));
    await expect(store.load(first.id)).rejects.toThrow(first.id);
    expect((await store.versions('run-a')).map((c) => c.id)).toEqual([third.id, second.id]);
    expect((await store.list()).map((c) => c.id)).toEqual([other.id, third.id]);
    // Another connection (a reloaded page) sees the same.
    expect(await new IdbCheckpointStore().load(other.id)).toEqual(bytes(9));
  });

  it('stores exactly the bytes of a view, not its whole buffer', async () => {
    const store = new IdbCheckpointStore();
    const info = await store.save(at(1), bytes(0, 1, 2, 3).subarray(1, 3));
    expect(info.bytes).toBe(2);
    expect(await store.load(info.id)).toEqual(bytes(1, 2));
  });

  it('deletes a record and its run pointer; unknown ids are ignored', async () => {
    const store = new IdbCheckpointStore();
    const a = await store.save(at(1), bytes(1));
    const b = await store.save(at(1, 'run-b'), bytes(2));
    await store.delete(a.id);
    await store.delete('nothing@0@0');
    expect((await store.list()).map((c) => c.id)).toEqual([b.id]);
    await expect(store.load(a.id)).rejects.toThrow('no checkpoint');
  });

  it('a save interrupted inside its transaction leaves the previous checkpoint loadable', async () => {
    const { hooks, saved, whenHeld } = holdingHooks();
    const previous = await new IdbCheckpointStore().save(at(1), bytes(1, 1));
    const store = new IdbCheckpointStore(hooks);
    const save = store.save(at(2), bytes(2, 2, 2));
    // The new record, the pointer and the old record's deletion are all queued when the crash comes.
    (await whenHeld()).reject(new Error('tab closed'));
    await expect(save).rejects.toThrow('tab closed');
    expect(saved).toEqual([]);
    const reopened = new IdbCheckpointStore();
    expect(await reopened.list()).toEqual([previous]);
    expect(await reopened.load(previous.id)).toEqual(bytes(1, 1));
    await expect(reopened.load(`run-a@2@1002`)).rejects.toThrow('no checkpoint');
  });

  it('a save the quota refuses is a StorageFullError and the previous checkpoint stays', async () => {
    const { hooks, whenHeld } = holdingHooks();
    const store = new IdbCheckpointStore(hooks);
    const save1 = store.save(at(1), bytes(1));
    (await whenHeld()).resolve();
    const previous = await save1;
    const save2 = store.save(at(2), new Uint8Array(3 * 2 ** 20));
    (await whenHeld()).reject(new DOMException('The quota has been exceeded.', 'QuotaExceededError'));
    await expect(save2).rejects.toThrow(StorageFullError);
    await expect(save2).rejects.toThrow(
      'storage is full (QuotaExceededError: the 3.0 MB checkpoint of step 2 did not fit)',
    );
    expect(await store.list()).toEqual([previous]);
    expect(await store.load(previous.id)).toEqual(bytes(1));
  });

  it('a held save commits only when released, and reports saved after the commit', async () => {
    const { hooks, saved, held, whenHeld } = holdingHooks();
    const store = new IdbCheckpointStore(hooks);
    const save = store.save(at(3), bytes(3));
    const release = await whenHeld();
    expect(held).toEqual([3]);
    // Held: the transaction still answers requests (it is kept busy), and nothing is committed.
    await new Promise((r) => setTimeout(r, 20));
    expect(saved).toEqual([]);
    release.resolve();
    const info = await save;
    expect(saved).toEqual([3]);
    expect(await new IdbCheckpointStore().load(info.id)).toEqual(bytes(3));
  });
});
