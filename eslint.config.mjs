import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'out/**', 'models/**', 'bin/**', 'jest.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // The pure core must not reach for I/O, the clock or the environment.
    files: ['src/domain/**', 'src/series/**', 'src/periodicity/**', 'src/forecast/**', 'src/planner/**', 'src/guard/**', 'src/simulate/**', 'src/util/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['fs', 'node:fs', 'fs/*', 'node:*', 'http', 'https', 'axios', 'express', 'child_process', '**/runtime/**', '**/cli/**', '**/collector/**', '**/engine/**', '**/api/**', '**/telemetry/**'] }],
      'no-restricted-globals': ['error', { name: 'process', message: 'pure code takes configuration as parameters' }],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'time comes in as a parameter' }, { object: 'Math', property: 'random', message: 'use the seeded rng in src/util/rng.ts' }],
    },
  },
);
