import { clampFrame, gridColumns, playbackFrame, recordingNote, tileAt, timelineKey } from './timeline';

describe('clampFrame', () => {
  it('keeps indices inside the timeline and rounds fractional slider values', () => {
    expect(clampFrame(-3, 10)).toBe(0);
    expect(clampFrame(12, 10)).toBe(9);
    expect(clampFrame(4.6, 10)).toBe(5);
    expect(clampFrame(3, 0)).toBe(0);
    expect(clampFrame(Number.NaN, 10)).toBe(0);
  });
});

describe('timelineKey', () => {
  it('steps with the arrows, stopping at both ends', () => {
    expect(timelineKey('ArrowRight', 3, 10)).toEqual({ frame: 4 });
    expect(timelineKey('ArrowLeft', 3, 10)).toEqual({ frame: 2 });
    expect(timelineKey('ArrowLeft', 0, 10)).toEqual({ frame: 0 });
    expect(timelineKey('ArrowRight', 9, 10)).toEqual({ frame: 9 });
  });

  it('jumps with Home/End, toggles with space, ignores other keys', () => {
    expect(timelineKey('Home', 7, 10)).toEqual({ frame: 0 });
    expect(timelineKey('End', 2, 10)).toEqual({ frame: 9 });
    expect(timelineKey(' ', 2, 10)).toEqual({ toggle: true });
    expect(timelineKey('a', 2, 10)).toBeUndefined();
  });
});

describe('playbackFrame', () => {
  it('advances 10 frames a second at 1× and scales with speed', () => {
    expect(playbackFrame(0, 1000, 1, 100)).toEqual({ frame: 10, done: false });
    expect(playbackFrame(5, 1000, 2, 100)).toEqual({ frame: 25, done: false });
    expect(playbackFrame(0, 1000, 0.5, 100)).toEqual({ frame: 5, done: false });
  });

  it('stops on the last frame', () => {
    expect(playbackFrame(95, 10_000, 1, 100)).toEqual({ frame: 99, done: true });
    expect(playbackFrame(0, 0, 1, 1)).toEqual({ frame: 0, done: true });
  });
});

describe('tileAt', () => {
  const grid = { columns: 3, count: 7, tileW: 16, tileH: 16, gutter: 1 };

  it('maps pixels to tiles row by row', () => {
    expect(tileAt(0, 0, grid)).toBe(0);
    expect(tileAt(17, 0, grid)).toBe(1);
    expect(tileAt(40, 20, grid)).toBe(5);
    expect(tileAt(5, 40, grid)).toBe(6);
  });

  it('returns nothing on gutters, past the last image or outside the grid', () => {
    expect(tileAt(16, 3, grid)).toBeUndefined();
    expect(tileAt(3, 16, grid)).toBeUndefined();
    expect(tileAt(20, 40, grid)).toBeUndefined();
    expect(tileAt(60, 3, grid)).toBeUndefined();
    expect(tileAt(-1, 3, grid)).toBeUndefined();
  });
});

describe('gridColumns and recordingNote', () => {
  it('chooses the squarest grid', () => {
    expect([1, 2, 4, 5, 16, 17, 64].map(gridColumns)).toEqual([1, 2, 2, 3, 4, 5, 8]);
  });

  it('says when a stride was needed', () => {
    expect(recordingNote(10, 10, 1)).toBe('every step recorded (10 frames)');
    expect(recordingNote(1000, 250, 4)).toMatch(/^every 4th of 1000 steps recorded \(250 frames\)/);
    expect(recordingNote(1000, 500, 2)).toMatch(/^every 2nd /);
    expect(recordingNote(1000, 91, 11)).toMatch(/^every 11th /);
  });
});
