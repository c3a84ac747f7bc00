/** Which section of the lab is open; actions elsewhere (an import) can move the learner on. */
import { create } from 'zustand';

export type TabKey = 'data' | 'train' | 'sample' | 'weights' | 'clinic';

export const useUi = create<{ tab: TabKey; setTab(tab: TabKey): void }>((set) => ({
  tab: 'data',
  setTab: (tab) => set({ tab }),
}));
