import { defineConfig } from 'vitest/config';
import base from './vitest.config';

// The checks over the larger real data in ../shared/data (CI has it; a fresh clone does not).
// `npm run test:shared` runs them; `npm test` never needs them. (mergeConfig would concatenate
// the include/exclude lists, so the test options are replaced here instead.)
export default defineConfig({
  ...base,
  test: { ...base.test, include: ['src/**/*.shared.test.ts'], exclude: ['**/node_modules/**'] },
});
