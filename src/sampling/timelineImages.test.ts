import type { Timeline } from './timeline';
import { animationFrames, evenFrames, panelImage, stripImage } from './timelineImages';

/** 3 frames of 4 gray 2×2 images; byte value = 100·frame + 10·image + kind (0 x_t, 1 x₀, 2 ε). */
function timeline(): Timeline {
  const frames = [0, 1, 2];
  const fill = (kind: number) =>
    frames.map((f) => Uint8Array.from({ length: 16 }, (_, i) => 100 * f + 10 * Math.floor(i / 4) + kind));
  return {
    requestId: 'r',
    numImages: 4,
    height: 2,
    width: 2,
    channels: 1,
    totalSteps: 3,
    stride: 1,
    frames: frames.map((f) => ({ step: f, t: 2 - f, alphaBar: 0.5, sigma: 0 })),
    xt: fill(0),
    x0: fill(1),
    eps: fill(2),
  };
}

describe('evenFrames', () => {
  it('keeps every frame when there are few, else spreads them including both ends', () => {
    expect(evenFrames(3, 5)).toEqual([0, 1, 2]);
    expect(evenFrames(100, 5)).toEqual([0, 25, 50, 74, 99]);
    expect(evenFrames(10, 1)).toEqual([9]);
    expect(evenFrames(0, 4)).toEqual([]);
  });
});

describe('timeline images', () => {
  it('shows a followed sample alone, or the batch as a 2×2 grid', () => {
    const tl = timeline();
    expect(Array.from(panelImage(tl, 'x0', 2, 3).data)).toEqual([231, 231, 231, 231]);
    const grid = panelImage(tl, 'eps', 1, null);
    expect([grid.width, grid.height]).toEqual([5, 5]);
    expect(grid.data[0]).toBe(102);
    expect(grid.data[3]).toBe(112);
  });

  it('puts x_t beside predicted x₀ in each animation frame', () => {
    const frames = animationFrames(timeline(), 1, 2);
    expect(frames).toHaveLength(2);
    expect([frames[0].width, frames[0].height]).toEqual([6, 2]);
    expect(Array.from(frames[1].data.subarray(0, 6))).toEqual([210, 210, 255, 255, 211, 211]);
  });

  it('lays out a strip with x_t on top and predicted x₀ below', () => {
    const strip = stripImage(timeline(), 0, 3);
    expect([strip.width, strip.height]).toEqual([10, 6]);
    expect(strip.data[4 * 10 + 8]).toBe(201);
    expect(strip.data[0]).toBe(0);
  });
});
