import { runBundleTarget } from '../fuzz/runBundleTarget';
import { fuzzIt } from '../fuzz/fuzzTest';

describe('readRunBundle, fuzzed', () => {
  fuzzIt(runBundleTarget);
});
