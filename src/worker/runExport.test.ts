import { presetRunConfig } from '../config';
import { resolveSchedulerConfig } from '../diffusion';
import { readZip } from '../io/zip';
import { runZip } from './runExport';

const points = [
  { step: 1, loss: 0.5, smoothedLoss: 0.5, gradNorm: 2, lr: 1e-5, emaDecay: 1e-10 },
  { step: 2, loss: 0.25, smoothedLoss: 0.375, gradNorm: 1.5, lr: 2e-5, emaDecay: 0.999 },
];

describe('run export', () => {
  it('zips the config, the scheduler config, the CSV and the checkpoint bytes', () => {
    const config = presetRunConfig('tiny');
    const checkpoint = new Uint8Array([1, 2, 3]);
    const zip = readZip(
      runZip({
        config,
        scheduler: resolveSchedulerConfig({ num_train_timesteps: 10 }),
        points,
        lossPerT: { numTrainTimesteps: 10, mean: [0.1], count: [1] },
        checkpoint,
      }),
    );
    expect([...zip.keys()]).toEqual([
      'run.json',
      'scheduler_config.json',
      'metrics.csv',
      'checkpoint.safetensors',
    ]);
    expect(JSON.parse(new TextDecoder().decode(zip.get('run.json')))).toEqual(config);
    expect(JSON.parse(new TextDecoder().decode(zip.get('scheduler_config.json')))).toMatchObject({
      _class_name: 'DDPMScheduler',
      num_train_timesteps: 10,
    });
    const csv = new TextDecoder().decode(zip.get('metrics.csv')).split('\n');
    expect(csv[0]).toBe('step,loss,smoothed_loss,lr,grad_norm,ema_decay,loss_t_0_9');
    expect(csv[1]).toBe('1,0.5,0.5,0.00001,2,1e-10,');
    expect(csv[2]).toBe('2,0.25,0.375,0.00002,1.5,0.999,0.1');
    expect(zip.get('checkpoint.safetensors')).toEqual(checkpoint);
  });
});
