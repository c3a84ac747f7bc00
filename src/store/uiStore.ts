/**
 * What the learner chose about the page itself: which section is open (actions elsewhere, an
 * import, can move them on) and how large images are shown.
 */
import { create } from 'zustand';

export type TabKey = 'data' | 'train' | 'sample' | 'weights' | 'clinic';

/** CSS pixels one image (one dataset tile, one sample) is shown at: 32×32 at 128 px is 4× per pixel. */
export const IMAGE_SIZES = [64, 128, 192, 256] as const;
export type ImageSize = (typeof IMAGE_SIZES)[number];

interface UiState {
  tab: TabKey;
  imageSize: ImageSize;
  setTab(tab: TabKey): void;
  setImageSize(size: ImageSize): void;
}

export const useUi = create<UiState>((set) => ({
  tab: 'data',
  imageSize: 128,
  setTab: (tab) => set({ tab }),
  setImageSize: (imageSize) => set({ imageSize }),
}));
