import { expectRefusedBeforeAllocating, fuzzIt } from '../fuzz/fuzzTest';
import { configFilesTarget } from '../fuzz/ioTargets';
import { readDiffusersConfig, readModelIndex } from './configFiles';
import { JsonFileError, MAX_JSON_BYTES } from './json';

describe('diffusers config files, fuzzed', () => {
  fuzzIt(configFilesTarget);

  it('refuses a file over the size cap before decoding it', async () => {
    const big = new Uint8Array(MAX_JSON_BYTES + 1).fill(0x20);
    await expectRefusedBeforeAllocating(
      () => readDiffusersConfig(big, 'config.json'),
      JsonFileError,
      /over the 16777216-byte limit/,
    );
  });

  it('found by fuzzing: a component nested 10,000 arrays deep is a JsonFileError, not a stack overflow', () => {
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const index = `{"_class_name":"DDPMPipeline","unet":${deep}}`;
    expect(() => readModelIndex(index, 'model_index.json')).toThrow(JsonFileError);
    expect(() => readModelIndex(index, 'model_index.json')).toThrow(
      /component "unet" must be \[library, class\], got \(an array nested too deep to show\)/,
    );
  });
});
