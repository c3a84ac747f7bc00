import { lossPerTColumns, metricsCsv } from './metricsCsv';

const points = [
  { step: 1, loss: 0.5, smoothedLoss: 0.5, gradNorm: 2, lr: 0, emaDecay: 1e-10 },
  { step: 2, loss: 0.25, smoothedLoss: 0.375, gradNorm: 1.5, lr: 2e-5, emaDecay: 0.9999 },
];

describe('metrics.csv', () => {
  it('names the loss-per-t columns by the integer t each bucket holds', () => {
    expect(lossPerTColumns(1000, 20).slice(0, 2)).toEqual(['loss_t_0_49', 'loss_t_50_99']);
    expect(lossPerTColumns(1000, 20).at(-1)).toBe('loss_t_950_999');
    // T not divisible by the bucket count: ⌊t·3/10⌋ puts t = 0..3 in 0, 4..6 in 1, 7..9 in 2.
    expect(lossPerTColumns(10, 3)).toEqual(['loss_t_0_3', 'loss_t_4_6', 'loss_t_7_9']);
  });

  it('writes a header and one row per point, the loss-per-t means on the last row only', () => {
    const csv = metricsCsv(points, { numTrainTimesteps: 10, mean: [0.125, null, 3], count: [2, 0, 1] });
    expect(csv).toBe(
      [
        'step,loss,smoothed_loss,lr,grad_norm,ema_decay,loss_t_0_3,loss_t_4_6,loss_t_7_9',
        '1,0.5,0.5,0,2,1e-10,,,',
        '2,0.25,0.375,0.00002,1.5,0.9999,0.125,,3',
        '',
      ].join('\n'),
    );
    // EMA off (null), and points of checkpoints saved before the decay was recorded: empty cells.
    const [off, old] = [
      { ...points[0], emaDecay: null },
      { ...points[1], emaDecay: undefined },
    ];
    expect(metricsCsv([off, old], { numTrainTimesteps: 10, mean: [null], count: [0] }).split('\n')).toEqual([
      'step,loss,smoothed_loss,lr,grad_norm,ema_decay,loss_t_0_9',
      '1,0.5,0.5,0,2,,',
      '2,0.25,0.375,0.00002,1.5,,',
      '',
    ]);
    expect(metricsCsv([], { numTrainTimesteps: 10, mean: [null], count: [0] })).toBe(
      'step,loss,smoothed_loss,lr,grad_norm,ema_decay,loss_t_0_9\n',
    );
  });
});
