import { metricsCsv } from '../training/metricsCsv';
import { parseLossLog } from './logImport';

describe('parseLossLog', () => {
  it('reads step,loss', () => {
    expect(parseLossLog('step,loss\n1,0.9\n2,0.5\n')).toEqual({
      points: [
        { step: 1, loss: 0.9 },
        { step: 2, loss: 0.5 },
      ],
      lossPerT: null,
    });
  });

  it('reads the lab’s own metrics.csv with its loss-per-t columns', () => {
    const csv = metricsCsv(
      [
        { step: 1, loss: 1, smoothedLoss: 1, gradNorm: 2, lr: 1e-4 },
        { step: 2, loss: 0.8, smoothedLoss: 0.9, gradNorm: 2, lr: 1e-4 },
      ],
      {
        numTrainTimesteps: 1000,
        mean: [0.5, null, ...Array<number>(18).fill(0.1)],
        count: Array<number>(20).fill(1),
      },
    );
    const log = parseLossLog(csv);
    expect(log.points).toEqual([
      { step: 1, loss: 1 },
      { step: 2, loss: 0.8 },
    ]);
    expect(log.lossPerT).toMatchObject({ step: 2, numTrainTimesteps: 1000 });
    expect(log.lossPerT!.mean.slice(0, 3)).toEqual([0.5, null, 0.1]);
    expect(log.lossPerT!.mean).toHaveLength(20);
  });

  it.each([
    ['', /header line/],
    ['epoch,value\n1,2', /must name the columns "step" and "loss"/],
    ['step,loss\n1,abc', /line 2: loss "abc" is not a number/],
    ['step,loss\n2,1\n1,1', /line 3: step 1 does not follow step 2/],
    ['step,loss\n1', /line 2: loss "" is not a number/],
  ])('refuses %j with a message naming the problem', (text, message) => {
    expect(() => parseLossLog(text)).toThrow(message);
  });
});
