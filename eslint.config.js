import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

const tfjsOrUi = {
  patterns: [
    {
      group: ['@tensorflow/*', 'react', 'react-dom', 'zustand', 'recharts', '../model/*', '../training/*', '../ui/*', '../store/*', '../worker/*'],
      message: 'src/diffusion/ is pure math on typed arrays: no tfjs, React or app layers.',
    },
  ],
};

export default tseslint.config(
  { ignores: ['dist', 'build', 'node_modules', 'test-results', 'playwright-report', 'bench/out'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node, ...globals.worker } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/**/*.tsx'],
    plugins: { 'react-hooks': reactHooks },
    rules: { ...reactHooks.configs.recommended.rules },
  },
  {
    files: ['src/diffusion/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', tfjsOrUi] },
  },
  {
    // The U-Net knows no schedules and no UI.
    files: ['src/model/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['../diffusion/*', '../ui/*', '../store/*', 'react'], message: 'src/model/ knows no schedules and no UI.' }] },
      ],
    },
  },
);
