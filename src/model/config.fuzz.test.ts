import { unetConfigTarget } from '../fuzz/configTargets';
import { fuzzIt } from '../fuzz/fuzzTest';
import { UNetConfigError, parseUNetConfig } from './config';
import { presetConfig } from './presets';

describe('parseUNetConfig, fuzzed', () => {
  fuzzIt(unetConfigTarget);

  it('found by fuzzing: keys named like Object.prototype members are unsupported keys', () => {
    for (const key of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      const config = JSON.parse(`{"${key}": 1}`) as unknown;
      expect(() => parseUNetConfig(config)).toThrow(UNetConfigError);
      expect(() => parseUNetConfig(config)).toThrow(`config key "${key}" is not supported`);
    }
  });
  it('found by fuzzing: a value nested 10,000 arrays deep is a UNetConfigError, not a stack overflow', () => {
    const config = JSON.parse(`{"in_channels": ${'['.repeat(10_000)}${']'.repeat(10_000)}}`) as unknown;
    expect(() => parseUNetConfig(config)).toThrow(UNetConfigError);
    expect(() => parseUNetConfig(config)).toThrow(/"in_channels" = \(an array nested too deep to show\)/);
  });

  it('found by fuzzing the URL hash: a preset named like an Object.prototype member is unknown', () => {
    for (const name of ['constructor', 'toString', '__proto__'])
      expect(() => presetConfig(name)).toThrow(`unknown U-Net preset "${name}"`);
  });
});
