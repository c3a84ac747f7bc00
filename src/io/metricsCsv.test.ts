import { metricsCsv } from '../training/metricsCsv';
import { MetricsCsvError, parseMetricsCsv } from './metricsCsv';

describe('metrics.csv reader', () => {
  it("reads back the lab's own metrics.csv, and train.py's (loss_t columns, rows out of order)", () => {
    const points = [
      { step: 1, loss: 0.5, smoothedLoss: 0.5, gradNorm: 2, lr: 0, emaDecay: 1e-10 },
      { step: 2, loss: 0.25, smoothedLoss: 0.375, gradNorm: 1.5, lr: 2e-5, emaDecay: 0.9999 },
      { step: 3, loss: 0.2, smoothedLoss: 0.3, gradNorm: 1, lr: 3e-5, emaDecay: null },
    ];
    const lab = metricsCsv(points, { numTrainTimesteps: 10, mean: [0.1, null], count: [1, 0] });
    expect(parseMetricsCsv(lab, 'metrics.csv')).toEqual(points);
    const torch =
      'step,loss,smoothed_loss,lr,grad_norm,ema_decay,loss_t_0_49\r\n12,0.03,0.031,0.0002,0.4,0.9999,\r\n11,0.05,0.04,0.0002,0.5,0.9999,0.1\r\n';
    expect(parseMetricsCsv(torch, 'm.csv').map((p) => [p.step, p.emaDecay])).toEqual([
      [11, 0.9999],
      [12, 0.9999],
    ]);
  });

  it('reads a metrics.csv from before the ema_decay column (Export run, train.py)', () => {
    const old =
      'step,loss,smoothed_loss,lr,grad_norm,loss_t_0_49\n12,0.03,0.031,0.0002,0.4,\n11,0.05,0.04,0.0002,0.5,0.1\n';
    expect(parseMetricsCsv(old, 'm.csv')).toEqual([
      { step: 11, loss: 0.05, smoothedLoss: 0.04, lr: 0.0002, gradNorm: 0.5, emaDecay: null },
      { step: 12, loss: 0.03, smoothedLoss: 0.031, lr: 0.0002, gradNorm: 0.4, emaDecay: null },
    ]);
  });

  it('names the file, line and column of what is wrong', () => {
    expect(() => parseMetricsCsv('', 'a.csv')).toThrow('a.csv is empty');
    expect(() => parseMetricsCsv('step,loss\n1,2\n', 'a.csv')).toThrow(/a.csv has no "smoothed_loss" column/);
    const header = 'step,loss,smoothed_loss,lr,grad_norm\n';
    expect(() => parseMetricsCsv(header, 'a.csv')).toThrow('a.csv has a header but no rows');
    expect(() => parseMetricsCsv(`${header}x,1,1,1,1\n`, 'a.csv')).toThrow(
      /line 2: step "x" is not a step number/,
    );
    expect(() => parseMetricsCsv(`${header}1,oops,1,1,1\n`, 'a.csv')).toThrow(MetricsCsvError);
    expect(parseMetricsCsv(`${header}3,,1,1,1\n`, 'a.csv')[0].loss).toBeNaN();
    expect(() =>
      parseMetricsCsv('step,loss,smoothed_loss,lr,grad_norm,ema_decay\n1,1,1,1,1,high\n', 'a.csv'),
    ).toThrow('a.csv line 2: ema_decay "high" is not a number');
  });
});
