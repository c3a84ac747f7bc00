import { alignSeries, useOverlay } from './overlayStore';

describe('metrics.csv overlay', () => {
  it('keeps the smoothed loss of a metrics.csv, downsampled, and reports a bad file without losing the last one', () => {
    const rows = Array.from({ length: 1000 }, (_, i) => `${i + 1},${1 / (i + 1)},${2 / (i + 1)},0.0002,1`);
    useOverlay
      .getState()
      .fromText(['step,loss,smoothed_loss,lr,grad_norm', ...rows].join('\n'), 'metrics.csv');
    const overlay = useOverlay.getState().overlay!;
    expect(overlay).toMatchObject({ fileName: 'metrics.csv', rows: 1000 });
    expect(overlay.points.length).toBeLessThanOrEqual(300);
    expect(overlay.points[0]).toEqual({ step: 1, loss: 1, smoothed: 2 });
    expect(overlay.points.at(-1)!.step).toBe(1000);
    useOverlay.getState().fromText('nonsense', 'other.csv');
    expect(useOverlay.getState().error).toMatch(/other.csv has no "step" column/);
    expect(useOverlay.getState().overlay?.fileName).toBe('metrics.csv');
    useOverlay.getState().clear();
    expect(useOverlay.getState().overlay).toBeUndefined();
  });

  it('aligns the browser run and the overlay on one step axis, interpolating inside each and null outside', () => {
    const browser = [
      { step: 1, value: 1 },
      { step: 3, value: 0.5 },
    ];
    const torch = [
      { step: 2, value: 0.75 },
      { step: 6, value: 0.25 },
    ];
    expect(alignSeries(browser, torch)).toEqual({
      xs: [1, 2, 3, 6],
      a: [1, 0.75, 0.5, null],
      b: [null, 0.75, 0.625, 0.25],
    });
  });
});
