/**
 * Every run of this browser, for the Clinic's side-by-side view: its config, loss curve, last
 * loss per t and last preview grid, kept in localStorage (a few tens of kB per run) so runs stay
 * listed after a reload; plus logs imported from elsewhere. The current training run's record
 * follows the metrics and train stores as they publish.
 */
import { create } from 'zustand';
import type { RunConfig } from '../config';
import { parseLossLog } from '../clinic/logImport';
import type { ImageBatch } from '../io/image';
import { useMetrics } from './metricsStore';
import { useTrain } from './trainStore';

/** One run as the Clinic lists and overlays it. */
export interface RunRecord {
  id: string;
  name: string;
  source: 'browser' | 'log';
  /** Null for a log imported without its config. */
  config: RunConfig | null;
  /** Downsampled loss curve (the charts' points). */
  points: { step: number; loss: number }[];
  lossPerT: { step: number; mean: (number | null)[] } | null;
  /** The last preview grid, pixels base64 (what the side-by-side view shows). */
  grid: (Omit<ImageBatch, 'data'> & { data: string }) | null;
  createdAt: number;
}

/** Runs kept: the oldest go first. */
export const MAX_RUNS = 24;
/** How many runs the comparison overlays at once. */
export const MAX_COMPARED = 4;
const STORAGE_KEY = 'diffusion-lab.runs.v1';

interface RunsState {
  runs: RunRecord[];
  /** Ids overlaid in the comparison, in the order picked. */
  compared: string[];
  /** Why the last log import failed. */
  importError: string | undefined;
  /** Names the current training run's record (Twin run names its twin). */
  nameNext(name: string): void;
  toggleCompared(id: string): void;
  remove(id: string): void;
  importLog(fileName: string, text: string, config: RunConfig | null): void;
  /** Starts following the training stores (once, from the app). */
  follow(storage?: Storage): () => void;
}

export const useRuns = create<RunsState>((set, get) => {
  let storage: Storage | undefined;
  let nextName: string | undefined;
  const save = () => {
    try {
      storage?.setItem(STORAGE_KEY, JSON.stringify(get().runs));
    } catch {
      // A full localStorage loses the list, never the run.
    }
  };
  const upsert = (record: RunRecord) => {
    const others = get().runs.filter((r) => r.id !== record.id);
    const runs = [...others, record].slice(-MAX_RUNS);
    const alive = new Set(runs.map((r) => r.id));
    const compared = get().compared.filter((id) => alive.has(id));
    // A new run is compared with the one before it, as a twin run is meant to be read.
    if (!others.some((r) => r.id === record.id) && !compared.includes(record.id)) compared.push(record.id);
    set({ runs, compared: compared.slice(-MAX_COMPARED) });
  };
  return {
    runs: [],
    compared: [],
    importError: undefined,
    nameNext(name) {
      nextName = name;
    },
    toggleCompared(id) {
      const c = get().compared;
      set({ compared: c.includes(id) ? c.filter((x) => x !== id) : [...c, id].slice(-MAX_COMPARED) });
    },
    remove(id) {
      set({ runs: get().runs.filter((r) => r.id !== id), compared: get().compared.filter((x) => x !== id) });
      save();
    },
    importLog(fileName, text, config) {
      try {
        const log = parseLossLog(text);
        upsert({
          id: `log-${Date.now()}`,
          name: fileName,
          source: 'log',
          config,
          points: log.points,
          lossPerT: log.lossPerT && { step: log.lossPerT.step, mean: log.lossPerT.mean },
          grid: null,
          createdAt: Date.now(),
        });
        set({ importError: undefined });
        save();
      } catch (e) {
        set({ importError: `${fileName}: ${(e as Error).message}` });
      }
    },
    follow(store = globalThis.localStorage) {
      storage = store;
      try {
        const saved = JSON.parse(storage?.getItem(STORAGE_KEY) ?? '[]') as RunRecord[];
        if (Array.isArray(saved)) set({ runs: saved.slice(-MAX_RUNS) });
      } catch {
        // An unreadable list starts empty.
      }
      let lastSave = 0;
      const record = () => {
        const { runId, preview, status } = useTrain.getState();
        const config = useTrain.getState().config;
        const m = useMetrics.getState();
        if (!runId || !config || m.loss.length === 0) return;
        const existing = get().runs.find((r) => r.id === runId);
        const name =
          existing?.name ?? nextName ?? `run ${get().runs.filter((r) => r.source === 'browser').length + 1}`;
        if (!existing) nextName = undefined;
        upsert({
          id: runId,
          name,
          source: 'browser',
          config,
          points: m.loss.map((p) => ({ step: p.step, loss: p.loss })),
          lossPerT: m.lossPerT ? { step: m.lossPerT.step, mean: [...m.lossPerT.buckets] } : null,
          grid: preview ? encodedGrid(preview.batch) : (existing?.grid ?? null),
          createdAt: existing?.createdAt ?? Date.now(),
        });
        const now = Date.now();
        if (now - lastSave > 2000 || status === 'stopped' || status === 'paused') {
          lastSave = now;
          save();
        }
      };
      const offMetrics = useMetrics.subscribe(record);
      const offTrain = useTrain.subscribe(record);
      return () => {
        offMetrics();
        offTrain();
      };
    },
  };
});

/** Grids already encoded: a record is rewritten on every metrics publish, its preview far less often. */
const encoded = new WeakMap<ImageBatch, NonNullable<RunRecord['grid']>>();

function encodedGrid(batch: ImageBatch): NonNullable<RunRecord['grid']> {
  let grid = encoded.get(batch);
  if (!grid) encoded.set(batch, (grid = { ...batch, data: toBase64(batch.data) }));
  return grid;
}

/** A stored grid back as an ImageBatch. */
export function gridBatch(grid: NonNullable<RunRecord['grid']>): ImageBatch {
  return { ...grid, data: fromBase64(grid.data) };
}

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}
