import { fuzzIt } from '../fuzz/fuzzTest';
import { bundleTarget } from '../fuzz/ioTargets';

describe('readModelBundle, fuzzed', () => {
  fuzzIt(bundleTarget);
});
