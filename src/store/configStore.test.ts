import { decodeRunConfigHash, presetRunConfig } from '../config';
import { useConfig } from './configStore';
import type { HashLocation } from './hashSync';

function location(hash: string): HashLocation & { hash: string } {
  const loc = {
    hash,
    read: () => loc.hash,
    replace: (h: string) => void (loc.hash = h === '' ? '' : `#${h}`),
  };
  return loc;
}

describe('useConfig', () => {
  it('opens with the config a link carries', () => {
    useConfig.getState().init(location('#preset=tiny&training.batchSize=4'));
    const { valid, linkErrors } = useConfig.getState();
    expect(valid.model.preset).toBe('tiny');
    expect(valid.training.batchSize).toBe(4);
    expect(linkErrors).toEqual([]);
  });

  it('names the settings of a link it could not use, applies the rest and cleans the URL', () => {
    const loc = location('#training.batchSize=0&training.lr=0.001');
    useConfig.getState().init(loc);
    const { valid, linkErrors } = useConfig.getState();
    expect(valid.training.lr).toBe(0.001);
    expect(linkErrors.join()).toMatch(/training\.batchSize = 0 is not allowed/);
    expect(decodeRunConfigHash(loc.hash).errors).toEqual([]);
    expect(decodeRunConfigHash(loc.hash).config.training.lr).toBe(0.001);
  });

  it('mirrors every valid edit into the hash, so the link reproduces the setup', () => {
    const loc = location('');
    useConfig.getState().init(loc);
    useConfig.getState().setField('training.batchSize', 32);
    useConfig.getState().setField('training.sharedT', true);
    const decoded = decodeRunConfigHash(loc.hash);
    expect(decoded.config).toEqual(useConfig.getState().valid);
    expect(decoded.config.training.sharedT).toBe(true);
  });

  it('keeps an invalid edit in the draft with its message, and the last valid config in the URL', () => {
    const loc = location('');
    useConfig.getState().init(loc);
    useConfig.getState().setField('training.batchSize', 64);
    const before = loc.hash;
    useConfig.getState().setField('training.lr', Number.NaN);
    const s = useConfig.getState();
    expect(s.errors['training.lr']).toMatch(
      /training\.lr = null is not allowed; allowed: a number in \(0, 1\]/,
    );
    expect(Number.isNaN(s.draft.training.lr)).toBe(true);
    expect(s.valid.training.lr).toBe(2e-4);
    expect(loc.hash).toBe(before);
    useConfig.getState().setField('training.lr', 1e-3);
    expect(useConfig.getState().errors).toEqual({});
  });

  it('one click gives the paper recipe or the learner’s setup', () => {
    useConfig.getState().init(location(''));
    useConfig.getState().applyPreset('learner');
    expect(useConfig.getState().valid).toEqual(presetRunConfig('learner'));
    useConfig.getState().applyPreset('paper');
    expect(useConfig.getState().valid.diffusion.num_train_timesteps).toBe(1000);
    expect(useConfig.getState().valid.training.sharedT).toBe(false);
  });

  it('a U-Net preset replaces the model section', () => {
    useConfig.getState().init(location(''));
    useConfig.getState().setField('model.preset', 'tiny');
    expect(useConfig.getState().valid.model.block_out_channels).toEqual([32, 64]);
    expect(useConfig.getState().valid.model.sample_size).toBe(16);
  });

  it('reads a hash changed by hand, but not its own writes', () => {
    const loc = location('');
    useConfig.getState().init(loc);
    useConfig.getState().setField('training.batchSize', 16);
    useConfig.getState().onHashChange();
    expect(useConfig.getState().valid.training.batchSize).toBe(16);
    loc.hash = '#preset=paper';
    useConfig.getState().onHashChange();
    expect(useConfig.getState().valid.data.dataset).toBe('cifar10');
  });
});
