import { decodePng } from '../io/png';
import { playbackTicker, timelineFile, useCursor, useTimeline } from './timelineStore';

const meta = {
  requestId: 'r1',
  numImages: 2,
  height: 2,
  width: 2,
  channels: 1 as const,
  totalSteps: 6,
  stride: 2,
};
const frame = (step: number) => ({ step, t: 999 - step, alphaBar: 0.5, sigma: 0.1 });
const bytes = (v: number) => new Uint8Array(8).fill(v);
const chunk = (steps: number[]) => ({
  frames: steps.map(frame),
  xt: steps.map(bytes),
  x0: steps.map(bytes),
  eps: steps.map(bytes),
});

beforeEach(() => {
  useTimeline.getState().start(meta);
});

describe('useTimeline', () => {
  it('collects chunks of the current run in order', () => {
    useTimeline.getState().append('r1', chunk([0, 2]));
    useTimeline.getState().append('r1', chunk([4]));
    const tl = useTimeline.getState().timeline!;
    expect(tl.frames.map((f) => f.step)).toEqual([0, 2, 4]);
    expect(tl.xt[2][0]).toBe(4);
  });

  it('drops chunks of another run', () => {
    useTimeline.getState().append('old', chunk([0]));
    expect(useTimeline.getState().timeline!.frames).toHaveLength(0);
  });

  it('rejects a frame of the wrong size, naming the sizes', () => {
    const bad = { ...chunk([0]), eps: [new Uint8Array(3)] };
    expect(() => useTimeline.getState().append('r1', bad)).toThrow(/eps has 3 bytes, expected 8 \(2×2×2×1\)/);
  });

  it('starting a new run resets the cursor', () => {
    useTimeline.getState().append('r1', chunk([0, 2, 4]));
    useCursor.getState().seek(2);
    useCursor.getState().follow(1);
    useTimeline.getState().start({ ...meta, requestId: 'r2' });
    expect(useCursor.getState()).toMatchObject({ frame: 0, followed: null, playing: false });
  });
});

describe('useCursor', () => {
  beforeEach(() => useTimeline.getState().append('r1', chunk([0, 2, 4])));

  it('seeks and steps inside the recorded frames', () => {
    const c = useCursor.getState();
    c.seek(10);
    expect(useCursor.getState().frame).toBe(2);
    c.step(-1);
    expect(useCursor.getState().frame).toBe(1);
    c.step(-5);
    expect(useCursor.getState().frame).toBe(0);
  });

  it('plays from the start when at the end, and stepping pauses', () => {
    const c = useCursor.getState();
    c.seek(2);
    c.setPlaying(true);
    expect(useCursor.getState()).toMatchObject({ frame: 0, playing: true });
    c.step(1);
    expect(useCursor.getState().playing).toBe(false);
  });

  it('playback advances with time at the chosen speed and stops on the last frame', () => {
    const tick = playbackTicker();
    useCursor.getState().setSpeed(1);
    useCursor.getState().setPlaying(true);
    tick(1000);
    tick(1100); // 10 fps at 1×: one frame per 100 ms
    expect(useCursor.getState().frame).toBe(1);
    expect(tick(1500)).toBe(false);
    expect(useCursor.getState()).toMatchObject({ frame: 2, playing: false });
  });
});

describe('timelineFile', () => {
  it('exports the batch or a followed sample as GIF, APNG or a PNG strip, named for what it holds', () => {
    useTimeline.getState().append('r1', chunk([0, 2, 4]));
    const tl = useTimeline.getState().timeline!;
    const gif = timelineFile(tl, null, 'gif');
    expect([gif.name, gif.mime, new TextDecoder().decode(gif.bytes.subarray(0, 6))]).toEqual([
      'timeline-batch.gif',
      'image/gif',
      'GIF89a',
    ]);
    const apng = timelineFile(tl, 1, 'apng');
    expect([apng.name, apng.mime]).toEqual(['timeline-sample-2.png', 'image/apng']);
    // x_t beside x̂₀ of sample 2 (2×2 each, 2 px gutter), one animation frame per recorded step.
    expect(decodePng(apng.bytes)).toMatchObject({ width: 6, height: 2 });
    const strip = timelineFile(tl, 1, 'strip');
    expect([strip.name, strip.mime]).toEqual(['strip-sample-2.png', 'image/png']);
    // Three frames wide, x_t above x̂₀.
    expect(decodePng(strip.bytes)).toMatchObject({ width: 3 * 2 + 2 * 2, height: 2 * 2 + 2 });
  });
});
