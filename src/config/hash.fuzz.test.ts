import { hashTarget } from '../fuzz/configTargets';
import { REFUSAL_BYTES, fuzzIt } from '../fuzz/fuzzTest';
import { probe } from '../fuzz/harness';
import { decodeRunConfigHash, presetRunConfig } from './hash';

describe('decodeRunConfigHash, fuzzed', () => {
  fuzzIt(hashTarget);

  it('found by fuzzing: an unknown model.preset is reported and left out, not thrown', () => {
    for (const name of ['..%2F..', '', 'null', 'constructor']) {
      const { config, errors } = decodeRunConfigHash(
        `#preset=tiny&model.preset=${name}&training.batchSize=2`,
      );
      expect(errors.map((e) => e.path)).toEqual(['model.preset']);
      expect(errors[0].message).toMatch(
        /is not a U-Net preset; presets: tiny, mnist, cifar-small, paper-cifar10, custom/,
      );
      expect(config.model).toEqual(presetRunConfig('tiny').model);
      expect(config.training.batchSize).toBe(2);
    }
  });
  it('found by fuzzing: num_train_timesteps 2^32 is reported before any schedule table is allocated', async () => {
    let decoded: ReturnType<typeof decodeRunConfigHash> | undefined;
    const { error, grownBytes } = await probe(() => {
      decoded = decodeRunConfigHash('#diffusion.num_train_timesteps=4294967296');
    });
    expect(error).toBeUndefined();
    expect(grownBytes).toBeLessThan(REFUSAL_BYTES);
    expect(decoded?.errors.map((e) => e.message).join('; ')).toMatch(
      /num_train_timesteps = 4294967296 is not allowed; allowed: an integer from 1 to 100000/,
    );
    expect(decoded?.config.diffusion.num_train_timesteps).toBe(1000);
  });
});
