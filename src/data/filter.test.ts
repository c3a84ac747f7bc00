import type { Dataset, DatasetPair } from './types';
import { classIndex, filterClass } from './filter';

const digits = (labels: number[], split: 'train' | 'test'): Dataset => ({
  name: 'digits',
  images: Uint8Array.from(labels.flatMap((l, i) => [l, i])),
  labels: Uint8Array.from(labels),
  count: labels.length,
  height: 1,
  width: 2,
  channels: 1,
  classNames: ['0', '1', '2', '3'],
  allowsFlip: false,
  split,
});
const pair: DatasetPair = { train: digits([3, 1, 3, 0, 3], 'train'), test: digits([3, 2], 'test') };

describe('filterClass', () => {
  it('keeps digit "3" in both splits, in order, labels and class list unchanged', () => {
    const threes = filterClass(pair, '3');
    expect(threes.train.count).toBe(3);
    expect(Array.from(threes.train.images)).toEqual([3, 0, 3, 2, 3, 4]);
    expect(Array.from(threes.train.labels)).toEqual([3, 3, 3]);
    expect(threes.train.classNames).toEqual(['0', '1', '2', '3']);
    expect(threes.test?.count).toBe(1);
  });

  it('finds classes by name (any case) or index', () => {
    const named = { ...pair.train, classNames: ['cat', 'dog', 'Horse', 'ship'] };
    expect(classIndex(named, 'horse')).toBe(2);
    expect(classIndex(named, 3)).toBe(3);
    expect(classIndex(named, '1')).toBe(1);
  });

  it('names unknown classes and empty results', () => {
    expect(() => filterClass(pair, 'seven')).toThrow('digits: has no class "seven"; classes are 0, 1, 2, 3');
    expect(() => filterClass(pair, 9)).toThrow('digits: has no class 9');
    expect(() => filterClass(pair, '2')).toThrow('digits: has no training images of class 2');
  });
});
