import { applyOverrides, presetRunConfig, RUN_PRESET_NAMES } from '../../config';
import { activePreset } from './activePreset';

describe('activePreset', () => {
  it('names the preset a config is exactly, and the defaults', () => {
    for (const name of RUN_PRESET_NAMES)
      expect(activePreset(presetRunConfig(name))).toEqual({ kind: 'preset', name });
    expect(activePreset(presetRunConfig(null))).toEqual({ kind: 'preset', name: 'defaults' });
  });

  it('is custom once a field differs, naming the closest preset and the number of changes', () => {
    const tiny = applyOverrides(presetRunConfig('tiny'), { training: { batchSize: 2, targetSteps: 40 } });
    expect(activePreset(tiny)).toEqual({ kind: 'custom', base: 'tiny', changes: 2 });
    const defaults = applyOverrides(presetRunConfig(null), { training: { seed: 7 } });
    expect(activePreset(defaults)).toEqual({ kind: 'custom', base: 'defaults', changes: 1 });
  });
});
