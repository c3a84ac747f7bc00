/**
 * Reference curves as the page loads them: public/reference/<preset>.json, fetched once per
 * preset. A preset without a file (no GPU has made it yet) is `missing`, which the UI says.
 */
import { create } from 'zustand';
import { parseReferenceCurve, type ReferenceCurve } from '../clinic/reference';
import type { RunPresetName } from '../config';

export type ReferenceState =
  | { kind: 'loading' }
  | { kind: 'ready'; curve: ReferenceCurve }
  | { kind: 'missing' }
  | { kind: 'error'; message: string };

interface ReferencesState {
  byPreset: Partial<Record<RunPresetName, ReferenceState>>;
  load(preset: RunPresetName): void;
}

export const useReferences = create<ReferencesState>((set, get) => ({
  byPreset: {},
  load(preset) {
    if (get().byPreset[preset]) return;
    const put = (s: ReferenceState) => set({ byPreset: { ...get().byPreset, [preset]: s } });
    put({ kind: 'loading' });
    fetch(new URL(`reference/${preset}.json`, document.baseURI))
      .then(async (res) => {
        if (res.status === 404) return put({ kind: 'missing' });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        const text = await res.text();
        // vite's dev server answers an unknown path with index.html: that is a missing file too.
        if (text.trimStart().startsWith('<')) return put({ kind: 'missing' });
        put({ kind: 'ready', curve: parseReferenceCurve(JSON.parse(text)) });
      })
      .catch((e: unknown) =>
        put({ kind: 'error', message: `reference/${preset}.json: ${(e as Error).message}` }),
      );
  },
}));
