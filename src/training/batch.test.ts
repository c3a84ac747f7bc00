import * as tf from '@tensorflow/tfjs';
import { parseRunConfig } from '../config';
import type { Dataset } from '../data/types';
import { EpochOrder, TrainingDataError, prepareTrainingData, uploadBatch } from './batch';

function digits(count: number, side = 28, labels?: number[]): Dataset {
  return {
    name: 'digits',
    images: Uint8Array.from({ length: count * side * side }, (_, i) => (i * 37) % 256),
    labels: Uint8Array.from(labels ?? Array.from({ length: count }, (_, i) => i % 10)),
    count,
    height: side,
    width: side,
    channels: 1,
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    allowsFlip: false,
  };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('epoch order', () => {
  it('visits every image once per epoch in a new order, dropping the last partial batch', () => {
    const order = new EpochOrder(10, 3, 42);
    const epoch0 = [order.next(), order.next(), order.next()].flatMap((b) => [...b]);
    expect(new Set(epoch0).size).toBe(9);
    const epoch1 = [order.next(), order.next(), order.next()].flatMap((b) => [...b]);
    expect(order.state()).toEqual({ epoch: 1, cursor: 9 });
    expect(epoch1).not.toEqual(epoch0);
    expect(new Set(epoch1).size).toBe(9);
  });

  it('resumes mid-epoch from its state, and depends only on the seed', () => {
    const a = new EpochOrder(20, 4, 7);
    a.next();
    a.next();
    const b = new EpochOrder(20, 4, 7);
    b.load(a.state());
    for (let i = 0; i < 8; i++) expect([...b.next()]).toEqual([...a.next()]);
    expect([...new EpochOrder(20, 4, 8).next()]).not.toEqual([...new EpochOrder(20, 4, 7).next()]);
  });
});

describe('training data', () => {
  it('pads digits to the model side and uses [-1, 1] by default', () => {
    const config = parseRunConfig({ training: { batchSize: 4 } });
    const data = prepareTrainingData({ train: digits(10) }, config);
    expect([data.dataset.height, data.dataset.width]).toEqual([32, 32]);
    expect(data.normalization.kind).toBe('unit');
    expect(data.flip).toBe(false);
  });

  it('applies the class filter and says when it leaves fewer images than a batch', () => {
    const config = parseRunConfig({ data: { classFilter: '3' }, training: { batchSize: 4 } });
    expect(() => prepareTrainingData({ train: digits(20) }, config)).toThrow(TrainingDataError);
    expect(() => prepareTrainingData({ train: digits(20) }, config)).toThrow(
      'digits (class 3) has 2 training image(s), fewer than the batch size 4; lower training.batchSize to at most 2 or use more data',
    );
    expect(prepareTrainingData({ train: digits(40) }, config).dataset.count).toBe(4);
  });

  it('refuses a dataset whose fitted copy would pass 1 GiB before allocating it', () => {
    const config = parseRunConfig({
      model: {
        preset: 'tiny',
        sample_size: 256,
        in_channels: 1,
        out_channels: 1,
        down_block_types: ['DownBlock2D', 'DownBlock2D'],
        up_block_types: ['UpBlock2D', 'UpBlock2D'],
      },
      training: { batchSize: 1 },
    });
    const many = {
      ...digits(1),
      count: 20_000,
      images: new Uint8Array(20_000 * 28 * 28),
      labels: new Uint8Array(20_000),
    };
    const before = process.memoryUsage().arrayBuffers;
    expect(() => prepareTrainingData({ train: many }, config)).toThrow(
      'digits: 20000 images fitted to sample_size 256 take 1.2 GiB, over the 1.0 GiB limit for a dataset; lower model.sample_size or use fewer images',
    );
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 << 20);
  });

  it('refuses images with other channels than the model takes', () => {
    const config = parseRunConfig({ model: { preset: 'cifar-small' }, training: { batchSize: 2 } });
    expect(() => prepareTrainingData({ train: digits(4) }, config)).toThrow(
      /1 channel\(s\) but the model takes in_channels = 3/,
    );
  });

  it('uploads bytes and normalises them on the GPU', async () => {
    const bytes = Uint8Array.from([0, 255, 51, 102]);
    const unit = uploadBatch(bytes, [1, 2, 2, 1], { kind: 'unit', scale: [2 / 255], offset: [-1] });
    const values = await unit.data();
    expect(values[0]).toBe(-1);
    expect(values[1]).toBe(1);
    expect(values[2]).toBeCloseTo(-0.6, 6);
    const rgb = uploadBatch(Uint8Array.from([10, 20, 30]), [1, 1, 1, 3], {
      kind: 'meanStd',
      scale: [1, 2, 3],
      offset: [0, 1, 2],
    });
    expect(Array.from(await rgb.data())).toEqual([10, 41, 92]);
    tf.dispose([unit, rgb]);
  });
});
