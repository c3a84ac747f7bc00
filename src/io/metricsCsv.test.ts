import { metricsCsv } from '../training/metricsCsv';
import { MAX_METRICS_CSV_BYTES, MetricsCsvError, parseMetricsCsv, readMetricsCsv } from './metricsCsv';

describe('metrics.csv reader', () => {
  it("reads back the lab's own metrics.csv with its loss-per-t columns", () => {
    const points = [
      { step: 1, loss: 0.5, smoothedLoss: 0.5, gradNorm: 2, lr: 0, emaDecay: 1e-10 },
      { step: 2, loss: 0.25, smoothedLoss: 0.375, gradNorm: 1.5, lr: 2e-5, emaDecay: 0.9999 },
      { step: 3, loss: 0.2, smoothedLoss: 0.3, gradNorm: 1, lr: 3e-5, emaDecay: null },
    ];
    const mean = [0.5, null, ...Array<number>(18).fill(0.1)];
    const lab = metricsCsv(points, { numTrainTimesteps: 1000, mean, count: Array<number>(20).fill(1) });
    expect(parseMetricsCsv(lab, 'metrics.csv')).toEqual({
      points,
      lossPerT: { step: 3, mean, numTrainTimesteps: 1000 },
    });
  });

  it("reads train.py's: rows out of order, loss per t on several rows (the last step's kept)", () => {
    const torch =
      'step,loss,smoothed_loss,lr,grad_norm,ema_decay,loss_t_0_4,loss_t_5_9\r\n12,0.03,0.031,0.0002,0.4,0.9999,0.2,\r\n11,0.05,0.04,0.0002,0.5,0.9999,0.1,0.3\r\n13,0.02,0.03,0.0002,0.4,0.9999,,\r\n';
    const read = parseMetricsCsv(torch, 'm.csv');
    expect(read.points.map((p) => [p.step, p.emaDecay])).toEqual([
      [11, 0.9999],
      [12, 0.9999],
      [13, 0.9999],
    ]);
    expect(read.lossPerT).toEqual({ step: 12, mean: [0.2, null], numTrainTimesteps: 10 });
  });

  it('reads a metrics.csv from before the ema_decay column, and a plain step,loss log from elsewhere', () => {
    const old = 'step,loss,smoothed_loss,lr,grad_norm\n12,0.03,0.031,0.0002,0.4\n11,0.05,0.04,0.0002,0.5\n';
    expect(parseMetricsCsv(old, 'm.csv', ['smoothed_loss', 'lr', 'grad_norm']).points).toEqual([
      { step: 11, loss: 0.05, smoothedLoss: 0.04, lr: 0.0002, gradNorm: 0.5, emaDecay: null },
      { step: 12, loss: 0.03, smoothedLoss: 0.031, lr: 0.0002, gradNorm: 0.4, emaDecay: null },
    ]);
    // A byte-order mark and upper-case names, as a spreadsheet saves them; other columns ignored.
    expect(parseMetricsCsv('\uFEFFStep,Epoch,Loss\n1,0,0.9\n2,0,0.5\n', 'log.csv')).toEqual({
      points: [
        { step: 1, loss: 0.9, smoothedLoss: null, lr: null, gradNorm: null, emaDecay: null },
        { step: 2, loss: 0.5, smoothedLoss: null, lr: null, gradNorm: null, emaDecay: null },
      ],
      lossPerT: null,
    });
  });

  it.each([
    ['', 'a.csv is empty'],
    ['step,loss\n', 'a.csv has a header but no rows'],
    [
      'epoch,value\n1,2',
      'a.csv has no "step" column (its header: epoch,value); a loss log needs at least the columns step and loss',
    ],
    ['step,value\n1,2', /a.csv has no "loss" column/],
    ['step,loss\n1,abc', 'a.csv line 2: loss "abc" is not a finite number'],
    ['step,loss\n1', 'a.csv line 2: loss "" is not a finite number'],
    ['step,loss\n1,Infinity', 'a.csv line 2: loss "Infinity" is not a finite number'],
    ['step,loss\nx,1', 'a.csv line 2: step "x" is not a step number'],
    ['step,loss\n1.5,1', 'a.csv line 2: step "1.5" is not a step number'],
    ['step,loss\n2,1\n1,1\n2,1', 'a.csv line 4: step 2 is logged twice (also on line 2)'],
    ['step,loss,ema_decay\n1,1,high', 'a.csv line 2: ema_decay "high" is not a number'],
    ['step,loss,loss_t_0_4,loss_t_5_9\n1,1,0.1,x', 'a.csv line 2: loss_t_5_9 "x" is not a number'],
    ['step,loss,loss_t_0_4,loss_t_6_9\n1,1,1,1', /a.csv column "loss_t_6_9": .* should start at t = 5/],
    ['step,loss,loss_t_1_4\n1,1,1', /a.csv column "loss_t_1_4": .* should start at t = 0/],
    ['step,loss,loss_t_high\n1,1,1', /a.csv column "loss_t_high": loss-per-t columns are named/],
  ])('refuses %j with a message naming the problem', (text, message) => {
    expect(() => parseMetricsCsv(text, 'a.csv')).toThrow(message);
    expect(() => parseMetricsCsv(text, 'a.csv')).toThrow(MetricsCsvError);
  });

  it('refuses a file that lacks a column its caller needs, naming it', () => {
    expect(() => parseMetricsCsv('step,loss\n1,2\n', 'a.csv', ['smoothed_loss'])).toThrow(
      `a.csv has no "smoothed_loss" column (its header: step,loss); the lab's metrics.csv starts with step,loss,smoothed_loss,lr,grad_norm`,
    );
  });

  it('reads a picked file, refusing one too large by its size before reading it', async () => {
    const text = 'step,loss\n1,0.5\n';
    await expect(
      readMetricsCsv({ name: 'a.csv', size: text.length, text: async () => text }),
    ).resolves.toMatchObject({
      points: [{ step: 1, loss: 0.5 }],
    });
    const read = vi.fn(async () => text);
    await expect(
      readMetricsCsv({ name: 'big.csv', size: MAX_METRICS_CSV_BYTES + 1, text: read }),
    ).rejects.toThrow(/big.csv is 256 MiB; a metrics.csv is at most 256 MiB/);
    expect(read).not.toHaveBeenCalled();
  });
});
