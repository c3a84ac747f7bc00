import { metricsCsv } from '../training/metricsCsv';
import { MetricsCsvError, parseMetricsCsv } from './metricsCsv';

describe('metrics.csv reader', () => {
  it("reads back the lab's own metrics.csv, and train.py's (loss_t columns, rows out of order)", () => {
    const points = [
      { step: 1, loss: 0.5, smoothedLoss: 0.5, gradNorm: 2, lr: 1e-5 },
      { step: 2, loss: 0.25, smoothedLoss: 0.375, gradNorm: 1.5, lr: 2e-5 },
    ];
    const lab = metricsCsv(points, { numTrainTimesteps: 10, mean: [0.1, null], count: [1, 0] });
    expect(parseMetricsCsv(lab, 'metrics.csv')).toEqual(points);
    const torch =
      'step,loss,smoothed_loss,lr,grad_norm,loss_t_0_49\r\n12,0.03,0.031,0.0002,0.4,\r\n11,0.05,0.04,0.0002,0.5,0.1\r\n';
    expect(parseMetricsCsv(torch, 'm.csv').map((p) => p.step)).toEqual([11, 12]);
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
  });
});
