import { diffPaths, getPath, setPath } from './configPath';

const config = {
  training: { batchSize: 128, lr: 2e-4 },
  model: { block_out_channels: [32, 64] },
  data: { classFilter: null },
};

describe('configPath', () => {
  it('reads nested values and undefined for missing paths', () => {
    expect(getPath(config, 'training.batchSize')).toBe(128);
    expect(getPath(config, 'data.classFilter')).toBeNull();
    expect(getPath(config, 'training.nope.deeper')).toBeUndefined();
  });

  it('sets a value without mutating the original and shares untouched sections', () => {
    const next = setPath(config, 'training.batchSize', 64);
    expect(next.training).toEqual({ batchSize: 64, lr: 2e-4 });
    expect(config.training.batchSize).toBe(128);
    expect(next.model).toBe(config.model);
  });

  it('lists the leaves that differ', () => {
    const next = setPath(setPath(config, 'training.lr', 1e-3), 'model.block_out_channels', [32, 32]);
    expect(diffPaths(config, next).sort()).toEqual(['model.block_out_channels', 'training.lr']);
    expect(diffPaths(config, structuredClone(config))).toEqual([]);
  });
});
